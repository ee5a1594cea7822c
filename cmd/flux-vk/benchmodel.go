package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/pipeline"
)

// runBenchModel times the real-width transformer (one double and one single
// block, random weights) and the real-width VAE decoder, and extrapolates to
// FLUX.1-schnell's 19 + 38 blocks and 4 steps.
func runBenchModel(args []string, w io.Writer) (err error) {
	fs := flag.NewFlagSet("bench model", flag.ContinueOnError)
	device := fs.String("device", "", "device index or name substring")
	precision := fs.String("precision", "", "activations: f32 or f16 (default f16 where supported)")
	size := fs.Int("size", 0, "transformer image size in pixels (default 1024, 512 on a CPU device)")
	vae := fs.Int("vae-size", 0, "VAE decode size (default 1024, 256 on a CPU device)")
	steps := fs.Int("steps", 4, "steps to extrapolate to")
	reps := fs.Int("reps", 2, "timed repetitions (median)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cfg := fs.Bool("cfg", false, "also time true CFG's two predictions as one batch of 2 against two passes")
	wtype := fs.String("weight-type", "", weightTypeUsage)
	offload := fs.Bool("offload-to-cpu", false, "time the blocks streaming their weights from host memory (the copy counts in each block's time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, done, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer func() {
		if verr := done(); err == nil {
			err = verr
		}
	}()
	lib := kernels.New(d)
	act, err := parsePrecision(*precision, lib)
	if err != nil {
		return err
	}
	quant, err := parseWeightType(*wtype)
	if err != nil {
		return err
	}
	cpu := d.Info.Type == "cpu"
	o := pipeline.ModelBench{Width: pick(*size, 1024, 512, cpu), VAEWidth: pick(*vae, 1024, 256, cpu),
		TxtTokens: 256, Steps: *steps, Reps: *reps, CFG: *cfg}
	o.Height, o.VAEHeight = o.Width, o.VAEWidth
	r, err := pipeline.BenchModel(pipeline.Backend{Lib: lib, Act: act, Quant: quant, Stream: *offload}, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"device": d.Info.Name, "precision": act.String(), "weight_type": weightTypeName(quant), "offload": *offload,
			"size": o.Width, "tokens": r.Tokens, "txt_tokens": o.TxtTokens, "double_block_ms": r.DoubleMS,
			"single_block_ms": r.SingleMS, "other_ms": r.OtherMS, "step_ms": r.StepMS, "vae_size": o.VAEWidth,
			"vae_ms": r.VAEMS, "steps": o.Steps, "total_s": r.TotalS,
			"cfg_batch_step_ms": r.CFGBatchStepMS, "cfg_passes_step_ms": r.CFGPassesStepMS})
	}
	fmt.Fprintf(w, "device: %s, %s activations\n", d.Info.Name, act)
	fmt.Fprintf(w, "transformer at %d² (%d image + %d text tokens), real widths, random %s weights:\n", o.Width, r.Tokens, o.TxtTokens, weightTypeName(quant))
	fmt.Fprintf(w, "  double block %10.1f ms\n  single block %10.1f ms\n  rest         %10.1f ms\n", r.DoubleMS, r.SingleMS, r.OtherMS)
	fmt.Fprintf(w, "  one step of 19 double + 38 single blocks (extrapolated): %.2f s\n", r.StepMS/1000)
	if o.CFG {
		fmt.Fprintf(w, "  true CFG, one step (extrapolated): batch of 2 %.2f s, two passes %.2f s (%.2fx)\n",
			r.CFGBatchStepMS/1000, r.CFGPassesStepMS/1000, r.CFGPassesStepMS/r.CFGBatchStepMS)
	}
	fmt.Fprintf(w, "VAE decode at %d²: %.2f s\n", o.VAEWidth, r.VAEMS/1000)
	fmt.Fprintf(w, "FLUX.1-schnell, %d steps + decode (extrapolated): %.1f s\n", o.Steps, r.TotalS)
	return nil
}

func pick(v, gpu, cpu int, isCPU bool) int {
	if v > 0 {
		return v
	}
	if isCPU {
		return cpu
	}
	return gpu
}
