package main

import (
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/pipeline"
)

func init() {
	register("generate", "turn a prompt into a PNG", runGenerate)
}

type genFlags struct {
	prompt, negative, out, rng, initLatents string
	load                                    loader.Options
	steps, width, height, batch, upscale    int
	seed                                    int64
	guidance, cfg                           float64
	device, precision, weightType           string
	quiet, asJSON, force, cpu, offload      bool
	view, viewClose                         bool
}

func parseGenerate(args []string) (*genFlags, error) {
	f := &genFlags{}
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	for _, n := range []string{"p", "prompt"} {
		fs.StringVar(&f.prompt, n, "", "the prompt")
	}
	for _, n := range []string{"o", "output"} {
		fs.StringVar(&f.out, n, "flux-vk.png", "output PNG (numbered -1, -2 … with --batch)")
	}
	fs.StringVar(&f.negative, "negative-prompt", "", "negative prompt (true CFG; needs --cfg-scale > 1)")
	fs.StringVar(&f.load.ModelDir, "model", "", "diffusers folder or folder of single files (default: the Hugging Face cache, else the built-in demo model; \"demo\": always the demo)")
	fs.StringVar(&f.load.DiffusionModel, "diffusion-model", "", "transformer file (BFL or ComfyUI)")
	fs.StringVar(&f.load.VAE, "vae", "", "autoencoder file (ae.safetensors)")
	fs.StringVar(&f.load.CLIPL, "clip-l", "", "CLIP-L text encoder file")
	fs.StringVar(&f.load.T5XXL, "t5xxl", "", "T5-XXL text encoder file")
	fs.IntVar(&f.steps, "steps", 0, "sampling steps (default 4 for schnell, 28 for dev)")
	fs.Int64Var(&f.seed, "seed", -1, "noise seed (default random, printed)")
	fs.IntVar(&f.width, "width", 0, "image width, a multiple of 16 (default: the model folder's vae sample_size, else 1024; 64 with the built-in demo model)")
	fs.IntVar(&f.height, "height", 0, "image height, a multiple of 16 (default: the model folder's vae sample_size, else 1024; 64 with the built-in demo model)")
	fs.IntVar(&f.batch, "batch", 1, "images per prompt, with seeds seed, seed+1, …")
	fs.IntVar(&f.upscale, "upscale", 1, "enlarge the written PNG by this whole factor, 1-8 (nearest neighbour: pixel art)")
	fs.Float64Var(&f.guidance, "guidance", 3.5, "distilled guidance (FLUX.1-dev; ignored by schnell)")
	fs.Float64Var(&f.cfg, "cfg-scale", 1, "true classifier-free guidance scale (> 1 runs a negative pass each step)")
	fs.StringVar(&f.rng, "rng", "torch-bf16", "noise generator: torch-bf16 (BFL reference) or torch-f32 (diffusers)")
	fs.StringVar(&f.initLatents, "init-latents", "", "safetensors file with a latent (16, H/8, W/8 for FLUX.1's VAE) to start from instead of noise")
	fs.StringVar(&f.device, "device", "", "device index or name substring")
	fs.StringVar(&f.precision, "precision", "", "activations: f32 or f16 (default f16 where supported)")
	fs.StringVar(&f.weightType, "weight-type", "", weightTypeUsage)
	fs.BoolVar(&f.offload, "offload-to-cpu", false, offloadUsage)
	fs.BoolVar(&f.view, "view", false, "show each step's preview and the finished picture in a window (it stays until closed: Esc, q)")
	fs.BoolVar(&f.viewClose, "view-close", false, "with --view: close the window once the pictures are written")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	fs.BoolVar(&f.asJSON, "json", false, "print a JSON summary on stdout")
	fs.BoolVar(&f.force, "force", false, "overwrite the output file")
	fs.BoolVar(&f.cpu, "cpu", false, "run on the CPU reference executor (slow; for checking)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (quote the prompt and pass it with -p)", fs.Arg(0))
	}
	return f, f.validate()
}

