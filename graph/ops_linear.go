package graph

import (
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// Act is a fused activation after a linear layer.
type Act = kernels.Act

// Activations a Linear can fuse.
const (
	NoAct = kernels.ActNone
	GELU  = kernels.ActGELU
	SiLU  = kernels.ActSiLU
)

// LinearOpt are the fused extras of a linear layer:
// y = Residual + Gate ⊙ Act(x·Wᵀ + b).
type LinearOpt struct {
	Act      Act
	Residual *Tensor // [rows, N]
	Gate     *Tensor // [N], or [samples, N] for a batch of samples stacked by rows (needs Residual)
}

// Linear is x·Wᵀ + b over the last dimension of x (W is [N, K], PyTorch's
// nn.Linear layout; a 1×1 conv weight [N, K, 1, 1] works too); b may be nil.
func (g *Graph) Linear(x, w, b *Tensor, opt ...LinearOpt) *Tensor {
	var o LinearOpt
	if len(opt) > 0 {
		o = opt[0]
	}
	o.Residual, o.Gate = g.act(o.Residual), g.f32(o.Gate)
	n := w.Shape[0]
	k := w.Numel() / n
	m := x.Numel() / k
	if x.Cols() != k {
		g.fail("linear %s: input %s has %d columns, weight wants %d", w.name, x, x.Cols(), k)
	}
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), n)
	gateRows := 0
	if o.Gate != nil {
		if s := g.samples("linear "+w.name+" gate", m, n, o.Gate); s > 1 {
			gateRows = m / s
		}
	}
	cpu := func(in [][]float32) []float32 {
		y := ref.Linear(in[0], in[1], in[2], m, k, n)
		switch o.Act {
		case GELU:
			y = ref.GELUTanh(y)
		case SiLU:
			y = ref.SiLU(y)
		}
		if o.Residual != nil {
			if o.Gate != nil {
				return ref.GatedAdd(in[3], in[4], y, m, n)
			}
			return ref.Add(in[3], y)
		}
		return y
	}
	gpu := func(v *vkRun, in []*Tensor, out *Tensor) error {
		return v.lib.Linear(v.rec, kernels.LinearArgs{
			Y: v.r(out), X: v.r(in[0]), W: v.r(in[1]), Bias: v.r(in[2]),
			Residual: v.r(in[3]), Gate: v.r(in[4]), GateRows: gateRows, M: m, K: k, N: n,
			XType: v.dt(in[0]), YType: out.DType, WType: v.dt(in[1]), Act: o.Act,
		})
	}
	y := g.add("linear", shape, g.Act, []*Tensor{x, w, b, o.Residual, o.Gate}, cpu, gpu)
	g.linearWeight(1)
	return y
}
