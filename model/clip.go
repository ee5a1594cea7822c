package model

import (
	"fmt"
	"math"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
)

// CLIPEOS is CLIP's end-of-text id; the pooled output is the final state at
// its first occurrence (transformers' argmax over the ids picks the same
// position for FLUX's legacy config).
const CLIPEOS = 49407

// BuildCLIP records CLIPTextModel (HF names, ComfyUI clip_model.py): input
// "input_ids" (L ids), output "last_hidden_state" (L, hidden). Pre-LN layers
// with causal attention and quick-GELU; no padding mask (pads follow EOS, so
// the causal mask hides them from the pooled position).
func BuildCLIP(g *graph.Graph, c loader.CLIPConfig, l int) error {
	if l > c.MaxPositions {
		return fmt.Errorf("clip: %d tokens exceed the %d positions", l, c.MaxPositions)
	}
	const tm = "text_model."
	eps := float32(c.Eps)
	x := g.Embedding(g.Weight(tm+"embeddings.token_embedding.weight"), g.InputIDs("input_ids", l))
	x = g.Tap("dbg.embeddings", g.Add(x, g.Rows(g.Weight(tm+"embeddings.position_embedding.weight"), 0, l)))
	lin := func(p string, x *graph.Tensor, opt ...graph.LinearOpt) *graph.Tensor {
		return g.Linear(x, g.Weight(p+".weight"), g.OptWeight(p+".bias"), opt...)
	}
	ln := func(p string, x *graph.Tensor) *graph.Tensor {
		return g.LayerNorm(x, g.Weight(p+".weight"), g.Weight(p+".bias"), eps)
	}
	d := c.Hidden / c.Heads
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("%sencoder.layers.%d.", tm, i)
		h := ln(p+"layer_norm1", x)
		a := g.Attention(lin(p+"self_attn.q_proj", h), lin(p+"self_attn.k_proj", h), lin(p+"self_attn.v_proj", h),
			c.Heads, graph.AttnOpt{Scale: float32(1 / math.Sqrt(float64(d))), Causal: true})
		x = lin(p+"self_attn.out_proj", a, graph.LinearOpt{Residual: x})
		h = g.QuickGELU(lin(p+"mlp.fc1", ln(p+"layer_norm2", x)))
		x = g.Tap(fmt.Sprintf("dbg.layers.%d", i), lin(p+"mlp.fc2", h, graph.LinearOpt{Residual: x}))
	}
	g.Output("last_hidden_state", ln(tm+"final_layer_norm", x))
	return g.Err()
}

// CLIPPooled is the pooled output: the row of hidden (L, dim) at the first
// EOS id (the last row if there is none).
func CLIPPooled(hidden []float32, ids []int32, dim int) []float32 {
	pos := len(ids) - 1
	for i, id := range ids {
		if id == CLIPEOS {
			pos = i
			break
		}
	}
	return append([]float32(nil), hidden[pos*dim:(pos+1)*dim]...)
}