func (f *genFlags) validate() error {
	for _, s := range []struct {
		name string
		v    int
	}{{"width", f.width}, {"height", f.height}} {
		if s.v < 0 || s.v%16 != 0 { // 0: the model's default size
			near := (s.v + 8) / 16 * 16
			if near < 16 {
				near = 16
			}
			return fmt.Errorf("--%s %d is not a multiple of 16; try --%s %d", s.name, s.v, s.name, near)
		}
	}
	if f.batch < 1 {
		return fmt.Errorf("--batch %d: want 1 or more", f.batch)
	}
	if f.upscale < 1 || f.upscale > maxUpscale {
		return fmt.Errorf("--upscale %d: want a whole factor from 1 to %d", f.upscale, maxUpscale)
	}
	if _, err := parseWeightType(f.weightType); err != nil {
		return err
	}
	if f.steps < 0 {
		return fmt.Errorf("--steps %d: want 1 or more (0 = the model's default)", f.steps)
	}
	if !strings.EqualFold(filepath.Ext(f.out), ".png") {
		return fmt.Errorf("-o %s: flux-vk writes PNG files; name the output *.png", f.out)
	}
	return nil
}

func randomSeed() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 33) // a seed short enough to type
}

func runGenerate(args []string) (err error) {
	f, err := parseGenerate(args)
	if err != nil {
		return err
	}
	if err := f.checkOutputs(); err != nil {
		return err
	}
	pr := newProgress(os.Stderr, f.quiet)
	if err := f.defaultModel(pr.w); err != nil {
		return err
	}
	start := time.Now()
	m, err := loader.Load(f.load)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	defer m.Close()
	pr.stage("load", time.Since(start))
	f.defaultSize(m.AEConfig)
	if f.view {
		return f.generateViewed(m, pr)
	}
	be, closeDev, err := f.backend()
	if err != nil {
		return err
	}
	defer func() {
		if verr := closeDev(); err == nil {
			err = verr
		}
	}()
	return generateAll(f, m, be, pr, nil)
}

func (f *genFlags) backend() (pipeline.Backend, func() error, error) {
	closer := func() error { return nil }
	var d *engine.Device
	if !f.cpu {
		var err error
		if d, closer, err = openDevice(f.device); err != nil {
			return pipeline.Backend{}, func() error { return nil }, err
		}
	}
	be, err := f.backendOn(d)
	if err != nil {
		closer()
		return be, func() error { return nil }, err
	}
	return be, closer, nil
}

// backendOn is where the networks run: on d, or the CPU reference
// executor with --cpu (d nil).
func (f *genFlags) backendOn(d *engine.Device) (pipeline.Backend, error) {
	var be pipeline.Backend
	if !f.cpu && d != nil {
		be.Lib = kernels.New(d)
	}
	act, err := parsePrecision(f.precision, be.Lib)
	if err != nil {
		return be, err
	}
	be.Act = act
	be.Quant, _ = parseWeightType(f.weightType) // checked by validate
	be.Stream = f.offload && be.Lib != nil
	return be, nil
}

const offloadUsage = "keep the transformer's and T5's block weights in host memory and copy each block to the device as it runs " +
	"(the device holds two blocks' weights instead of all; slower; chosen by itself when the weights do not fit)"

const weightTypeUsage = "store the linear layers' weights as q8_0 (about half of bf16's memory) or q4_0 (about a quarter); default: as in the file"

// parseWeightType reads --weight-type: "" keeps the file's types.
func parseWeightType(s string) (kernels.DType, error) {
	if s == "" {
		return 0, nil
	}
	t, err := kernels.ParseQuant(s)
	if err != nil {
		return 0, fmt.Errorf("--weight-type: %w", err)
	}
	return t, nil
}

// weightTypeName names a Backend's Quant for bench output: the quantized
// type, else "bf16" (the random weights' type).
func weightTypeName(q kernels.DType) string {
	if q.Quantized() {
		return q.String()
	}
	return "bf16"
}

// summary is the --json output.
type summary struct {
	Files      []string           `json:"files"`
	Seeds      []uint64           `json:"seeds"`
	Width      int                `json:"width"`
	Height     int                `json:"height"`
	Steps      int                `json:"steps"`
	Model      string             `json:"model"`
	Device     string             `json:"device"`
	Timings    map[string]float64 `json:"timings_s"`
	PeakDevice uint64             `json:"peak_device_bytes"`
	Upscale    int                `json:"upscale,omitempty"`       // the files are this many times width×height; omitted at 1
	CFGBatch   int                `json:"cfg_batch,omitempty"`     // true CFG: 2 = both passes as one batch, 1 = one after the other
	WeightType string             `json:"weight_type,omitempty"`   // --weight-type, when set
	Offloaded  bool               `json:"offloaded,omitempty"`     // the transformer's blocks streamed from host memory
	Viewed     int                `json:"viewer_frames,omitempty"` // --view: pictures handed to the window
	Warnings   []string           `json:"warnings,omitempty"`
}
