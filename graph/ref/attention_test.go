package ref

import (
	"math"
	"testing"
)

func TestSoftmax(t *testing.T) {
	ln2 := float32(math.Ln2)
	cases := []struct {
		name      string
		x         []float32
		rows, dim int
		want      []float32
	}{
		{"thirds", []float32{0, ln2}, 1, 2, []float32{1.0 / 3, 2.0 / 3}},
		{"uniform", []float32{5, 5, 5, 5}, 1, 4, []float32{0.25, 0.25, 0.25, 0.25}},
		{"large logits stay finite", []float32{1000, 1001}, 1, 2, []float32{float32(1 / (1 + math.E)), float32(math.E / (1 + math.E))}},
		{"rows independent", []float32{0, 0, -1e30, 0}, 2, 2, []float32{0.5, 0.5, 0, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { near(t, "softmax", Softmax(c.x, c.rows, c.dim), c.want, 1e-7) })
	}
}

func TestAttention(t *testing.T) {
	// 2 heads, d = 2, token-major: row = [h0 d0, h0 d1, h1 d0, h1 d1].
	v2 := []float32{1, 2, 3, 4, 5, 6, 7, 8} // 2 keys
	cases := []struct {
		name    string
		q, k, v []float32
		bias    []float32
		lq, lk  int
		causal  bool
		want    []float32
	}{
		{"one key returns v", []float32{1, -2, 3, 0.5}, []float32{0.3, 0.1, -1, 2}, []float32{9, 8, 7, 6}, nil, 1, 1, false, []float32{9, 8, 7, 6}},
		{"zero query averages v", make([]float32, 4), randn(4, 8), v2, nil, 1, 2, false, []float32{3, 4, 5, 6}},
		{"causal first query sees key 0", make([]float32, 8), randn(5, 8), v2, nil, 2, 2, true, []float32{1, 2, 3, 4, 3, 4, 5, 6}},
		// bias masks key 1 for head 0 and key 0 for head 1.
		{"bias selects keys", make([]float32, 4), make([]float32, 8), v2, []float32{0, -1e9, -1e9, 0}, 1, 2, false, []float32{1, 2, 7, 8}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			near(t, "out", Attention(c.q, c.k, c.v, c.bias, 2, c.lq, c.lk, 2, 1, c.causal), c.want, 1e-6)
		})
	}
}

// TestAttentionMatchesSoftmax checks one head against Softmax and a matrix
// product written out here, with scale and an uneven lq, lk.
func TestAttentionMatchesSoftmax(t *testing.T) {
	const heads, lq, lk, d = 3, 5, 7, 4
	q, k, v := randn(1, lq*heads*d), randn(2, lk*heads*d), randn(3, lk*heads*d)
	scale := float32(0.5)
	got := Attention(q, k, v, nil, heads, lq, lk, d, scale, false)
	for h := 0; h < heads; h++ {
		logits := make([]float32, lq*lk)
		for i := 0; i < lq; i++ {
			for j := 0; j < lk; j++ {
				var s float64
				for c := 0; c < d; c++ {
					s += float64(q[i*heads*d+h*d+c]) * float64(k[j*heads*d+h*d+c])
				}
				logits[i*lk+j] = float32(s * float64(scale))
			}
		}
		p := Softmax(logits, lq, lk)
		for i := 0; i < lq; i++ {
			for c := 0; c < d; c++ {
				var s float64
				for j := 0; j < lk; j++ {
					s += float64(p[i*lk+j]) * float64(v[j*heads*d+h*d+c])
				}
				if diff := math.Abs(s - float64(got[i*heads*d+h*d+c])); diff > 1e-5 {
					t.Fatalf("head %d query %d col %d: %v, want %v", h, i, c, got[i*heads*d+h*d+c], s)
				}
			}
		}
	}
}

func BenchmarkAttention(b *testing.B) {
	const heads, l, d = 4, 512, 64
	q, k, v := randn(1, l*heads*d), randn(2, l*heads*d), randn(3, l*heads*d)
	for b.Loop() {
		Attention(q, k, v, nil, heads, l, l, d, 0.125, false)
	}
}
