package graph

import (
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// Embedding gathers rows of table [vocab, dim] by the int32 ids input.
func (g *Graph) Embedding(table, ids *Tensor) *Tensor {
	n, dim := ids.Numel(), table.Cols()
	if !ids.ints {
		g.fail("embedding: %s is not an ids input", ids)
	}
	y := g.add("embedding", []int{n, dim}, g.Act, []*Tensor{table, ids},
		func(in [][]float32) []float32 {
			idx := make([]int64, n)
			for i, v := range in[1] {
				idx[i] = int64(v)
			}
			return ref.Embedding(in[0], idx, dim)
		},
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Embedding(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), n, dim, v.dt(in[0]), g.Act)
		})
	g.rawWeight(0)
	return y
}

// TimestepEmbedding is the sinusoidal embedding [cos | sin] of
// factor·ts[index] (dim values, always f32); ts is an f32 input so a
// replayed graph can change the time without re-recording.
func (g *Graph) TimestepEmbedding(ts *Tensor, index, dim int, factor float32) *Tensor {
	const maxPeriod = 10000
	return g.add("timestep", []int{1, dim}, kernels.F32, []*Tensor{ts},
		func(in [][]float32) []float32 { return ref.TimestepEmbedding(in[0][index], dim, maxPeriod, factor) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.TimestepEmbedding(v.rec, v.r(out), v.r(in[0]), index, dim, factor, maxPeriod)
		})
}

// RopeTable is FLUX's 3-axis rotary table [tokens, headDim/2, 2] (cos, sin)
// from position ids [tokens, 3] (always f32).
func (g *Graph) RopeTable(ids *Tensor, axesDim []int, theta float32) *Tensor {
	tokens, hd := ids.Rows(), 0
	for _, a := range axesDim {
		hd += a
	}
	axes := append([]int(nil), axesDim...)
	return g.add("ropetable", []int{tokens, hd / 2, 2}, kernels.F32, []*Tensor{ids},
		func(in [][]float32) []float32 { return ref.RopeTable(in[0], tokens, axes, float64(theta)) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.RopeTable(v.rec, v.r(out), v.r(in[0]), tokens, axes, theta)
		})
}

// Rope rotates the interleaved pairs of every head of x [tokens, heads·D].
func (g *Graph) Rope(x, table *Tensor, heads int) *Tensor {
	x = g.act(x)
	tokens, d := x.Rows(), x.Cols()/heads
	return g.add("rope", x.Shape, g.Act, []*Tensor{x, table},
		func(in [][]float32) []float32 { return ref.Rope(in[0], in[1], tokens, heads, d) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Rope(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), tokens, heads, d, 0, 0, 0, 0, g.Act)
		})
}
