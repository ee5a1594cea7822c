package ref

import (
	"math"
	"testing"
)

func TestLayerNorm(t *testing.T) {
	// [1 2 3 4]: mean 2.5, variance 1.25.
	s := 1 / math.Sqrt(1.25)
	n := []float32{float32(-1.5 * s), float32(-0.5 * s), float32(0.5 * s), float32(1.5 * s)}
	cases := []struct {
		name      string
		x, g, b   []float32
		rows, dim int
		want      []float32
	}{
		{"plain", []float32{1, 2, 3, 4}, nil, nil, 1, 4, n},
		{"affine", []float32{1, 2, 3, 4}, []float32{2, 2, 2, 2}, []float32{1, 0, 0, 0}, 1, 4,
			[]float32{2*n[0] + 1, 2 * n[1], 2 * n[2], 2 * n[3]}},
		{"constant row is zero", []float32{7, 7, 1, 3}, nil, nil, 2, 2, []float32{0, 0, -1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { near(t, "y", LayerNorm(c.x, c.g, c.b, c.rows, c.dim, 1e-12), c.want, 1e-6) })
	}
}

func TestRMSNorm(t *testing.T) {
	// [3 4]: mean square 12.5.
	r := float32(1 / math.Sqrt(12.5))
	near(t, "plain", RMSNorm([]float32{3, 4}, nil, 1, 2, 0), []float32{3 * r, 4 * r}, 1e-7)
	near(t, "gamma", RMSNorm([]float32{3, 4, 1, 1}, []float32{2, -1}, 2, 2, 0), []float32{6 * r, -4 * r, 2, -1}, 1e-6)
	// eps matters for tiny inputs: x / sqrt(x² + eps).
	near(t, "eps", RMSNorm([]float32{1e-3}, nil, 1, 1, 3e-6), []float32{float32(1e-3 / math.Sqrt(4e-6))}, 1e-7)
}

// TestGroupNormStats checks zero mean and unit variance per group and the
// per-channel affine.
func TestGroupNormStats(t *testing.T) {
	const c, hw, groups = 8, 10, 4
	x := randn(7, c*hw)
	for i := range x {
		x[i] = 3*x[i] + float32(i%5) // offset so that the mean matters
	}
	y := GroupNorm(x, nil, nil, c, hw, groups, 0)
	per := c / groups * hw
	for g := 0; g < groups; g++ {
		mean, variance := meanVar(y[g*per : (g+1)*per])
		if math.Abs(mean) > 1e-6 || math.Abs(variance-1) > 1e-5 {
			t.Errorf("group %d: mean %g, variance %g", g, mean, variance)
		}
	}
	gamma, beta := randn(8, c), randn(9, c)
	ya := GroupNorm(x, gamma, beta, c, hw, groups, 0)
	for i := range ya {
		ch := i / hw
		if want := float64(gamma[ch])*float64(y[i]) + float64(beta[ch]); math.Abs(float64(ya[i])-want) > 1e-5 {
			t.Fatalf("affine [%d] = %v, want %v", i, ya[i], want)
		}
	}
}

func TestGroupNormOneGroupIsLayerNorm(t *testing.T) {
	x := randn(3, 24)
	near(t, "y", GroupNorm(x, nil, nil, 4, 6, 1, 1e-6), LayerNorm(x, nil, nil, 1, 24, 1e-6), 0)
}
