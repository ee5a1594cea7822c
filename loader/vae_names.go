package loader

import (
	"strconv"
	"strings"
)

// vaeDiffusersToBFL maps a diffusers AutoencoderKL name to the BFL
// ae.safetensors name. Conventions (diffusers' VAE conversion scripts):
//   - down_blocks.i.resnets.j = down.i.block.j, downsamplers.0.conv =
//     downsample.conv; resnets' norm1/conv1/norm2/conv2 keep their names,
//     conv_shortcut = nin_shortcut;
//   - decoder.up_blocks.i = decoder.up.(levels-1-i): diffusers lists the
//     lowest resolution first, BFL indexes it last; upsamplers.0.conv =
//     upsample.conv;
//   - mid_block.resnets.0/1 = mid.block_1/2; mid_block.attentions.0 =
//     mid.attn_1 with group_norm = norm, to_q/to_k/to_v = q/k/v, to_out.0 =
//     proj_out (older files: query/key/value/proj_attn); these weights are
//     Linear (2-D) in diffusers, 1x1 convolutions (4-D) in BFL;
//   - conv_norm_out = norm_out.
//
// levels is the number of up blocks of the decoder.
func vaeDiffusersToBFL(name string, levels int) (string, bool) {
	p := strings.Split(name, ".")
	if len(p) < 3 || p[0] != "encoder" && p[0] != "decoder" {
		return "", false
	}
	side, rest := p[0], p[1:]
	var mapped []string
	switch rest[0] {
	case "conv_in", "conv_out":
		mapped = rest
	case "conv_norm_out":
		mapped = append([]string{"norm_out"}, rest[1:]...)
	case "down_blocks", "up_blocks":
		mapped = mapLevel(rest, levels)
	case "mid_block":
		mapped = mapMid(rest)
	}
	if mapped == nil {
		return "", false
	}
	return side + "." + strings.Join(mapped, "."), true
}

func mapLevel(rest []string, levels int) []string {
	if len(rest) < 5 {
		return nil
	}
	i, err := strconv.Atoi(rest[1])
	if err != nil {
		return nil
	}
	dir := "down"
	if rest[0] == "up_blocks" {
		dir, i = "up", levels-1-i
	}
	level := []string{dir, strconv.Itoa(i)}
	switch {
	case rest[2] == "resnets" && len(rest) >= 6:
		return append(append(level, "block", rest[3]), resnetParam(rest[4:])...)
	case rest[2] == "downsamplers" && rest[3] == "0" && rest[4] == "conv":
		return append(append(level, "downsample", "conv"), rest[5:]...)
	case rest[2] == "upsamplers" && rest[3] == "0" && rest[4] == "conv":
		return append(append(level, "upsample", "conv"), rest[5:]...)
	}
	return nil
}

func resnetParam(p []string) []string {
	if p[0] == "conv_shortcut" {
		return append([]string{"nin_shortcut"}, p[1:]...)
	}
	return p
}

var midAttnNames = map[string]string{
	"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "proj_attn": "proj_out",
	"query": "q", "key": "k", "value": "v",
}

func mapMid(rest []string) []string {
	if len(rest) < 4 {
		return nil
	}
	switch {
	case rest[1] == "resnets" && rest[2] == "0":
		return append([]string{"mid", "block_1"}, resnetParam(rest[3:])...)
	case rest[1] == "resnets" && rest[2] == "1":
		return append([]string{"mid", "block_2"}, resnetParam(rest[3:])...)
	case rest[1] == "attentions" && rest[2] == "0":
		attn := rest[3:]
		if attn[0] == "to_out" && len(attn) >= 2 && attn[1] == "0" {
			return append([]string{"mid", "attn_1", "proj_out"}, attn[2:]...)
		}
		if m, ok := midAttnNames[attn[0]]; ok {
			return append([]string{"mid", "attn_1", m}, attn[1:]...)
		}
	}
	return nil
}

// isMidAttnConv reports the BFL mid-attention weights that are 1x1
// convolutions (diffusers stores them as 2-D Linear weights).
func isMidAttnConv(bfl string) bool {
	for _, m := range []string{"q", "k", "v", "proj_out"} {
		if strings.HasSuffix(bfl, ".mid.attn_1."+m+".weight") {
			return true
		}
	}
	return false
}

// upLevels counts the decoder's up blocks in diffusers names.
func upLevels(names []string) int {
	n := 0
	for _, name := range names {
		if rest, ok := strings.CutPrefix(name, "decoder.up_blocks."); ok {
			i, err := strconv.Atoi(strings.SplitN(rest, ".", 2)[0])
			if err == nil && i+1 > n {
				n = i + 1
			}
		}
	}
	return n
}
