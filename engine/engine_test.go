package engine_test

import (
	"encoding/binary"
	"math"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/shaders"
)

func addKernel(t *testing.T, d *engine.Device) *engine.Pipeline {
	t.Helper()
	p, err := d.Pipeline(engine.Kernel{Name: "add", SPIRV: shaders.MustSPIRV("add"),
		Bindings: []engine.Access{engine.Read, engine.Read, engine.Write}, PushSize: 4, Spec: []uint32{64}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func floats(b []float32) []byte {
	out := make([]byte, 4*len(b))
	for i, v := range b {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
	return out
}

func unfloats(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func upload(t *testing.T, d *engine.Device, v []float32) *engine.Buffer {
	t.Helper()
	b, err := d.Alloc(uint64(4 * len(v)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Upload(b, 0, floats(v)); err != nil {
		t.Fatal(err)
	}
	return b
}

func randoms(n int, r *rand.Rand) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func push(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

func TestAdd(t *testing.T) {
	d := enginetest.Device(t)
	p := addKernel(t, d)
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 63, 64, 1000, 70001} {
		a, b := randoms(n, r), randoms(n, r)
		ba, bb := upload(t, d, a), upload(t, d, b)
		bc := upload(t, d, randoms(n, r))
		rec, err := d.NewRecorder(false)
		if err != nil {
			t.Fatal(err)
		}
		rec.Fill(bc.All(), 0x7fc00000) // poison with NaN
		groups := uint32((n + 63) / 64)
		if err := rec.Dispatch(p, []engine.Range{ba.All(), bb.All(), bc.All()}, push(uint32(n)), groups, 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		out := make([]byte, 4*n)
		if err := d.Download(bc, 0, out); err != nil {
			t.Fatal(err)
		}
		for i, got := range unfloats(out) {
			if want := a[i] + b[i]; got != want {
				t.Fatalf("n=%d: c[%d] = %v, want %v", n, i, got, want)
			}
		}
		for _, buf := range []*engine.Buffer{ba, bb, bc} {
			buf.Free(d)
		}
	}
}

// A chain of dependent dispatches replayed several times must see each
// earlier result: the recorder's barriers are what make that true.
func TestChainReplay(t *testing.T) {
	d := enginetest.Device(t)
	p := addKernel(t, d)
	const n = 4096
	one := make([]float32, n)
	for i := range one {
		one[i] = 1
	}
	bo, bx, by := upload(t, d, one), upload(t, d, make([]float32, n)), upload(t, d, make([]float32, n))
	rec, err := d.NewRecorder(true)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for i := 0; i < 4; i++ { // x = x + 1; y = x + 1; x = y + 1 ...
		src, dst := bx, by
		if i%2 == 1 {
			src, dst = by, bx
		}
		if err := rec.Dispatch(p, []engine.Range{src.All(), bo.All(), dst.All()}, push(n), n/64, 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	for run := 1; run <= 3; run++ {
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 4*n)
		if err := d.Download(bx, 0, out); err != nil {
			t.Fatal(err)
		}
		if got := unfloats(out)[n-1]; got != float32(4*run) {
			t.Fatalf("run %d: x = %v, want %v", run, got, 4*run)
		}
	}
	if _, barriers := rec.Stats(); barriers != 3 {
		t.Errorf("barriers = %d, want 3 (one between each dependent pair)", barriers)
	}
	times := rec.Timings()
	if len(times) != 4 {
		t.Fatalf("timings: %d, want 4", len(times))
	}
	for _, tm := range times {
		if tm.MS < 0 || tm.Label != "add" {
			t.Errorf("bad timing %+v", tm)
		}
	}
}

// Proof that the validation layer is really on: a read-after-write with the
// barrier deliberately left out must be reported.
func TestMissingBarrierIsReported(t *testing.T) {
	d := enginetest.Device(t)
	if !d.Validating() {
		t.Skip("validation layer off")
	}
	p := addKernel(t, d)
	const n = 1 << 16
	ba, bb, bc := upload(t, d, make([]float32, n)), upload(t, d, make([]float32, n)), upload(t, d, make([]float32, n))
	rec, err := d.NewRecorder(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rec.AutoBarriers = false
	for _, b := range [][3]*engine.Buffer{{ba, bb, bc}, {bc, bb, ba}} {
		if err := rec.Dispatch(p, []engine.Range{b[0].All(), b[1].All(), b[2].All()}, push(n), n/64, 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
	msgs := d.ValidationMessages()
	if !strings.Contains(strings.Join(msgs, "\n"), "SYNC-HAZARD") {
		t.Fatalf("validation layer did not report the missing barrier; messages: %q", msgs)
	}
}

func TestStagingRoundTrip(t *testing.T) {
	d, err := engine.Open(engine.Options{Validation: true, ForceStaging: true, NoPipelineCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	defer enginetest.CheckClean(t, d)
	r := rand.New(rand.NewSource(2))
	v := randoms(100000, r)
	b := upload(t, d, v)
	out := make([]byte, 4*len(v))
	if err := d.Download(b, 0, out); err != nil {
		t.Fatal(err)
	}
	for i, got := range unfloats(out) {
		if got != v[i] {
			t.Fatalf("[%d] = %v, want %v", i, got, v[i])
		}
	}
}

func TestAllocFreeReuses(t *testing.T) {
	d := enginetest.Device(t)
	var bufs []*engine.Buffer
	for i := 0; i < 8; i++ {
		b, err := d.Alloc(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	peak := d.PeakBytes()
	for _, b := range bufs {
		b.Free(d)
	}
	big, err := d.Alloc(8 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Free(d)
	if d.PeakBytes() != peak {
		t.Errorf("peak grew from %d to %d: freed ranges were not merged and reused", peak, d.PeakBytes())
	}
	if _, err := d.Alloc(1 << 50); err == nil {
		t.Error("allocating 1 PiB succeeded")
	}
}

// Pipelines compile, and descriptor sets are written, while the garbage
// collector runs all the time: vulkan-go's copies of struct arguments are
// freed by finalizers, which once freed a compilation's arguments under
// lavapipe's feet (a crash in about one test run in five); those calls now
// build their arguments in C memory.
func TestCallsSurviveGC(t *testing.T) {
	d := enginetest.Device(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() { close(stop); <-done }()
	a, b, c := upload(t, d, make([]float32, 64)), upload(t, d, make([]float32, 64)), upload(t, d, make([]float32, 64))
	defer func() { a.Free(d); b.Free(d); c.Free(d) }()
	for wg := uint32(1); wg <= 24; wg++ { // a distinct pipeline per workgroup size
		p, err := d.Pipeline(engine.Kernel{Name: "add", SPIRV: shaders.MustSPIRV("add"),
			Bindings: []engine.Access{engine.Read, engine.Read, engine.Write}, PushSize: 4, Spec: []uint32{wg}})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := d.NewRecorder(false)
		if err != nil {
			t.Fatal(err)
		}
		err = rec.Dispatch(p, []engine.Range{a.All(), b.All(), c.All()}, push(64), (64+wg-1)/wg, 1, 1)
		if err == nil {
			err = rec.Run()
		}
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
}
