package loader

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// Own header parser rather than github.com/nlpodyssey/safetensors: that
// package rejects F8_E4M3 (the fp8 FLUX/T5 checkpoints), keeps the last of
// two tensors with the same name (encoding/json does), wants the whole file
// in one buffer (so a truncated file cannot be told from a bad header) and
// its errors do not name the tensor and problem. The tests cross-check this
// parser against it on the golden files.

// maxHeaderLen is the limit of the reference implementation (100 MB).
const maxHeaderLen = 100_000_000

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are byte offsets inside the data section.
	Begin, End int64
}

// Numel is the number of elements (1 for a scalar).
func (t TensorInfo) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// header is the parsed and validated header of a safetensors file.
type header struct {
	headerLen int64 // the JSON length stored in the first 8 bytes
	dataLen   int64 // the data section length the header promises
	tensors   map[string]TensorInfo
	metadata  map[string]string
}

// dataStart is where the data section starts in the file.
func (h *header) dataStart() int64 { return 8 + h.headerLen }

// errTruncated marks a file shorter than its header promises.
var errTruncated = errors.New("truncated")

// headerLength reads the 8-byte prefix and checks it against the file size.
func headerLength(prefix []byte, fileSize int64) (int64, error) {
	if len(prefix) < 8 || fileSize < 8 {
		return 0, fmt.Errorf("file of %d bytes is too short for a safetensors header", fileSize)
	}
	n := binary.LittleEndian.Uint64(prefix)
	if n > maxHeaderLen {
		return 0, fmt.Errorf("header length %d exceeds the %d byte limit", n, maxHeaderLen)
	}
	if int64(n) > fileSize-8 {
		return 0, fmt.Errorf("header length %d runs past the end of the %d byte file", n, fileSize)
	}
	return int64(n), nil
}

// parseHeader validates the JSON header (the bytes after the 8-byte length)
// of a file of fileSize bytes. Every tensor must have a known dtype, a
// non-negative shape, offsets inside the data section matching shape × dtype
// size, no overlap with another tensor and a unique name.
func parseHeader(js []byte, fileSize int64) (*header, error) {
	h := &header{headerLen: int64(len(js)), tensors: map[string]TensorInfo{}}
	if len(js) == 0 || js[0] != '{' {
		return nil, errors.New("header is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("header is not valid JSON: %w", err)
	}
	for dec.More() {
		if err := h.parseEntry(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("header is not valid JSON: %w", err)
	}
	// Anything but the padding spaces after the object is a broken header.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("header has data after the JSON object")
	}
	if err := h.checkLayout(fileSize); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *header) parseEntry(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("header is not valid JSON: %w", err)
	}
	name, _ := tok.(string)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("header is not valid JSON at %q: %w", name, err)
	}
	if name == "__metadata__" {
		if h.metadata != nil {
			return errors.New("duplicate __metadata__")
		}
		return h.parseMetadata(raw)
	}
	if _, dup := h.tensors[name]; dup {
		return fmt.Errorf("tensor %q: duplicate name", name)
	}
	info, err := parseTensorInfo(name, raw)
	if err != nil {
		return fmt.Errorf("tensor %q: %w", name, err)
	}
	h.tensors[name] = info
	return nil
}

func (h *header) parseMetadata(raw json.RawMessage) error {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return errors.New("__metadata__ is not a JSON object")
	}
	h.metadata = make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("__metadata__ %q is not a string", k)
		}
		h.metadata[k] = s
	}
	return nil
}

// rawInfo mirrors a tensor entry; numbers are decoded as json.Number so
// that negative, fractional, huge or quoted values get their own error.
type rawInfo struct {
	DType       *string `json:"dtype"`
	Shape       []any   `json:"shape"`
	DataOffsets []any   `json:"data_offsets"`
}

