package pipeline

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/model"
)

// Backend says where the networks run: on a Vulkan device (Lib set) with
// activations stored as Act, or on the CPU reference executor (Lib nil).
type Backend struct {
	Lib   *kernels.Lib
	Act   kernels.DType
	Debug bool          // keep the networks' taps for read-back
	Timed bool          // GPU timestamps per dispatch (benchmarks)
	Quant kernels.DType // Q8_0 or Q4_0: linear layers' weights stored so (graph.Graph.Quant); else as in the file
	// Stream keeps the transformer blocks' weights in host memory and
	// copies each block's to the device as it runs (graph.VulkanOptions.Stream).
	Stream bool
}

// Exec builds an executor for g.
func (b Backend) Exec(g *graph.Graph) (graph.Executor, error) {
	g.Quant = b.Quant
	if b.Lib == nil {
		return g.NewCPU()
	}
	return g.NewVulkan(b.Lib, graph.VulkanOptions{Debug: b.Debug, Timed: b.Timed, Stream: b.Stream})
}

// FluxRunner runs the transformer graph for a fixed token count and batch;
// it is the Transformer the sampler calls.
type FluxRunner struct {
	Ex    graph.Executor
	cfg   loader.FluxConfig
	l, n  int // text and image tokens per sample
	batch int
}

// NewFluxRunner builds and prepares the transformer for batch samples of lt
// text tokens and an lh×lw latent (packed into lh/2·lw/2 image tokens).
func NewFluxRunner(b Backend, w graph.Weights, cfg loader.FluxConfig, lt, lh, lw, batch int) (*FluxRunner, error) {
	li := (lh / 2) * (lw / 2)
	g := graph.New(b.Act, w)
	if err := model.BuildFlux(g, cfg, lt, li, batch); err != nil {
		return nil, fmt.Errorf("build transformer: %w", err)
	}
	ex, err := b.Exec(g)
	if err != nil {
		return nil, fmt.Errorf("prepare transformer: %w", err)
	}
	r := &FluxRunner{Ex: ex, cfg: cfg, l: lt, n: li, batch: batch}
	if err := ex.SetInput("img_ids", ImageIDs(lh, lw)); err != nil {
		ex.Close()
		return nil, err
	}
	if err := ex.SetInput("txt_ids", make([]float32, 3*lt)); err != nil {
		ex.Close()
		return nil, err
	}
	return r, nil
}

// Batch is how many samples one prediction computes.
func (r *FluxRunner) Batch() int { return r.batch }

// SetConditioning sets the text inputs of each sample (one Conditioning
// per sample) used by the next predictions.
func (r *FluxRunner) SetConditioning(cs ...Conditioning) error {
	if len(cs) != r.batch {
		return fmt.Errorf("transformer: %d conditionings for a batch of %d", len(cs), r.batch)
	}
	var txt, y []float32
	for _, c := range cs {
		txt, y = append(txt, c.Txt...), append(y, c.Y...)
	}
	if err := r.Ex.SetInput("txt", txt); err != nil {
		return err
	}
	return r.Ex.SetInput("y", y)
}

// Predict runs the transformer once on the batch's latents, stacked.
func (r *FluxRunner) Predict(x []float32, t, guidance float32) ([]float32, error) {
	if err := r.Ex.SetInput("img", x); err != nil {
		return nil, err
	}
	if err := r.Ex.SetInput("timestep", []float32{t}); err != nil {
		return nil, err
	}
	if r.cfg.Guidance {
		if err := r.Ex.SetInput("guidance", []float32{guidance}); err != nil {
			return nil, err
		}
	}
	if err := r.Ex.Run(); err != nil {
		return nil, err
	}
	return r.Ex.Output("pred")
}

// Close releases the executor.
func (r *FluxRunner) Close() { r.Ex.Close() }

// Sample runs noise → pack → Euler steps → unpack: the latent (c, lh, lw)
// the decoder turns into a picture, and the packed tokens it came from.
func Sample(tr Transformer, noise []float32, c, lh, lw int, sched []float32, pos Conditioning, guide Guide, onStep func(Step)) (packed, latent []float32, err error) {
	packed, err = Denoise(tr, Pack(noise, c, lh, lw), sched, pos, guide, onStep)
	if err != nil {
		return nil, nil, err
	}
	return packed, Unpack(packed, c, lh, lw), nil
}

// RunGraph builds a graph with build, runs it once with the given inputs
// and returns the named outputs (the text encoders and the VAE run once per
// image, so they are not kept).
func RunGraph(b Backend, act kernels.DType, w graph.Weights, build func(g *graph.Graph) error,
	floats map[string][]float32, ids map[string][]int32, outputs ...string) (map[string][]float32, error) {
	g := graph.New(act, w)
	if err := build(g); err != nil {
		return nil, err
	}
	ex, err := b.Exec(g)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	for k, v := range floats {
		if err := ex.SetInput(k, v); err != nil {
			return nil, err
		}
	}
	for k, v := range ids {
		if err := ex.SetIDs(k, v); err != nil {
			return nil, err
		}
	}
	if err := ex.Run(); err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for _, k := range outputs {
		if out[k], err = ex.Output(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
