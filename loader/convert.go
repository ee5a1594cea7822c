package loader

import (
	"encoding/binary"
	"fmt"
	"math"
)

// BF16ToF32 widens a bfloat16 bit pattern (exact).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 rounds to the nearest bfloat16, ties to even; NaN stays NaN.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet and non-zero
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// F16ToF32 widens an IEEE half bit pattern (exact, subnormals included).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: value = man * 2^-24, exactly representable in float32.
	v := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// F32ToF16 rounds to the nearest IEEE half, ties to even; too large values
// become infinities, NaN stays NaN.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	a := b & 0x7fffffff
	switch {
	case a > 0x7f800000:
		return sign | 0x7e00
	case a >= 0x477ff000: // rounds to 65520 or more: infinity
		return sign | 0x7c00
	case a >= 0x38800000: // normal half
		a += 0xfff + (a>>13)&1
		return sign | uint16((a-0x38000000)>>13)
	}
	// Subnormal (or zero) half: round |f| / 2^-24 to an integer, ties to even.
	v := math.Float32frombits(a) * (1 << 24)
	return sign | uint16(math.RoundToEven(float64(v)))
}

// F8E4M3ToF32 widens a float8 e4m3fn value (bias 7, no infinities,
// 0x7f/0xff are NaN), the format of the fp8 FLUX and T5 checkpoints.
func F8E4M3ToF32(b uint8) float32 {
	sign := float32(1)
	if b&0x80 != 0 {
		sign = -1
	}
	exp := int(b>>3) & 0xf
	man := float32(b & 7)
	if exp == 0xf && b&7 == 7 {
		return float32(math.NaN())
	}
	if exp == 0 {
		return sign * man / 8 * (1.0 / 64)
	}
	return sign * (1 + man/8) * float32(math.Ldexp(1, exp-7))
}

// F32ToF8E4M3 rounds to the nearest float8 e4m3fn, ties to even, saturating
// at ±448 (there is no infinity); NaN maps to 0x7f.
func F32ToF8E4M3(f float32) uint8 {
	if f != f {
		return 0x7f
	}
	var sign uint8
	if math.Signbit(float64(f)) {
		sign, f = 0x80, -f
	}
	if f >= 464 { // halfway between 448 and the (absent) 480 rounds to NaN in RNE; saturate instead
		return sign | 0x7e
	}
	if f < 1.0/64 { // subnormal range: steps of 2^-9
		return sign | uint8(math.RoundToEven(float64(f)*512))
	}
	exp := math.Ilogb(float64(f))
	m := math.RoundToEven((float64(f)/math.Ldexp(1, exp) - 1) * 8)
	if m == 8 {
		exp, m = exp+1, 0
	}
	if exp+7 >= 0xf && m == 7 || exp+7 > 0xf {
		return sign | 0x7e
	}
	return sign | uint8(exp+7)<<3 | uint8(m)
}

// F8E5M2ToF32 widens a float8 e5m2 value: it is the high byte of a half.
func F8E5M2ToF32(b uint8) float32 { return F16ToF32(uint16(b) << 8) }

// ToFloat32 converts little-endian raw data of type d to float32. Integer
// types convert by value (token ids, sizes, pixels).
func ToFloat32(d DType, raw []byte) ([]float32, error) {
	size := d.Size()
	if size == 0 {
		return nil, fmt.Errorf("unknown dtype %q", d)
	}
	if len(raw)%size != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %s elements", len(raw), d)
	}
	get, err := float32Getter(d)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(raw)/size)
	for i := range out {
		out[i] = get(raw[i*size:])
	}
	return out, nil
}

func float32Getter(d DType) (func([]byte) float32, error) {
	le := binary.LittleEndian
	switch d {
	case F32:
		return func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) }, nil
	case F16:
		return func(b []byte) float32 { return F16ToF32(le.Uint16(b)) }, nil
	case BF16:
		return func(b []byte) float32 { return BF16ToF32(le.Uint16(b)) }, nil
	case F8_E4M3:
		return func(b []byte) float32 { return F8E4M3ToF32(b[0]) }, nil
	case F8_E5M2:
		return func(b []byte) float32 { return F8E5M2ToF32(b[0]) }, nil
	case F64:
		return func(b []byte) float32 { return float32(math.Float64frombits(le.Uint64(b))) }, nil
	case I64:
		return func(b []byte) float32 { return float32(int64(le.Uint64(b))) }, nil
	case I32:
		return func(b []byte) float32 { return float32(int32(le.Uint32(b))) }, nil
	case U8, BOOL:
		return func(b []byte) float32 { return float32(b[0]) }, nil
	case I8:
		return func(b []byte) float32 { return float32(int8(b[0])) }, nil
	case I16:
		return func(b []byte) float32 { return float32(int16(le.Uint16(b))) }, nil
	case U16:
		return func(b []byte) float32 { return float32(le.Uint16(b)) }, nil
	case U32:
		return func(b []byte) float32 { return float32(le.Uint32(b)) }, nil
	case U64:
		return func(b []byte) float32 { return float32(le.Uint64(b)) }, nil
	}
	return nil, fmt.Errorf("cannot convert %s to float32", d)
}

// ToInt64 converts little-endian integer data (I64, I32, U8, ...) to int64.
// Float data is refused: a token id stored as a float is a broken file.
func ToInt64(d DType, raw []byte) ([]int64, error) {
	size := d.Size()
	if size == 0 || d.IsFloat() {
		return nil, fmt.Errorf("cannot read %s as integers", d)
	}
	if len(raw)%size != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %s elements", len(raw), d)
	}
	le := binary.LittleEndian
	out := make([]int64, len(raw)/size)
	for i := range out {
		b := raw[i*size:]
		switch d {
		case I64, U64:
			out[i] = int64(le.Uint64(b))
		case I32:
			out[i] = int64(int32(le.Uint32(b)))
		case U32:
			out[i] = int64(le.Uint32(b))
		case I16:
			out[i] = int64(int16(le.Uint16(b)))
		case U16:
			out[i] = int64(le.Uint16(b))
		case I8:
			out[i] = int64(int8(b[0]))
		default: // U8, BOOL
			out[i] = int64(b[0])
		}
	}
	return out, nil
}
