package ref

import "math"

// Attention computes multi-head softmax(scale·q·kᵀ + bias)·v.
//
// q (lq, heads*d), k and v (lk, heads*d): token-major, head h in columns
// h*d..(h+1)*d. bias is nil or (heads, lq, lk), added to the scaled logits.
// With causal, key j is hidden from query i when j > i. Returns (lq, heads*d).
func Attention(q, k, v []float32, bias []float32, heads, lq, lk, d int, scale float32, causal bool) []float32 {
	hd := heads * d
	need(len(q) == lq*hd, "attention: q has %d values, want %d×%d", len(q), lq, hd)
	need(len(k) == lk*hd && len(v) == lk*hd, "attention: k/v have %d/%d values, want %d×%d", len(k), len(v), lk, hd)
	need(bias == nil || len(bias) == heads*lq*lk, "attention: bias has %d values, want %d×%d×%d", len(bias), heads, lq, lk)
	out := make([]float32, lq*hd)
	parallelFor(heads*lq, func(lo, hi int) {
		p := make([]float64, lk)
		acc := make([]float64, d)
		for t := lo; t < hi; t++ {
			h, i := t/lq, t%lq
			attendRow(q[i*hd+h*d:i*hd+h*d+d], k, v, bias, h, i, lq, lk, hd, d, float64(scale), causal, p, acc)
			for c := range acc {
				out[i*hd+h*d+c] = float32(acc[c])
			}
		}
	})
	return out
}

// attendRow computes one query row of one head into acc; p is scratch (lk).
func attendRow(qr, k, v, bias []float32, h, i, lq, lk, hd, d int, scale float64, causal bool, p, acc []float64) {
	n := lk
	if causal && i+1 < lk {
		n = i + 1
	}
	maxv := math.Inf(-1)
	for j := 0; j < n; j++ {
		kr := k[j*hd+h*d : j*hd+h*d+d]
		var s float64
		for c := range qr {
			s += float64(qr[c]) * float64(kr[c])
		}
		s *= scale
		if bias != nil {
			s += float64(bias[(h*lq+i)*lk+j])
		}
		p[j] = s
		maxv = math.Max(maxv, s)
	}
	var sum float64
	for j := 0; j < n; j++ {
		p[j] = math.Exp(p[j] - maxv)
		sum += p[j]
	}
	clear(acc)
	for j := 0; j < n; j++ {
		w := p[j] / sum
		vr := v[j*hd+h*d : j*hd+h*d+d]
		for c := range acc {
			acc[c] += w * float64(vr[c])
		}
	}
}

// Softmax normalises each of the rows of x (rows, dim) with a max-subtracted
// softmax.
func Softmax(x []float32, rows, dim int) []float32 {
	need(len(x) == rows*dim, "softmax: x has %d values, want %d×%d", len(x), rows, dim)
	y := make([]float32, len(x))
	e := make([]float64, dim)
	for r := 0; r < rows; r++ {
		xr := x[r*dim : (r+1)*dim]
		maxv := math.Inf(-1)
		for _, v := range xr {
			maxv = math.Max(maxv, float64(v))
		}
		var sum float64
		for c, v := range xr {
			e[c] = math.Exp(float64(v) - maxv)
			sum += e[c]
		}
		for c := range xr {
			y[r*dim+c] = float32(e[c] / sum)
		}
	}
	return y
}
