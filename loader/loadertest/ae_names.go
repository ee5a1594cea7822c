package loadertest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/flux-vk/flux-vk/loader"
)

var (
	vaeLevelRE = regexp.MustCompile(`^(encoder|decoder)\.(down|up)\.(\d+)\.(block\.(\d+)|downsample|upsample)\.(.*)$`)
	vaeMidRE   = regexp.MustCompile(`^(encoder|decoder)\.mid\.(block_1|block_2|attn_1)\.(\w+)\.(.*)$`)
	vaeAttn    = map[string]string{"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}
	vaeMid     = map[string]int{"block_1": 0, "block_2": 1}
)

// AEToDiffusers converts BFL autoencoder tensors to diffusers AutoencoderKL
// names. BFL counts decoder levels from the lowest resolution up, diffusers
// in the order it runs them; the mid-block attention's 1x1 convolutions
// become linear weights.
func AEToDiffusers(ts []loader.Tensor) []loader.Tensor {
	levels := 0
	for _, t := range ts {
		if m := vaeLevelRE.FindStringSubmatch(t.Name); m != nil && m[2] == "up" {
			i, _ := strconv.Atoi(m[3])
			levels = max(levels, i+1)
		}
	}
	out := make([]loader.Tensor, 0, len(ts))
	for _, t := range ts {
		t.Name = aeName(&t, levels)
		out = append(out, t)
	}
	return out
}

func aeName(t *loader.Tensor, levels int) string {
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
			return fmt.Sprintf("%s.mid_block.resnets.%d.%s.%s", m[1], vaeMid[m[2]], shortcut(m[3]), m[4])
		}
		if len(t.Shape) == 4 { // 1x1 conv -> Linear
			t.Shape = t.Shape[:2]
		}
		return fmt.Sprintf("%s.mid_block.attentions.0.%s.%s", m[1], vaeAttn[m[3]], m[4])
	}
	return strings.Replace(t.Name, ".norm_out.", ".conv_norm_out.", 1)
}
