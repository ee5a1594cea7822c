package kernels

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/flux-vk/flux-vk/engine"
)

// Attention benchmarks: FLUX's joint attention (24 heads of 128) at 512²
// (L = 1280) and 1024² (L = 4352), and small shapes the software device
// runs in seconds, including the VAE's mid-block attention (one head of
// 512). Each shape is registered for the flash kernel ("attention") and the
// three-pass baseline ("attention_naive"); at L = 4352 the baseline's
// scratch is 24·4352²·4 B = 1.8 GB, the flash kernel's none.
func init() {
	shapes := []struct {
		heads, l, d int
		small       bool
	}{{24, 1280, 128, false}, {24, 4352, 128, false}, {2, 256, 64, true}, {1, 1024, 512, true}}
	for _, s := range shapes {
		for _, t := range []DType{F32, F16} {
			for _, naive := range []bool{false, true} {
				RegisterBench(attnBenchCase(s.heads, s.l, s.d, t, naive, s.small))
			}
		}
	}
}

func attnBenchCase(heads, l, d int, t DType, naive, small bool) BenchCase {
	op := "attention"
	if naive {
		op = "attention_naive"
	}
	hd := float64(heads * d)
	return BenchCase{Op: op, Shape: fmt.Sprintf("h%d l%d d%d", heads, l, d), DType: t.String(), Small: small,
		FLOPs: 4 * float64(heads) * float64(l) * float64(l) * float64(d),
		Bytes: 4 * float64(l) * hd * float64(t.Size()), // Q, K, V read and Out written once
		Setup: func(lib *Lib) (func(*engine.Recorder) error, func(), error) {
			return attnBenchSetup(lib, heads, l, d, t, naive)
		}}
}

func attnBenchSetup(lib *Lib, heads, l, d int, t DType, naive bool) (func(*engine.Recorder) error, func(), error) {
	var bufs []*engine.Buffer
	cleanup := func() {
		for _, b := range bufs {
			b.Free(lib.D)
		}
	}
	alloc := func(bytes uint64, fill bool) (engine.Range, error) {
		b, err := lib.D.Alloc(bytes)
		if err != nil {
			return engine.Range{}, err
		}
		bufs = append(bufs, b)
		if fill {
			r := rand.New(rand.NewSource(int64(len(bufs))))
			v := make([]float32, bytes/uint64(t.Size()))
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			err = lib.D.Upload(b, 0, Encode(v, t))
		}
		return b.All(), err
	}
	n := uint64(l * heads * d * t.Size())
	a := AttentionArgs{Heads: heads, Lq: l, Lk: l, D: d, Scale: float32(1 / math.Sqrt(float64(d))), Type: t}
	var scratch engine.Range
	var err error
	for _, x := range []struct {
		r    *engine.Range
		size uint64
		fill bool
	}{{&a.Q, n, true}, {&a.K, n, true}, {&a.V, n, true}, {&a.Out, n, false}} {
		if *x.r, err = alloc(x.size, x.fill); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	if naive {
		if scratch, err = alloc(4*uint64(heads)*uint64(l)*uint64(l), false); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("naive attention scratch: %w", err)
		}
		return func(rec *engine.Recorder) error { return lib.AttentionNaive(rec, a, scratch) }, cleanup, nil
	}
	return func(rec *engine.Recorder) error { return lib.Attention(rec, a) }, cleanup, nil
}
