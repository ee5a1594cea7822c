package ref

import "math"

// LayerNorm normalises each row of x (rows, dim) to zero mean and unit
// (biased) variance, then applies gamma·x + beta when they are non-nil (dim).
func LayerNorm(x, gamma, beta []float32, rows, dim int, eps float32) []float32 {
	need(len(x) == rows*dim, "layernorm: x has %d values, want %d×%d", len(x), rows, dim)
	need(gamma == nil || len(gamma) == dim, "layernorm: gamma has %d values, want %d", len(gamma), dim)
	need(beta == nil || len(beta) == dim, "layernorm: beta has %d values, want %d", len(beta), dim)
	y := make([]float32, len(x))
	for r := 0; r < rows; r++ {
		xr := x[r*dim : (r+1)*dim]
		mean, variance := meanVar(xr)
		inv := 1 / math.Sqrt(variance+float64(eps))
		for c, v := range xr {
			n := (float64(v) - mean) * inv
			if gamma != nil {
				n *= float64(gamma[c])
			}
			if beta != nil {
				n += float64(beta[c])
			}
			y[r*dim+c] = float32(n)
		}
	}
	return y
}

// RMSNorm computes gamma·x / sqrt(mean(x²) + eps) over each row of x
// (rows, dim); gamma (dim) may be nil.
func RMSNorm(x, gamma []float32, rows, dim int, eps float32) []float32 {
	need(len(x) == rows*dim, "rmsnorm: x has %d values, want %d×%d", len(x), rows, dim)
	need(gamma == nil || len(gamma) == dim, "rmsnorm: gamma has %d values, want %d", len(gamma), dim)
	y := make([]float32, len(x))
	for r := 0; r < rows; r++ {
		xr := x[r*dim : (r+1)*dim]
		var ss float64
		for _, v := range xr {
			ss += float64(v) * float64(v)
		}
		inv := 1 / math.Sqrt(ss/float64(dim)+float64(eps))
		for c, v := range xr {
			n := float64(v) * inv
			if gamma != nil {
				n *= float64(gamma[c])
			}
			y[r*dim+c] = float32(n)
		}
	}
	return y
}

// GroupNorm normalises x (c, hw) (NCHW, batch 1) over groups of c/groups
// consecutive channels, then applies the per-channel affine gamma, beta (c),
// which may be nil.
func GroupNorm(x, gamma, beta []float32, c, hw, groups int, eps float32) []float32 {
	need(len(x) == c*hw, "groupnorm: x has %d values, want %d×%d", len(x), c, hw)
	need(groups > 0 && c%groups == 0, "groupnorm: %d channels not divisible into %d groups", c, groups)
	need(gamma == nil || len(gamma) == c, "groupnorm: gamma has %d values, want %d", len(gamma), c)
	need(beta == nil || len(beta) == c, "groupnorm: beta has %d values, want %d", len(beta), c)
	y := make([]float32, len(x))
	per := c / groups
	for g := 0; g < groups; g++ {
		mean, variance := meanVar(x[g*per*hw : (g+1)*per*hw])
		inv := 1 / math.Sqrt(variance+float64(eps))
		for ch := g * per; ch < (g+1)*per; ch++ {
			for i := ch * hw; i < (ch+1)*hw; i++ {
				n := (float64(x[i]) - mean) * inv
				if gamma != nil {
					n *= float64(gamma[ch])
				}
				if beta != nil {
					n += float64(beta[ch])
				}
				y[i] = float32(n)
			}
		}
	}
	return y
}

// meanVar returns the mean and the biased variance of x, in two passes.
func meanVar(x []float32) (mean, variance float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		d := float64(v) - mean
		variance += d * d
	}
	return mean, variance / float64(len(x))
}
