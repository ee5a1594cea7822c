package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/model"
)

// Generate runs the whole pipeline: tokenize, encode, noise, pack, schedule,
// Euler steps, unpack, decode, 8-bit RGB.
func (e *Engine) Generate(req Request, tr *Trace) (*Result, error) {
	if tr == nil {
		tr = &Trace{}
	}
	res := &Result{Width: req.Width, Height: req.Height, Seed: req.Seed}
	warn := func(s string) { res.Warnings = append(res.Warnings, s) }
	stage := func(name string, start time.Time) {
		if tr.Stage != nil {
			tr.Stage(name, time.Since(start))
		}
	}
	dev := e.M.FluxConfig.Guidance
	steps := req.Steps
	if steps <= 0 {
		steps = DefaultSteps(dev)
	}
	res.Steps = steps

	start := time.Now()
	var pos Conditioning
	var neg *Conditioning
	err := e.freeingTransformer(func() (err error) {
		pos, neg, err = e.encodeBoth(req, tr, warn)
		return err
	})
	if err != nil {
		return nil, err
	}
	stage("encode", start)

	lh, lw, down := e.latentSize(req.Height, req.Width)
	zc := e.M.FluxConfig.InChannels / 4
	noise := req.InitLatents
	if noise == nil {
		noise, _ = InitialNoise(req.Seed, req.Height, req.Width, down, req.RNG)
	} else if len(noise) != zc*lh*lw {
		return nil, fmt.Errorf("init latents hold %d values; a %dx%d image needs %d×%d×%d = %d", len(noise), req.Width, req.Height, zc, lh, lw, zc*lh*lw)
	}
	if tr.Noise != nil {
		tr.Noise(noise)
	}
	sched := Schedule(steps, lh/2*(lw/2), dev)

	// Preparing the transformer uploads its weights: the first picture of a
	// size pays for it, later ones (--batch) reuse it.
	start = time.Now()
	lt := len(pos.Txt) / e.M.FluxConfig.ContextInDim
	guide := Guide{Guidance: req.Guidance, Negative: neg, CFGScale: req.CFGScale}
	prepared := e.flux
	runner, err := e.prepareTransformer(lt, lh, lw, neg != nil, req.CFGTwoPasses, warn)
	if err != nil {
		return nil, err
	}
	if neg != nil {
		res.CFGBatch = runner.Batch()
	}
	res.Streamed = e.fluxKey.stream
	if runner != prepared {
		stage("prepare", start)
	}
	if tr.Schedule != nil {
		tr.Schedule(sched)
	}
	stepStart := time.Now()
	packed, latent, err := Sample(runner, noise, zc, lh, lw, sched, pos, guide, func(s Step) {
		if tr.Step != nil {
			tr.Step(s)
		}
		stage(fmt.Sprintf("step %d/%d", s.Index+1, steps), stepStart)
		stepStart = time.Now()
	})
	if err != nil {
		return nil, err
	}
	if tr.Latent != nil {
		tr.Latent(packed, latent)
	}

	start = time.Now()
	var out map[string][]float32
	err = e.freeingTransformer(func() (err error) {
		out, err = e.decode(latent, lh, lw)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if tr.Decoded != nil {
		tr.Decoded(out["decoded"], out["image"])
	}
	res.Height, res.Width = down*lh, down*lw
	res.RGB = ToRGB8(out["image"], res.Height, res.Width)
	stage("decode", start)
	return res, nil
}

// latentSize is LatentSize for this model's autoencoder, with its downsampling factor.
func (e *Engine) latentSize(height, width int) (lh, lw, down int) {
	down = e.M.AEConfig.Downsample()
	lh, lw = LatentSize(height, width, down)
	return lh, lw, down
}

// decode runs the VAE decoder on an unpacked latent (16, lh, lw).
func (e *Engine) decode(latent []float32, lh, lw int) (map[string][]float32, error) {
	return RunGraph(e.B, e.B.Act, e.M.AE, func(g *graph.Graph) error {
		return model.BuildDecoder(g, e.M.AEConfig, lh, lw)
	}, map[string][]float32{"z": latent}, nil, "decoded", "image")
}

// Preview decodes a step's estimate of the clean latent (Step.X0, packed
// tokens of a height×width picture) into 8-bit RGB: what the viewer shows
// while sampling runs. It prepares the decoder anew each time, so it holds
// no memory between steps.
func (e *Engine) Preview(x0 []float32, height, width int) ([]byte, error) {
	lh, lw, down := e.latentSize(height, width)
	zc := e.M.FluxConfig.InChannels / 4
	if len(x0) != zc*lh*lw {
		return nil, fmt.Errorf("preview: %d latent values for a %dx%d picture, want %d", len(x0), width, height, zc*lh*lw)
	}
	out, err := e.decode(Unpack(x0, zc, lh, lw), lh, lw)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	return ToRGB8(out["image"], down*lh, down*lw), nil
}

// freeingTransformer runs f (the text encoders or the decoder) and, if the
// device ran out of memory while the prepared transformer still held its
// weights, releases the transformer and runs f again: the next picture
// prepares it anew, but the picture is made.
func (e *Engine) freeingTransformer(f func() error) error {
	err := f()
	if err != nil && e.flux != nil && errors.Is(err, engine.ErrOutOfMemory) {
		e.Close()
		err = f()
	}
	return err
}

func (e *Engine) encodeBoth(req Request, tr *Trace, warn func(string)) (Conditioning, *Conditioning, error) {
	pos, err := e.Encode(req.Prompt, req.MaxSequenceLength, tr, warn)
	if err != nil {
		return pos, nil, err
	}
	var neg *Conditioning
	if req.CFGScale > 1 {
		n, err := e.Encode(req.Negative, req.MaxSequenceLength, tr, warn)
		if err != nil {
			return pos, nil, fmt.Errorf("negative prompt: %w", err)
		}
		neg = &n
	}
	if tr.Encoded != nil {
		tr.Encoded(&pos, neg)
	}
	return pos, neg, nil
}
