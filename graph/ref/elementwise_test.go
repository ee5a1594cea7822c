package ref

import (
	"math"
	"testing"
)

func TestActivations(t *testing.T) {
	x := []float32{0, 1, -1, 2, -2}
	cases := []struct {
		name string
		f    func([]float32) []float32
		want []float32
	}{
		// Values from the textbook formulas (torch prints the same).
		{"silu", SiLU, []float32{0, 0.7310585786, -0.2689414214, 1.7615941560, -0.2384058440}},
		{"gelu tanh", GELUTanh, []float32{0, 0.8411919906, -0.1588080094, 1.9545976941, -0.0454023059}},
		{"quick gelu", QuickGELU, []float32{0, 0.8457957659, -0.1542042341, 1.9356586231, -0.0643413769}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { near(t, c.name, c.f(x), c.want, 2e-7) })
	}
	near(t, "gated gelu", GatedGELU([]float32{1, -1}, []float32{2, 3}), []float32{2 * 0.8411919906, 3 * -0.1588080094}, 2e-7)
}

func TestBroadcastOps(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6} // 2×3
	cases := []struct {
		name string
		got  []float32
		want []float32
	}{
		{"add", Add(x, x), []float32{2, 4, 6, 8, 10, 12}},
		{"mul", Mul(x, x), []float32{1, 4, 9, 16, 25, 36}},
		{"addrow", AddRow(x, []float32{10, 20, 30}, 2, 3), []float32{11, 22, 33, 14, 25, 36}},
		// (1 + scale)·x + shift, shift (1,0,-1), scale (0,1,-1).
		{"modulate", Modulate(x, []float32{1, 0, -1}, []float32{0, 1, -1}, 2, 3), []float32{2, 4, -1, 5, 10, -1}},
		{"gatedadd", GatedAdd(x, []float32{0, 1, 2}, []float32{9, 9, 9, 1, 1, 1}, 2, 3), []float32{1, 11, 21, 4, 6, 8}},
		{"euler", EulerStep(x, []float32{2, 2, 2, 2, 2, 2}, -0.25), []float32{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}},
		{"clamp", Clamp([]float32{-3, -1, 0.5, 1, 7}, -1, 1), []float32{-1, -1, 0.5, 1, 1}},
		{"affine", Affine([]float32{1, -2}, 0.5, 1), []float32{1.5, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { near(t, c.name, c.got, c.want, 0) })
	}
	if v := Clamp([]float32{float32(math.NaN())}, -1, 1)[0]; !math.IsNaN(float64(v)) {
		t.Errorf("clamp(NaN) = %v, want NaN", v)
	}
}
