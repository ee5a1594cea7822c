package kernels

import (
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/graph/ref"
	"github.com/flux-vk/flux-vk/loader"
)

// testLib opens the validated test device.
func testLib(t testing.TB) *Lib { return New(enginetest.Device(t)) }

// randn draws n normal values with standard deviation std.
func randn(r *rand.Rand, n int, std float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * std)
	}
	return v
}

// put uploads v stored as dtype t and returns its buffer (freed at cleanup).
func put(t testing.TB, l *Lib, v []float32, dt DType) *engine.Buffer {
	t.Helper()
	return putBytes(t, l, Encode(v, dt))
}

// putBytes uploads data to a new buffer (freed at cleanup).
func putBytes(t testing.TB, l *Lib, data []byte) *engine.Buffer {
	t.Helper()
	b, err := l.D.Alloc(uint64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(l.D) })
	if err := l.D.Upload(b, 0, data); err != nil {
		t.Fatal(err)
	}
	return b
}

// out allocates n elements of dtype t for a kernel's output.
func out(t testing.TB, l *Lib, n int, dt DType) *engine.Buffer {
	t.Helper()
	b, err := l.D.Alloc(uint64(n * dt.Size()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(l.D) })
	return b
}

// run records with fn after poisoning every output with NaN, runs, and
// returns nothing; read results back with get.
func run(t testing.TB, l *Lib, outs []*engine.Buffer, fn func(rec *engine.Recorder) error) {
	t.Helper()
	rec, err := l.D.NewRecorder(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for _, o := range outs {
		rec.Fill(o.All(), 0x7fc07fc0) // NaN as f32 and as two f16/bf16
	}
	if err := fn(rec); err != nil {
		t.Fatal(err)
	}
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
}

// get downloads n elements of dtype t.
func get(t testing.TB, l *Lib, b *engine.Buffer, n int, dt DType) []float32 {
	t.Helper()
	raw := make([]byte, n*dt.Size())
	if err := l.D.Download(b, 0, raw); err != nil {
		t.Fatal(err)
	}
	return Decode(raw, dt)
}

// within fails t when got is further than tol (relative L2) from want.
func within(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	if e := ref.RelL2(got, want); !(e < tol) {
		t.Errorf("%s: relative L2 error %.3g, tolerance %.3g", what, e, tol)
	}
}

var _ = loader.BF16ToF32 // the conversions tests use live in loader
