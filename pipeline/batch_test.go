package pipeline

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/graph/ref"
	"github.com/flux-vk/flux-vk/loader"
)

// tinyFlux is a FLUX transformer small enough to run in a test: both block
// kinds, guidance, 2 heads, 3-axis RoPE.
var tinyFlux = loader.FluxConfig{Hidden: 64, Heads: 2, Depth: 1, DepthSingle: 2, InChannels: 64, OutChannels: 64,
	VecInDim: 24, ContextInDim: 32, MLPHidden: 128, AxesDim: []int{8, 12, 12}, Theta: 10000, Guidance: true, QKVBias: true}

// A batch of two samples (true CFG's single pass) predicts what each
// sample predicts alone: exactly on the CPU reference executor (every op is
// per row or per sample), within f32 rounding on the device, whose kernels
// may pick other tilings for twice the rows.
func TestFluxBatchMatchesSingles(t *testing.T) {
	const lt, lh, lw = 5, 4, 6
	w := FluxRandomWeights(tinyFlux)
	r := rand.New(rand.NewSource(3))
	li := lh / 2 * (lw / 2)
	cond := func() Conditioning {
		return Conditioning{Txt: randn(r, lt*tinyFlux.ContextInDim), Y: randn(r, tinyFlux.VecInDim)}
	}
	a, b := cond(), cond()
	xa, xb := randn(r, li*tinyFlux.InChannels), randn(r, li*tinyFlux.InChannels)
	lib := kernels.New(enginetest.Device(t))
	for _, c := range []struct {
		name string
		be   Backend
		tol  float64
	}{{"cpu", Backend{}, 0}, {"vulkan f32", Backend{Lib: lib, Act: kernels.F32}, 1e-5}} {
		t.Run(c.name, func(t *testing.T) {
			want := append(predictOne(t, c.be, w, a, xa), predictOne(t, c.be, w, b, xb)...)
			both := runner(t, c.be, w, 2)
			if err := both.SetConditioning(a, b); err != nil {
				t.Fatal(err)
			}
			got, err := both.Predict(append(append([]float32{}, xa...), xb...), 0.75, 3.5)
			if err != nil {
				t.Fatal(err)
			}
			if e := ref.RelL2(got, want); e > c.tol {
				t.Errorf("batch of 2 vs two singles: relative L2 %.3g, want ≤ %g", e, c.tol)
			}
			if err := both.SetConditioning(a); err == nil {
				t.Error("one conditioning for a batch of 2: no error")
			}
		})
	}
}

