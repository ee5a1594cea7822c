package loader

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// WriteFile writes tensors and metadata as a safetensors file. Tensors are
// laid out largest element size first (then by name), as the reference
// writer does, so every tensor starts at a multiple of its element size.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	hdr, order, err := buildHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	w.Write(n[:])
	w.Write(hdr)
	for _, t := range order {
		w.Write(t.Data)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// buildHeader checks the tensors and returns the padded JSON header and the
// tensors in data order.
func buildHeader(tensors []Tensor, metadata map[string]string) ([]byte, []Tensor, error) {
	order := append([]Tensor(nil), tensors...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		return a.DType.Size() > b.DType.Size() || a.DType.Size() == b.DType.Size() && a.Name < b.Name
	})
	entries := make(map[string]any, len(order)+1)
	if len(metadata) > 0 {
		entries["__metadata__"] = metadata
	}
	var off int64
	for _, t := range order {
		if _, dup := entries[t.Name]; dup || t.Name == "__metadata__" {
			return nil, nil, fmt.Errorf("tensor %q: duplicate name", t.Name)
		}
		if !t.DType.Known() {
			return nil, nil, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		if want := t.Numel() * int64(t.DType.Size()); int64(len(t.Data)) != want {
			return nil, nil, fmt.Errorf("tensor %q: %d bytes, shape %v of %s needs %d", t.Name, len(t.Data), t.Shape, t.DType, want)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		entries[t.Name] = headerEntry{t.DType, shape, [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}
	js, err := json.Marshal(entries)
	if err != nil {
		return nil, nil, err
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte{' '}, pad)...)
	}
	return js, order, nil
}
