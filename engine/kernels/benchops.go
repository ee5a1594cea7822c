package kernels

import (
	"fmt"
	"math/rand"

	"github.com/flux-vk/flux-vk/engine"
)

// Benchmark cases of Linear and Conv2D at FLUX's real shapes (512² image:
// 1280 tokens of width 3072; the MLP's 12288; the fused QKV+MLP 21504-wide
// projections of the single blocks; the pooled-vector modulation GEMV) and
// the VAE's convolutions, plus small shapes the software device can run.

func init() {
	for _, wt := range []DType{BF16, F32} {
		for _, s := range [][3]int{{1280, 3072, 3072}, {1280, 3072, 9216}, {1280, 3072, 12288}, {1280, 12288, 3072}, {1, 3072, 18432}} {
			RegisterBench(linearBench(s[0], s[1], s[2], F32, wt, false))
		}
		RegisterBench(linearBench(256, 256, 256, F32, wt, true))
		RegisterBench(linearBench(512, 3072, 512, F32, wt, true))
		RegisterBench(linearBench(1, 3072, 3072, F32, wt, true))
	}
	for _, wt := range []DType{Q8_0, Q4_0} { // --weight-type
		for _, s := range [][3]int{{1280, 3072, 3072}, {1280, 3072, 12288}, {1, 3072, 18432}} {
			RegisterBench(linearBench(s[0], s[1], s[2], F16, wt, false))
		}
		RegisterBench(linearBench(256, 256, 256, F16, wt, true))
		RegisterBench(linearBench(1, 3072, 3072, F16, wt, true))
	}
	RegisterBench(linearBench(1280, 3072, 3072, F16, BF16, false))
	RegisterBench(linearBench(256, 256, 256, F16, F16, true))
	for _, s := range []convBenchShape{{128, 256, 256, 128, false, false}, {512, 64, 64, 512, false, false},
		{512, 64, 64, 512, true, false}, {32, 64, 64, 32, false, true}, {64, 32, 32, 64, true, true}} {
		RegisterBench(convBench(s))
	}
	RegisterBench(upsampleBench(512, 64, 64, false))
	RegisterBench(upsampleBench(64, 32, 32, true))
}

// benchBuffer allocates n random elements of t: a random block repeated,
// which is as good as fresh randoms for timing and fast for big weights.
func benchBuffer(l *Lib, n int, t DType, r *rand.Rand) (*engine.Buffer, error) {
	b, err := l.D.Alloc(uint64(n * t.Size()))
	if err != nil {
		return nil, err
	}
	const block = 1 << 16
	enc := Encode(randnBench(r, min(n, block)), t)
	for off := 0; off < n; off += block {
		m := min(block, n-off)
		if err := l.D.Upload(b, uint64(off*t.Size()), enc[:m*t.Size()]); err != nil {
			b.Free(l.D)
			return nil, err
		}
	}
	return b, nil
}

// benchAlloc allocates each (n, type) buffer; on error it frees what it got.
func benchAlloc(l *Lib, specs ...[2]int) ([]*engine.Buffer, func(), error) {
	r := rand.New(rand.NewSource(1))
	var bufs []*engine.Buffer
	free := func() {
		for _, b := range bufs {
			b.Free(l.D)
		}
	}
	for _, s := range specs {
		b, err := benchBuffer(l, s[0], DType(s[1]), r)
		if err != nil {
			free()
			return nil, nil, err
		}
		bufs = append(bufs, b)
	}
	return bufs, free, nil
}

// benchWeight is an n×k weight of t (quantized from random values for the
// quantized types).
func benchWeight(l *Lib, n, k int, t DType) (*engine.Buffer, error) {
	r := rand.New(rand.NewSource(2))
	if !t.Quantized() {
		return benchBuffer(l, n*k, t, r)
	}
	data, err := Quantize(randnBench(r, n*k), n, k, t)
	if err != nil {
		return nil, err
	}
	return l.newBuffer(data)
}

