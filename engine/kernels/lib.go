// Package kernels is flux-vk's library of compute kernels: one Go wrapper per
// GLSL shader in shaders/, which picks the variant for the data types and
// the device, packs the push constants and records the dispatch.
//
// Every kernel is checked against the float64 CPU reference in graph/ref
// (tests poison the output before each dispatch) and benchmarked at FLUX's
// real shapes. Like engine, it knows tensors only as buffer ranges, shapes
// and data types; it never sees a model.
package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/shaders"
)

// DType is a storage type of a kernel argument.
type DType int

const (
	F32  DType = iota
	F16        // IEEE half (activations in f16 mode, f16 weights)
	BF16       // bfloat16 weights, widened in the shader
	Q8_0       // linear weights: int8 in blocks of 32 with an f16 scale each (quant.go)
	Q4_0       // linear weights: 4-bit in blocks of 32 with an f16 scale each
)

func (t DType) String() string { return [...]string{"f32", "f16", "bf16", "q8_0", "q4_0"}[t] }

// Size is the element size in bytes. The quantized types have no whole
// element size: MatrixBytes sizes their matrices (Size says 1).
func (t DType) Size() int {
	switch t {
	case F32:
		return 4
	case F16, BF16:
		return 2
	}
	return 1
}

// newBuffer is a new device buffer holding data.
func (l *Lib) newBuffer(data []byte) (*engine.Buffer, error) {
	b, err := l.D.Alloc(uint64(len(data)))
	if err != nil {
		return nil, err
	}
	if err := l.D.Upload(b, 0, data); err != nil {
		b.Free(l.D)
		return nil, err
	}
	return b, nil
}

// Lib records kernels on one device.
type Lib struct {
	D *engine.Device

	once  sync.Once
	dummy *engine.Buffer // bound where an optional argument is absent
	err   error
}

// New returns the kernel library for d.
func New(d *engine.Device) *Lib { return &Lib{D: d} }

// pipeline compiles (once) the named shader variant with its bindings, push
// size and specialization constants.
func (l *Lib) pipeline(name string, bindings []engine.Access, push uint32, spec ...uint32) (*engine.Pipeline, error) {
	code, err := shaders.SPIRV(name)
	if err != nil {
		return nil, err
	}
	return l.D.Pipeline(engine.Kernel{Name: name, SPIRV: code, Bindings: bindings, PushSize: push, Spec: spec})
}

// actVariant names the variant of a shader for the activation type: the
// f32 build is `name`, the f16 one `name_f16` (shaders/variants.txt).
func actVariant(name string, act DType) string {
	if act == F16 {
		return name + "_f16"
	}
	return name
}

// Dummy is a small buffer to bind where an optional argument is absent
// (the shader is told by a flag in its push constants not to touch it).
func (l *Lib) Dummy() engine.Range {
	l.once.Do(func() { l.dummy, l.err = l.D.Alloc(256) })
	if l.err != nil {
		panic(fmt.Sprintf("kernels: allocate dummy buffer: %v", l.err))
	}
	return l.dummy.All()
}

// orDummy returns r, or the dummy range when r has no buffer.
func (l *Lib) orDummy(r engine.Range) engine.Range {
	if r.Buf == nil {
		return l.Dummy()
	}
	return r
}

// Push packs push constants: uint32, int32, int, float32 and bool values in
// order, 4 bytes each (std430 scalars).
func Push(vals ...any) []byte {
	b := make([]byte, 0, 4*len(vals))
	for _, v := range vals {
		switch x := v.(type) {
		case uint32:
			b = binary.LittleEndian.AppendUint32(b, x)
		case int32:
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		case int:
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
		case float32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		case bool:
			var u uint32
			if x {
				u = 1
			}
			b = binary.LittleEndian.AppendUint32(b, u)
		default:
			panic(fmt.Sprintf("kernels.Push: unsupported %T", v))
		}
	}
	return b
}

// groups is the number of workgroups of size per covering n items.
func groups(n, per int) uint32 { return uint32((n + per - 1) / per) }
