package pipeline

import (
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// Quantized weights (Backend.Quant) through the whole transformer: the
// device computes what the CPU reference computes with the same quantized
// values (f32 rounding apart), and the prediction stays near the
// unquantized one — within a bound derived from the formats' step sizes.
func TestFluxQuantized(t *testing.T) {
	w := FluxRandomWeights(tinyFlux)
	r := rand.New(rand.NewSource(5))
	c := Conditioning{Txt: randn(r, 5*tinyFlux.ContextInDim), Y: randn(r, tinyFlux.VecInDim)}
	x := randn(r, 6*tinyFlux.InChannels)
	plain := predictOne(t, Backend{}, w, c, x)
	lib := kernels.New(enginetest.Device(t))
	for _, q := range []struct {
		t     kernels.DType
		bound float64
	}{
		// A block of 32 normal values has max|w| ≈ 2.0σ, so Q8_0's step is
		// 2σ/127 and its rounding error σ/127/√3 ≈ 0.45% of σ per weight;
		// Q4_0's step is 2σ/8, ≈ 7% of σ. The bounds allow ×4 of that for
		// the blocks a prediction passes through.
		{kernels.Q8_0, 0.02}, {kernels.Q4_0, 0.3},
	} {
		t.Run(q.t.String(), func(t *testing.T) {
			cpu := predictOne(t, Backend{Quant: q.t}, w, c, x)
			dev := predictOne(t, Backend{Lib: lib, Act: kernels.F32, Quant: q.t}, w, c, x)
			if e := ref.RelL2(dev, cpu); e > 1e-5 {
				t.Errorf("device vs CPU, both %v: relative L2 %.3g, want ≤ 1e-5", q.t, e)
			}
			e := ref.RelL2(cpu, plain)
			t.Logf("%v vs unquantized: relative L2 %.3g", q.t, e)
			if e > q.bound || e == 0 {
				t.Errorf("%v vs unquantized: relative L2 %.3g, want in (0, %g]", q.t, e, q.bound)
			}
		})
	}
}
