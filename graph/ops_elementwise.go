package graph

import (
	"math"

	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

func sqrtf(x float64) float64 { return math.Sqrt(x) }

// binary is y = a op b, b broadcast over a's rows when it is shorter.
func (g *Graph) binary(kind string, op kernels.BinOp, a, b *Tensor, alpha float32,
	cpu func(a, b float32) float32) *Tensor {
	a, b = g.act(a), g.act(b)
	n, bn := a.Numel(), b.Numel()
	if bn == 0 || n%bn != 0 {
		g.fail("%s: %v and %v do not broadcast", kind, a.Shape, b.Shape)
	}
	return g.add(kind, a.Shape, g.Act, []*Tensor{a, b},
		func(in [][]float32) []float32 {
			y := make([]float32, n)
			for i := range y {
				y[i] = cpu(in[0][i], in[1][i%bn])
			}
			return y
		},
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Binary(v.rec, op, v.r(out), v.r(in[0]), v.r(in[1]), n, bn, alpha, g.Act)
		})
}

// Add is a + b (b may be a row broadcast over a).
func (g *Graph) Add(a, b *Tensor) *Tensor {
	return g.binary("add", kernels.OpAdd, a, b, 0, func(x, y float32) float32 { return float32(float64(x) + float64(y)) })
}

// Sub is a − b.
func (g *Graph) Sub(a, b *Tensor) *Tensor {
	return g.binary("sub", kernels.OpSub, a, b, 0, func(x, y float32) float32 { return float32(float64(x) - float64(y)) })
}

// Mul is a ⊙ b.
func (g *Graph) Mul(a, b *Tensor) *Tensor {
	return g.binary("mul", kernels.OpMul, a, b, 0, func(x, y float32) float32 { return float32(float64(x) * float64(y)) })
}

// Lerp is a + alpha·(b − a): true classifier-free guidance combines the
// negative (a) and positive (b) predictions with it.
func (g *Graph) Lerp(a, b *Tensor, alpha float32) *Tensor {
	return g.binary("lerp", kernels.OpLerp, a, b, alpha, func(x, y float32) float32 {
		return float32(float64(x) + float64(alpha)*(float64(y)-float64(x)))
	})
}

func (g *Graph) unary(kind string, op kernels.UnOp, x *Tensor, alpha, beta float32, cpu func([]float32) []float32) *Tensor {
	x = g.act(x)
	n := x.Numel()
	return g.add(kind, x.Shape, g.Act, []*Tensor{x},
		func(in [][]float32) []float32 { return cpu(in[0]) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Unary(v.rec, op, v.r(out), v.r(in[0]), n, alpha, beta, g.Act)
		})
}

// SiLU is x·sigmoid(x).
func (g *Graph) SiLU(x *Tensor) *Tensor { return g.unary("silu", kernels.OpSiLU, x, 0, 0, ref.SiLU) }

// GELU is the tanh approximation.
func (g *Graph) GELU(x *Tensor) *Tensor {
	return g.unary("gelu", kernels.OpGELU, x, 0, 0, ref.GELUTanh)
}

// QuickGELU is x·sigmoid(1.702x) (CLIP).
func (g *Graph) QuickGELU(x *Tensor) *Tensor {
	return g.unary("quickgelu", kernels.OpQuickGELU, x, 0, 0, ref.QuickGELU)
}

// Affine is mul·x + add.
func (g *Graph) Affine(x *Tensor, mul, add float32) *Tensor {
	return g.unary("affine", kernels.OpAffine, x, mul, add, func(v []float32) []float32 {
		return ref.Affine(v, float64(mul), float64(add))
	})
}

// Clamp limits x to [lo, hi].
func (g *Graph) Clamp(x *Tensor, lo, hi float32) *Tensor {
	return g.unary("clamp", kernels.OpClamp, x, lo, hi, func(v []float32) []float32 { return ref.Clamp(v, lo, hi) })
}

// GatedAdd is x + gate ⊙ y, gate a [dim] vector broadcast over rows.
func (g *Graph) GatedAdd(x, gate, y *Tensor) *Tensor {
	x, gate, y = g.act(x), g.f32(gate), g.act(y)
	rows, dim := x.Rows(), x.Cols()
	if gate.Numel() != dim {
		g.fail("gatedadd: gate %v is not one row of %d (per-sample gates: fuse into Linear)", gate.Shape, dim)
	}
	return g.add("gatedadd", x.Shape, g.Act, []*Tensor{x, gate, y},
		func(in [][]float32) []float32 { return ref.GatedAdd(in[0], in[1], in[2], rows, dim) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.GatedAdd(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), v.r(in[2]), rows, dim, g.Act)
		})
}

// GatedGELU is gelu_tanh(a) ⊙ b (T5's feed-forward).
func (g *Graph) GatedGELU(a, b *Tensor) *Tensor {
	a, b = g.act(a), g.act(b)
	n := a.Numel()
	return g.add("gatedgelu", a.Shape, g.Act, []*Tensor{a, b},
		func(in [][]float32) []float32 { return ref.GatedGELU(in[0], in[1]) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.GatedGELU(v.rec, v.r(out), v.r(in[0]), v.r(in[1]), n, g.Act)
		})
}
