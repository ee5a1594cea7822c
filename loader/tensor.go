package loader

import "fmt"

// Tensor is a named tensor: little-endian Data of DType with Shape. Data
// aliases a file mapping unless the tensor was fused, reshaped or
// dequantized, in which case it is a fresh slice.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Numel is the number of elements.
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Float32 converts the data to float32; a tensor that cannot be converted
// (an unsupported type) gives nil.
func (t *Tensor) Float32() []float32 {
	v, err := ToFloat32(t.DType, t.Data)
	if err != nil {
		return nil
	}
	return v
}

// Float32E is Float32 with the reason of a failure.
func (t *Tensor) Float32E() ([]float32, error) {
	v, err := ToFloat32(t.DType, t.Data)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return v, nil
}

// Int64 converts integer data to int64.
func (t *Tensor) Int64() ([]int64, error) {
	v, err := ToInt64(t.DType, t.Data)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return v, nil
}

// As returns the tensor converted to another float type (F32, F16, BF16,
// F8_E4M3), rounding to nearest even; the same tensor when it already is.
// Integer tensors convert by value.
func (t *Tensor) As(d DType) (Tensor, error) {
	if t.DType == d {
		return *t, nil
	}
	v, err := t.Float32E()
	if err != nil {
		return Tensor{}, err
	}
	data, err := EncodeFloat32(v, d)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return Tensor{Name: t.Name, DType: d, Shape: t.Shape, Data: data}, nil
}
