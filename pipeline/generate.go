package pipeline

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/loader/tokenizer"
	"github.com/flux-vk/flux-vk/model"
)

// Request is one text-to-image job.
type Request struct {
	Prompt, Negative  string
	Width, Height     int
	Steps             int // 0: the model's default (4 schnell, 28 dev)
	Seed              uint64
	RNG               RNGDType
	Guidance          float32   // dev's distilled guidance
	CFGScale          float32   // true CFG with Negative when > 1
	InitLatents       []float32 // latent (16, lh, lw) to start from instead of noise
	MaxSequenceLength int       // T5 tokens; 0: the model's (256 schnell, 512 dev, or its config's)
	CFGTwoPasses      bool      // true CFG as two passes per step even where a batch of 2 fits
}

// Trace receives the pipeline's intermediates (flux-vk check compares them
// with the reference; the viewer shows the steps).
type Trace struct {
	Stage    func(name string, elapsed time.Duration) // after each stage: encode, prepare (the transformer), each step, decode
	Tokens   func(clip, t5 []int32)
	Encoded  func(pos, neg *Conditioning)
	Noise    func(noise []float32)
	Schedule func(ts []float32)
	Step     func(s Step)
	Latent   func(packed, unpacked []float32)
	Decoded  func(decoded, image []float32)
}

// Result is the picture and what made it.
type Result struct {
	RGB           []byte // HWC
	Width, Height int
	Seed          uint64
	Steps         int
	Warnings      []string
	CFGBatch      int  // true CFG: 2 when both passes ran as one batch, 1 when one after the other; 0 without
	Streamed      bool // the transformer's blocks streamed from host memory (asked for, or the weights did not fit)
}

// Engine turns prompts into pictures with one loaded model.
type Engine struct {
	M    *loader.Model
	B    Backend
	clip *tokenizer.CLIP
	t5   *tokenizer.T5

	// The transformer stays prepared between pictures of the same size
	// (--batch): building it uploads every weight.
	flux    *FluxRunner
	fluxKey fluxKey
}

// fluxKey is what a prepared transformer was prepared for.
type fluxKey struct {
	lt, lh, lw int // text tokens, latent height and width
	fluxPlan
}

// fluxPlan is one way to prepare the transformer: samples per prediction,
// and whether its blocks stream from host memory.
type fluxPlan struct {
	batch  int
	stream bool
}

// Close releases the prepared transformer.
func (e *Engine) Close() {
	if e.flux != nil {
		e.flux.Close()
		e.flux = nil
	}
}

// transformer returns the runner for lt text tokens and an lh×lw latent
// prepared the first way of plans that fits the device's memory (it goes on
// to the next only when one runs out of memory), preparing anew only when
// the shape or the way changed.
func (e *Engine) transformer(lt, lh, lw int, plans []fluxPlan) (*FluxRunner, fluxPlan, error) {
	for _, p := range plans { // a transformer prepared for the last picture is kept
		if e.flux != nil && e.fluxKey == (fluxKey{lt, lh, lw, p}) {
			return e.flux, p, nil
		}
	}
	var err error
	for _, p := range plans {
		key := fluxKey{lt, lh, lw, p}
		e.Close()
		b := e.B
		b.Stream = p.stream
		var r *FluxRunner
		r, err = NewFluxRunner(b, e.M.Flux, e.M.FluxConfig, lt, lh, lw, p.batch)
		if err == nil {
			e.flux, e.fluxKey = r, key
			return r, p, nil
		}
		if !errors.Is(err, engine.ErrOutOfMemory) {
			break
		}
	}
	return nil, fluxPlan{}, err
}

// fluxPlans lists the ways to prepare the transformer, best first: true
// CFG as a batch of 2 (one pass per step) unless asked for two passes, then
// batch 1; every weight on the device, then (on a device, unless asked for
// from the start) the blocks streaming from host memory. A batch of 2 that
// streams comes before a batch of 1 that streams: it copies the weights
// once per step instead of twice.
func (e *Engine) fluxPlans(cfg, twoPasses bool) []fluxPlan {
	batches := []int{1}
	if cfg && !twoPasses {
		batches = []int{2, 1}
	}
	streams := []bool{false}
	switch {
	case e.B.Stream:
		streams = []bool{true}
	case e.B.Lib != nil:
		streams = []bool{false, true}
	}
	var plans []fluxPlan
	for _, s := range streams {
		for _, b := range batches {
			plans = append(plans, fluxPlan{b, s})
		}
	}
	return plans
}

