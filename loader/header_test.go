package loader

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawFile builds a safetensors file from a literal header and n data bytes.
func rawFile(js string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	b = append(b, js...)
	return append(b, make([]byte, n)...)
}

func TestMalformedFiles(t *testing.T) {
	lenPrefix := func(n uint64, rest string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	valid := rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}`, 12)
	cases := []struct {
		name, want string
		file       []byte
	}{
		{"empty file", "too short", nil},
		{"short file", "too short", []byte{1, 2, 3}},
		{"header length past file", "runs past the end", lenPrefix(1000, "{}")},
		{"header length over limit", "exceeds the 100000000 byte limit", lenPrefix(1<<40, "{}")},
		{"bad json", "not valid JSON", rawFile(`{"a": {"dtype":`, 0)},
		{"not an object", "not a JSON object", rawFile(`[1, 2]`, 0)},
		{"trailing json", "data after the JSON object", rawFile(`{} {}`, 0)},
		{"unknown dtype", `tensor "a": unknown dtype "F4"`, rawFile(`{"a":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}}`, 1)},
		{"missing key", `tensor "a": entry needs dtype, shape and data_offsets`, rawFile(`{"a":{"dtype":"F32","shape":[1]}}`, 4)},
		{"negative dim", `tensor "a": shape [-1]: dimension -1 is not a valid size`, rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4)},
		{"quoted dim", `tensor "a": shape ["1"]: dimension "1" is not a valid size`, rawFile(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, 4)},
		{"bad offset", `tensor "a": data_offsets [0,-4]: -4 is not a valid offset`, rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}}`, 4)},
		{"fractional dim", `tensor "a": shape [1.5]`, rawFile(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, 4)},
		{"huge shape", `tensor "a": shape`, rawFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}`, 4)},
		{"size mismatch", `tensor "a": data_offsets [0, 8] hold 8 bytes, shape [3] of F32 needs 12`, rawFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8)},
		{"offsets reversed", `tensor "a": data_offsets [8, 0] end before they begin`, rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, 8)},
		{"offsets outside data", `tensor "b": data_offsets [100, 104] lie outside the data section (4 bytes)`,
			rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}}`, 4)},
		{"overlap", `tensor "b": data_offsets [4, 12] overlap tensor "a" [0, 8]`,
			rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12)},
		{"duplicate names", `tensor "a": duplicate name`,
			rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)},
		{"metadata not string", `__metadata__ "x" is not a string`, rawFile(`{"__metadata__":{"x":1}}`, 0)},
		{"truncated", `truncated: header promises 129 bytes, file has 127 (tensor "b" and later are cut off)`, valid[:len(valid)-2]},
		{"extra bytes", "3 bytes after the 12 byte data section", append(append([]byte{}, valid...), 1, 2, 3)},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q, want it to name %s and say %q", err, path, c.want)
			}
		})
	}
	if _, err := parseFile(valid); err != nil {
		t.Fatalf("the valid base file fails: %v", err)
	}
}

func TestEdgeCasesThatAreValid(t *testing.T) {
	cases := map[string][]byte{
		"no tensors":     rawFile(`{}`, 0),
		"metadata only":  rawFile(`{"__metadata__":{"format":"pt"}}`, 0),
		"scalar":         rawFile(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 4),
		"empty tensors":  rawFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}`, 0),
		"padded header":  rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}     `, 1),
		"fp8 and extras": rawFile(`{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2],"extra":1}}`, 2),
	}
	for name, b := range cases {
		if _, err := parseFile(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(rawFile(`{}`, 0))
	f.Add(rawFile(`{"__metadata__":{"config":"{}"},"a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}`, 8))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4))
	f.Add(rawFile(`{"a":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[0,3]},"a":{}}`, 3))
	f.Add(rawFile(`{"a": [`, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseFile(b)
		if err != nil {
			return
		}
		// A header that passes must describe tensors that fit the file.
		have := int64(len(b)) - h.dataStart()
		if h.dataLen != have {
			t.Fatalf("data section %d, file holds %d", h.dataLen, have)
		}
		for name, ti := range h.tensors {
			if ti.Begin < 0 || ti.End > have || ti.End-ti.Begin != ti.Numel()*int64(ti.DType.Size()) {
				t.Fatalf("tensor %q: %+v does not fit", name, ti)
			}
		}
	})
}
