package graph

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine/kernels"
)

// cpuExec runs the graph with graph/ref's float64 reference ops. It keeps
// every value (it is for checking, not for speed).
type cpuExec struct {
	g    *Graph
	vals map[int][]float32 // by storage id
}

// NewCPU prepares a CPU run; weights are read and widened to f32 once.
func (g *Graph) NewCPU() (Executor, error) {
	if g.err != nil {
		return nil, g.err
	}
	x := &cpuExec{g: g, vals: map[int][]float32{}}
	stores := g.weightStores()
	for name, t := range g.weights {
		w, err := g.W.Tensor(name)
		if err != nil {
			return nil, fmt.Errorf("weight %s: %w", name, err)
		}
		v, err := w.Float32E()
		if err == nil && stores[t.store].quant.Quantized() {
			v, err = kernels.RoundTrip(v, t.Shape[0], t.Numel()/t.Shape[0], stores[t.store].quant)
		}
		if err != nil {
			return nil, fmt.Errorf("weight %s: %w", name, err)
		}
		x.vals[t.store] = v
	}
	for _, t := range g.consts {
		v, err := t.fill()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		x.vals[t.store] = v
	}
	return x, nil
}

func (x *cpuExec) SetInput(name string, v []float32) error {
	t, err := x.g.input(name, len(v))
	if err != nil {
		return err
	}
	x.vals[t.store] = append([]float32(nil), v...)
	return nil
}

func (x *cpuExec) SetIDs(name string, ids []int32) error {
	t, err := x.g.input(name, len(ids))
	if err != nil {
		return err
	}
	v := make([]float32, len(ids))
	for i, id := range ids {
		v[i] = float32(id)
	}
	x.vals[t.store] = v
	return nil
}

func (x *cpuExec) Run() error {
	for _, t := range x.g.inputs {
		if _, ok := x.vals[t.store]; !ok {
			return fmt.Errorf("input %q was not set", t.name)
		}
	}
	for _, n := range x.g.nodes {
		in := make([][]float32, len(n.in))
		for i, t := range n.in {
			if t != nil {
				in[i] = x.vals[t.store]
			}
		}
		out := n.cpu(in)
		if len(out) != n.out.Numel() {
			return fmt.Errorf("%s: produced %d values, want %d", n.kind, len(out), n.out.Numel())
		}
		x.vals[n.out.store] = out
	}
	return nil
}

func (x *cpuExec) Output(name string) ([]float32, error) {
	t, err := x.g.outputTensor(name, true)
	if err != nil {
		return nil, err
	}
	v, ok := x.vals[t.store]
	if !ok {
		return nil, fmt.Errorf("output %q: not computed (run first)", name)
	}
	return append([]float32(nil), v...), nil
}

func (x *cpuExec) Close() {}
