package pipeline

import (
	"fmt"
	"math/rand"
	"sort"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/model"
)

// FLUX.1's real widths (what shapes would give for flux1-schnell and ae).
var (
	RealFlux = loader.FluxConfig{Hidden: 3072, Heads: 24, Depth: 19, DepthSingle: 38, InChannels: 64, OutChannels: 64,
		VecInDim: 768, ContextInDim: 4096, MLPHidden: 12288, AxesDim: []int{16, 56, 56}, Theta: 10000, QKVBias: true}
	RealAE = loader.AEConfig{Ch: 128, ChMult: []int{1, 2, 4, 4}, NumResBlocks: 2, ZChannels: 16, InChannels: 3, OutCh: 3,
		ScaleFactor: 0.3611, ShiftFactor: 0.1159, HasDecoder: true}
)

// ModelBench times the real-width transformer with one double and one
// single block (random weights) and the real-width VAE decoder, then
// extrapolates to the full 19 + 38 blocks: speed tracked without a 24 GB
// download.
type ModelBench struct {
	Width, Height       int // transformer image size
	VAEWidth, VAEHeight int
	TxtTokens           int
	Steps               int
	Reps                int
	CFG                 bool // also time true CFG's batch of 2 (one pass for both predictions)
}

// ModelBenchResult holds median GPU times in milliseconds.
type ModelBenchResult struct {
	DoubleMS, SingleMS, OtherMS float64 // one block of each kind; embedders, final layer, glue
	StepMS                      float64 // extrapolated full model, one step
	TotalS                      float64 // Steps steps + one VAE decode
	VAEMS                       float64
	Tokens                      int
	// With CFG: one step with both predictions as one batch of 2, and as
	// two passes of one (2·StepMS), full model extrapolated.
	CFGBatchStepMS, CFGPassesStepMS float64
}

// BenchModel runs the benchmark on b's device (timed).
func BenchModel(b Backend, o ModelBench) (ModelBenchResult, error) {
	if b.Lib == nil {
		return ModelBenchResult{}, fmt.Errorf("the model benchmark needs a Vulkan device")
	}
	b.Timed = true
	cfg := RealFlux
	cfg.Depth, cfg.DepthSingle = 1, 1
	lh, lw := LatentSize(o.Height, o.Width, RealAE.Downsample())
	r := ModelBenchResult{Tokens: lh / 2 * (lw / 2)}
	scopes, err := benchFlux(b, cfg, o, lh, lw, 1)
	if err != nil {
		return r, err
	}
	r.DoubleMS, r.SingleMS = scopes["double_blocks.0"], scopes["single_blocks.0"]
	r.OtherMS = scopes[""]
	r.StepMS = fullStep(scopes)
	if o.CFG {
		two, err := benchFlux(b, cfg, o, lh, lw, 2)
		if err != nil {
			return r, fmt.Errorf("batch of 2: %w", err)
		}
		r.CFGBatchStepMS, r.CFGPassesStepMS = fullStep(two), 2*r.StepMS
	}
	if r.VAEMS, err = benchDecoder(b, o); err != nil {
		return r, err
	}
	r.TotalS = (float64(o.Steps)*r.StepMS + r.VAEMS) / 1000
	return r, nil
}

// fullStep extrapolates one block of each kind to FLUX.1's 19 + 38.
func fullStep(scopes map[string]float64) float64 {
	return scopes[""] + float64(RealFlux.Depth)*scopes["double_blocks.0"] + float64(RealFlux.DepthSingle)*scopes["single_blocks.0"]
}

func benchFlux(b Backend, cfg loader.FluxConfig, o ModelBench, lh, lw, batch int) (map[string]float64, error) {
	tr, err := NewFluxRunner(b, FluxRandomWeights(cfg), cfg, o.TxtTokens, lh, lw, batch)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	rng := rand.New(rand.NewSource(1))
	conds := make([]Conditioning, batch)
	for i := range conds {
		conds[i] = Conditioning{Txt: randn(rng, o.TxtTokens*cfg.ContextInDim), Y: randn(rng, cfg.VecInDim)}
	}
	if err := tr.SetConditioning(conds...); err != nil {
		return nil, err
	}
	x := randn(rng, batch*lh/2*(lw/2)*cfg.InChannels)
	ex := tr.Ex.(*graph.VulkanExec)
	var runs []map[string]float64
	for i := 0; i <= o.Reps; i++ { // the first run warms up
		if _, err := tr.Predict(x, 1, 0); err != nil {
			return nil, err
		}
		if i > 0 {
			runs = append(runs, ex.ScopeTimes())
		}
	}
	return medianScopes(runs), nil
}

func benchDecoder(b Backend, o ModelBench) (float64, error) {
	lh, lw := LatentSize(o.VAEHeight, o.VAEWidth, RealAE.Downsample())
	g := graph.New(b.Act, DecoderRandomWeights(RealAE))
	if err := model.BuildDecoder(g, RealAE, lh, lw); err != nil {
		return 0, err
	}
	g.Quant = b.Quant
	ex, err := g.NewVulkan(b.Lib, graph.VulkanOptions{Timed: true})
	if err != nil {
		return 0, err
	}
	defer ex.Close()
	if err := ex.SetInput("z", randn(rand.New(rand.NewSource(2)), RealAE.ZChannels*lh*lw)); err != nil {
		return 0, err
	}
	var runs []map[string]float64
	for i := 0; i <= o.Reps; i++ {
		if err := ex.Run(); err != nil {
			return 0, err
		}
		if i > 0 {
			runs = append(runs, ex.ScopeTimes())
		}
	}
	return medianScopes(runs)[""], nil
}

func randn(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// medianScopes takes, per scope, the median over runs.
func medianScopes(runs []map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k := range runs[0] {
		var v []float64
		for _, r := range runs {
			v = append(v, r[k])
		}
		sort.Float64s(v)
		out[k] = v[len(v)/2]
	}
	return out
}
