package graph

import (
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// ConvOpt are a convolution's stride, padding (top, left, bottom, right),
// fused nearest 2× upsample of the input, and fused residual add.
type ConvOpt struct {
	Stride   int
	Pad      [4]int
	Upsample bool
	Residual *Tensor
}

// Conv2D convolves x [Cin, H, W] with w [Cout, Cin, KH, KW] plus bias b.
func (g *Graph) Conv2D(x, w, b *Tensor, o ConvOpt) *Tensor {
	o.Residual = g.act(o.Residual)
	if o.Stride == 0 {
		o.Stride = 1
	}
	cin, h, wd := x.Shape[0], x.Shape[1], x.Shape[2]
	cout, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	if w.Shape[1] != cin {
		g.fail("conv %s: input has %d channels, weight wants %d", w.name, cin, w.Shape[1])
	}
	a := kernels.ConvArgs{Cin: cin, H: h, W_: wd, Cout: cout, KH: kh, KW: kw, Stride: o.Stride,
		PadT: o.Pad[0], PadL: o.Pad[1], PadB: o.Pad[2], PadR: o.Pad[3], Upsample: o.Upsample}
	oh, ow := kernels.ConvOut(a)
	cpu := func(in [][]float32) []float32 {
		xin, ih, iw := in[0], h, wd
		if o.Upsample {
			xin, ih, iw = ref.Upsample2x(xin, cin, h, wd), 2*h, 2*wd
		}
		y, _, _ := ref.Conv2D(xin, in[1], in[2], cin, ih, iw, cout, kh, kw, o.Stride, o.Pad[0], o.Pad[1], o.Pad[2], o.Pad[3])
		if in[3] != nil {
			y = ref.Add(in[3], y)
		}
		return y
	}
	gpu := func(v *vkRun, in []*Tensor, out *Tensor) error {
		a := a
		a.Y, a.X, a.W, a.Bias, a.Residual = v.r(out), v.r(in[0]), v.r(in[1]), v.r(in[2]), v.r(in[3])
		a.XType, a.YType, a.WType = v.dt(in[0]), out.DType, v.dt(in[1])
		return v.lib.Conv2D(v.rec, a)
	}
	y := g.add("conv2d", []int{cout, oh, ow}, g.Act, []*Tensor{x, w, b, o.Residual}, cpu, gpu)
	g.rawWeight(1)
	return y
}
