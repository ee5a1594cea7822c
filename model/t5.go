package model

import (
	"fmt"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/graph/ref"
	"github.com/flux-vk/flux-vk/loader"
)

// BuildT5 records the T5 v1.1 encoder (HF T5EncoderModel names, ComfyUI
// t5.py): input "input_ids" (L ids), output "last_hidden_state" (L, d_model).
// RMS norms without mean, attention without 1/√d scaling, the relative
// position bias of block 0 added in every layer, gated-GELU feed-forward.
// Padding is attended (no mask), as the FLUX pipelines do.
//
// T5's residual stream overflows f16 on the real weights: build its graph
// with f32 activations (the caller's choice of graph.New(kernels.F32, …)).
func BuildT5(g *graph.Graph, c loader.T5Config, l int) error {
	eps := float32(c.Eps)
	x := g.Tap("dbg.embeddings", g.Embedding(g.Weight("shared.weight"), g.InputIDs("input_ids", l)))
	bias := positionBias(g, c, l)
	lin := func(p string, x *graph.Tensor, opt ...graph.LinearOpt) *graph.Tensor {
		return g.Linear(x, g.Weight(p+".weight"), nil, opt...)
	}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("encoder.block.%d.layer.", i)
		g.Scope(fmt.Sprintf("encoder.block.%d", i)) // a unit to time, and to stream (graph.VulkanOptions.Stream)
		sa := p + "0.SelfAttention."
		h := g.RMSNorm(x, g.Weight(p+"0.layer_norm.weight"), eps)
		a := g.Attention(lin(sa+"q", h), lin(sa+"k", h), lin(sa+"v", h), c.Heads, graph.AttnOpt{Scale: 1, Bias: bias})
		x = lin(sa+"o", a, graph.LinearOpt{Residual: x})
		ff := p + "1.DenseReluDense."
		h = g.RMSNorm(x, g.Weight(p+"1.layer_norm.weight"), eps)
		x = lin(ff+"wo", g.GatedGELU(lin(ff+"wi_0", h), lin(ff+"wi_1", h)), graph.LinearOpt{Residual: x})
		g.Scope("")
		g.Tap(fmt.Sprintf("dbg.block.%d", i), x)
	}
	g.Output("last_hidden_state", g.RMSNorm(x, g.Weight("encoder.final_layer_norm.weight"), eps))
	return g.Err()
}

// positionBias is bias[h, q, k] = relative_attention_bias[bucket(k − q), h],
// computed once on the host from block 0's table.
func positionBias(g *graph.Graph, c loader.T5Config, l int) *graph.Tensor {
	const name = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"
	if !g.Has(name) {
		g.Weight(name) // records the missing-weight error
		return nil
	}
	w := g.W
	return g.Tap("dbg.position_bias", g.Const("t5.position_bias", []int{c.Heads, l, l}, func() ([]float32, error) {
		t, err := w.Tensor(name)
		if err != nil {
			return nil, err
		}
		table, err := t.Float32E()
		if err != nil {
			return nil, err
		}
		return ref.T5PositionBias(table, c.Heads, l, l, c.NumBuckets, c.MaxDistance), nil
	}))
}
