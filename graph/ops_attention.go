package graph

import (
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// AttnOpt are attention's options.
type AttnOpt struct {
	Scale  float32 // logit scale; 0 means 1/sqrt(head dim)
	Causal bool
	Bias   *Tensor // additive [heads, Lq, Lk], shared by the batch
	// Batch independent sequences stacked by rows (0 means 1): sample b is
	// rows b·Lq… of q and the output, b·Lk… of k and v.
	Batch int
}

// Attention is softmax(scale·QKᵀ + bias)·V per head; q is [Lq, heads·D],
// k and v [Lk, heads·D], token-major; the output is [Lq, heads·D].
func (g *Graph) Attention(q, k, v *Tensor, heads int, opt AttnOpt) *Tensor {
	q, k, v = g.act(q), g.act(k), g.act(v)
	batch := max(opt.Batch, 1)
	if q.Rows()%batch != 0 || k.Rows()%batch != 0 {
		g.fail("attention: q %v, k %v do not split into %d samples", q.Shape, k.Shape, batch)
		batch = 1
	}
	lq, lk := q.Rows()/batch, k.Rows()/batch
	d := q.Cols() / heads
	scale := opt.Scale
	if scale == 0 {
		scale = float32(1 / sqrtf(float64(d)))
	}
	if k.Cols() != q.Cols() || v.Cols() != q.Cols() || v.Rows() != k.Rows() {
		g.fail("attention: q %v, k %v, v %v do not fit", q.Shape, k.Shape, v.Shape)
	}
	return g.add("attention", []int{batch * lq, heads * d}, g.Act, []*Tensor{q, k, v, opt.Bias},
		func(in [][]float32) []float32 {
			var out []float32
			sq, sk := lq*heads*d, lk*heads*d
			for b := 0; b < batch; b++ {
				out = append(out, ref.Attention(in[0][b*sq:(b+1)*sq], in[1][b*sk:(b+1)*sk], in[2][b*sk:(b+1)*sk],
					in[3], heads, lq, lk, d, scale, opt.Causal)...)
			}
			return out
		},
		func(x *vkRun, in []*Tensor, out *Tensor) error {
			return x.lib.Attention(x.rec, kernels.AttentionArgs{Out: x.r(out), Q: x.r(in[0]), K: x.r(in[1]),
				V: x.r(in[2]), Bias: x.r(in[3]), Heads: heads, Lq: lq, Lk: lk, D: d, Scale: scale,
				Causal: opt.Causal, Batch: batch, Type: g.Act})
		})
}
