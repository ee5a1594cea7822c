package graph

import "fmt"

// Executor runs a built graph. Set inputs, Run, read outputs; Run may be
// repeated with new inputs.
type Executor interface {
	// SetInput copies host values into a float input.
	SetInput(name string, v []float32) error
	// SetIDs copies token ids into an ids input.
	SetIDs(name string, ids []int32) error
	Run() error
	// Output reads a named output, or in debug mode a tap.
	Output(name string) ([]float32, error)
	Close()
}

func (g *Graph) input(name string, n int) (*Tensor, error) {
	t, ok := g.inputs[name]
	if !ok {
		return nil, fmt.Errorf("graph has no input %q", name)
	}
	if n != t.Numel() {
		return nil, fmt.Errorf("input %q: %d values, want %d (shape %v)", name, n, t.Numel(), t.Shape)
	}
	return t, nil
}

func (g *Graph) outputTensor(name string, debug bool) (*Tensor, error) {
	if t, ok := g.outputs[name]; ok {
		return t, nil
	}
	if t, ok := g.taps[name]; ok && debug {
		return t, nil
	}
	if _, ok := g.taps[name]; ok {
		return nil, fmt.Errorf("%q is a debug tap: run with debug on to read it", name)
	}
	return nil, fmt.Errorf("graph has no output %q", name)
}
