package loadertest

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/flux-vk/flux-vk/loader"
)

// BFL transformer name prefixes and their diffusers FluxTransformer2DModel
// spelling, outside the blocks, in double blocks and in single blocks.
var (
	fluxTop = [][2]string{
		{"img_in.", "x_embedder."},
		{"txt_in.", "context_embedder."},
		{"time_in.in_layer.", "time_text_embed.timestep_embedder.linear_1."},
		{"time_in.out_layer.", "time_text_embed.timestep_embedder.linear_2."},
		{"guidance_in.in_layer.", "time_text_embed.guidance_embedder.linear_1."},
		{"guidance_in.out_layer.", "time_text_embed.guidance_embedder.linear_2."},
		{"vector_in.in_layer.", "time_text_embed.text_embedder.linear_1."},
		{"vector_in.out_layer.", "time_text_embed.text_embedder.linear_2."},
		{"final_layer.linear.", "proj_out."},
	}
	fluxDouble = [][2]string{
		{"img_attn.proj.", "attn.to_out.0."},
		{"txt_attn.proj.", "attn.to_add_out."},
		{"img_attn.norm.query_norm.scale", "attn.norm_q.weight"},
		{"img_attn.norm.key_norm.scale", "attn.norm_k.weight"},
		{"txt_attn.norm.query_norm.scale", "attn.norm_added_q.weight"},
		{"txt_attn.norm.key_norm.scale", "attn.norm_added_k.weight"},
		{"img_mod.lin.", "norm1.linear."},
		{"txt_mod.lin.", "norm1_context.linear."},
		{"img_mlp.0.", "ff.net.0.proj."},
		{"img_mlp.2.", "ff.net.2."},
		{"txt_mlp.0.", "ff_context.net.0.proj."},
		{"txt_mlp.2.", "ff_context.net.2."},
	}
	fluxSingle = [][2]string{
		{"linear2.", "proj_out."},
		{"norm.query_norm.scale", "attn.norm_q.weight"},
		{"norm.key_norm.scale", "attn.norm_k.weight"},
		{"modulation.lin.", "norm.linear."},
	}
	blockRE = regexp.MustCompile(`^(double_blocks|single_blocks)\.(\d+)\.(.*)$`)
)

// comfyPrefix is what ComfyUI checkpoints put before the BFL names.
const comfyPrefix = "model.diffusion_model."

// FluxToDiffusers converts BFL (or ComfyUI-prefixed) transformer tensors to
// diffusers names: fused qkv and single-block linear1 are split into
// to_q/to_k/to_v (and proj_mlp), the final modulation's halves swapped.
// The data of split tensors aliases the input.
func FluxToDiffusers(ts []loader.Tensor) ([]loader.Tensor, error) {
	hidden := 0
	for _, t := range ts {
		if strings.TrimPrefix(t.Name, comfyPrefix) == "img_in.weight" && len(t.Shape) == 2 {
			hidden = t.Shape[0]
		}
	}
	if hidden == 0 {
		return nil, fmt.Errorf("no img_in.weight: not a BFL transformer")
	}
	var out []loader.Tensor
	for _, t := range ts {
		t.Name = strings.TrimPrefix(t.Name, comfyPrefix)
		conv, err := fluxTensor(t, hidden)
		if err != nil {
			return nil, err
		}
		out = append(out, conv...)
	}
	return out, nil
}

func fluxTensor(t loader.Tensor, hidden int) ([]loader.Tensor, error) {
	if m := blockRE.FindStringSubmatch(t.Name); m != nil {
		return blockToDiffusers(t, m[1], m[2], m[3], hidden)
	}
	if rest, ok := strings.CutPrefix(t.Name, "final_layer.adaLN_modulation.1."); ok {
		t = swapHalves(t)
		t.Name = "norm_out.linear." + rest
		return []loader.Tensor{t}, nil
	}
	return renamed(t, "", t.Name, fluxTop)
}

func blockToDiffusers(t loader.Tensor, kind, idx, rest string, hidden int) ([]loader.Tensor, error) {
	param := rest[strings.LastIndex(rest, ".")+1:]
	qkv := func(p string, names ...string) []string {
		for i := range names {
			names[i] = p + names[i] + "." + param
		}
		return names
	}
	if kind == "double_blocks" {
		p := "transformer_blocks." + idx + "."
		switch {
		case strings.HasPrefix(rest, "img_attn.qkv."):
			return splitRows(t, []int{hidden, hidden, hidden}, qkv(p, "attn.to_q", "attn.to_k", "attn.to_v")), nil
		case strings.HasPrefix(rest, "txt_attn.qkv."):
			return splitRows(t, []int{hidden, hidden, hidden}, qkv(p, "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj")), nil
		}
		return renamed(t, p, rest, fluxDouble)
	}
	p := "single_transformer_blocks." + idx + "."
	if strings.HasPrefix(rest, "linear1.") {
		return splitRows(t, []int{hidden, hidden, hidden, t.Shape[0] - 3*hidden},
			qkv(p, "attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp")), nil
	}
	return renamed(t, p, rest, fluxSingle)
}

// renamed gives t the name prefix + rest with rest's prefix replaced by
// the table's.
func renamed(t loader.Tensor, prefix, rest string, table [][2]string) ([]loader.Tensor, error) {
	for _, r := range table {
		if tail, ok := strings.CutPrefix(rest, r[0]); ok {
			t.Name = prefix + r[1] + tail
			return []loader.Tensor{t}, nil
		}
	}
	return nil, fmt.Errorf("transformer tensor %q has no diffusers name", t.Name)
}
