package loadertest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// writeVAE writes vae/ (one file, AutoencoderKL names) and its config.json
// from the BFL AutoEncoderParams.
func writeVAE(root, path string) error {
	ts, p, err := readWithParams(path)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "vae")
	if err := WriteTensors(filepath.Join(dir, "diffusion_pytorch_model.safetensors"), AEToDiffusers(ts), map[string]string{"format": "pt"}); err != nil {
		return err
	}
	mult, _ := p["ch_mult"].([]any)
	var channels []int
	var down, up []string
	for _, m := range mult {
		f, _ := m.(float64)
		channels = append(channels, num(p, "ch")*int(f))
		down, up = append(down, "DownEncoderBlock2D"), append(up, "UpDecoderBlock2D")
	}
	return WriteJSON(filepath.Join(dir, "config.json"), map[string]any{"_class_name": "AutoencoderKL",
		"_diffusers_version": diffusersVersion, "act_fn": "silu", "block_out_channels": channels,
		"down_block_types": down, "force_upcast": true, "in_channels": p["in_channels"], "latent_channels": p["z_channels"],
		"latents_mean": nil, "latents_std": nil, "layers_per_block": p["num_res_blocks"], "mid_block_add_attention": true,
		"norm_num_groups": 32, "out_channels": p["out_ch"], "sample_size": 1024, "scaling_factor": p["scale_factor"],
		"shift_factor": p["shift_factor"], "up_block_types": up, "use_post_quant_conv": false, "use_quant_conv": false})
}

// textFolder is how a FLUX.1 repository stores a text encoder.
type textFolder struct {
	sub, arch, modelType string
	shards               int
}

var (
	clipFolder = textFolder{"text_encoder", "CLIPTextModel", "clip_text_model", 1}
	t5Folder   = textFolder{"text_encoder_2", "T5EncoderModel", "t5", 2}
)

// writeTextEncoder writes a transformers model folder: model.safetensors,
// or shards with model.safetensors.index.json, and config.json (the file's
// hf_config with the architecture named, as save_pretrained writes it).
func writeTextEncoder(root string, tf textFolder, path string) error {
	ts, conf, err := readWithParams(path)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, tf.sub)
	if tf.shards > 1 {
		err = WriteSharded(dir, "model", ts, tf.shards)
	} else {
		err = WriteTensors(filepath.Join(dir, "model.safetensors"), ts, map[string]string{"format": "pt"})
	}
	if err != nil {
		return err
	}
	whole := map[string]any{"architectures": []string{tf.arch}, "model_type": tf.modelType, "torch_dtype": "bfloat16"}
	for k, v := range conf {
		whole[k] = v
	}
	return WriteJSON(filepath.Join(dir, "config.json"), whole)
}

// writeTokenizers copies the tokenizer files the loader/tokenizer package
// embeds (those of FLUX.1-schnell's tokenizer/ and tokenizer_2/) from the
// source tree.
func writeTokenizers(root string) error {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return fmt.Errorf("cannot locate the source tree")
	}
	data := filepath.Join(filepath.Dir(self), "..", "tokenizer", "data")
	for src, dst := range map[string]string{"clip": "tokenizer", "t5": "tokenizer_2"} {
		entries, err := os.ReadDir(filepath.Join(data, src))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := CopyFile(filepath.Join(data, src, e.Name()), filepath.Join(root, dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeScheduler writes the FlowMatchEulerDiscreteScheduler configuration
// of FLUX.1-schnell (no shift) or FLUX.1-dev (resolution-dependent shift).
func writeScheduler(root string, dev bool) error {
	shift := 1.0
	if dev {
		shift = 3.0
	}
	return WriteJSON(filepath.Join(root, "scheduler", "scheduler_config.json"), map[string]any{
		"_class_name": "FlowMatchEulerDiscreteScheduler", "_diffusers_version": diffusersVersion,
		"base_image_seq_len": 256, "base_shift": 0.5, "max_image_seq_len": 4096, "max_shift": 1.15,
		"num_train_timesteps": 1000, "shift": shift, "use_dynamic_shifting": dev})
}

func writeModelIndex(root string) error {
	return WriteJSON(filepath.Join(root, "model_index.json"), map[string]any{
		"_class_name": "FluxPipeline", "_diffusers_version": diffusersVersion,
		"scheduler":    []string{"diffusers", "FlowMatchEulerDiscreteScheduler"},
		"text_encoder": []string{"transformers", "CLIPTextModel"}, "text_encoder_2": []string{"transformers", "T5EncoderModel"},
		"tokenizer": []string{"transformers", "CLIPTokenizer"}, "tokenizer_2": []string{"transformers", "T5TokenizerFast"},
		"transformer": []string{"diffusers", "FluxTransformer2DModel"}, "vae": []string{"diffusers", "AutoencoderKL"}})
}
