package loadertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/loader"
)

const goldenDir = "../../testdata/golden"

// The folder holds what a download of the FLUX.1 repository holds, with the
// scheduler of the transformer's variant.
func TestWriteDiffusersFolderLayout(t *testing.T) {
	pipe := func(n string) string { return filepath.Join(goldenDir, "schnell_pipeline_tiny", n) }
	for _, c := range []struct {
		variant, flux string
		dynamic       bool
	}{
		{"schnell", pipe("flux.safetensors"), false},
		{"dev", filepath.Join(goldenDir, "dev_pipeline_tiny", "flux.safetensors"), true},
	} {
		t.Run(c.variant, func(t *testing.T) {
			root := t.TempDir()
			if err := WriteDiffusersFolder(root, c.flux, pipe("ae.safetensors"), pipe("clip_l.safetensors"), pipe("t5xxl.safetensors")); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"model_index.json", "flux1-" + c.variant + ".safetensors", "ae.safetensors",
				"transformer/config.json", "transformer/diffusion_pytorch_model.safetensors.index.json",
				"transformer/diffusion_pytorch_model-00003-of-00003.safetensors", "vae/config.json",
				"vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors",
				"text_encoder_2/config.json", "text_encoder_2/model.safetensors.index.json",
				"text_encoder_2/model-00002-of-00002.safetensors", "tokenizer/vocab.json", "tokenizer/merges.txt",
				"tokenizer_2/tokenizer.json", "scheduler/scheduler_config.json"} {
				if _, err := os.Stat(filepath.Join(root, f)); err != nil {
					t.Error(err)
				}
			}
			var sched map[string]any
			b, _ := os.ReadFile(filepath.Join(root, "scheduler", "scheduler_config.json"))
			if err := json.Unmarshal(b, &sched); err != nil || sched["use_dynamic_shifting"] != c.dynamic {
				t.Errorf("scheduler %v (%v), want use_dynamic_shifting %v", sched, err, c.dynamic)
			}
		})
	}
}

func TestFluxToDiffusersRefusesUnknownNames(t *testing.T) {
	bf := func(name string, shape ...int) loader.Tensor {
		n := 2
		for _, d := range shape {
			n *= d
		}
		return loader.Tensor{Name: name, DType: loader.BF16, Shape: shape, Data: make([]byte, n)}
	}
	for _, c := range []struct {
		name string
		ts   []loader.Tensor
		want string
	}{
		{"no img_in", []loader.Tensor{bf("txt_in.weight", 4, 2)}, "no img_in.weight"},
		{"stray tensor", []loader.Tensor{bf("img_in.weight", 4, 2), bf("double_blocks.0.lora_up.weight", 4)}, `"double_blocks.0.lora_up.weight" has no diffusers name`},
	} {
		_, err := FluxToDiffusers(c.ts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// ComfyUI's prefix is dropped.
	out, err := FluxToDiffusers([]loader.Tensor{bf(comfyPrefix+"img_in.weight", 4, 2)})
	if err != nil || len(out) != 1 || out[0].Name != "x_embedder.weight" {
		t.Errorf("comfy prefix: %v, %v", out, err)
	}
}
