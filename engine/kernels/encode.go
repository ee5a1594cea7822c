package kernels

import (
	"encoding/binary"
	"math"

	"github.com/flux-vk/flux-vk/loader"
)

// Encode stores v as little-endian elements of dtype t (rounding to
// nearest even for the 16-bit types).
func Encode(v []float32, t DType) []byte {
	out := make([]byte, len(v)*t.Size())
	for i, x := range v {
		switch t {
		case F32:
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
		case F16:
			binary.LittleEndian.PutUint16(out[2*i:], loader.F32ToF16(x))
		case BF16:
			binary.LittleEndian.PutUint16(out[2*i:], loader.F32ToBF16(x))
		}
	}
	return out
}

// Decode reads little-endian elements of dtype t as float32.
func Decode(b []byte, t DType) []float32 {
	out := make([]float32, len(b)/t.Size())
	for i := range out {
		switch t {
		case F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case F16:
			out[i] = loader.F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		case BF16:
			out[i] = loader.BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	return out
}
