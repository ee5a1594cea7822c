package ref

// Linear computes y = x·wᵀ + b as torch.nn.Linear does.
// x (m, k), w (n, k), b (n) or nil; returns y (m, n).
func Linear(x, w, b []float32, m, k, n int) []float32 {
	need(len(x) == m*k, "linear: x has %d values, want %d×%d", len(x), m, k)
	need(len(w) == n*k, "linear: w has %d values, want %d×%d", len(w), n, k)
	need(b == nil || len(b) == n, "linear: b has %d values, want %d", len(b), n)
	y := make([]float32, m*n)
	// One task per output element, so that both many-token and one-row
	// (conditioning vector) products use every core.
	parallelFor(m*n, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			i, j := t/n, t%n
			xr, wr := x[i*k:(i+1)*k], w[j*k:(j+1)*k]
			var s float64
			if b != nil {
				s = float64(b[j])
			}
			for p := range xr {
				s += float64(xr[p]) * float64(wr[p])
			}
			y[t] = float32(s)
		}
	})
	return y
}
