package graph

import "github.com/flux-vk/flux-vk/engine/kernels"

// cast converts t to storage type dt (a no-op when it already is). In f16
// mode activations are f16 while position ids, weights read as vectors and
// the modulation vectors kernels take as parameters stay f32.
func (g *Graph) cast(t *Tensor, dt DType) *Tensor {
	if t == nil || t.DType == dt {
		return t
	}
	n, from := t.Numel(), t.DType
	return g.add("convert", t.Shape, dt, []*Tensor{t},
		func(in [][]float32) []float32 { return in[0] },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Convert(v.rec, v.r(out), v.r(in[0]), n, from, dt)
		})
}

// act is t in the activation type; f32 is t as f32 (vector parameters).
func (g *Graph) act(t *Tensor) *Tensor { return g.cast(t, g.Act) }
func (g *Graph) f32(t *Tensor) *Tensor { return g.cast(t, kernels.F32) }
