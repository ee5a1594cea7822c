package loader

import "fmt"

// DType is a safetensors element type, spelled as in the file header.
type DType string

// The element types of the safetensors format. Every one of them is accepted
// by the validator (a file may legitimately hold them); the float and
// integer types FLUX checkpoints use can also be converted to float32.
const (
	BOOL    DType = "BOOL"
	U8      DType = "U8"
	I8      DType = "I8"
	I16     DType = "I16"
	U16     DType = "U16"
	F16     DType = "F16"
	BF16    DType = "BF16"
	I32     DType = "I32"
	U32     DType = "U32"
	F32     DType = "F32"
	F64     DType = "F64"
	I64     DType = "I64"
	U64     DType = "U64"
	F8_E4M3 DType = "F8_E4M3"
	F8_E5M2 DType = "F8_E5M2"
)

var dtypeSizes = map[DType]int{
	BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
	I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4,
	F64: 8, I64: 8, U64: 8,
}

// Size is the size of one element in bytes, 0 for an unknown type.
func (d DType) Size() int { return dtypeSizes[d] }

// Known reports whether d is one of the safetensors element types.
func (d DType) Known() bool { return dtypeSizes[d] != 0 }

// IsFloat reports whether d holds floating-point values.
func (d DType) IsFloat() bool {
	switch d {
	case F16, BF16, F32, F64, F8_E4M3, F8_E5M2:
		return true
	}
	return false
}

// ParseDType checks a header's dtype string.
func ParseDType(s string) (DType, error) {
	d := DType(s)
	if !d.Known() {
		return "", fmt.Errorf("unknown dtype %q", s)
	}
	return d, nil
}
