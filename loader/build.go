package loader

import (
	"encoding/binary"
	"fmt"
	"math"
)

// build assembles the tensor a recipe describes.
func (r recipe) build(name string) (Tensor, error) {
	t := Tensor{Name: name, DType: r.dtype, Shape: r.shape}
	if len(r.parts) == 1 && r.parts[0].scale == "" && !r.swap {
		raw, err := r.parts[0].file.Raw(r.parts[0].name)
		t.Data = raw
		return t, err
	}
	data := make([]byte, 0, t.Numel()*int64(r.dtype.Size()))
	for _, p := range r.parts {
		part, err := p.read(r.dtype)
		if err != nil {
			return t, err
		}
		data = append(data, part...)
	}
	if r.swap { // (scale, shift) <-> (shift, scale): halves along dim 0
		half := len(data) / 2
		swapped := make([]byte, 0, len(data))
		data = append(append(swapped, data[half:]...), data[:half]...)
	}
	t.Data = data
	return t, nil
}

// read returns a source's data as dtype (its own dtype, BF16 for a scaled
// fp8 tensor, or F32 when parts of different dtypes are stacked).
func (p source) read(dtype DType) ([]byte, error) {
	raw, err := p.file.Raw(p.name)
	if err != nil {
		return nil, err
	}
	info, _ := p.file.Info(p.name)
	if p.scale != "" {
		return p.dequantize(info, raw, dtype)
	}
	if info.DType == dtype {
		return raw, nil
	}
	v, err := ToFloat32(info.DType, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %q: %w", p.file.Path, p.name, err)
	}
	return encodeFloat32(v, dtype)
}

// dequantize multiplies fp8 weights by their scale: one value for the whole
// tensor, or one per output row (dim 0), as fp8 checkpoints store them.
func (p source) dequantize(info TensorInfo, raw []byte, dtype DType) ([]byte, error) {
	w, err := ToFloat32(info.DType, raw)
	if err != nil {
		return nil, err
	}
	scale, err := p.file.Float32(p.scale)
	if err != nil {
		return nil, err
	}
	rows := 1
	if len(info.Shape) > 0 {
		rows = info.Shape[0]
	}
	switch {
	case len(scale) == 1:
		for i := range w {
			w[i] *= scale[0]
		}
	case len(scale) == rows && rows > 0:
		per := len(w) / rows
		for i := range w {
			w[i] *= scale[i/per]
		}
	default:
		return nil, fmt.Errorf("%s: scale %q has %d values for %q %v", p.file.Path, p.scale, len(scale), p.name, info.Shape)
	}
	return encodeFloat32(w, dtype)
}

// encodeFloat32 stores float32 values as F32, BF16 or F16.
func encodeFloat32(v []float32, dtype DType) ([]byte, error) {
	le := binary.LittleEndian
	out := make([]byte, 0, len(v)*dtype.Size())
	for _, x := range v {
		switch dtype {
		case F32:
			out = le.AppendUint32(out, math.Float32bits(x))
		case BF16:
			out = le.AppendUint16(out, F32ToBF16(x))
		case F16:
			out = le.AppendUint16(out, F32ToF16(x))
		default:
			return nil, fmt.Errorf("cannot encode float32 as %s", dtype)
		}
	}
	return out, nil
}

// EncodeFloat32 stores float32 values as little-endian F32, BF16, F16 or
// F8_E4M3 data (rounding to nearest even), for writing tensors.
func EncodeFloat32(v []float32, dtype DType) ([]byte, error) {
	if dtype == F8_E4M3 {
		out := make([]byte, len(v))
		for i, x := range v {
			out[i] = F32ToF8E4M3(x)
		}
		return out, nil
	}
	return encodeFloat32(v, dtype)
}