// natural parses a JSON natural number no larger than limit.
func natural(v any, limit int64) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil && i >= 0 && i <= limit
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func parseTensorInfo(name string, raw json.RawMessage) (TensorInfo, error) {
	var r rawInfo
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return TensorInfo{}, fmt.Errorf("malformed entry: %v", err)
	}
	if r.DType == nil || r.Shape == nil || r.DataOffsets == nil {
		return TensorInfo{}, errors.New("entry needs dtype, shape and data_offsets")
	}
	dt, err := ParseDType(*r.DType)
	if err != nil {
		return TensorInfo{}, err
	}
	info := TensorInfo{Name: name, DType: dt, Shape: make([]int, len(r.Shape))}
	numel := int64(1)
	for i, s := range r.Shape {
		d, ok := natural(s, math.MaxInt32*int64(1024))
		if !ok {
			return TensorInfo{}, fmt.Errorf("shape %s: dimension %s is not a valid size", jsonText(r.Shape), jsonText(s))
		}
		info.Shape[i] = int(d)
		if d != 0 && numel > math.MaxInt64/8/d {
			return TensorInfo{}, fmt.Errorf("shape %s overflows", jsonText(r.Shape))
		}
		numel *= d
	}
	if len(r.DataOffsets) != 2 {
		return TensorInfo{}, fmt.Errorf("data_offsets needs 2 values, has %d", len(r.DataOffsets))
	}
	var off [2]int64
	for i, s := range r.DataOffsets {
		v, ok := natural(s, math.MaxInt64)
		if !ok {
			return TensorInfo{}, fmt.Errorf("data_offsets %s: %s is not a valid offset", jsonText(r.DataOffsets), jsonText(s))
		}
		off[i] = v
	}
	info.Begin, info.End = off[0], off[1]
	if info.End < info.Begin {
		return TensorInfo{}, fmt.Errorf("data_offsets [%d, %d] end before they begin", info.Begin, info.End)
	}
	if want := numel * int64(dt.Size()); info.End-info.Begin != want {
		return TensorInfo{}, fmt.Errorf("data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d",
			info.Begin, info.End, info.End-info.Begin, info.Shape, dt, want)
	}
	return info, nil
}

// checkLayout checks that no two tensors overlap and that the file holds the
// whole data section, neither less nor more. A file whose tensors tile the
// data section but stop short is truncated; a tensor that starts after a
// hole and ends past the file has offsets outside the data section.
func (h *header) checkLayout(fileSize int64) error {
	infos := make([]TensorInfo, 0, len(h.tensors))
	for _, t := range h.tensors {
		infos = append(infos, t)
	}
	sort.Slice(infos, func(i, j int) bool {
		a, b := infos[i], infos[j]
		return a.Begin < b.Begin || a.Begin == b.Begin && (a.End < b.End || a.End == b.End && a.Name < b.Name)
	})
	have := fileSize - h.dataStart()
	var end int64 // end of the bytes covered so far
	for i, t := range infos {
		if t.End == t.Begin { // empty tensors occupy no bytes and overlap nothing
			continue
		}
		if t.Begin < end {
			p := previousNonEmpty(infos[:i])
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q [%d, %d]",
				t.Name, t.Begin, t.End, p.Name, p.Begin, p.End)
		}
		if t.End > have && t.Begin > end {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] lie outside the data section (%d bytes)",
				t.Name, t.Begin, t.End, have)
		}
		end = t.End
	}
	h.dataLen = end
	switch {
	case have < h.dataLen:
		return fmt.Errorf("%w: header promises %d bytes, file has %d (tensor %q and later are cut off)",
			errTruncated, h.dataStart()+h.dataLen, fileSize, firstPast(infos, have))
	case have > h.dataLen:
		return fmt.Errorf("file has %d bytes after the %d byte data section the header describes",
			have-h.dataLen, h.dataLen)
	}
	return nil
}

func previousNonEmpty(infos []TensorInfo) TensorInfo {
	for i := len(infos) - 1; i >= 0; i-- {
		if infos[i].End > infos[i].Begin {
			return infos[i]
		}
	}
	return TensorInfo{}
}

// firstPast names the first tensor that does not fit in the first have bytes.
func firstPast(infos []TensorInfo, have int64) string {
	for _, t := range infos {
		if t.End > have {
			return t.Name
		}
	}
	return ""
}