// prepareTransformer prepares the transformer for a picture and warns
// where it had to give up speed for memory.
func (e *Engine) prepareTransformer(lt, lh, lw int, cfg, twoPasses bool, warn func(string)) (*FluxRunner, error) {
	r, p, err := e.transformer(lt, lh, lw, e.fluxPlans(cfg, twoPasses))
	if err != nil {
		return nil, err
	}
	if cfg && !twoPasses && p.batch == 1 {
		warn("true CFG runs its two passes one after the other: a batch of 2 does not fit the device's memory")
	}
	if p.stream && !e.B.Stream {
		warn("the transformer's weights do not fit the device's memory with the picture's activations: its blocks " +
			"stream from host memory every step (slower; --offload-to-cpu asks for this from the start, --weight-type q8_0 or q4_0 may fit instead)")
	}
	return r, nil
}

// NewEngine prepares the tokenizers (the checkpoint's own files when it has
// them, else the embedded FLUX.1 ones).
func NewEngine(m *loader.Model, b Backend) (*Engine, error) {
	e := &Engine{M: m, B: b}
	var err error
	if d := m.TokenizerDir; d != "" && exists(filepath.Join(d, "vocab.json")) {
		e.clip, err = tokenizer.LoadCLIP(filepath.Join(d, "vocab.json"), filepath.Join(d, "merges.txt"))
	} else {
		e.clip, err = tokenizer.NewCLIP()
	}
	if err != nil {
		return nil, fmt.Errorf("CLIP tokenizer: %w", err)
	}
	if d := m.Tokenizer2Dir; d != "" && exists(filepath.Join(d, "tokenizer.json")) {
		e.t5, err = tokenizer.LoadT5(filepath.Join(d, "tokenizer.json"))
	} else {
		e.t5, err = tokenizer.NewT5()
	}
	if err != nil {
		return nil, fmt.Errorf("T5 tokenizer: %w", err)
	}
	return e, nil
}

// Encode tokenizes and encodes one prompt: the CLIP pooled vector and the
// T5 sequence of MaxSequenceLength states.
func (e *Engine) Encode(prompt string, maxSeq int, tr *Trace, warn func(string)) (Conditioning, error) {
	if maxSeq <= 0 {
		maxSeq = e.M.MaxSequenceLength
	}
	clipIDs, dropped := e.clip.Encode(prompt, 77)
	if dropped > 0 {
		warn(fmt.Sprintf("prompt is too long for CLIP: %d tokens dropped (77 max)", dropped))
	}
	t5IDs, dropped := e.t5.Encode(prompt, maxSeq)
	if dropped > 0 {
		warn(fmt.Sprintf("prompt is too long for T5: %d tokens dropped (%d max)", dropped, maxSeq))
	}
	ci, ti := int32s(clipIDs), int32s(t5IDs)
	if tr != nil && tr.Tokens != nil {
		tr.Tokens(ci, ti)
	}
	clipOut, err := RunGraph(e.B, e.B.Act, e.M.CLIP, func(g *graph.Graph) error {
		return model.BuildCLIP(g, e.M.CLIPConfig, len(ci))
	}, nil, map[string][]int32{"input_ids": ci}, "last_hidden_state")
	if err != nil {
		return Conditioning{}, fmt.Errorf("CLIP: %w", err)
	}
	// T5 keeps f32 activations: its residual stream overflows f16. T5-XXL's
	// 9.5 GB of bf16 weights do not fit every card: then its blocks stream.
	runT5 := func(b Backend) (map[string][]float32, error) {
		return RunGraph(b, kernels.F32, e.M.T5, func(g *graph.Graph) error {
			return model.BuildT5(g, e.M.T5Config, len(ti))
		}, nil, map[string][]int32{"input_ids": ti}, "last_hidden_state")
	}
	t5Out, err := runT5(e.B)
	if errors.Is(err, engine.ErrOutOfMemory) && e.B.Lib != nil && !e.B.Stream {
		b := e.B
		b.Stream = true
		if t5Out, err = runT5(b); err == nil {
			warn("T5's weights do not fit the device's memory: its blocks streamed from host memory (slower; --offload-to-cpu asks for this from the start)")
		}
	}
	if err != nil {
		return Conditioning{}, fmt.Errorf("T5: %w", err)
	}
	return Conditioning{Txt: t5Out["last_hidden_state"],
		Y: model.CLIPPooled(clipOut["last_hidden_state"], ci, e.M.CLIPConfig.Hidden)}, nil
}

func int32s(v []int) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}
