package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/flux-vk/flux-vk/demo"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/pipeline"
)

func init() {
	register("eval-demo", "score the demo model's prompt adherence on held-out prompts", runEvalDemo)
}

type evalFlags struct {
	load                  loader.Options
	steps, prompts, seeds int
	full                  bool
	out, judge, set       string
	device, precision     string
	weightType            string
	cpu, asJSON, quiet    bool
	cfg                   float64
}

func parseEvalDemo(args []string) (*evalFlags, error) {
	f := &evalFlags{}
	fs := flag.NewFlagSet("eval-demo", flag.ContinueOnError)
	fs.StringVar(&f.load.ModelDir, "model", "", "model folder (default: the built-in demo model)")
	fs.StringVar(&f.load.DiffusionModel, "diffusion-model", "", "transformer file replacing the model's (e.g. tools/train-demo/teacher/transformer.safetensors)")
	fs.IntVar(&f.steps, "steps", 4, "sampling steps")
	fs.Float64Var(&f.cfg, "cfg-scale", 1, "true classifier-free guidance against the empty prompt (> 1; e.g. the guided 50-step teacher)")
	fs.IntVar(&f.prompts, "prompts", 12, "held-out prompts to run (the first N)")
	fs.IntVar(&f.seeds, "seeds", 1, "seeds per prompt")
	fs.BoolVar(&f.full, "full", false, "the whole held-out set: every prompt with every seed")
	fs.StringVar(&f.out, "o", "", "folder to save the pictures in (pNNN_sS.png)")
	fs.StringVar(&f.judge, "judge", "", "judge the pictures of this folder (pNNN_sS.png) instead of generating")
	fs.StringVar(&f.set, "set", "", "prompt set file in demo/heldout.json's format (default: the held-out set)")
	fs.StringVar(&f.device, "device", "", "device index or name substring")
	fs.StringVar(&f.precision, "precision", "", "activations: f32 or f16 (default f16 where supported)")
	fs.StringVar(&f.weightType, "weight-type", "", weightTypeUsage)
	fs.BoolVar(&f.cpu, "cpu", false, "run on the CPU reference executor")
	fs.BoolVar(&f.asJSON, "json", false, "print the rates as JSON on stdout")
	fs.BoolVar(&f.quiet, "quiet", false, "no per-picture lines on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.steps < 1 || f.prompts < 1 || f.seeds < 1 {
		return nil, fmt.Errorf("--steps, --prompts and --seeds must be 1 or more")
	}
	if f.cfg < 1 {
		return nil, fmt.Errorf("--cfg-scale %g: must be 1 (no guidance) or more", f.cfg)
	}
	return f, nil
}

// evalJob is one picture to score.
type evalJob struct {
	index int
	seed  uint64
	spec  demo.Spec
}

func (f *evalFlags) jobs(h *demo.Heldout) []evalJob {
	np, ns := min(f.prompts, len(h.Prompts)), min(f.seeds, len(h.Seeds))
	if f.full {
		np, ns = len(h.Prompts), len(h.Seeds)
	}
	var jobs []evalJob
	for i := 0; i < np; i++ {
		for _, s := range h.Seeds[:ns] {
			jobs = append(jobs, evalJob{i, s, h.Prompts[i]})
		}
	}
	return jobs
}

func picName(j evalJob) string { return fmt.Sprintf("p%03d_s%d.png", j.index, j.seed) }

func runEvalDemo(args []string) (err error) {
	f, err := parseEvalDemo(args)
	if err != nil {
		return err
	}
	h, err := f.promptSet()
	if err != nil {
		return err
	}
	var log io.Writer = os.Stderr
	if f.quiet {
		log = io.Discard
	}
	t, err := f.evaluate(f.jobs(h), log)
	if err != nil {
		return err
	}
	if f.asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"rates": t.Rates(), "tally": t, "steps": f.steps})
	}
	if f.judge != "" {
		fmt.Printf("eval-demo: %d pictures judged from %s\n", t.Pictures, f.judge)
	} else {
		fmt.Printf("eval-demo: %d pictures, %d steps\n", t.Pictures, f.steps)
	}
	t.Print(os.Stdout)
	return nil
}

