package kernels

import (
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
)

// BenchmarkOps times each Small registered case (the real-shape ones are for
// `flux-vk bench ops` on a GPU). It opens its own device without the
// validation layer, which would distort the timings.
func BenchmarkOps(b *testing.B) {
	d, err := engine.Open(engine.Options{})
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	defer d.Close()
	l := New(d)
	for _, c := range BenchCases() {
		if !c.Small {
			continue
		}
		benchCase(b, l, c)
	}
}

// benchCase runs one registered case as a sub-benchmark reporting its GPU
// time, GFLOP/s and GB/s.
func benchCase(b *testing.B, l *Lib, c BenchCase) {
	b.Run(strings.ReplaceAll(c.Op+"/"+c.Shape+"/"+c.DType, " ", "_"), func(b *testing.B) {
		res, err := RunBench(l, c, b.N)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.MS, "ms/op")
		b.ReportMetric(res.GFLOPS, "GFLOP/s")
		b.ReportMetric(res.GBPS, "GB/s")
	})
}

// Every registered case sets up and records without error (none run: the
// real shapes are too slow for the software device).
func TestBenchCasesRecord(t *testing.T) {
	l := testLib(t)
	for _, c := range BenchCases() {
		if c.Op != "linear" && c.Op != "conv2d" && c.Op != "upsample2x" || !c.Small {
			continue
		}
		record, cleanup, err := c.Setup(l)
		if err != nil {
			t.Fatalf("%s %s: %v", c.Op, c.Shape, err)
		}
		rec, err := l.D.NewRecorder(false)
		if err != nil {
			t.Fatal(err)
		}
		if err := record(rec); err != nil {
			t.Errorf("%s %s %s: %v", c.Op, c.Shape, c.DType, err)
		}
		rec.Release()
		cleanup()
	}
}
