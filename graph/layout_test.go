package graph_test

import (
	"fmt"
	"testing"

	"github.com/flux-vk/flux-vk/engine/enginetest"
	"github.com/flux-vk/flux-vk/engine/kernels"
	"github.com/flux-vk/flux-vk/graph"
)

// The per-sample layout ops (a batch of samples stacked by rows) give the
// same values on the CPU and on the device, and the ones written out here.
func TestSampleLayoutOps(t *testing.T) {
	seq := func(n, from int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(from + i)
		}
		return v
	}
	// a: 2 samples of 2 rows × 2 cols (0..7); b: 2 samples of 1 row (100..103).
	a, b := seq(8, 0), seq(4, 100)
	cases := []struct {
		name  string
		build func(g *graph.Graph, a, b *graph.Tensor) *graph.Tensor
		want  []float32
	}{
		{"concat samples", func(g *graph.Graph, a, b *graph.Tensor) *graph.Tensor { return g.ConcatSamples(a, b, 2) },
			[]float32{0, 1, 2, 3, 100, 101, 4, 5, 6, 7, 102, 103}},
		{"sample rows", func(g *graph.Graph, a, _ *graph.Tensor) *graph.Tensor { return g.SampleRows(a, 2, 1, 1) },
			[]float32{2, 3, 6, 7}},
		{"rows", func(g *graph.Graph, a, _ *graph.Tensor) *graph.Tensor { return g.Rows(a, 1, 2) },
			[]float32{2, 3, 4, 5}},
		{"concat rows", func(g *graph.Graph, _, b *graph.Tensor) *graph.Tensor { return g.ConcatRows(b, b) },
			[]float32{100, 101, 102, 103, 100, 101, 102, 103}},
		{"repeat", func(g *graph.Graph, _, b *graph.Tensor) *graph.Tensor { return g.Repeat(b, 3) },
			[]float32{100, 101, 102, 103, 100, 101, 102, 103, 100, 101, 102, 103}},
	}
	lib := kernels.New(enginetest.Device(t))
	for _, c := range cases {
		for _, dev := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/device=%v", c.name, dev), func(t *testing.T) {
				g := graph.New(kernels.F32, nil)
				g.Output("y", c.build(g, g.Input("a", 4, 2), g.Input("b", 2, 2)))
				var ex graph.Executor
				var err error
				if dev {
					ex, err = g.NewVulkan(lib, graph.VulkanOptions{})
				} else {
					ex, err = g.NewCPU()
				}
				if err != nil {
					t.Fatal(err)
				}
				defer ex.Close()
				if err := ex.SetInput("a", a); err != nil {
					t.Fatal(err)
				}
				if err := ex.SetInput("b", b); err != nil {
					t.Fatal(err)
				}
				if err := ex.Run(); err != nil {
					t.Fatal(err)
				}
				got, err := ex.Output("y")
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
	}
}

// A batch that does not divide the rows is a build error, not a panic.
func TestSampleLayoutErrors(t *testing.T) {
	g := graph.New(kernels.F32, nil)
	x := g.Input("x", 3, 2)
	g.SampleRows(x, 2, 0, 1)
	if g.Err() == nil {
		t.Error("3 rows in 2 samples: no error")
	}
}
