package ref

import "testing"

func TestLinear(t *testing.T) {
	cases := []struct {
		name    string
		x, w, b []float32
		m, k, n int
		want    []float32
	}{
		{"identity", []float32{1, 2, 3, 4}, []float32{1, 0, 0, 1}, nil, 2, 2, 2, []float32{1, 2, 3, 4}},
		{"bias", []float32{1, 2}, []float32{1, 1, 2, -1, 0, 3}, []float32{10, 20, 30}, 1, 2, 3, []float32{13, 20, 36}},
		{"transposed weight", []float32{1, 0, 0, 1}, []float32{1, 2, 3, 4}, nil, 2, 2, 2, []float32{1, 3, 2, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			near(t, "y", Linear(c.x, c.w, c.b, c.m, c.k, c.n), c.want, 0)
		})
	}
}

// TestLinearParallel checks the goroutine split against a serial triple loop.
func TestLinearParallel(t *testing.T) {
	const m, k, n = 37, 19, 23
	x, w, b := randn(1, m*k), randn(2, n*k), randn(3, n)
	want := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := float64(b[j])
			for p := 0; p < k; p++ {
				s += float64(x[i*k+p]) * float64(w[j*k+p])
			}
			want[i*n+j] = float32(s)
		}
	}
	near(t, "y", Linear(x, w, b, m, k, n), want, 0)
}

func BenchmarkLinear(b *testing.B) {
	const m, k, n = 256, 512, 512
	x, w := randn(1, m*k), randn(2, n*k)
	for b.Loop() {
		Linear(x, w, nil, m, k, n)
	}
}
