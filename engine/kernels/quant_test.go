package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// Values on a grid the scale represents exactly come back exactly; others
// within half a step of their block's scale.
func TestQuantizeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		t     DType
		steps int // levels on each side of zero
	}{{Q8_0, 127}, {Q4_0, 7}} {
		n, k := 3, 64
		exact := make([]float32, n*k)
		for i := range exact {
			exact[i] = float32(r.Intn(2*c.steps+1)-c.steps) / 1024
		}
		for b := 0; b < n*k; b += QBlock { // each block reaches the extreme level the scale is taken from
			exact[b] = -float32(c.steps) / 1024
			if c.t == Q4_0 {
				exact[b] = 8.0 / 1024
			}
		}
		got, err := RoundTrip(exact, n, k, c.t)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != exact[i] {
				t.Fatalf("%v: element %d: %v, want %v exactly", c.t, i, got[i], exact[i])
			}
		}
		v := randn(r, n*k, 0.05)
		got, _ = RoundTrip(v, n, k, c.t)
		for b := 0; b < n*k; b += QBlock {
			var m float64
			for _, x := range v[b : b+QBlock] {
				m = math.Max(m, math.Abs(float64(x)))
			}
			// Q4_0's scale puts the block's extreme at −8 steps, so the
			// other side stops at +7: values past it are clamped there.
			step, top := m/float64(c.steps), float64(c.steps)
			if c.t == Q4_0 {
				step, top = m/8, 7
			}
			for i := b; i < b+QBlock; i++ {
				bound := math.Max(step/2, math.Abs(float64(v[i]))-top*step) * 1.01 // 1%: the f16 scale
				if d := math.Abs(float64(got[i] - v[i])); d > bound {
					t.Errorf("%v: element %d: %v for %v, off by %.3g > %.3g", c.t, i, got[i], v[i], d, bound)
				}
			}
		}
	}
}

func TestQuantizeRejects(t *testing.T) {
	for _, c := range []struct {
		v    []float32
		n, k int
		t    DType
	}{
		{make([]float32, 40), 1, 40, Q8_0}, // K not whole blocks
		{make([]float32, 32), 2, 32, Q8_0}, // too few values
		{append([]float32{float32(math.NaN())}, make([]float32, 31)...), 1, 32, Q4_0},
		{append([]float32{1e9}, make([]float32, 31)...), 1, 32, Q8_0}, // scale beyond f16
		{make([]float32, 32), 1, 32, BF16},
	} {
		if _, err := Quantize(c.v, c.n, c.k, c.t); err == nil {
			t.Errorf("%d×%d %v: no error", c.n, c.k, c.t)
		}
	}
	if v, err := RoundTrip(make([]float32, 64), 2, 32, Q4_0); err != nil || v[0] != 0 {
		t.Errorf("zeros: %v, %v", v[:1], err)
	}
}

// Quantized weights on each kernel (GEMV-like, the device's own for many
// rows, the shared-memory tiles), with aligned and unaligned x (the vec4
// and scalar loads), f16 and f32 activations, and W split over bindings.
// The reference computes with the dequantized weights, so the tolerance is
// that of the unquantized kernels.
func TestLinearQuantized(t *testing.T) {
	l := testLib(t)
	defer func() { mmTileOverride, maxBindOverride = nil, 0 }()
	for i, wt := range []DType{Q8_0, Q4_0} {
		for j, c := range []struct {
			name string
			c    linearCase
			tile bool
			bind uint64
		}{
			{"vec", linearCase{m: 1, k: 96, n: 19}, false, 0},
			{"vec-unaligned", linearCase{m: 3, k: 64, n: 9, xShift: 1}, false, 0},
			{"device", linearCase{m: 37, k: 160, n: 41, xt: F16, yt: F16}, false, 0},
			{"device-unaligned", linearCase{m: 20, k: 64, n: 33, xShift: 3}, false, 0},
			{"tiled", linearCase{m: 35, k: 96, n: 37, yt: F16}, true, 0},
			{"split", linearCase{m: 2, k: 64, n: 150, minDispatches: 3}, false, 4096},
			{"split-m", linearCase{m: 40, k: 64, n: 70, xt: F16, minDispatches: 4}, false, 4096},
		} {
			cc := c.c
			cc.wt, cc.seed, cc.ep = wt, int64(10*i+j), epilogues[(i+j)%len(epilogues)]
			if c.tile {
				mmTileOverride = &gpuTiles[len(gpuTiles)-1]
			}
			maxBindOverride = c.bind
			t.Run(fmt.Sprintf("%v/%s", wt, c.name), func(t *testing.T) { runLinear(t, l, cc) })
			mmTileOverride, maxBindOverride = nil, 0
		}
	}
}

// One of FLUX's largest matrices (a single block's MLP, 12288×3072).
func BenchmarkQuantize(b *testing.B) {
	n, k := 12288, 3072
	v := randn(rand.New(rand.NewSource(1)), n*k, 0.02)
	for _, t := range []DType{Q8_0, Q4_0} {
		b.Run(t.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * n * k))
			for range b.N {
				if _, err := Quantize(v, n, k, t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
