package pipeline

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/model"
)

// Streaming the blocks' weights from host memory computes exactly what the
// resident transformer computes (the same kernels on the same values), run
// after run — the second run starts with the slots holding the last blocks
// — quantized or not, for one sample and a batch of 2; and the device holds
// less of the weights (with more blocks than the two slots hold).
func TestFluxStreamedMatchesResident(t *testing.T) {
	cfg := tinyFlux
	cfg.Depth, cfg.DepthSingle = 2, 4
	w := FluxRandomWeights(cfg)
	r := rand.New(rand.NewSource(9))
	conds := []Conditioning{
		{Txt: randn(r, 5*tinyFlux.ContextInDim), Y: randn(r, tinyFlux.VecInDim)},
		{Txt: randn(r, 5*tinyFlux.ContextInDim), Y: randn(r, tinyFlux.VecInDim)},
	}
	x := randn(r, 2*6*tinyFlux.InChannels)
	lib := kernels.New(enginetest.Device(t))
	for _, c := range []struct {
		batch int
		quant kernels.DType
	}{{1, 0}, {2, 0}, {1, kernels.Q8_0}} {
		t.Run(fmt.Sprintf("batch%d/%v", c.batch, c.quant), func(t *testing.T) {
			predict := func(stream bool) ([]float32, []float32, *graph.VulkanExec) {
				be := Backend{Lib: lib, Act: kernels.F32, Quant: c.quant, Stream: stream}
				run, err := NewFluxRunner(be, w, cfg, 5, 4, 6, c.batch)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(run.Close)
				if err := run.SetConditioning(conds[:c.batch]...); err != nil {
					t.Fatal(err)
				}
				xs := x[:c.batch*6*tinyFlux.InChannels]
				a, err := run.Predict(xs, 0.75, 3.5)
				if err != nil {
					t.Fatal(err)
				}
				b, err := run.Predict(xs, 0.5, 3.5)
				if err != nil {
					t.Fatal(err)
				}
				return a, b, run.Ex.(*graph.VulkanExec)
			}
			a, b, res := predict(false)
			sa, sb, str := predict(true)
			if fmt.Sprint(a) != fmt.Sprint(sa) || fmt.Sprint(b) != fmt.Sprint(sb) {
				t.Errorf("streamed predictions differ from the resident ones")
			}
			rw, _ := res.Memory()
			sw, _ := str.Memory()
			if str.Streamed() == 0 || sw >= rw || res.Streamed() != 0 {
				t.Errorf("device weight bytes: resident %d, streamed %d (+%d in host memory)", rw, sw, str.Streamed())
			}
		})
	}
}

// T5's blocks stream too (--offload-to-cpu; T5-XXL's 9.5 GB do not fit
// every card): the same states as resident, with less device memory.
func TestT5Streamed(t *testing.T) {
	c := loader.T5Config{DModel: 32, DKV: 8, Heads: 4, DFF: 64, Layers: 5, Vocab: 100, NumBuckets: 32, MaxDistance: 128, Eps: 1e-6}
	w := T5RandomWeights(c)
	ids := map[string][]int32{"input_ids": {5, 17, 3, 99, 1, 0, 0, 42}}
	lib := kernels.New(enginetest.Device(t))
	var outs [2][]float32
	var held [2]uint64
	for i, stream := range []bool{false, true} {
		g := graph.New(kernels.F32, w)
		if err := model.BuildT5(g, c, 8); err != nil {
			t.Fatal(err)
		}
		ex, err := g.NewVulkan(lib, graph.VulkanOptions{Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		defer ex.Close()
		if err := ex.SetIDs("input_ids", ids["input_ids"]); err != nil {
			t.Fatal(err)
		}
		if err := ex.Run(); err != nil {
			t.Fatal(err)
		}
		if outs[i], err = ex.Output("last_hidden_state"); err != nil {
			t.Fatal(err)
		}
		held[i], _ = ex.Memory()
	}
	if fmt.Sprint(outs[0]) != fmt.Sprint(outs[1]) {
		t.Error("streamed T5 states differ from the resident ones")
	}
	if held[1] >= held[0] {
		t.Errorf("device weight bytes: resident %d, streamed %d", held[0], held[1])
	}
}

// When T5 alone does not fit the device's memory, Encode runs it again with
// its blocks streaming from host memory, warns, and gives the same states.
func TestT5StreamsWhenItDoesNotFit(t *testing.T) {
	c := loader.T5Config{DModel: 32, DKV: 8, Heads: 4, DFF: 1024, Layers: 8, Vocab: 32128, NumBuckets: 32, MaxDistance: 128, Eps: 1e-6} // d_model: the transformer's context width
	w := T5RandomWeights(c)
	var ts []loader.Tensor
	for name := range w.shapes {
		tn, err := w.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tn)
	}
	path := filepath.Join(t.TempDir(), "t5.safetensors")
	if err := loader.WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	g := "../testdata/golden/schnell_pipeline_tiny/"
	m, err := loader.Load(loader.Options{DiffusionModel: g + "flux.safetensors", VAE: g + "ae.safetensors", CLIPL: g + "clip_l.safetensors", T5XXL: path})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dev := enginetest.Device(t)
	defer dev.SetMemoryLimit(0)
	e, err := NewEngine(m, Backend{Lib: kernels.New(dev), Act: kernels.F32})
	if err != nil {
		t.Fatal(err)
	}
	held := func(stream bool) uint64 { // device bytes of T5 prepared for the model's length
		before := dev.LiveBytes()
		g := graph.New(kernels.F32, m.T5)
		if err := model.BuildT5(g, m.T5Config, m.MaxSequenceLength); err != nil {
			t.Fatal(err)
		}
		ex, err := g.NewVulkan(e.B.Lib, graph.VulkanOptions{Stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		defer ex.Close()
		return dev.LiveBytes() - before
	}
	resident, streamed := held(false), held(true)
	if streamed >= resident {
		t.Fatalf("T5 holds %d bytes resident, %d streamed", resident, streamed)
	}
	var warned []string
	warn := func(s string) { warned = append(warned, s) }
	want, err := e.Encode("a red circle", 0, nil, warn)
	if err != nil || len(warned) != 0 {
		t.Fatalf("without a limit: %v, warnings %q", err, warned)
	}
	dev.SetMemoryLimit(dev.LiveBytes() + (resident+streamed)/2)
	got, err := e.Encode("a red circle", 0, nil, warn)
	if err != nil {
		t.Fatalf("under a limit between streamed (%d) and resident (%d) bytes: %v", streamed, resident, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "T5's weights do not fit") {
		t.Errorf("warnings %q, want one saying T5 streamed", warned)
	}
	if fmt.Sprint(got.Txt) != fmt.Sprint(want.Txt) || fmt.Sprint(got.Y) != fmt.Sprint(want.Y) {
		t.Error("the streamed T5 gave other states")
	}
}
