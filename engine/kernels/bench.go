package kernels

import (
	"fmt"
	"sort"
	"sync"

	"github.com/flux-vk/flux-vk/engine"
)

// BenchCase is one kernel at one shape, timed by `flux-vk bench ops` and by
// the package's Benchmark functions.
type BenchCase struct {
	Op, Shape, DType string
	FLOPs, Bytes     float64 // useful work and the minimum bytes moved
	// Setup allocates inputs (random is fine) and returns a function that
	// records the kernel once, plus a cleanup.
	Setup func(l *Lib) (record func(rec *engine.Recorder) error, cleanup func(), err error)
	// Small marks shapes cheap enough for the software device.
	Small bool
}

var (
	benchMu    sync.Mutex
	benchCases []BenchCase
)

// RegisterBench adds a benchmark case (called from init in each kernel file).
func RegisterBench(c BenchCase) {
	benchMu.Lock()
	defer benchMu.Unlock()
	benchCases = append(benchCases, c)
}

// BenchCases lists the registered cases sorted by op and shape.
func BenchCases() []BenchCase {
	benchMu.Lock()
	defer benchMu.Unlock()
	out := append([]BenchCase(nil), benchCases...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Op < out[j].Op })
	return out
}

// BenchResult is the median GPU time of a case over its repetitions.
type BenchResult struct {
	Op, Shape, DType, Device string
	MS, GFLOPS, GBPS         float64
}

// RunBench times c: one warm-up, then reps timed runs; the result is the
// median of the GPU timestamps.
func RunBench(l *Lib, c BenchCase, reps int) (BenchResult, error) {
	record, cleanup, err := c.Setup(l)
	if err != nil {
		return BenchResult{}, fmt.Errorf("%s %s: %w", c.Op, c.Shape, err)
	}
	defer cleanup()
	rec, err := l.D.NewRecorder(true)
	if err != nil {
		return BenchResult{}, err
	}
	defer rec.Release()
	if err := record(rec); err != nil {
		return BenchResult{}, fmt.Errorf("%s %s: %w", c.Op, c.Shape, err)
	}
	var ms []float64
	for i := 0; i <= reps; i++ {
		if err := rec.Run(); err != nil {
			return BenchResult{}, err
		}
		total := 0.0
		for _, t := range rec.Timings() {
			total += t.MS
		}
		if i > 0 {
			ms = append(ms, total)
		}
	}
	sort.Float64s(ms)
	med := ms[len(ms)/2]
	return BenchResult{Op: c.Op, Shape: c.Shape, DType: c.DType, Device: l.D.Info.Name, MS: med,
		GFLOPS: c.FLOPs / med / 1e6, GBPS: c.Bytes / med / 1e6}, nil
}
