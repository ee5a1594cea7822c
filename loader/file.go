package loader

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// File is an open, validated safetensors file. Tensor data is memory-mapped
// where the platform allows: Raw aliases the mapping and must not be used
// after Close.
type File struct {
	Path  string
	Size  int64
	h     *header
	data  []byte // the whole file (mapped or read)
	unmap func([]byte) error
	names []string
}

// Open maps a safetensors file and validates its header before returning.
// Errors name the file, the tensor and the problem.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a safetensors file", path)
	}
	h, err := readHeader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: map: %w", path, err)
	}
	return newFile(path, st.Size(), h, data, unmap), nil
}

// readHeader reads and validates the header without touching the data
// section, so a truncated or damaged file is reported without reading it.
func readHeader(r io.ReaderAt, size int64) (*header, error) {
	var prefix [8]byte
	if size >= 8 {
		if _, err := r.ReadAt(prefix[:], 0); err != nil {
			return nil, err
		}
	}
	n, err := headerLength(prefix[:], size)
	if err != nil {
		return nil, err
	}
	js := make([]byte, n)
	if _, err := r.ReadAt(js, 8); err != nil {
		return nil, err
	}
	return parseHeader(js, size)
}

// parseFile validates a whole file held in memory (tests, fuzzing).
func parseFile(b []byte) (*header, error) {
	n, err := headerLength(b, int64(len(b)))
	if err != nil {
		return nil, err
	}
	return parseHeader(b[8:8+n], int64(len(b)))
}

func newFile(path string, size int64, h *header, data []byte, unmap func([]byte) error) *File {
	f := &File{Path: path, Size: size, h: h, data: data, unmap: unmap}
	f.names = make([]string, 0, len(h.tensors))
	for n := range h.tensors {
		f.names = append(f.names, n)
	}
	sort.Strings(f.names)
	return f
}

// Names lists the tensors, sorted.
func (f *File) Names() []string { return f.names }

// Len is the number of tensors.
func (f *File) Len() int { return len(f.names) }

// Info describes a tensor.
func (f *File) Info(name string) (TensorInfo, bool) {
	t, ok := f.h.tensors[name]
	return t, ok
}

// Metadata is the header's __metadata__ (nil when absent).
func (f *File) Metadata() map[string]string { return f.h.metadata }

// HeaderLen is the size of the JSON header in bytes.
func (f *File) HeaderLen() int64 { return f.h.headerLen }

// Raw is the little-endian data of a tensor, aliasing the mapping.
func (f *File) Raw(name string) ([]byte, error) {
	t, ok := f.h.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	if f.data == nil {
		return nil, fmt.Errorf("%s: file is closed", f.Path)
	}
	s := f.h.dataStart()
	return f.data[s+t.Begin : s+t.End : s+t.End], nil
}

// Tensor returns a tensor with its data aliasing the mapping.
func (f *File) Tensor(name string) (Tensor, error) {
	raw, err := f.Raw(name)
	if err != nil {
		return Tensor{}, err
	}
	t := f.h.tensors[name]
	return Tensor{Name: name, DType: t.DType, Shape: t.Shape, Data: raw}, nil
}

// Float32 converts a tensor of any float or integer type to float32.
func (f *File) Float32(name string) ([]float32, error) {
	t, err := f.Tensor(name)
	if err != nil {
		return nil, err
	}
	v, err := ToFloat32(t.DType, t.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	return v, nil
}

// Int64 reads an integer tensor (I64, I32, U8, ...).
func (f *File) Int64(name string) ([]int64, error) {
	t, err := f.Tensor(name)
	if err != nil {
		return nil, err
	}
	v, err := ToInt64(t.DType, t.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	return v, nil
}

// Close releases the mapping; data returned by Raw becomes invalid.
func (f *File) Close() error {
	if f.data == nil {
		return nil
	}
	data := f.data
	f.data = nil
	if f.unmap != nil {
		return f.unmap(data)
	}
	return nil
}
