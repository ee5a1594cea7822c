package pipeline

import "math"

// Shift parameters of BFL's get_schedule (the FLUX.1-dev defaults).
const (
	baseShift = 0.5
	maxShift  = 1.15
	shiftX1   = 256  // image tokens at which mu = baseShift
	shiftX2   = 4096 // image tokens at which mu = maxShift
)

// DefaultSteps is the usual number of sampling steps: 4 for schnell, 28 for dev.
func DefaultSteps(dev bool) int {
	if dev {
		return 28
	}
	return 4
}

// Schedule is BFL's get_schedule(steps, imageTokens, shift=shift): steps+1 flow times from 1
// down to 0, the float32 values PyTorch computes. Without shift (schnell) it is
// linspace(1, 0, steps+1); with shift (dev) every t becomes e^mu / (e^mu + (1/t - 1)), mu linear
// in the number of image tokens and not clamped. It returns nil when steps < 1.
func Schedule(steps, imageTokens int, shift bool) []float32 {
	if steps < 1 {
		return nil
	}
	ts := torchLinspace(1, 0, steps+1)
	if !shift {
		return ts
	}
	// get_lin_function, in float64 as the Python reference computes it.
	m := (maxShift - baseShift) / float64(shiftX2-shiftX1)
	b := baseShift - m*shiftX1
	mu := m*float64(imageTokens) + b
	// math.exp(mu) / (math.exp(mu) + (1/t - 1)) on a float32 tensor: the Python scalar is cast
	// to float32, 1/t is reciprocal(t), and scalar/tensor is reciprocal(tensor) * scalar.
	em := float32(math.Exp(mu))
	for i, t := range ts {
		r := 1 / t // t = 0 gives +Inf, and the result 0
		d := em + (r - 1)
		ts[i] = float32((1 / d) * em)
	}
	return ts
}

// torchLinspace is torch.linspace(start, end, n) in float32 as PyTorch's CPU kernel computes it:
// step = (end-start)/(n-1); the first half counts up from start (start + step*i), the second
// half down from end (end - step*(n-1-i)), so both ends are exact. x86-64 builds compile the
// kernel with FMA and GCC contracts each multiply-add into one fused operation.
//
// PyTorch 2.0 and later always take this scalar path. 1.13 (the golden reference) used 8-lane
// vectors for the first multiple-of-16 values, which can move a value by an ulp for 15 or more
// steps; below that, and for the exact binary fractions of 4 and 8 steps, every build agrees.
func torchLinspace(start, end float32, n int) []float32 {
	out := make([]float32, n)
	if n == 1 {
		out[0] = start
		return out
	}
	step := (end - start) / float32(n-1)
	half := n / 2
	for i := range out {
		if i < half {
			out[i] = fma32(step, float32(i), start)
		} else {
			out[i] = fma32(-step, float32(n-1-i), end)
		}
	}
	return out
}
