package ref

import "math"

// RopeTable computes the rotary tables of FLUX's EmbedND for ids
// (tokens, len(axesDim)) position ids: the head_dim/2 = sum(axesDim)/2 pairs
// are assigned to the axes in order, and pair k of an axis of size d turns by
// angle pos·theta^(-2k/d). Like the reference (math.py rope), the angles,
// cos and sin are computed in float64 and then rounded to float32.
// Returns (tokens, head_dim/2, 2) holding (cos, sin) per pair.
func RopeTable(ids []float32, tokens int, axesDim []int, theta float64) []float32 {
	naxes := len(axesDim)
	need(len(ids) == tokens*naxes, "rope table: ids have %d values, want %d×%d", len(ids), tokens, naxes)
	var omega []float64 // one frequency per pair, axis after axis
	for _, d := range axesDim {
		need(d%2 == 0, "rope table: odd axis dim %d", d)
		for k := 0; k < d; k += 2 {
			omega = append(omega, 1/math.Pow(theta, float64(k)/float64(d)))
		}
	}
	pairs := len(omega)
	t := make([]float32, tokens*pairs*2)
	for n := 0; n < tokens; n++ {
		p := 0
		for a, d := range axesDim {
			pos := float64(ids[n*naxes+a])
			for k := 0; k < d/2; k, p = k+1, p+1 {
				angle := pos * omega[p]
				t[(n*pairs+p)*2] = float32(math.Cos(angle))
				t[(n*pairs+p)*2+1] = float32(math.Sin(angle))
			}
		}
	}
	return t
}

// Rope rotates the interleaved pairs (x[2i], x[2i+1]) of every head of x
// (tokens, heads*d) by the angles of table (tokens, d/2, 2):
// x'[2i] = cos·x[2i] − sin·x[2i+1], x'[2i+1] = sin·x[2i] + cos·x[2i+1].
func Rope(x, table []float32, tokens, heads, d int) []float32 {
	need(d%2 == 0, "rope: odd head dim %d", d)
	need(len(x) == tokens*heads*d, "rope: x has %d values, want %d×%d×%d", len(x), tokens, heads, d)
	need(len(table) == tokens*d, "rope: table has %d values, want %d×%d×2", len(table), tokens, d/2)
	y := make([]float32, len(x))
	for n := 0; n < tokens; n++ {
		for h := 0; h < heads; h++ {
			base := (n*heads + h) * d
			for i := 0; i < d/2; i++ {
				c := float64(table[(n*d/2+i)*2])
				s := float64(table[(n*d/2+i)*2+1])
				x0, x1 := float64(x[base+2*i]), float64(x[base+2*i+1])
				y[base+2*i] = float32(c*x0 - s*x1)
				y[base+2*i+1] = float32(s*x0 + c*x1)
			}
		}
	}
	return y
}