// promptSet is --set's prompts, or the embedded held-out set.
func (f *evalFlags) promptSet() (*demo.Heldout, error) {
	if f.set == "" {
		return demo.LoadHeldout()
	}
	data, err := os.ReadFile(f.set)
	if err != nil {
		return nil, fmt.Errorf("--set: %w", err)
	}
	h, err := demo.ParseHeldout(data)
	if err != nil {
		return nil, fmt.Errorf("--set %s: %w (want demo/heldout.json's format)", f.set, err)
	}
	return h, nil
}

// evaluate generates (or reads) and judges every job.
func (f *evalFlags) evaluate(jobs []evalJob, log io.Writer) (demo.Tally, error) {
	var t demo.Tally
	w, err := demo.LoadWorld()
	if err != nil {
		return t, err
	}
	pic := f.reader()
	if f.judge == "" {
		gen, done, err := f.generator()
		if err != nil {
			return t, err
		}
		defer done()
		pic = gen
	}
	for _, j := range jobs {
		rgb, err := pic(j)
		if err != nil {
			return t, err
		}
		v, err := w.Judge(rgb, demo.Size, j.spec)
		if err != nil {
			return t, fmt.Errorf("prompt %d: %w", j.index, err)
		}
		t.Add(v)
		fmt.Fprintf(log, "%s ok=%v bg=%v %s | %q\n", picName(j), v.OK(), v.Background, shapesLine(v), j.spec.Prompt)
	}
	return t, nil
}

func shapesLine(v demo.Verdict) string {
	s := ""
	for _, sh := range v.Shapes {
		s += fmt.Sprintf("[color=%v class=%v(%s) pos=%v(%s)]", sh.Color, sh.Class, sh.Got, sh.Position, sh.GotPos)
	}
	return s
}

func (f *evalFlags) reader() func(evalJob) ([]byte, error) {
	return func(j evalJob) ([]byte, error) {
		rgb, w, h, err := readRGB(filepath.Join(f.judge, picName(j)))
		if err != nil {
			return nil, err
		}
		if w != demo.Size || h != demo.Size {
			return nil, fmt.Errorf("%s: %dx%d, want %dx%d", picName(j), w, h, demo.Size, demo.Size)
		}
		return rgb, nil
	}
}

// generator loads the model once and returns a function making each
// job's picture through the ordinary text-to-image pipeline.
func (f *evalFlags) generator() (func(evalJob) ([]byte, error), func(), error) {
	opts := f.load
	if opts.ModelDir == "" || opts.ModelDir == demoModelName {
		dir, err := demo.ModelDir()
		if err != nil {
			return nil, nil, err
		}
		opts.ModelDir = dir
	}
	m, err := loader.Load(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("load model: %w", err)
	}
	if _, err := parseWeightType(f.weightType); err != nil {
		m.Close()
		return nil, nil, err
	}
	g := &genFlags{device: f.device, precision: f.precision, cpu: f.cpu, weightType: f.weightType}
	be, closeDev, err := g.backend()
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	done := func() { closeDev(); m.Close() }
	eng, err := pipeline.NewEngine(m, be)
	if err != nil {
		done()
		return nil, nil, err
	}
	done = func() { eng.Close(); closeDev(); m.Close() }
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			done()
			return nil, nil, err
		}
	}
	return func(j evalJob) ([]byte, error) {
		res, err := eng.Generate(pipeline.Request{Prompt: j.spec.Prompt, Width: demo.Size, Height: demo.Size,
			Steps: f.steps, Seed: j.seed, RNG: pipeline.RNGTorchBF16, CFGScale: float32(f.cfg)}, nil)
		if err != nil {
			return nil, fmt.Errorf("prompt %d seed %d: %w", j.index, j.seed, err)
		}
		if f.out != "" {
			if err := pipeline.WritePNG(filepath.Join(f.out, picName(j)), res.RGB, res.Width, res.Height, "", true); err != nil {
				return nil, err
			}
		}
		return res.RGB, nil
	}, done, nil
}

// readRGB decodes a PNG into 8-bit RGB (HWC).
func readRGB(path string) ([]byte, int, int, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return out, b.Dx(), b.Dy(), nil
}
