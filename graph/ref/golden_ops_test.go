package ref

import (
	"encoding/json"
	"testing"
)

// fluxParams is the part of a transformer case's config the tests use.
type fluxParams struct {
	AxesDim       []int `json:"axes_dim"`
	Theta         float64
	HiddenSize    int     `json:"hidden_size"`
	NumHeads      int     `json:"num_heads"`
	MLPRatio      float64 `json:"mlp_ratio"`
	GuidanceEmbed bool    `json:"guidance_embed"`
	InChannels    int     `json:"in_channels"`
	OutChannels   int     `json:"out_channels"`
	ContextInDim  int     `json:"context_in_dim"`
	VecInDim      int     `json:"vec_in_dim"`
	Depth         int
	DepthSingle   int `json:"depth_single_blocks"`
}

func readFluxParams(t *testing.T, f *stFile) fluxParams {
	t.Helper()
	var cfg struct{ Params fluxParams }
	if err := json.Unmarshal([]byte(f.config), &cfg); err != nil {
		t.Fatalf("%s: config: %v", f.name, err)
	}
	return cfg.Params
}

// TestRopeTableGolden rebuilds dbg.pe ([[cos, -sin], [sin, cos]] per token
// and pair, tokens txt then img) from the position ids.
func TestRopeTableGolden(t *testing.T) {
	for _, c := range []string{"flux_schnell_tiny", "flux_dev_tiny"} {
		t.Run(c, func(t *testing.T) {
			io := openGolden(t, c+".io.safetensors")
			p := readFluxParams(t, io)
			ids := ConcatRows(io.f32(t, "txt_ids"), io.f32(t, "img_ids"), 3)
			tokens := len(ids) / 3
			table := RopeTable(ids, tokens, p.AxesDim, p.Theta)
			pe := make([]float32, 0, 2*len(table))
			for i := 0; i < len(table); i += 2 {
				cos, sin := table[i], table[i+1]
				pe = append(pe, cos, -sin, sin, cos)
			}
			checkRel(t, "pe", pe, io.f32(t, "dbg.pe"), 1e-7)
		})
	}
}

// TestTimestepEmbeddingGolden reproduces the sinusoidal embeddings of t and
// of the dev guidance.
func TestTimestepEmbeddingGolden(t *testing.T) {
	cases := []struct{ file, input, dbg string }{
		{"flux_schnell_tiny", "timesteps", "dbg.t_emb"},
		{"flux_dev_tiny", "timesteps", "dbg.t_emb"},
		{"flux_dev_tiny", "guidance", "dbg.guidance_emb"},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.input, func(t *testing.T) {
			io := openGolden(t, c.file+".io.safetensors")
			got := TimestepEmbedding(io.f32(t, c.input)[0], 256, 10000, 1000)
			checkRel(t, c.dbg, got, io.f32(t, c.dbg), 1e-7)
		})
	}
}

// TestT5PositionBiasGolden rebuilds the T5 encoder's relative position bias.
func TestT5PositionBiasGolden(t *testing.T) {
	w := openGolden(t, "t5_encoder_tiny.weights.safetensors")
	io := openGolden(t, "t5_encoder_tiny.io.safetensors")
	var cfg struct {
		HF struct {
			NumHeads    int `json:"num_heads"`
			NumBuckets  int `json:"relative_attention_num_buckets"`
			MaxDistance int `json:"relative_attention_max_distance"`
		} `json:"hf_config"`
	}
	if err := json.Unmarshal([]byte(io.config), &cfg); err != nil {
		t.Fatalf("config: %v", err)
	}
	want := io.f32(t, "dbg.position_bias")
	table := w.f32(t, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")
	l := len(io.i64(t, "input_ids"))
	got := T5PositionBias(table, cfg.HF.NumHeads, l, l, cfg.HF.NumBuckets, cfg.HF.MaxDistance)
	checkRel(t, "position_bias", got, want, 1e-7)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("position_bias[%d] = %g, want %g (bias is a gather, must be exact)", i, got[i], want[i])
		}
	}
}
