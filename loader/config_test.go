package loader

import (
	"fmt"
	"slices"
	"testing"
)

func num(p map[string]any, k string) int { v, _ := p[k].(float64); return int(v) }

func ints(p map[string]any, k string) []int {
	var out []int
	for _, v := range p[k].([]any) {
		out = append(out, int(v.(float64)))
	}
	return out
}

// loadOne builds the components of one file, the way a folder of single
// files is read.
func loadOne(t *testing.T, path string) *Model {
	t.Helper()
	m, err := Load(Options{ModelDir: path, AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// The configurations inferred from shapes must equal the ones each golden
// file states in its metadata.
func TestConfigsMatchGoldenMetadata(t *testing.T) {
	for _, name := range []string{"flux_schnell_tiny.weights.safetensors", "flux_dev_tiny.weights.safetensors",
		"schnell_pipeline_tiny/flux.safetensors", "dev_pipeline_tiny/flux.safetensors"} {
		_, meta := readTensors(t, golden(name))
		p := metaParams(t, meta)
		fc := loadOne(t, golden(name)).FluxConfig
		want := FluxConfig{Hidden: num(p, "hidden_size"), Heads: num(p, "num_heads"), Depth: num(p, "depth"),
			DepthSingle: num(p, "depth_single_blocks"), InChannels: num(p, "in_channels"), OutChannels: num(p, "out_channels"),
			VecInDim: num(p, "vec_in_dim"), ContextInDim: num(p, "context_in_dim"),
			MLPHidden: int(float64(num(p, "hidden_size")) * p["mlp_ratio"].(float64)), AxesDim: ints(p, "axes_dim"),
			Theta: p["theta"].(float64), Guidance: p["guidance_embed"].(bool), QKVBias: p["qkv_bias"].(bool)}
		if !equalFlux(fc, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, fc, want)
		}
	}
	for _, names := range [][]string{{"ae_decoder_tiny.weights.safetensors"}, {"ae_encoder_tiny.weights.safetensors"}, {"schnell_pipeline_tiny/ae.safetensors"}} {
		_, meta := readTensors(t, golden(names[0]))
		p := metaParams(t, meta)
		m := loadOne(t, golden(names[0]))
		ac := m.AEConfig
		if ac.Ch != num(p, "ch") || !slices.Equal(ac.ChMult, ints(p, "ch_mult")) || ac.NumResBlocks != num(p, "num_res_blocks") ||
			ac.ZChannels != num(p, "z_channels") || ac.InChannels != num(p, "in_channels") || ac.OutCh != num(p, "out_ch") ||
			ac.ScaleFactor != p["scale_factor"].(float64) || ac.ShiftFactor != p["shift_factor"].(float64) {
			t.Errorf("%s: got %+v, metadata %v", names[0], ac, p)
		}
	}
	for _, name := range []string{"clip_text_tiny.weights.safetensors", "schnell_pipeline_tiny/clip_l.safetensors"} {
		_, meta := readTensors(t, golden(name))
		p := metaParams(t, meta)
		cc := loadOne(t, golden(name)).CLIPConfig
		want := CLIPConfig{Hidden: num(p, "hidden_size"), Heads: num(p, "num_attention_heads"), Layers: num(p, "num_hidden_layers"),
			Intermediate: num(p, "intermediate_size"), Vocab: num(p, "vocab_size"), MaxPositions: num(p, "max_position_embeddings"),
			Eps: p["layer_norm_eps"].(float64), Act: p["hidden_act"].(string)}
		if cc != want {
			t.Errorf("%s: got %+v, want %+v", name, cc, want)
		}
	}
	for _, name := range []string{"t5_encoder_tiny.weights.safetensors", "schnell_pipeline_tiny/t5xxl.safetensors"} {
		_, meta := readTensors(t, golden(name))
		p := metaParams(t, meta)
		tc := loadOne(t, golden(name)).T5Config
		want := T5Config{DModel: num(p, "d_model"), DKV: num(p, "d_kv"), Heads: num(p, "num_heads"), DFF: num(p, "d_ff"),
			Layers: num(p, "num_layers"), Vocab: num(p, "vocab_size"), NumBuckets: num(p, "relative_attention_num_buckets"),
			MaxDistance: num(p, "relative_attention_max_distance"), Eps: p["layer_norm_epsilon"].(float64)}
		if tc != want {
			t.Errorf("%s: got %+v, want %+v", name, tc, want)
		}
	}
}

func equalFlux(a, b FluxConfig) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func TestAEDownsample(t *testing.T) {
	for _, tt := range []struct {
		mult []int
		want int
	}{{[]int{1, 2, 4, 4}, 8}, {[]int{1, 2, 2}, 4}, {[]int{1}, 1}, {nil, 8}} {
		if got := (AEConfig{ChMult: tt.mult}).Downsample(); got != tt.want {
			t.Errorf("Downsample(ch_mult %v) = %d, want %d", tt.mult, got, tt.want)
		}
	}
}
