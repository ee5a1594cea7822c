// Package torchmath reproduces the few float32 results of PyTorch's CPU
// kernels that FLUX's reference depends on bit for bit (the timestep
// embedding's frequencies), so the CPU reference ops and the GPU kernels
// share one copy.
package torchmath

import "math"

// TimestepFreqs are the reference's float32 frequencies of the sinusoidal
// embedding: exp(f32(f32(−ln(maxPeriod)·i)/half)) for i < half, with
// PyTorch's float32 exp. Its arguments reach 1000 and more, so one ulp in a
// frequency moves cos/sin by up to 1e-4: a correctly rounded exp is not
// close enough.
func TimestepFreqs(half int, maxPeriod float64) []float32 {
	negLog := float32(-math.Log(maxPeriod))
	f := make([]float32, half)
	for i := range f {
		expo := float32(float32(negLog*float32(i)) / float32(half))
		f[i] = Expf32(expo)
	}
	return f
}

// Expf32 is SLEEF's expf_u10 (sleefsimdsp.c xexpf, FMA build), which
// PyTorch's vectorised CPU torch.exp evaluates for float32: Cody–Waite
// reduction by ln 2, a degree-6 polynomial, then scaling by 2^q. It is within
// one ulp of exp(d) but not always the correctly rounded value. Valid for
// the embedding's range d in [−ln(maxPeriod), 0].
func Expf32(d float32) float32 {
	const (
		rln2 = float32(1.442695040888963407359924681001892137426645954152985934135449406931)
		l2u  = float32(0.693145751953125)
		l2l  = float32(1.428606765330187045e-06)
	)
	q := float32(math.RoundToEven(float64(float32(d * rln2))))
	s := fmaf(q, -l2u, d)
	s = fmaf(q, -l2l, s)
	u := float32(0.000198527617612853646278381)
	u = fmaf(u, s, 0.00139304355252534151077271)
	u = fmaf(u, s, 0.00833336077630519866943359)
	u = fmaf(u, s, 0.0416664853692054748535156)
	u = fmaf(u, s, 0.166666671633720397949219)
	u = fmaf(u, s, 0.5)
	u = float32(1 + fmaf(float32(s*s), u, s))
	return float32(math.Ldexp(float64(u), int(q)))
}

// fmaf is a float32 fused multiply-add (a·b is exact in float64).
func fmaf(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }
