package loader

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The BFL -> diffusers conversions below are written independently of the
// loader's tables (as diffusers' conversion scripts spell the names), so
// converting and loading back checks the mapping both ways.

var fluxTop = [][2]string{
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

var fluxDouble = [][2]string{
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

var fluxSingle = [][2]string{
	{"linear2.", "proj_out."},
	{"norm.query_norm.scale", "attn.norm_q.weight"},
	{"norm.key_norm.scale", "attn.norm_k.weight"},
	{"modulation.lin.", "norm.linear."},
}

func replacePrefix(name string, table [][2]string) (string, bool) {
	for _, r := range table {
		if rest, ok := strings.CutPrefix(name, r[0]); ok {
			return r[1] + rest, true
		}
	}
	return "", false
}

var blockRE = regexp.MustCompile(`^(double_blocks|single_blocks)\.(\d+)\.(.*)$`)

// fluxToDiffusers converts BFL transformer tensors to diffusers names.
func fluxToDiffusers(ts []Tensor, hidden int) []Tensor {
	var out []Tensor
	for _, t := range ts {
		if m := blockRE.FindStringSubmatch(t.Name); m != nil {
			out = append(out, blockToDiffusers(t, m[1], m[2], m[3], hidden)...)
			continue
		}
		if rest, ok := strings.CutPrefix(t.Name, "final_layer.adaLN_modulation.1."); ok {
			t = swapHalves(t) // diffusers: (scale, shift)
			t.Name = "norm_out.linear." + rest
			out = append(out, t)
			continue
		}
		n, ok := replacePrefix(t.Name, fluxTop)
		if !ok {
			panic("unmapped " + t.Name)
		}
		t.Name = n
		out = append(out, t)
	}
	return out
}

func blockToDiffusers(t Tensor, kind, idx, rest string, hidden int) []Tensor {
	param := rest[strings.LastIndex(rest, ".")+1:]
	if kind == "double_blocks" {
		p := "transformer_blocks." + idx + "."
		switch {
		case strings.HasPrefix(rest, "img_attn.qkv."):
			return splitRows(t, []int{hidden, hidden, hidden}, []string{p + "attn.to_q." + param, p + "attn.to_k." + param, p + "attn.to_v." + param})
		case strings.HasPrefix(rest, "txt_attn.qkv."):
			return splitRows(t, []int{hidden, hidden, hidden}, []string{p + "attn.add_q_proj." + param, p + "attn.add_k_proj." + param, p + "attn.add_v_proj." + param})
		}
		n, ok := replacePrefix(rest, fluxDouble)
		if !ok {
			panic("unmapped " + t.Name)
		}
		t.Name = p + n
		return []Tensor{t}
	}
	p := "single_transformer_blocks." + idx + "."
	if strings.HasPrefix(rest, "linear1.") {
		return splitRows(t, []int{hidden, hidden, hidden, t.Shape[0] - 3*hidden},
			[]string{p + "attn.to_q." + param, p + "attn.to_k." + param, p + "attn.to_v." + param, p + "proj_mlp." + param})
	}
	n, ok := replacePrefix(rest, fluxSingle)
	if !ok {
		panic("unmapped " + t.Name)
	}
	t.Name = p + n
	return []Tensor{t}
}

var (
	vaeLevelRE = regexp.MustCompile(`^(encoder|decoder)\.(down|up)\.(\d+)\.(block\.(\d+)|downsample|upsample)\.(.*)$`)
	vaeMidRE   = regexp.MustCompile(`^(encoder|decoder)\.mid\.(block_1|block_2|attn_1)\.(\w+)\.(.*)$`)
	vaeAttn    = map[string]string{"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}
)

// aeToDiffusers converts BFL autoencoder tensors to AutoencoderKL names;
// levels is the number of decoder up blocks.
func aeToDiffusers(ts []Tensor, levels int) []Tensor {
	var out []Tensor
	for _, t := range ts {
		t.Name = aeName(&t, levels)
		out = append(out, t)
	}
	return out
}

func aeName(t *Tensor, levels int) string {
	shortcut := func(s string) string { return strings.Replace(s, "nin_shortcut", "conv_shortcut", 1) }
	if m := vaeLevelRE.FindStringSubmatch(t.Name); m != nil {
		i, _ := strconv.Atoi(m[3])
		blocks := "down_blocks"
		if m[2] == "up" {
			blocks, i = "up_blocks", levels-1-i
		}
		switch m[4] {
		case "downsample":
			return fmt.Sprintf("%s.%s.%d.downsamplers.0.%s", m[1], blocks, i, m[6])
		case "upsample":
			return fmt.Sprintf("%s.%s.%d.upsamplers.0.%s", m[1], blocks, i, m[6])
		}
		return fmt.Sprintf("%s.%s.%d.resnets.%s.%s", m[1], blocks, i, m[5], shortcut(m[6]))
	}
	if m := vaeMidRE.FindStringSubmatch(t.Name); m != nil {
		if m[2] != "attn_1" {
			return fmt.Sprintf("%s.mid_block.resnets.%d.%s.%s", m[1], map[string]int{"block_1": 0, "block_2": 1}[m[2]], shortcut(m[3]), m[4])
		}
		if len(t.Shape) == 4 { // 1x1 conv -> Linear
			t.Shape = t.Shape[:2]
		}
		return fmt.Sprintf("%s.mid_block.attentions.0.%s.%s", m[1], vaeAttn[m[3]], m[4])
	}
	return strings.Replace(t.Name, ".norm_out.", ".conv_norm_out.", 1)
}
