package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/internal/units"
	"github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/pipeline"
)

// generateAll makes --batch pictures and writes each atomically; with a
// viewer (--view) it also shows each step's preview and each picture.
func generateAll(f *genFlags, m *loader.Model, be pipeline.Backend, pr *progress, show showFunc) error {
	note := func(format string, a ...any) {
		if !f.quiet {
			fmt.Fprintf(os.Stderr, format+"\n", a...)
		}
	}
	req, err := f.request(m, note)
	if err != nil {
		return err
	}
	eng, err := pipeline.NewEngine(m, be)
	if err != nil {
		return err
	}
	defer eng.Close()
	sum := summary{Model: modelName(f, m), Timings: pr.timing, Device: "cpu (reference executor)"}
	if be.Lib != nil {
		sum.Device = be.Lib.D.Info.Name
	}
	if f.upscale > 1 {
		sum.Upscale = f.upscale
	}
	base := uint64(f.seed)
	for i := 0; i < f.batch; i++ {
		req.Seed = base + uint64(i)
		pr.picture(i, f.batch)
		note("%sgenerating %dx%d, seed %d, %s", pr.prefix, req.Width, req.Height, req.Seed, sum.Model)
		tr := pr.trace()
		pv := previewer{show: show, eng: eng, req: req, title: viewTitle(f, i)}
		if show != nil {
			tr.Step = pv.step(tr.Step, note)
		}
		res, err := eng.Generate(req, tr)
		if err != nil {
			pr.interrupt()
			return explain(err, f, m, be)
		}
		for _, w := range res.Warnings {
			note("warning: %s", w)
		}
		out := f.outputName(i)
		start := time.Now()
		if err := f.write(out, m, req, res, sum.Model); err != nil {
			return err
		}
		pr.stage("write", time.Since(start))
		note("%swrote %s", pr.prefix, out)
		if show != nil {
			show(res.RGB, res.Width, res.Height, pv.title+" — "+out)
			sum.Viewed += pv.shown + 1
		}
		sum.Files, sum.Seeds = append(sum.Files, out), append(sum.Seeds, req.Seed)
		sum.Width, sum.Height, sum.Steps, sum.Warnings = res.Width, res.Height, res.Steps, res.Warnings
		sum.CFGBatch = res.CFGBatch
		sum.Offloaded = sum.Offloaded || res.Streamed
	}
	if be.Quant.Quantized() {
		sum.WeightType = be.Quant.String()
	}
	if be.Lib != nil {
		sum.PeakDevice = be.Lib.D.PeakBytes()
	}
	if f.asJSON {
		return json.NewEncoder(os.Stdout).Encode(sum)
	}
	return nil
}

// write saves one picture, enlarged by --upscale; its parameters give the
// size the model drew.
func (f *genFlags) write(out string, m *loader.Model, req pipeline.Request, res *pipeline.Result, model string) error {
	info := pipeline.ParamsInfo{Prompt: req.Prompt, NegativePrompt: req.Negative,
		Steps: res.Steps, Seed: req.Seed, Width: res.Width, Height: res.Height, Model: model,
		Guidance: guidanceParam(m, req), CFGScale: float64(req.CFGScale)}
	rgb, w, h := res.RGB, res.Width, res.Height
	if f.weightType != "" {
		info.Extra = append(info.Extra, [2]string{"Weight type", f.weightType})
	}
	if f.upscale > 1 {
		info.Extra = append(info.Extra, [2]string{"Upscale", strconv.Itoa(f.upscale)})
		rgb, w, h = upscale(rgb, w, h, f.upscale), w*f.upscale, h*f.upscale
	}
	return pipeline.WritePNG(out, rgb, w, h, pipeline.Parameters(info), f.force)
}

// outputName is the file of the i-th picture: -o, numbered -1, -2 … with
// --batch.
func (f *genFlags) outputName(i int) string {
	if f.batch == 1 {
		return f.out
	}
	ext := filepath.Ext(f.out)
	return strings.TrimSuffix(f.out, ext) + fmt.Sprintf("-%d", i+1) + ext
}

// checkOutputs refuses before any work what writing would refuse after
// it: a missing folder, or a file in the way without --force.
func (f *genFlags) checkOutputs() error {
	if st, err := os.Stat(filepath.Dir(f.out)); err != nil || !st.IsDir() {
		return fmt.Errorf("-o %s: folder %s does not exist", f.out, filepath.Dir(f.out))
	}
	for i := 0; i < f.batch && !f.force; i++ {
		if _, err := os.Lstat(f.outputName(i)); err == nil {
			return fmt.Errorf("%s already exists: pass --force to overwrite it or choose another -o", f.outputName(i))
		}
	}
	return nil
}

