package graph

import (
	"github.com/flux-vk/flux-vk/graph/ref"
)

// LayerNorm normalises each row of x; gamma and beta may be nil (no affine).
func (g *Graph) LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	x = g.act(x)
	rows, dim := x.Rows(), x.Cols()
	return g.add("layernorm", x.Shape, g.Act, []*Tensor{x, gamma, beta},
		func(in [][]float32) []float32 { return ref.LayerNorm(in[0], in[1], in[2], rows, dim, eps) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.LayerNorm(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), v.r(in[2]), rows, dim, eps, g.Act)
		})
}

// ModLayerNorm is FLUX's modulated norm: (1 + scale)·LayerNorm(x) + shift,
// with a non-affine LayerNorm; shift and scale are [samples, dim]: the rows
// of x come in that many equal groups (a batch), each with its own row.
func (g *Graph) ModLayerNorm(x, shift, scale *Tensor, eps float32) *Tensor {
	x, shift, scale = g.act(x), g.f32(shift), g.f32(scale)
	rows, dim := x.Rows(), x.Cols()
	samples := g.samples("modlayernorm", rows, dim, shift, scale)
	return g.add("modlayernorm", x.Shape, g.Act, []*Tensor{x, shift, scale},
		func(in [][]float32) []float32 {
			return ref.Modulate(ref.LayerNorm(in[0], nil, nil, rows, dim, eps), in[1], in[2], rows, dim)
		},
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.ModLayerNorm(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), v.r(in[2]), rows, dim, samples, eps, g.Act)
		})
}

// samples is how many per-sample rows the vectors that modulate or gate a
// rows×dim activation hold (each [samples, dim], samples dividing rows);
// 1 on failure.
func (g *Graph) samples(op string, rows, dim int, vecs ...*Tensor) int {
	n := vecs[0].Numel()
	s := n / dim
	if n%dim != 0 || s == 0 || rows%s != 0 {
		g.fail("%s: %v is not one row of %d per sample of %d rows", op, vecs[0].Shape, dim, rows)
		return 1
	}
	for _, v := range vecs[1:] {
		if v.Numel() != n {
			g.fail("%s: %v and %v differ", op, vecs[0].Shape, v.Shape)
		}
	}
	return s
}

// RMSNorm is gamma·x/sqrt(mean(x²) + eps) over the last dimension.
func (g *Graph) RMSNorm(x, gamma *Tensor, eps float32) *Tensor {
	x = g.act(x)
	rows, dim := x.Rows(), x.Cols()
	return g.add("rmsnorm", x.Shape, x.DType, []*Tensor{x, gamma},
		func(in [][]float32) []float32 { return ref.RMSNorm(in[0], in[1], rows, dim, eps) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.RMSNorm(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), rows, dim, eps, out.DType)
		})
}

// GroupNorm normalises x [C, H, W] in groups of channels, then applies the
// affine and, with swish, x·sigmoid(x).
func (g *Graph) GroupNorm(x, gamma, beta *Tensor, groups int, eps float32, swish bool) *Tensor {
	x = g.act(x)
	c, hw := x.Shape[0], x.Numel()/x.Shape[0]
	return g.add("groupnorm", x.Shape, g.Act, []*Tensor{x, gamma, beta},
		func(in [][]float32) []float32 {
			y := ref.GroupNorm(in[0], in[1], in[2], c, hw, groups, eps)
			if swish {
				y = ref.SiLU(y)
			}
			return y
		},
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.GroupNorm(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), v.r(in[2]), c, hw, groups, eps, swish, g.Act)
		})
}
