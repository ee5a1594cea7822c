package ref

import "math"

// F16Round rounds every value to the nearest IEEE half (ties to even) and
// back, with half's subnormals and overflow to ±Inf.
func F16Round(x []float32) []float32 { return roundEach(x, 10, -14, 65504) }

// BF16Round rounds every value to the nearest bfloat16 (ties to even) and
// back.
func BF16Round(x []float32) []float32 {
	return roundEach(x, 7, -126, float64(math.Float32frombits(0x7f7f0000)))
}

// roundEach rounds to a binary format with mant explicit mantissa bits,
// minimum normal exponent minExp and largest finite value maxFinite. The
// quantum 2^(e−mant) is exact in float64, so x/q is exact and RoundToEven
// performs the one rounding.
func roundEach(x []float32, mant, minExp int, maxFinite float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		f := float64(v)
		if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			y[i] = v
			continue
		}
		_, e := math.Frexp(f) // |f| in [2^(e-1), 2^e)
		q := math.Ldexp(1, max(e-1, minExp)-mant)
		r := math.RoundToEven(f/q) * q
		if math.Abs(r) > maxFinite {
			r = math.Inf(int(math.Copysign(1, f)))
		}
		y[i] = float32(r)
	}
	return y
}

// RelL2 returns ||got − want||₂ / ||want||₂ (the golden acceptance metric);
// +Inf when the lengths differ, or want is zero and got is not.
func RelL2(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		if num == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return math.Sqrt(num / den)
}
