package ref

import (
	"math"

	"github.com/flux-vk/flux-vk/internal/torchmath"
)

// TimestepEmbedding is the sinusoidal embedding of FLUX (math.py
// timestep_embedding) of one value t: args = (timeFactor·t)·freqs with
// freqs[i] = exp(−ln(maxPeriod)·i/half), i < half = dim/2, and the result is
// [cos(args) | sin(args)] (cos half first), zero-padded when dim is odd.
//
// The reference computes freqs, args, cos and sin in float32, so every step
// here is rounded to float32 the same way (the explicit conversions also keep
// the compiler from fusing a multiply-add). Its argument reaches 1000 and
// more, so one ulp in a frequency moves cos/sin by up to 1e-4: the frequencies
// therefore use PyTorch's own float32 exp (torchmath.TimestepFreqs), not a correctly rounded one.
func TimestepEmbedding(t float32, dim int, maxPeriod float64, timeFactor float32) []float32 {
	half := dim / 2
	tt := float32(timeFactor * t)
	freqs := torchmath.TimestepFreqs(half, maxPeriod)
	e := make([]float32, dim)
	for i := 0; i < half; i++ {
		arg := float32(tt * freqs[i])
		e[i] = float32(math.Cos(float64(arg)))
		e[half+i] = float32(math.Sin(float64(arg)))
	}
	return e
}