// randnBench is n normal values of standard deviation 0.05 (a random block repeated).
func randnBench(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v[:min(n, 1<<16)] {
		v[i] = float32(r.NormFloat64() * 0.05)
	}
	for i := 1 << 16; i < n; i += 1 << 16 {
		copy(v[i:], v[:1<<16])
	}
	return v
}

func linearBench(m, k, n int, act, wt DType, small bool) BenchCase {
	return BenchCase{
		Op: "linear", Shape: fmt.Sprintf("%dx%dx%d", m, k, n), DType: fmt.Sprintf("%v/w%v", act, wt), Small: small,
		FLOPs: 2 * float64(m) * float64(n) * float64(k),
		Bytes: float64(uint64(m*k*act.Size()) + MatrixBytes(wt, n, k) + uint64(m*n*act.Size()+4*n)),
		Setup: func(l *Lib) (func(*engine.Recorder) error, func(), error) {
			b, free, err := benchAlloc(l, [2]int{m * k, int(act)}, [2]int{n, int(F32)}, [2]int{m * n, int(act)})
			if err != nil {
				return nil, nil, err
			}
			w, err := benchWeight(l, n, k, wt)
			if err != nil {
				free()
				return nil, nil, err
			}
			a := LinearArgs{X: b[0].All(), W: w.All(), Bias: b[1].All(), Y: b[2].All(),
				M: m, K: k, N: n, XType: act, YType: act, WType: wt}
			return func(rec *engine.Recorder) error { return l.Linear(rec, a) }, func() { free(); w.Free(l.D) }, nil
		},
	}
}

type convBenchShape struct {
	cin, h, w, cout int
	up, small       bool
}

func convBench(s convBenchShape) BenchCase {
	a := ConvArgs{Cin: s.cin, H: s.h, W_: s.w, Cout: s.cout, KH: 3, KW: 3, Stride: 1, PadT: 1, PadL: 1, PadB: 1, PadR: 1,
		Upsample: s.up, XType: F32, YType: F32, WType: F32}
	oh, ow := ConvOut(a)
	shape := fmt.Sprintf("%dx%dx%d->%d k3", s.cin, s.h, s.w, s.cout)
	if s.up {
		shape += " up2"
	}
	nx, nw, ny := s.cin*s.h*s.w, s.cout*s.cin*9, s.cout*oh*ow
	return BenchCase{
		Op: "conv2d", Shape: shape, DType: "f32/wf32", Small: s.small,
		FLOPs: 2 * float64(ny) * float64(s.cin*9),
		Bytes: float64(4 * (nx + nw + ny + s.cout)),
		Setup: func(l *Lib) (func(*engine.Recorder) error, func(), error) {
			b, free, err := benchAlloc(l, [2]int{nx, int(F32)}, [2]int{nw, int(F32)}, [2]int{s.cout, int(F32)}, [2]int{ny, int(F32)})
			if err != nil {
				return nil, nil, err
			}
			a := a
			a.X, a.W, a.Bias, a.Y = b[0].All(), b[1].All(), b[2].All(), b[3].All()
			return func(rec *engine.Recorder) error { return l.Conv2D(rec, a) }, free, nil
		},
	}
}

func upsampleBench(c, h, w int, small bool) BenchCase {
	return BenchCase{
		Op: "upsample2x", Shape: fmt.Sprintf("%dx%dx%d", c, h, w), DType: "f32", Small: small,
		Bytes: float64(4 * 5 * c * h * w),
		Setup: func(l *Lib) (func(*engine.Recorder) error, func(), error) {
			b, free, err := benchAlloc(l, [2]int{c * h * w, int(F32)}, [2]int{4 * c * h * w, int(F32)})
			if err != nil {
				return nil, nil, err
			}
			return func(rec *engine.Recorder) error { return l.Upsample2x(rec, b[1].All(), b[0].All(), c, h, w, F32) }, free, nil
		},
	}
}
