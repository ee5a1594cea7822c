package ref

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Shared helpers for the hand-checkable tests.

// near reports whether got matches want element-wise within tol (absolute).
func near(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-float64(want[i])) > tol || math.IsNaN(float64(got[i])) != math.IsNaN(float64(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v (got %v)", what, i, got[i], want[i], got)
		}
	}
}

// randn returns n pseudo-random normal values (fixed seed).
func randn(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func TestPanicsOnBadShape(t *testing.T) {
	cases := map[string]func(){
		"linear": func() { Linear(make([]float32, 5), make([]float32, 6), nil, 2, 3, 2) },
		"attention": func() {
			Attention(make([]float32, 4), make([]float32, 4), make([]float32, 3), nil, 1, 2, 2, 2, 1, false)
		},
		"groupnorm": func() { GroupNorm(make([]float32, 6), nil, nil, 3, 2, 2, 1e-6) },
		"conv2d":    func() { Conv2D(make([]float32, 4), make([]float32, 9), nil, 1, 2, 2, 1, 3, 3, 1, 0, 0, 0, 0) },
		"embedding": func() { Embedding(make([]float32, 4), []int64{2}, 2) },
		"patchify":  func() { Patchify(make([]float32, 6), 1, 2, 3) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on inconsistent shape", name)
				}
			}()
			f()
		})
	}
}

func TestRelL2(t *testing.T) {
	cases := []struct {
		got, want []float32
		r         float64
	}{
		{[]float32{1, 2}, []float32{1, 2}, 0},
		{[]float32{3, 4}, []float32{0, 0}, math.Inf(1)},
		{[]float32{0, 0}, []float32{0, 0}, 0},
		{[]float32{3, 0}, []float32{3, 4}, 0.8}, // ||(0,-4)|| / 5
		{[]float32{1}, []float32{1, 2}, math.Inf(1)},
	}
	for _, c := range cases {
		if r := RelL2(c.got, c.want); math.Abs(r-c.r) > 1e-12 && r != c.r {
			t.Errorf("RelL2(%v, %v) = %v, want %v", c.got, c.want, r, c.r)
		}
	}
}