func runner(t *testing.T, be Backend, w graph.Weights, batch int) *FluxRunner {
	t.Helper()
	r, err := NewFluxRunner(be, w, tinyFlux, 5, 4, 6, batch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func predictOne(t *testing.T, be Backend, w graph.Weights, c Conditioning, x []float32) []float32 {
	t.Helper()
	r := runner(t, be, w, 1)
	if err := r.SetConditioning(c); err != nil {
		t.Fatal(err)
	}
	p, err := r.Predict(x, 0.75, 3.5)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Denoise with true CFG takes the same path whether the model runs the two
// passes as one batch or one after the other.
func TestDenoiseCFGBatchOrPasses(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	x := randn(r, 12)
	pos, neg := Conditioning{Y: []float32{1}}, Conditioning{Y: []float32{-2}}
	guide := Guide{Negative: &neg, CFGScale: 3}
	sched := []float32{1, 0.5, 0}
	var outs [][]float32
	for _, m := range []Transformer{&fakeModel{batch: 1}, &fakeModel{batch: 2}} {
		out, err := Denoise(m, x, sched, pos, guide, nil)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if fmt.Sprint(outs[0]) != fmt.Sprint(outs[1]) {
		t.Errorf("two passes %v, batch of 2 %v", outs[0], outs[1])
	}
	if _, err := Denoise(&fakeModel{batch: 2}, x, sched, pos, Guide{}, nil); err == nil {
		t.Error("a batch-2 model without CFG: no error")
	}
}

// fakeModel predicts v = y·x + t for each sample, y its conditioning.
type fakeModel struct {
	batch int
	ys    []float32
}

func (f *fakeModel) Batch() int { return f.batch }

func (f *fakeModel) SetConditioning(cs ...Conditioning) error {
	if len(cs) != f.batch {
		return fmt.Errorf("%d conditionings for %d", len(cs), f.batch)
	}
	f.ys = f.ys[:0]
	for _, c := range cs {
		f.ys = append(f.ys, c.Y[0])
	}
	return nil
}

func (f *fakeModel) Predict(x []float32, t, _ float32) ([]float32, error) {
	n := len(x) / f.batch
	v := make([]float32, len(x))
	for i := range x {
		v[i] = f.ys[i/n]*x[i] + t
	}
	return v, nil
}

// True CFG prepares a batch of 2, and falls back to two passes, with a
// warning, when the batch does not fit the device's memory; when neither
// fits with every weight on the device, the blocks stream from host memory
// (a batch of 2 first), with a warning.
func TestTransformerFallsBackForMemory(t *testing.T) {
	m, err := loader.Load(loader.Options{DiffusionModel: "../testdata/golden/schnell_pipeline_tiny/flux.safetensors", AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dev := enginetest.Device(t)
	defer dev.SetMemoryLimit(0)
	e := &Engine{M: m, B: Backend{Lib: kernels.New(dev), Act: kernels.F32}}
	defer e.Close()
	const lt, lh, lw = 8, 8, 12
	size := func(p fluxPlan) uint64 { // device memory the prepared transformer holds
		before := dev.LiveBytes()
		if _, _, err := e.transformer(lt, lh, lw, []fluxPlan{p}); err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		return dev.LiveBytes() - before
	}
	one, two, oneS, twoS := size(fluxPlan{1, false}), size(fluxPlan{2, false}), size(fluxPlan{1, true}), size(fluxPlan{2, true})
	t.Logf("device bytes: batch 1 %d, batch 2 %d; streaming: %d, %d", one, two, oneS, twoS)
	if two <= one || oneS >= one || twoS >= two || twoS >= one {
		t.Fatalf("device bytes: batch 1 %d, batch 2 %d; streaming: %d, %d: want a batch of 2 to take more, streaming less (a streamed batch of 2 less than batch 1)", one, two, oneS, twoS)
	}
	base := dev.LiveBytes()
	for _, c := range []struct {
		name        string
		limit       uint64
		cfg, twoP   bool
		want        fluxPlan
		warnings    int
		holdsAtMost uint64
	}{
		{"fits", 0, true, false, fluxPlan{2, false}, 0, two},
		{"asked for two passes", 0, true, true, fluxPlan{1, false}, 0, one},
		{"batch of 2 does not fit", base + (one+two)/2, true, false, fluxPlan{1, false}, 1, one},
		{"nothing fits on the device", base + (twoS+one)/2, true, false, fluxPlan{2, true}, 1, twoS},
		{"one sample does not fit", base + (oneS+one)/2, false, false, fluxPlan{1, true}, 1, oneS},
		{"streaming asked for", 0, false, false, fluxPlan{1, true}, 0, oneS},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.Close()
			dev.SetMemoryLimit(c.limit)
			e.B.Stream = c.name == "streaming asked for"
			defer func() { e.B.Stream = false }()
			var warnings []string
			before := dev.LiveBytes()
			r, err := e.prepareTransformer(lt, lh, lw, c.cfg, c.twoP, func(s string) { warnings = append(warnings, s) })
			if err != nil {
				t.Fatal(err)
			}
			if r.Batch() != c.want.batch || e.fluxKey.stream != c.want.stream || len(warnings) != c.warnings {
				t.Errorf("batch %d, streaming %v, warnings %q; want batch %d, streaming %v, %d warnings",
					r.Batch(), e.fluxKey.stream, warnings, c.want.batch, c.want.stream, c.warnings)
			}
			if held := dev.LiveBytes() - before; held > c.holdsAtMost {
				t.Errorf("holds %d bytes, want at most %d (a failed preparation must free its memory)", held, c.holdsAtMost)
			}
		})
	}
}

// When the text encoders or the decoder run out of memory beside the
// prepared transformer, it is released and they run again; other errors,
// or out of memory with nothing to release, are returned as they are.
func TestFreeingTransformer(t *testing.T) {
	m, err := loader.Load(loader.Options{DiffusionModel: "../testdata/golden/schnell_pipeline_tiny/flux.safetensors", AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	e := &Engine{M: m, B: Backend{Lib: kernels.New(enginetest.Device(t)), Act: kernels.F32}}
	defer e.Close()
	oom := fmt.Errorf("decode: %w", engine.ErrOutOfMemory)
	for _, c := range []struct {
		name     string
		held     bool
		fail     error // while the transformer is held
		calls    int
		released bool
		wantErr  bool
	}{
		{"out of memory beside the transformer", true, oom, 2, true, false},
		{"another error", true, errors.New("bad input"), 1, false, true},
		{"out of memory alone", false, oom, 1, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.Close()
			if c.held {
				if _, _, err := e.transformer(8, 8, 8, []fluxPlan{{1, false}}); err != nil {
					t.Fatal(err)
				}
			}
			calls := 0
			err := e.freeingTransformer(func() error {
				calls++
				if e.flux != nil || !c.held {
					return c.fail
				}
				return nil
			})
			if calls != c.calls || (e.flux == nil) != (c.released || !c.held) || (err != nil) != c.wantErr {
				t.Errorf("%d calls, transformer released %v, error %v", calls, e.flux == nil, err)
			}
		})
	}
}

// Each step's X0 is its estimate of the clean latent, x − t·v; at the last
// step (to t = 0) that is exactly the latent the sampler returns.
func TestDenoiseX0(t *testing.T) {
	m := &fakeModel{batch: 1}
	x := []float32{0.5, -1, 2, 0.25}
	sched := []float32{1, 0.75, 0.3, 0}
	var steps []Step
	out, err := Denoise(m, x, sched, Conditioning{Y: []float32{0.7}}, Guide{}, func(s Step) {
		s.Latent = append([]float32(nil), s.Latent...)
		steps = append(steps, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	prev := x
	for i, s := range steps {
		for j := range prev {
			if want := prev[j] - sched[i]*s.Pred[j]; s.X0[j] != want {
				t.Fatalf("step %d: X0[%d] = %v, want %v", i, j, s.X0[j], want)
			}
		}
		prev = s.Latent
	}
	if last := steps[len(steps)-1].X0; fmt.Sprint(last) != fmt.Sprint(out) {
		t.Errorf("last X0 %v, final latent %v", last, out)
	}
}
