package ref

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// The CLIP text encoder (ComfyUI comfy/clip_model.py) and the T5 v1.1
// encoder (comfy/text_encoders/t5.py) composed from the reference ops and
// checked against their golden cases (README items 17-21).

// proj applies the Linear layer prefix (.weight, optional .bias) to x.
func proj(t *testing.T, w *stFile, prefix string, x []float32, rows int) []float32 {
	wt := w.f32(t, prefix+".weight")
	var b []float32
	if w.has(prefix + ".bias") {
		b = w.f32(t, prefix+".bias")
	}
	in := len(x) / rows
	return Linear(x, wt, b, rows, in, len(wt)/in)
}

func TestCLIPTextGolden(t *testing.T) {
	w := openGolden(t, "clip_text_tiny.weights.safetensors")
	io := openGolden(t, "clip_text_tiny.io.safetensors")
	var cfg struct {
		HF struct {
			Heads  int     `json:"num_attention_heads"`
			Layers int     `json:"num_hidden_layers"`
			Eps    float32 `json:"layer_norm_eps"`
		} `json:"hf_config"`
	}
	if err := json.Unmarshal([]byte(io.config), &cfg); err != nil {
		t.Fatalf("config: %v", err)
	}
	ids := io.i64(t, "input_ids")
	l := len(ids)
	tm := "text_model."
	dim := w.shape(t, tm+"embeddings.token_embedding.weight")[1]
	heads, d := cfg.HF.Heads, dim/cfg.HF.Heads
	x := Add(Embedding(w.f32(t, tm+"embeddings.token_embedding.weight"), ids, dim),
		w.f32(t, tm+"embeddings.position_embedding.weight")[:l*dim])
	checkRel(t, "dbg.embeddings", x, io.f32(t, "dbg.embeddings"), 1e-6)
	for i := 0; i < cfg.HF.Layers; i++ {
		p := fmt.Sprintf("%sencoder.layers.%d.", tm, i)
		ln := func(name string, x []float32) []float32 {
			return LayerNorm(x, w.f32(t, p+name+".weight"), w.f32(t, p+name+".bias"), l, dim, cfg.HF.Eps)
		}
		h := ln("layer_norm1", x)
		q, k, v := proj(t, w, p+"self_attn.q_proj", h, l), proj(t, w, p+"self_attn.k_proj", h, l), proj(t, w, p+"self_attn.v_proj", h, l)
		a := Attention(q, k, v, nil, heads, l, l, d, float32(1/math.Sqrt(float64(d))), true)
		x = Add(x, proj(t, w, p+"self_attn.out_proj", a, l))
		h = QuickGELU(proj(t, w, p+"mlp.fc1", ln("layer_norm2", x), l))
		x = Add(x, proj(t, w, p+"mlp.fc2", h, l))
		if name := fmt.Sprintf("dbg.layers.%d", i); io.has(name) {
			checkRel(t, name, x, io.f32(t, name), 1e-6)
		}
	}
	x = LayerNorm(x, w.f32(t, tm+"final_layer_norm.weight"), w.f32(t, tm+"final_layer_norm.bias"), l, dim, cfg.HF.Eps)
	checkRel(t, "last_hidden_state", x, io.f32(t, "last_hidden_state"), 1e-6)
	eos := 0
	for eos < l-1 && ids[eos] != 49407 { // first EOS (README item 18)
		eos++
	}
	if want := io.i64(t, "eos_index")[0]; int64(eos) != want {
		t.Errorf("eos index %d, want %d", eos, want)
	}
	checkRel(t, "pooled", x[eos*dim:(eos+1)*dim], io.f32(t, "pooled"), 1e-6)
}

func TestT5EncoderGolden(t *testing.T) {
	w := openGolden(t, "t5_encoder_tiny.weights.safetensors")
	io := openGolden(t, "t5_encoder_tiny.io.safetensors")
	var cfg struct {
		HF struct {
			Heads       int     `json:"num_heads"`
			DKV         int     `json:"d_kv"`
			Layers      int     `json:"num_layers"`
			Eps         float32 `json:"layer_norm_epsilon"`
			NumBuckets  int     `json:"relative_attention_num_buckets"`
			MaxDistance int     `json:"relative_attention_max_distance"`
		} `json:"hf_config"`
	}
	if err := json.Unmarshal([]byte(io.config), &cfg); err != nil {
		t.Fatalf("config: %v", err)
	}
	c := cfg.HF
	ids := io.i64(t, "input_ids")
	l := len(ids)
	dim := w.shape(t, "shared.weight")[1]
	x := Embedding(w.f32(t, "shared.weight"), ids, dim)
	checkRel(t, "dbg.embeddings", x, io.f32(t, "dbg.embeddings"), 1e-7)
	rel := w.f32(t, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")
	bias := T5PositionBias(rel, c.Heads, l, l, c.NumBuckets, c.MaxDistance)
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("encoder.block.%d.layer.", i)
		h := RMSNorm(x, w.f32(t, p+"0.layer_norm.weight"), l, dim, c.Eps)
		sa := p + "0.SelfAttention."
		q, k, v := proj(t, w, sa+"q", h, l), proj(t, w, sa+"k", h, l), proj(t, w, sa+"v", h, l)
		a := Attention(q, k, v, bias, c.Heads, l, l, c.DKV, 1, false) // no 1/sqrt(d) (item 20)
		x = Add(x, proj(t, w, sa+"o", a, l))
		h = RMSNorm(x, w.f32(t, p+"1.layer_norm.weight"), l, dim, c.Eps)
		ff := p + "1.DenseReluDense."
		g := GatedGELU(proj(t, w, ff+"wi_0", h, l), proj(t, w, ff+"wi_1", h, l))
		x = Add(x, proj(t, w, ff+"wo", g, l))
		name := fmt.Sprintf("dbg.block.%d", i)
		checkRel(t, name, x, io.f32(t, name), 1e-6)
	}
	x = RMSNorm(x, w.f32(t, "encoder.final_layer_norm.weight"), l, dim, c.Eps)
	checkRel(t, "last_hidden_state", x, io.f32(t, "last_hidden_state"), 1e-6)
}
