package loader

import "strings"

// Prefixes under which all-in-one ComfyUI / stable-diffusion.cpp checkpoints
// and some fp8 conversions store each component.
var componentPrefixes = []struct{ prefix, kind string }{
	{"model.diffusion_model.", KindFlux},
	{"first_stage_model.", KindAE},
	{"text_encoders.clip_l.transformer.", KindCLIP},
	{"text_encoders.t5xxl.transformer.", KindT5},
}

// Leading name parts that identify a component in an unprefixed file.
var componentRoots = []struct{ root, kind, style string }{
	{"double_blocks.", KindFlux, StyleBFL},
	{"single_blocks.", KindFlux, StyleBFL},
	{"img_in.", KindFlux, StyleBFL},
	{"txt_in.", KindFlux, StyleBFL},
	{"time_in.", KindFlux, StyleBFL},
	{"vector_in.", KindFlux, StyleBFL},
	{"guidance_in.", KindFlux, StyleBFL},
	{"final_layer.", KindFlux, StyleBFL},
	{"transformer_blocks.", KindFlux, StyleDiffusers},
	{"single_transformer_blocks.", KindFlux, StyleDiffusers},
	{"x_embedder.", KindFlux, StyleDiffusers},
	{"context_embedder.", KindFlux, StyleDiffusers},
	{"time_text_embed.", KindFlux, StyleDiffusers},
	{"norm_out.", KindFlux, StyleDiffusers},
	{"proj_out.", KindFlux, StyleDiffusers},
	{"shared.", KindT5, StyleHF},
	{"encoder.block.", KindT5, StyleHF},
	{"encoder.final_layer_norm.", KindT5, StyleHF},
	{"encoder.embed_tokens.", KindT5, StyleHF},
	{"text_model.", KindCLIP, StyleHF},
	{"text_projection.", KindCLIP, StyleHF},
	{"logit_scale", KindCLIP, StyleHF},
	{"encoder.down_blocks.", KindAE, StyleDiffusers},
	{"encoder.mid_block.", KindAE, StyleDiffusers},
	{"encoder.conv_norm_out.", KindAE, StyleDiffusers},
	{"decoder.up_blocks.", KindAE, StyleDiffusers},
	{"decoder.mid_block.", KindAE, StyleDiffusers},
	{"decoder.conv_norm_out.", KindAE, StyleDiffusers},
	{"quant_conv.", KindAE, StyleDiffusers},
	{"post_quant_conv.", KindAE, StyleDiffusers},
	{"encoder.", KindAE, ""}, // conv_in / conv_out: both styles
	{"decoder.", KindAE, ""},
}

// classify tells which component a stored tensor belongs to, the name
// without its component prefix, and the naming style when the name shows
// it ("" for names both styles share, and for unknown names).
func classify(name string) (kind, bare, style string) {
	bare = name
	for _, p := range componentPrefixes {
		if strings.HasPrefix(name, p.prefix) {
			kind, bare = p.kind, name[len(p.prefix):]
			break
		}
	}
	for _, r := range componentRoots {
		if strings.HasPrefix(bare, r.root) {
			if kind != "" && kind != r.kind {
				return kind, bare, ""
			}
			return r.kind, bare, r.style
		}
	}
	return kind, bare, ""
}

// isScaleName reports tensors that only carry fp8 scales or markers:
// ComfyUI's scaled_fp8 marker, .scale_weight / .scale_input, and the
// .weight_scale / .input_scale of other fp8 exports.
func isScaleName(bare string) bool {
	return bare == "scaled_fp8" || strings.HasSuffix(bare, ".scale_weight") || strings.HasSuffix(bare, ".scale_input") ||
		strings.HasSuffix(bare, ".weight_scale") || strings.HasSuffix(bare, ".input_scale")
}

// scaleNamesFor lists where an fp8 weight's scale may be stored.
func scaleNamesFor(full string) []string {
	base := strings.TrimSuffix(full, ".weight")
	if base == full {
		return nil
	}
	return []string{base + ".scale_weight", full + "_scale"}
}
