package ref

import "math"

// Add returns a + b element-wise.
func Add(a, b []float32) []float32 {
	need(len(a) == len(b), "add: lengths %d and %d", len(a), len(b))
	y := make([]float32, len(a))
	for i := range a {
		y[i] = float32(float64(a[i]) + float64(b[i]))
	}
	return y
}

// Mul returns a · b element-wise.
func Mul(a, b []float32) []float32 {
	need(len(a) == len(b), "mul: lengths %d and %d", len(a), len(b))
	y := make([]float32, len(a))
	for i := range a {
		y[i] = float32(float64(a[i]) * float64(b[i]))
	}
	return y
}

// AddRow returns x (rows, dim) + row (dim) broadcast over the rows.
func AddRow(x, row []float32, rows, dim int) []float32 {
	need(len(x) == rows*dim && len(row) == dim, "addrow: x %d, row %d values, want %d×%d", len(x), len(row), rows, dim)
	y := make([]float32, len(x))
	for i := range x {
		y[i] = float32(float64(x[i]) + float64(row[i%dim]))
	}
	return y
}

// Modulate returns (1 + scale)·x + shift for x (rows, dim); shift and
// scale hold one row per sample: the rows of x come in len(shift)/dim equal
// groups (a batch), each modulated by its own row.
func Modulate(x, shift, scale []float32, rows, dim int) []float32 {
	per := rowsPerSample("modulate", rows, dim, len(shift))
	need(len(x) == rows*dim && len(scale) == len(shift),
		"modulate: x %d, shift %d, scale %d values, want %d×%d", len(x), len(shift), len(scale), rows, dim)
	y := make([]float32, len(x))
	for i := range x {
		m := i/dim/per*dim + i%dim
		y[i] = float32((1+float64(scale[m]))*float64(x[i]) + float64(shift[m]))
	}
	return y
}

// GatedAdd returns x + gate·y for x, y (rows, dim); the gate holds one row
// per sample, as Modulate's shift (FLUX gated residual).
func GatedAdd(x, gate, y []float32, rows, dim int) []float32 {
	per := rowsPerSample("gatedadd", rows, dim, len(gate))
	need(len(x) == rows*dim && len(y) == rows*dim,
		"gatedadd: x %d, y %d, gate %d values, want %d×%d", len(x), len(y), len(gate), rows, dim)
	out := make([]float32, len(x))
	for i := range x {
		out[i] = float32(float64(x[i]) + float64(gate[i/dim/per*dim+i%dim])*float64(y[i]))
	}
	return out
}

// rowsPerSample is how many of rows share each row of a per-sample vector of
// n values (n = samples·dim, samples dividing rows).
func rowsPerSample(op string, rows, dim, n int) int {
	need(dim > 0 && n > 0 && n%dim == 0 && rows%(n/dim) == 0,
		"%s: %d values are not one row of %d per sample of %d rows", op, n, dim, rows)
	return max(rows/(n/dim), 1)
}

// mapf applies f element-wise in float64.
func mapf(x []float32, f func(float64) float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(f(float64(v)))
	}
	return y
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func geluTanh(v float64) float64 {
	return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
}

// SiLU (swish) returns x·sigmoid(x).
func SiLU(x []float32) []float32 { return mapf(x, func(v float64) float64 { return v * sigmoid(v) }) }

// GELUTanh is GELU with the tanh approximation (torch approximate="tanh",
// T5's gelu_new): 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
func GELUTanh(x []float32) []float32 { return mapf(x, geluTanh) }

// QuickGELU is CLIP's x·sigmoid(1.702·x).
func QuickGELU(x []float32) []float32 {
	return mapf(x, func(v float64) float64 { return v * sigmoid(1.702*v) })
}

// GatedGELU returns gelu_tanh(a)·b (T5 v1.1 gated feed-forward).
func GatedGELU(a, b []float32) []float32 {
	need(len(a) == len(b), "gatedgelu: lengths %d and %d", len(a), len(b))
	y := make([]float32, len(a))
	for i := range a {
		y[i] = float32(geluTanh(float64(a[i])) * float64(b[i]))
	}
	return y
}

// EulerStep returns x + dt·v (one flow-matching Euler step).
func EulerStep(x, v []float32, dt float32) []float32 {
	need(len(x) == len(v), "eulerstep: lengths %d and %d", len(x), len(v))
	y := make([]float32, len(x))
	for i := range x {
		y[i] = float32(float64(x[i]) + float64(dt)*float64(v[i]))
	}
	return y
}

// Clamp returns x limited to [lo, hi] (NaN stays NaN, as torch.clamp).
func Clamp(x []float32, lo, hi float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		switch {
		case v < lo:
			v = lo
		case v > hi:
			v = hi
		}
		y[i] = v
	}
	return y
}

// Affine returns x·mul + add element-wise, in float64 (e.g. the VAE latent
// scaling z/scale_factor + shift_factor with mul = 1/scale_factor).
func Affine(x []float32, mul, add float64) []float32 {
	return mapf(x, func(v float64) float64 { return v*mul + add })
}
