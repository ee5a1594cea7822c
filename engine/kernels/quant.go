package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/flux-vk/flux-vk/loader"
)

// Quantized linear weights, the formats of ggml's Q8_0 and Q4_0 (what
// stable-diffusion.cpp's --type q8_0 / q4_0 make of FLUX): each row of W
// [N,K] is cut into blocks of QBlock elements that share one f16 scale d.
//
//	Q8_0: q = round(x/d) in [-127, 127], d = max|x| / 127; x ≈ q·d
//	Q4_0: q = round(x/d) in [-8, 7], d = −m/8 where m is the block's value
//	      of largest magnitude (so m itself is exactly −8·d); x ≈ q·d
//
// A quantized matrix is one blob: the values row-major (Q8_0 one byte each,
// Q4_0 two per byte, element e in bits 4·(e%2) of byte e/2, stored as q+8),
// then the N·K/QBlock scales as f16, row-major. The layout is flux-vk's own
// (ggml interleaves values and scales); the numbers are the same.

// QBlock is the number of consecutive elements of a row sharing a scale.
const QBlock = 32

// Quantized reports whether t is a block-quantized weight type.
func (t DType) Quantized() bool { return t == Q8_0 || t == Q4_0 }

// ParseQuant reads a quantized type's name (q8_0, q4_0).
func ParseQuant(s string) (DType, error) {
	for _, t := range []DType{Q8_0, Q4_0} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown weight type %q: want q8_0 or q4_0", s)
}

// valueBytes is the size of the quantized values of an n×k matrix of t.
func valueBytes(t DType, n, k int) uint64 {
	if t == Q4_0 {
		return uint64(n) * uint64(k) / 2
	}
	return uint64(n) * uint64(k) * uint64(t.Size())
}

// MatrixBytes is the storage size of an n×k matrix of t (values and, for
// the quantized types, scales).
func MatrixBytes(t DType, n, k int) uint64 {
	if !t.Quantized() {
		return uint64(n) * uint64(k) * uint64(t.Size())
	}
	return valueBytes(t, n, k) + 2*uint64(n)*uint64(k/QBlock)
}

// CanQuantize reports whether a matrix with rows of k elements can be
// stored quantized (whole blocks per row).
func CanQuantize(k int) bool { return k > 0 && k%QBlock == 0 }

// Quantize stores the n×k matrix v as t (Q8_0 or Q4_0).
func Quantize(v []float32, n, k int, t DType) ([]byte, error) {
	if !t.Quantized() {
		return nil, fmt.Errorf("quantize: %s is not a quantized type", t)
	}
	if !CanQuantize(k) || len(v) != n*k {
		return nil, fmt.Errorf("quantize %d×%d to %s: rows must be whole blocks of %d (and %d values given)", n, k, t, QBlock, len(v))
	}
	out := make([]byte, MatrixBytes(t, n, k))
	// Blocks are independent: a 12B-parameter transformer is ~10⁸ of
	// them, so they are shared out to the cores in whole rows.
	workers := min(runtime.GOMAXPROCS(0), max(1, n*k/(1<<16)))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = quantizeRows(out, v, n, k, t, w*n/workers, (w+1)*n/workers)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("quantize %d×%d to %s: %w", n, k, t, err)
		}
	}
	return out, nil
}

// quantizeRows fills rows [r0, r1) of the blob out.
func quantizeRows(out []byte, v []float32, n, k int, t DType, r0, r1 int) error {
	scales := out[valueBytes(t, n, k):]
	for b := r0 * k / QBlock; b < r1*k/QBlock; b++ {
		blk := v[b*QBlock : (b+1)*QBlock]
		d, err := blockScale(blk, t)
		if err != nil {
			return fmt.Errorf("row %d: %w", b*QBlock/k, err)
		}
		h := loader.F32ToF16(d)
		binary.LittleEndian.PutUint16(scales[2*b:], h)
		d = loader.F16ToF32(h) // the values are rounded against the stored scale
		putBlock(out, b, blk, d, t)
	}
	return nil
}

// putBlock stores block b's values against the scale d.
func putBlock(out []byte, b int, blk []float32, d float32, t DType) {
	if t == Q8_0 {
		q := out[b*QBlock : (b+1)*QBlock]
		for i, x := range blk {
			q[i] = byte(int8(quantValue(x, d, t)))
		}
		return
	}
	q := out[b*QBlock/2 : (b+1)*QBlock/2]
	for i := range q {
		q[i] = byte(quantValue(blk[2*i], d, t)+8) | byte(quantValue(blk[2*i+1], d, t)+8)<<4
	}
}

// blockScale is d for one block (before rounding to f16).
func blockScale(blk []float32, t DType) (float32, error) {
	var m, am float32 // the value of largest magnitude, and its magnitude
	for _, x := range blk {
		if ax := abs32(x); ax > am {
			m, am = x, ax
		} else if x != x || ax > math.MaxFloat32 {
			return 0, fmt.Errorf("value %v cannot be quantized", x)
		}
	}
	if am > math.MaxFloat32 {
		return 0, fmt.Errorf("value %v cannot be quantized", m)
	}
	d := abs32(m) / 127
	if t == Q4_0 {
		d = -m / 8
	}
	if abs32(d) > 65504 {
		return 0, fmt.Errorf("scale %g is out of f16 range", d)
	}
	return d, nil
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// quantValue is q for x against the scale d.
func quantValue(x, d float32, t DType) int {
	if d == 0 {
		return 0
	}
	q := int(math.RoundToEven(float64(x / d)))
	if t == Q8_0 {
		return min(max(q, -127), 127)
	}
	return min(max(q, -8), 7)
}

// Dequantize reads an n×k matrix of t (any weight type) back as f32: what
// the kernels compute with.
func Dequantize(b []byte, n, k int, t DType) ([]float32, error) {
	if uint64(len(b)) != MatrixBytes(t, n, k) {
		return nil, fmt.Errorf("dequantize %d×%d %s: %d bytes, want %d", n, k, t, len(b), MatrixBytes(t, n, k))
	}
	if !t.Quantized() {
		return Decode(b, t), nil
	}
	out := make([]float32, n*k)
	scales := b[valueBytes(t, n, k):]
	for e := range out {
		d := loader.F16ToF32(binary.LittleEndian.Uint16(scales[2*(e/QBlock):]))
		var q int
		if t == Q8_0 {
			q = int(int8(b[e]))
		} else {
			q = int(b[e/2]>>(4*(e%2))&15) - 8
		}
		out[e] = float32(q) * d
	}
	return out, nil
}

// RoundTrip is v as the kernels see it once stored as t: quantized and
// read back for Q8_0 and Q4_0, v itself otherwise (the CPU executor uses it
// to compute with the same numbers as the device).
func RoundTrip(v []float32, n, k int, t DType) ([]float32, error) {
	if !t.Quantized() {
		return v, nil
	}
	b, err := Quantize(v, n, k, t)
	if err != nil {
		return nil, err
	}
	return Dequantize(b, n, k, t)
}
