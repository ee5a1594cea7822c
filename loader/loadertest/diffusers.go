package loadertest

import (
	"fmt"
	"path/filepath"

	"github.com/flux-vk/flux-vk/loader"
)

// diffusersVersion is the version the FLUX.1 repositories' configs name.
const diffusersVersion = "0.30.0.dev0"

// WriteDiffusersFolder lays four single files (flux: BFL or ComfyUI
// transformer; ae: BFL autoencoder; clip: CLIP-L text_model.*; t5: T5
// encoder) out under dst the way `huggingface-cli download
// black-forest-labs/FLUX.1-schnell` (or FLUX.1-dev, for a transformer with
// guidance_in) leaves it: model_index.json; transformer/ in three shards
// with diffusion_pytorch_model.safetensors.index.json and diffusers names;
// vae/; text_encoder/; text_encoder_2/ in two shards with its index;
// tokenizer/ and tokenizer_2/ (the embedded tokenizer files); scheduler/;
// each component's config.json; and, as in those repositories, the BFL
// files flux1-<variant>.safetensors and ae.safetensors at the top.
//
// Each file must carry its component configuration in
// __metadata__["config"] ("params" or "hf_config"), as the golden files do.
func WriteDiffusersFolder(dst, flux, ae, clip, t5 string) error {
	dev, err := writeTransformerOf(dst, flux)
	if err != nil {
		return fmt.Errorf("diffusers folder %s: transformer: %w", dst, err)
	}
	variant := map[bool]string{false: "schnell", true: "dev"}[dev]
	steps := []struct {
		what string
		do   func() error
	}{
		{"vae", func() error { return writeVAE(dst, ae) }},
		{"text_encoder", func() error { return writeTextEncoder(dst, clipFolder, clip) }},
		{"text_encoder_2", func() error { return writeTextEncoder(dst, t5Folder, t5) }},
		{"tokenizers", func() error { return writeTokenizers(dst) }},
		{"scheduler", func() error { return writeScheduler(dst, dev) }},
		{"model_index.json", func() error { return writeModelIndex(dst) }},
		{"top-level files", func() error {
			if err := CopyFile(flux, filepath.Join(dst, "flux1-"+variant+".safetensors")); err != nil {
				return err
			}
			return CopyFile(ae, filepath.Join(dst, "ae.safetensors"))
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("diffusers folder %s: %s: %w", dst, s.what, err)
		}
	}
	return nil
}

// writeTransformerOf converts a transformer file; it reports whether the
// model is FLUX.1-dev (guidance_embed).
func writeTransformerOf(root, path string) (bool, error) {
	ts, p, err := readWithParams(path)
	if err != nil {
		return false, err
	}
	dev, _ := p["guidance_embed"].(bool)
	return dev, WriteDiffusersTransformer(root, ts, p)
}

// WriteDiffusersTransformer writes root/transformer as diffusers does:
// diffusers names in three shards with the index, and a config.json from
// the BFL FluxParams p. axes_dims_rope is written only when it differs from
// diffusers' default [16, 56, 56] (the real FLUX.1 configs omit it).
func WriteDiffusersTransformer(root string, flux []loader.Tensor, p map[string]any) error {
	conv, err := FluxToDiffusers(flux)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "transformer")
	if err := WriteSharded(dir, "diffusion_pytorch_model", conv, 3); err != nil {
		return err
	}
	hidden, heads := num(p, "hidden_size"), num(p, "num_heads")
	if hidden <= 0 || heads <= 0 {
		return fmt.Errorf("params lack hidden_size / num_heads: %v", p)
	}
	conf := map[string]any{"_class_name": "FluxTransformer2DModel", "_diffusers_version": diffusersVersion,
		"attention_head_dim": hidden / heads, "guidance_embeds": p["guidance_embed"], "in_channels": p["in_channels"],
		"joint_attention_dim": p["context_in_dim"], "num_attention_heads": heads, "num_layers": p["depth"],
		"num_single_layers": p["depth_single_blocks"], "patch_size": 1, "pooled_projection_dim": p["vec_in_dim"]}
	if fmt.Sprint(p["axes_dim"]) != "[16 56 56]" {
		conf["axes_dims_rope"] = p["axes_dim"]
	}
	return WriteJSON(filepath.Join(dir, "config.json"), conf)
}

func num(p map[string]any, k string) int {
	v, _ := p[k].(float64)
	return int(v)
}