func (f *genFlags) request(m *loader.Model, note func(string, ...any)) (pipeline.Request, error) {
	rng, err := pipeline.ParseRNG(f.rng)
	if err != nil {
		return pipeline.Request{}, err
	}
	if f.seed < 0 {
		f.seed = randomSeed()
		note("seed %d (random; pass --seed to repeat)", f.seed)
	}
	if strings.TrimSpace(f.prompt) == "" {
		note("note: the prompt is empty; the model draws unconditionally")
	}
	if f.width < 256 || f.height < 256 || f.width > 2048 || f.height > 2048 {
		if m.FluxConfig.Hidden >= 3072 {
			note("warning: %dx%d is outside 256-2048, where FLUX.1 was trained; expect poor pictures", f.width, f.height)
		}
	}
	if !m.FluxConfig.Guidance && f.guidance != 3.5 {
		note("note: --guidance is ignored: this is a schnell model (no guidance input)")
	}
	if f.negative != "" && f.cfg <= 1 {
		note("note: --negative-prompt has no effect without --cfg-scale > 1")
	}
	req := pipeline.Request{Prompt: f.prompt, Negative: f.negative, Width: f.width, Height: f.height,
		Steps: f.steps, RNG: rng, Guidance: float32(f.guidance), CFGScale: float32(f.cfg)}
	if f.initLatents != "" {
		if req.InitLatents, err = readLatents(f.initLatents); err != nil {
			return req, err
		}
	}
	return req, nil
}

// readLatents takes the only tensor of a safetensors file (or one named
// "latent" / "noise").
func readLatents(path string) ([]float32, error) {
	file, err := loader.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--init-latents: %w", err)
	}
	defer file.Close()
	names := file.Names()
	name := ""
	for _, n := range []string{"latent", "latents", "noise"} {
		if _, ok := file.Info(n); ok {
			name = n
		}
	}
	if name == "" && len(names) == 1 {
		name = names[0]
	}
	if name == "" {
		return nil, fmt.Errorf("--init-latents %s: holds %d tensors; name the latent \"latent\"", path, len(names))
	}
	return file.Float32(name)
}

func guidanceParam(m *loader.Model, r pipeline.Request) float64 {
	if m.FluxConfig.Guidance {
		return float64(r.Guidance)
	}
	return 0
}

func modelName(f *genFlags, m *loader.Model) string {
	name := "flux1-" + m.Variant
	if m.FluxConfig.Hidden < 3072 {
		name += "-tiny"
	}
	return name
}

// explain adds what to do to errors a user can fix: out of memory says
// what the model and the device have and which flags lower the need.
func explain(err error, f *genFlags, m *loader.Model, be pipeline.Backend) error {
	if !errors.Is(err, engine.ErrOutOfMemory) {
		return err
	}
	tips := []string{"a smaller --width/--height"}
	if be.Lib != nil && be.Act == kernels.F32 {
		tips = append(tips, "--precision f16")
	}
	switch {
	case be.Quant == kernels.Q8_0:
		tips = append(tips, "--weight-type q4_0 (about a quarter of bf16's weight memory)")
	case !be.Quant.Quantized():
		tips = append(tips, "--weight-type q8_0 (about half of bf16's weight memory)")
	}
	have := ""
	if be.Lib != nil {
		var local uint64
		for _, h := range be.Lib.D.Info.Heaps {
			if h.DeviceLocal {
				local = max(local, h.Size)
			}
		}
		have = ", and the device has " + units.FormatBytes(local)
	}
	params, wt := m.Flux.Params(), "bf16"
	bytes := uint64(2 * params)
	if be.Quant.Quantized() {
		wt, bytes = be.Quant.String(), kernels.MatrixBytes(be.Quant, 1, int(params)/kernels.QBlock*kernels.QBlock)
	}
	return fmt.Errorf("%w\nthe device ran out of memory making a %dx%d picture (the transformer's weights alone take %s in %s%s): try %s",
		err, f.width, f.height, units.FormatBytes(bytes), wt, have, orList(tips))
}

// orList joins choices as "a, b or c".
func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
