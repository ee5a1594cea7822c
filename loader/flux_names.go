package loader

import "fmt"

// nameRule makes one internal tensor from stored tensors stacked along
// dim 0 (swap: exchange the two halves).
type nameRule struct {
	internal string
	parts    []string
	swap     bool
}

// moduleRule maps a BFL module to diffusers modules; it expands to one
// rule per parameter (.weight, .bias).
type moduleRule struct {
	bfl   string
	diff  []string
	swap  bool
	param []string // parameter pairs: BFL suffix, diffusers suffix
}

var linearParams = []string{"weight", "weight", "bias", "bias"}

// RMSNorm gains are BFL "scale", diffusers "weight".
var normParams = []string{"scale", "weight"}

// fluxDiffusersRules spells the diffusers FluxTransformer2DModel names of
// every BFL transformer tensor, as diffusers' convert_flux_to_diffusers.py
// writes them:
//   - double blocks: attn.to_q/k/v stack into img_attn.qkv and
//     attn.add_q_proj/add_k_proj/add_v_proj into txt_attn.qkv (Q, K, V order);
//     attn.to_out.0 = img_attn.proj, attn.to_add_out = txt_attn.proj;
//     norm1(.context).linear = img/txt_mod.lin; ff(_context).net.0.proj / .net.2
//     = img/txt_mlp.0 / .2; attn.norm_q/k = img_attn.norm.query/key_norm,
//     attn.norm_added_q/k = the txt ones (RMSNorm .weight = BFL .scale);
//   - single blocks: attn.to_q, to_k, to_v, proj_mlp stack (in that order)
//     into linear1, proj_out = linear2, norm.linear = modulation.lin;
//   - norm_out.linear is AdaLayerNormContinuous, chunked (scale, shift): the
//     reverse of BFL's final_layer.adaLN_modulation.1 (shift, scale), so
//     its halves are swapped (the swap is its own inverse).
func fluxDiffusersRules(depth, depthSingle int) []nameRule {
	mods := []moduleRule{
		{bfl: "img_in", diff: []string{"x_embedder"}},
		{bfl: "txt_in", diff: []string{"context_embedder"}},
		{bfl: "time_in.in_layer", diff: []string{"time_text_embed.timestep_embedder.linear_1"}},
		{bfl: "time_in.out_layer", diff: []string{"time_text_embed.timestep_embedder.linear_2"}},
		{bfl: "guidance_in.in_layer", diff: []string{"time_text_embed.guidance_embedder.linear_1"}},
		{bfl: "guidance_in.out_layer", diff: []string{"time_text_embed.guidance_embedder.linear_2"}},
		{bfl: "vector_in.in_layer", diff: []string{"time_text_embed.text_embedder.linear_1"}},
		{bfl: "vector_in.out_layer", diff: []string{"time_text_embed.text_embedder.linear_2"}},
		{bfl: "final_layer.linear", diff: []string{"proj_out"}},
		{bfl: "final_layer.adaLN_modulation.1", diff: []string{"norm_out.linear"}, swap: true},
	}
	for i := 0; i < depth; i++ {
		b, d := fmt.Sprintf("double_blocks.%d.", i), fmt.Sprintf("transformer_blocks.%d.", i)
		mods = append(mods,
			moduleRule{bfl: b + "img_attn.qkv", diff: []string{d + "attn.to_q", d + "attn.to_k", d + "attn.to_v"}},
			moduleRule{bfl: b + "txt_attn.qkv", diff: []string{d + "attn.add_q_proj", d + "attn.add_k_proj", d + "attn.add_v_proj"}},
			moduleRule{bfl: b + "img_attn.proj", diff: []string{d + "attn.to_out.0"}},
			moduleRule{bfl: b + "txt_attn.proj", diff: []string{d + "attn.to_add_out"}},
			moduleRule{bfl: b + "img_attn.norm.query_norm", diff: []string{d + "attn.norm_q"}, param: normParams},
			moduleRule{bfl: b + "img_attn.norm.key_norm", diff: []string{d + "attn.norm_k"}, param: normParams},
			moduleRule{bfl: b + "txt_attn.norm.query_norm", diff: []string{d + "attn.norm_added_q"}, param: normParams},
			moduleRule{bfl: b + "txt_attn.norm.key_norm", diff: []string{d + "attn.norm_added_k"}, param: normParams},
			moduleRule{bfl: b + "img_mod.lin", diff: []string{d + "norm1.linear"}},
			moduleRule{bfl: b + "txt_mod.lin", diff: []string{d + "norm1_context.linear"}},
			moduleRule{bfl: b + "img_mlp.0", diff: []string{d + "ff.net.0.proj"}},
			moduleRule{bfl: b + "img_mlp.2", diff: []string{d + "ff.net.2"}},
			moduleRule{bfl: b + "txt_mlp.0", diff: []string{d + "ff_context.net.0.proj"}},
			moduleRule{bfl: b + "txt_mlp.2", diff: []string{d + "ff_context.net.2"}},
		)
	}
	for i := 0; i < depthSingle; i++ {
		b, d := fmt.Sprintf("single_blocks.%d.", i), fmt.Sprintf("single_transformer_blocks.%d.", i)
		mods = append(mods,
			moduleRule{bfl: b + "linear1", diff: []string{d + "attn.to_q", d + "attn.to_k", d + "attn.to_v", d + "proj_mlp"}},
			moduleRule{bfl: b + "linear2", diff: []string{d + "proj_out"}},
			moduleRule{bfl: b + "norm.query_norm", diff: []string{d + "attn.norm_q"}, param: normParams},
			moduleRule{bfl: b + "norm.key_norm", diff: []string{d + "attn.norm_k"}, param: normParams},
			moduleRule{bfl: b + "modulation.lin", diff: []string{d + "norm.linear"}},
		)
	}
	var rules []nameRule
	for _, m := range mods {
		params := m.param
		if params == nil {
			params = linearParams
		}
		for i := 0; i < len(params); i += 2 {
			r := nameRule{internal: m.bfl + "." + params[i], swap: m.swap}
			for _, d := range m.diff {
				r.parts = append(r.parts, d+"."+params[i+1])
			}
			rules = append(rules, r)
		}
	}
	return rules
}
