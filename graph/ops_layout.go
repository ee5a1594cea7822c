package graph

import (
	"github.com/flux-vk/flux-vk/graph/ref"
)

// copy2d is the one layout kernel: a rows×cols block from x to a fresh
// tensor, with strides and offsets.
func (g *Graph) copyBlock(kind string, shape []int, srcs []*Tensor, blocks []block) *Tensor {
	total := 1
	for _, d := range shape {
		total *= d
	}
	dt := srcs[0].DType
	for i := range srcs {
		srcs[i] = g.cast(srcs[i], dt)
	}
	return g.add(kind, shape, dt, srcs,
		func(in [][]float32) []float32 {
			y := make([]float32, total)
			for _, b := range blocks {
				for r := 0; r < b.rows; r++ {
					copy(y[b.yOff+r*b.yStride:b.yOff+r*b.yStride+b.cols], in[b.src][b.xOff+r*b.xStride:])
				}
			}
			return y
		},
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			for _, b := range blocks {
				if err := v.lib.Copy2D(v.rec, v.r(out), v.r(in[b.src]), b.rows, b.cols, b.xStride, b.xOff,
					b.yStride, b.yOff, dt); err != nil {
					return err
				}
			}
			return nil
		})
}

type block struct {
	src                                      int
	rows, cols, xStride, xOff, yStride, yOff int
}

// Cols is columns [start, start+n) of x viewed as rows×cols.
func (g *Graph) Cols(x *Tensor, start, n int) *Tensor {
	rows, cols := x.Rows(), x.Cols()
	if start < 0 || start+n > cols {
		g.fail("cols [%d,%d) of %v", start, start+n, x.Shape)
	}
	return g.copyBlock("cols", []int{rows, n}, []*Tensor{x},
		[]block{{rows: rows, cols: n, xStride: cols, xOff: start, yStride: n}})
}

// Chunk is part i of n equal column chunks of x (modulation vectors).
func (g *Graph) Chunk(x *Tensor, i, n int) *Tensor {
	w := x.Cols() / n
	return g.Cols(x, i*w, w)
}

// Rows is rows [start, start+n) of x.
func (g *Graph) Rows(x *Tensor, start, n int) *Tensor { return g.SampleRows(x, 1, start, n) }

// SampleRows is rows [start, start+n) of each of the batch samples stacked
// by rows in x, stacked again.
func (g *Graph) SampleRows(x *Tensor, batch, start, n int) *Tensor {
	cols := x.Cols()
	if batch <= 0 || x.Rows()%batch != 0 || start < 0 || start+n > x.Rows()/batch {
		g.fail("rows [%d,%d) of each of %d samples of %v", start, start+n, batch, x.Shape)
		return x
	}
	l := x.Rows() / batch
	return g.copyBlock("rows", []int{batch * n, cols}, []*Tensor{x},
		[]block{{rows: batch, cols: n * cols, xStride: l * cols, xOff: start * cols, yStride: n * cols}})
}

// ConcatRows stacks a on top of b (same column count).
func (g *Graph) ConcatRows(a, b *Tensor) *Tensor { return g.ConcatSamples(a, b, 1) }

// ConcatSamples stacks, for each of the batch samples stacked by rows in a
// and in b, a's rows on top of b's ([txt; img] per sample).
func (g *Graph) ConcatSamples(a, b *Tensor, batch int) *Tensor {
	cols := a.Cols()
	if b.Cols() != cols || batch <= 0 || a.Rows()%batch != 0 || b.Rows()%batch != 0 {
		g.fail("concat rows of %d samples: %v and %v", batch, a.Shape, b.Shape)
		return a
	}
	ra, rb := a.Rows()/batch, b.Rows()/batch
	y := (ra + rb) * cols
	return g.copyBlock("concatrows", []int{batch * (ra + rb), cols}, []*Tensor{a, b},
		[]block{{src: 0, rows: batch, cols: ra * cols, xStride: ra * cols, yStride: y},
			{src: 1, rows: batch, cols: rb * cols, xStride: rb * cols, yStride: y, yOff: ra * cols}})
}

// Repeat stacks n copies of x by rows (a batch of samples sharing x).
func (g *Graph) Repeat(x *Tensor, n int) *Tensor {
	if n <= 0 {
		g.fail("repeat %v %d times", x.Shape, n)
		return x
	}
	shape := append([]int{n * x.Shape[0]}, x.Shape[1:]...)
	size := x.Numel()
	return g.copyBlock("repeat", shape, []*Tensor{x}, []block{{rows: n, cols: size, xStride: 0, yStride: size}})
}

// ConcatCols puts b's columns after a's (same row count).
func (g *Graph) ConcatCols(a, b *Tensor) *Tensor {
	rows, ca, cb := a.Rows(), a.Cols(), b.Cols()
	if b.Rows() != rows {
		g.fail("concat cols: %v and %v", a.Shape, b.Shape)
	}
	return g.copyBlock("concatcols", []int{rows, ca + cb}, []*Tensor{a, b},
		[]block{{src: 0, rows: rows, cols: ca, xStride: ca, yStride: ca + cb},
			{src: 1, rows: rows, cols: cb, xStride: cb, yStride: ca + cb, yOff: ca}})
}

// Transpose swaps the two dimensions of a [R, C] tensor (channel-major VAE
// activations to token-major and back).
func (g *Graph) Transpose(x *Tensor) *Tensor {
	x = g.act(x)
	r, c := x.Shape[0], x.Numel()/x.Shape[0]
	return g.add("transpose", []int{c, r}, g.Act, []*Tensor{x},
		func(in [][]float32) []float32 { return ref.Transpose(in[0], r, c) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Transpose(v.rec, v.r(out), v.r(in[0]), r, c, g.Act)
		})
}

// Patchify packs a latent [C, H, W] into [(H/2)·(W/2), 4C] tokens.
func (g *Graph) Patchify(x *Tensor) *Tensor {
	x = g.act(x)
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	return g.add("patchify", []int{h / 2 * (w / 2), 4 * c}, g.Act, []*Tensor{x},
		func(in [][]float32) []float32 { return ref.Patchify(in[0], c, h, w) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Patchify(v.rec, v.r(out), v.r(in[0]), c, h, w, g.Act)
		})
}

// Unpatchify is Patchify's inverse, to a latent [C, H, W].
func (g *Graph) Unpatchify(x *Tensor, c, h, w int) *Tensor {
	x = g.act(x)
	return g.add("unpatchify", []int{c, h, w}, g.Act, []*Tensor{x},
		func(in [][]float32) []float32 { return ref.Unpatchify(in[0], c, h, w) },
		func(v *vkRun, in []*Tensor, out *Tensor) error {
			return v.lib.Unpatchify(v.rec, v.r(out), v.r(in[0]), c, h, w, g.Act)
		})
}
