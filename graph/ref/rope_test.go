package ref

import (
	"math"
	"testing"
)

func TestRopeTable(t *testing.T) {
	// axes (2, 4): pair 0 on axis 0 (freq 1), pairs 1, 2 on axis 1 with
	// freqs 1 and theta^(-2/4) = 1/10 for theta 100.
	ids := []float32{0, 0, 1, 2}
	table := RopeTable(ids, 2, []int{2, 4}, 100)
	angles := []float64{0, 0, 0, 1, 2, 0.2}
	want := make([]float32, 0, 12)
	for _, a := range angles {
		want = append(want, float32(math.Cos(a)), float32(math.Sin(a)))
	}
	near(t, "table", table, want, 1e-7)
}

func TestRope(t *testing.T) {
	// One token, 2 heads of d=2, rotated by a quarter turn: (x0, x1) -> (-x1, x0).
	table := []float32{0, 1}
	near(t, "quarter", Rope([]float32{1, 2, 3, 4}, table, 1, 2, 2), []float32{-2, 1, -4, 3}, 0)
	// Zero ids give the identity.
	x := randn(1, 3*2*8)
	id := RopeTable(make([]float32, 3*3), 3, []int{2, 2, 4}, 10000)
	near(t, "identity", Rope(x, id, 3, 2, 8), x, 0)
}

// TestRopeKeepsNorm: a rotation keeps every pair's length.
func TestRopeKeepsNorm(t *testing.T) {
	const tokens, heads, d = 4, 2, 8
	ids := []float32{0, 1, 2, 0, 3, 1, 0, 0, 5, 0, 2, 2}
	table := RopeTable(ids, tokens, []int{2, 2, 4}, 10000)
	x := randn(2, tokens*heads*d)
	y := Rope(x, table, tokens, heads, d)
	for i := 0; i < len(x); i += 2 {
		a := math.Hypot(float64(x[i]), float64(x[i+1]))
		b := math.Hypot(float64(y[i]), float64(y[i+1]))
		if math.Abs(a-b) > 1e-6 {
			t.Fatalf("pair %d: length %g, was %g", i/2, b, a)
		}
	}
}
