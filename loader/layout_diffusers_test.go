package loader

import (
	"path/filepath"
	"strings"
	"testing"
)

// pipelineParts reads the four golden pipeline components (BFL names).
func pipelineParts(t *testing.T) (flux, ae, clip, t5 []Tensor, metas [4]map[string]string) {
	dir := golden("schnell_pipeline_tiny")
	flux, metas[0] = readTensors(t, filepath.Join(dir, "flux.safetensors"))
	ae, metas[1] = readTensors(t, filepath.Join(dir, "ae.safetensors"))
	clip, metas[2] = readTensors(t, filepath.Join(dir, "clip_l.safetensors"))
	t5, metas[3] = readTensors(t, filepath.Join(dir, "t5xxl.safetensors"))
	return
}

// writeDiffusersTransformer writes transformer/ as diffusers does: sharded,
// with the index and a config.json (axes_dims_rope only when withAxes).
func writeDiffusersTransformer(t *testing.T, root string, flux []Tensor, p map[string]any, withAxes bool) {
	hidden, heads := num(p, "hidden_size"), num(p, "num_heads")
	dir := filepath.Join(root, "transformer")
	writeSharded(t, dir, "diffusion_pytorch_model", fluxToDiffusers(flux, hidden), 3)
	conf := map[string]any{"_class_name": "FluxTransformer2DModel", "attention_head_dim": hidden / heads,
		"guidance_embeds": p["guidance_embed"], "in_channels": p["in_channels"], "joint_attention_dim": p["context_in_dim"],
		"num_attention_heads": heads, "num_layers": p["depth"], "num_single_layers": p["depth_single_blocks"],
		"patch_size": 1, "pooled_projection_dim": p["vec_in_dim"]}
	if withAxes {
		conf["axes_dims_rope"] = p["axes_dim"]
	}
	writeJSON(t, filepath.Join(dir, "config.json"), conf)
}

// writeDiffusersFolder lays the golden pipeline out as
// `huggingface-cli download black-forest-labs/FLUX.1-schnell` does.
func writeDiffusersFolder(t *testing.T, root string) {
	flux, ae, clip, t5, metas := pipelineParts(t)
	writeJSON(t, filepath.Join(root, "model_index.json"), map[string]any{"_class_name": "FluxPipeline",
		"scheduler":    []string{"diffusers", "FlowMatchEulerDiscreteScheduler"},
		"text_encoder": []string{"transformers", "CLIPTextModel"}, "text_encoder_2": []string{"transformers", "T5EncoderModel"},
		"tokenizer": []string{"transformers", "CLIPTokenizer"}, "tokenizer_2": []string{"transformers", "T5TokenizerFast"},
		"transformer": []string{"diffusers", "FluxTransformer2DModel"}, "vae": []string{"diffusers", "AutoencoderKL"}})
	writeDiffusersTransformer(t, root, flux, metaParams(t, metas[0]), true)
	ap := metaParams(t, metas[1])
	write(t, filepath.Join(root, "vae", "diffusion_pytorch_model.safetensors"), aeToDiffusers(ae, len(ap["ch_mult"].([]any))), nil)
	writeJSON(t, filepath.Join(root, "vae", "config.json"), map[string]any{"_class_name": "AutoencoderKL",
		"latent_channels": ap["z_channels"], "scaling_factor": ap["scale_factor"], "shift_factor": ap["shift_factor"],
		"use_quant_conv": false, "use_post_quant_conv": false})
	write(t, filepath.Join(root, "text_encoder", "model.safetensors"), clip, nil)
	writeJSON(t, filepath.Join(root, "text_encoder", "config.json"), metaParams(t, metas[2]))
	writeSharded(t, filepath.Join(root, "text_encoder_2"), "model", t5, 2)
	writeJSON(t, filepath.Join(root, "text_encoder_2", "config.json"), metaParams(t, metas[3]))
	writeJSON(t, filepath.Join(root, "tokenizer", "vocab.json"), map[string]int{})
	writeJSON(t, filepath.Join(root, "tokenizer_2", "tokenizer.json"), map[string]int{})
	writeJSON(t, filepath.Join(root, "scheduler", "scheduler_config.json"), map[string]any{
		"_class_name": "FlowMatchEulerDiscreteScheduler", "base_image_seq_len": 256, "base_shift": 0.5,
		"max_image_seq_len": 4096, "max_shift": 1.15, "num_train_timesteps": 1000, "shift": 1.0, "use_dynamic_shifting": false})
}

func TestDiffusersFolderLoadsGoldenWeights(t *testing.T) {
	root := t.TempDir()
	writeDiffusersFolder(t, root)
	m, err := Load(Options{ModelDir: root})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	flux, ae, clip, t5, _ := pipelineParts(t)
	sameTensors(t, m.Flux, flux)
	sameTensors(t, m.AE, ae)
	sameTensors(t, m.CLIP, clip)
	sameTensors(t, m.T5, t5)
	if m.Layout != LayoutDiffusers || m.Flux.Style != StyleDiffusers || m.AE.Style != StyleDiffusers || m.Variant != "schnell" {
		t.Errorf("layout %s, styles %s/%s, variant %s", m.Layout, m.Flux.Style, m.AE.Style, m.Variant)
	}
	if len(m.Flux.Files) != 3 || len(m.T5.Files) != 2 || m.TokenizerDir == "" || m.Tokenizer2Dir == "" || m.Scheduler.Source == "" {
		t.Errorf("files %d/%d, tokenizers %q %q, scheduler %+v", len(m.Flux.Files), len(m.T5.Files), m.TokenizerDir, m.Tokenizer2Dir, m.Scheduler)
	}
	// The same model read as single files must give the same configuration.
	ref := loadOne(t, golden("schnell_pipeline_tiny"))
	if !equalFlux(m.FluxConfig, ref.FluxConfig) || m.CLIPConfig != ref.CLIPConfig || m.T5Config != ref.T5Config ||
		fmtv(m.AEConfig) != fmtv(ref.AEConfig) || m.MaxSequenceLength != 256 {
		t.Errorf("configs differ from the single-file load:\n%+v\n%+v", m.FluxConfig, ref.FluxConfig)
	}
	for _, c := range m.Components() {
		if len(c.Unused) > 0 {
			t.Errorf("%s: unused %v", c.Kind, c.Unused)
		}
	}
}

func TestDiffusersDevTransformer(t *testing.T) {
	root := t.TempDir()
	flux, meta := readTensors(t, golden("flux_dev_tiny.weights.safetensors"))
	writeDiffusersTransformer(t, root, flux, metaParams(t, meta), true)
	m, err := Load(Options{ModelDir: root, AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sameTensors(t, m.Flux, flux)
	if m.Variant != "dev" || !m.FluxConfig.Guidance || m.MaxSequenceLength != 512 || !m.Scheduler.UseDynamicShifting {
		t.Errorf("variant %s, config %+v, max len %d, scheduler %+v", m.Variant, m.FluxConfig, m.MaxSequenceLength, m.Scheduler)
	}
	// Real FLUX.1 configs omit axes_dims_rope: the default [16 56 56] only
	// fits a head width of 128, so this tiny model must say so clearly.
	root2 := t.TempDir()
	writeDiffusersTransformer(t, root2, flux, metaParams(t, meta), false)
	_, err = Load(Options{ModelDir: root2, AllowMissing: true})
	if err == nil || !strings.Contains(err.Error(), "RoPE axes [16 56 56] sum to 128, the head width is 64") {
		t.Errorf("want an axes error, got %v", err)
	}
}
