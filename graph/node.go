package graph

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/engine/kernels"
)

// node is one operation: a CPU reference implementation and a GPU
// recording of the same thing.
type node struct {
	kind  string
	in    []*Tensor
	out   *Tensor
	raw   []bool // in[i] may stay in its file's storage type (matrix weights)
	quant []bool // in[i] is a linear layer's weight, which Graph.Quant may quantize
	scope string // the block it belongs to, for timing (Graph.Scope)
	cpu   func(in [][]float32) []float32
	gpu   func(x *vkRun, in []*Tensor, out *Tensor) error
}

// vkRun is what a node's GPU half records with.
type vkRun struct {
	lib    *kernels.Lib
	rec    *engine.Recorder
	ranges map[int]engine.Range // by storage id
	types  map[int]DType        // storage type of weights (activations carry their own)
}

// r is the buffer range holding t.
func (x *vkRun) r(t *Tensor) engine.Range {
	if t == nil {
		return engine.Range{}
	}
	return x.ranges[t.store]
}

// dt is the storage type of t.
func (x *vkRun) dt(t *Tensor) DType {
	if t.kind == kindWeight {
		return x.types[t.store]
	}
	if d, ok := x.types[t.store]; ok {
		return d
	}
	return t.DType
}

// add records a node producing a tensor of the given shape and type.
func (g *Graph) add(kind string, shape []int, dt DType, in []*Tensor,
	cpu func(in [][]float32) []float32, gpu func(x *vkRun, in []*Tensor, out *Tensor) error) *Tensor {
	for _, t := range in {
		if t != nil && t.g != g {
			panic(fmt.Sprintf("graph: %s: input from another graph", kind))
		}
	}
	out := g.newTensor(shape, dt, kindAct)
	g.nodes = append(g.nodes, &node{kind: kind, in: in, out: out, cpu: cpu, gpu: gpu, raw: make([]bool, len(in)), quant: make([]bool, len(in)), scope: g.scope})
	return out
}

// rawWeight marks input i of the last node as a matrix weight that kernels
// read in its stored type (bf16, f16 or f32).
func (g *Graph) rawWeight(i int) {
	g.nodes[len(g.nodes)-1].raw[i] = true
}

// linearWeight marks input i of the last node as a linear layer's weight:
// read raw, and quantized where Graph.Quant asks.
func (g *Graph) linearWeight(i int) {
	g.rawWeight(i)
	g.nodes[len(g.nodes)-1].quant[i] = true
}

// weightStore is how an executor stores a weight.
type weightStore struct {
	raw   bool          // in the file's matrix type (else widened to f32)
	quant kernels.DType // Graph.Quant when set and every use allows it, else F32 (not quantized)
}

// weightStores decides the storage of every weight from its uses: raw
// when every use reads it raw, quantized when every use is a linear
// layer's and its rows are whole blocks.
func (g *Graph) weightStores() map[int]weightStore {
	raw, quant := map[int]bool{}, map[int]bool{}
	for _, n := range g.nodes {
		for i, t := range n.in {
			if t == nil || t.kind != kindWeight {
				continue
			}
			if r, seen := raw[t.store]; !seen || r {
				raw[t.store] = n.raw[i]
			}
			if q, seen := quant[t.store]; !seen || q {
				quant[t.store] = n.quant[i]
			}
		}
	}
	out := map[int]weightStore{}
	for _, t := range g.weights {
		s := weightStore{raw: raw[t.store]}
		if g.Quant.Quantized() && quant[t.store] && kernels.CanQuantize(t.Numel()/t.Shape[0]) {
			s.quant = g.Quant
		}
		out[t.store] = s
	}
	return out
}

func (g *Graph) checkShape(what string, t *Tensor, want ...int) bool {
	if t == nil {
		g.fail("%s: missing tensor", what)
		return false
	}
	if len(t.Shape) != len(want) {
		g.fail("%s: %s has shape %v, want %v", what, t, t.Shape, want)
		return false
	}
	for i, w := range want {
		if w >= 0 && t.Shape[i] != w {
			g.fail("%s: %s has shape %v, want %v", what, t, t.Shape, want)
			return false
		}
	}
	return true
}
