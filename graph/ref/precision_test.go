package ref

import (
	"math"
	"testing"
)

func TestF16Round(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	inf := float32(math.Inf(1))
	cases := []struct{ in, want float32 }{
		{1, 1},
		{1 + p(-11), 1},                   // tie -> even (1)
		{1 + 3*p(-11), 1 + p(-9)},         // tie -> even (mantissa 2)
		{1 + p(-11) + p(-20), 1 + p(-10)}, // above the tie
		{65504, 65504},
		{65519, 65504},
		{65520, inf}, // rounds up to 2^16, beyond the largest half
		{-70000, -inf},
		{p(-24), p(-24)}, // smallest subnormal
		{p(-25), 0},      // tie between 0 and 2^-24 -> even (0)
		{3 * p(-25), p(-23)},
		{p(-26), 0},
		{-0.1, -0.0999755859375},
	}
	for _, c := range cases {
		if got := F16Round([]float32{c.in})[0]; got != c.want {
			t.Errorf("F16Round(%g) = %g, want %g", c.in, got, c.want)
		}
	}
	if v := F16Round([]float32{float32(math.NaN())})[0]; !math.IsNaN(float64(v)) {
		t.Errorf("F16Round(NaN) = %g", v)
	}
}

// TestBF16RoundBits compares against the bit-level round-to-nearest-even
// (add 0x7fff plus the lowest kept bit, drop 16 bits).
func TestBF16RoundBits(t *testing.T) {
	x := randn(11, 4000)
	for i := range x {
		x[i] *= float32(math.Ldexp(1, i%200-100)) // normal range and beyond
	}
	x = append(x, float32(math.Ldexp(1.5, -130)), float32(math.Ldexp(1.00390625, 0)), 3.0e38, -3.4e38, 0, 1)
	got := BF16Round(x)
	for i, v := range x {
		b := math.Float32bits(v)
		b = (b + 0x7fff + (b>>16)&1) &^ 0xffff
		if want := math.Float32frombits(b); got[i] != want {
			t.Fatalf("BF16Round(%g) = %g, want %g", v, got[i], want)
		}
	}
}
