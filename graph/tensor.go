package graph

import (
	"fmt"
	"strings"

	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/loader"
)

// DType is the storage type of activations.
type DType = kernels.DType

// Tensor is a value in a graph: an input, a weight, or an operation's
// output. Reshape makes tensors that share another's storage.
type Tensor struct {
	id    int
	Shape []int
	DType DType
	g     *Graph
	kind  tensorKind
	name  string // input, weight, output or tap name
	store int    // id of the tensor owning the storage (itself unless a reshape)
	ints  bool   // input holding int32 ids
	fill  func() ([]float32, error)
}

type tensorKind int

const (
	kindAct tensorKind = iota
	kindInput
	kindWeight
	kindConst // computed on the host once, at executor setup
)

// Numel is the number of elements.
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Rows is the product of all dimensions but the last; Cols the last.
func (t *Tensor) Rows() int { return t.Numel() / t.Cols() }

// Cols is the size of the last dimension.
func (t *Tensor) Cols() int { return t.Shape[len(t.Shape)-1] }

func (t *Tensor) String() string {
	n := t.name
	if n == "" {
		n = fmt.Sprintf("t%d", t.id)
	}
	return fmt.Sprintf("%s%v", n, t.Shape)
}

// Weights is where a graph's weights come from (a loader.Component, or a
// single safetensors file wrapped as one).
type Weights interface {
	Shape(name string) []int // nil when absent
	Tensor(name string) (loader.Tensor, error)
}

// Graph records a network's operations.
type Graph struct {
	Act DType // storage type of activations (F32 or F16)
	W   Weights
	// Quant, when a quantized type (Q8_0, Q4_0), stores the linear layers'
	// weights so where their rows are whole blocks; executors on the CPU
	// compute with the same quantized values. Other values keep the file's type.
	Quant   DType
	tensors []*Tensor
	nodes   []*node
	inputs  map[string]*Tensor
	weights map[string]*Tensor
	outputs map[string]*Tensor
	taps    map[string]*Tensor
	consts  []*Tensor
	scope   string
	err     error
}

// New starts a graph whose activations are stored as act and whose
// weights come from w.
func New(act DType, w Weights) *Graph {
	return &Graph{Act: act, W: w, inputs: map[string]*Tensor{}, weights: map[string]*Tensor{},
		outputs: map[string]*Tensor{}, taps: map[string]*Tensor{}}
}

// Err is the first error met while building (a missing weight, a shape
// mismatch); builders keep going so a network reads straight through.
func (g *Graph) Err() error { return g.err }

func (g *Graph) fail(format string, args ...any) {
	if g.err == nil {
		g.err = fmt.Errorf(format, args...)
	}
}

func (g *Graph) newTensor(shape []int, dt DType, kind tensorKind) *Tensor {
	t := &Tensor{id: len(g.tensors), Shape: append([]int(nil), shape...), DType: dt, g: g, kind: kind}
	t.store = t.id
	g.tensors = append(g.tensors, t)
	return t
}

// Input declares a float input (stored as the activation type).
func (g *Graph) Input(name string, shape ...int) *Tensor {
	t := g.newTensor(shape, g.Act, kindInput)
	t.name = name
	g.inputs[name] = t
	return t
}

// InputF32 declares a float input that stays f32 in every precision mode
// (timesteps, position ids, schedules).
func (g *Graph) InputF32(name string, shape ...int) *Tensor {
	t := g.Input(name, shape...)
	t.DType = kernels.F32
	return t
}

// InputIDs declares an input of int32 token ids.
func (g *Graph) InputIDs(name string, n int) *Tensor {
	t := g.newTensor([]int{n}, kernels.F32, kindInput)
	t.name, t.ints = name, true
	g.inputs[name] = t
	return t
}

// Has reports whether the weights contain name.
func (g *Graph) Has(name string) bool { return g.W != nil && g.W.Shape(name) != nil }

// Weight is the named weight tensor, with the shape the file gives it.
func (g *Graph) Weight(name string) *Tensor {
	if t, ok := g.weights[name]; ok {
		return t
	}
	var shape []int
	if g.W != nil {
		shape = g.W.Shape(name)
	}
	if shape == nil {
		g.fail("weight %q is missing", name)
		shape = []int{1}
	}
	t := g.newTensor(shape, kernels.F32, kindWeight)
	t.name = name
	g.weights[name] = t
	return t
}

// Const is a tensor computed on the host once, when an executor is set up
// (T5's relative position bias: it depends only on the sequence length and
// one weight); it is treated like a weight afterwards.
func (g *Graph) Const(name string, shape []int, fill func() ([]float32, error)) *Tensor {
	t := g.newTensor(shape, kernels.F32, kindConst)
	t.name, t.fill = name, fill
	g.consts = append(g.consts, t)
	return t
}

// OptWeight is Weight, or nil when the weights lack it.
func (g *Graph) OptWeight(name string) *Tensor {
	if !g.Has(name) {
		return nil
	}
	return g.Weight(name)
}

// Output names a tensor the caller will read after a run.
func (g *Graph) Output(name string, t *Tensor) { g.outputs[name] = t; t.setName(name) }

// Tap names an intermediate for debug read-back; executors keep taps only
// in debug mode.
func (g *Graph) Tap(name string, t *Tensor) *Tensor { g.taps[name] = t; t.setName(name); return t }

func (t *Tensor) setName(n string) {
	if t.name == "" {
		t.name = n
	}
}

// Reshape views t with another shape of the same size, sharing storage.
func (g *Graph) Reshape(t *Tensor, shape ...int) *Tensor {
	r := g.newTensor(shape, t.DType, t.kind)
	if r.Numel() != t.Numel() {
		g.fail("reshape %v to %v: sizes differ", t.Shape, shape)
	}
	r.store, r.name, r.ints = t.store, t.name, t.ints
	return r
}

// Scope labels the operations recorded from now on (a block's name), so
// a timed executor can report time per block; "" ends the scope.
func (g *Graph) Scope(name string) { g.scope = name }

// Taps lists the tap names in order of creation.
func (g *Graph) Taps() []string {
	var names []string
	for _, t := range g.tensors {
		if g.taps[t.name] == t {
			names = append(names, t.name)
		}
	}
	return names
}

// Summary is a one-line description for logs.
func (g *Graph) Summary() string {
	ops := map[string]int{}
	for _, n := range g.nodes {
		ops[n.kind]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d ops, %d weights:", len(g.nodes), len(g.weights))
	for k, v := range ops {
		fmt.Fprintf(&b, " %s×%d", k, v)
	}
	return b.String()
}
