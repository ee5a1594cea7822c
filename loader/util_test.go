package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func golden(name string) string { return filepath.Join(goldenDir, name) }

// readTensors copies every tensor of a file, with its metadata.
func readTensors(t *testing.T, path string) ([]Tensor, map[string]string) {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Tensor
	for _, n := range f.Names() {
		tt, err := f.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		tt.Data = slices.Clone(tt.Data)
		out = append(out, tt)
	}
	return out, f.Metadata()
}

func write(t *testing.T, path string, ts []Tensor, meta map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, ts, meta); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.MarshalIndent(v, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSharded splits tensors over n shards named as diffusers and
// transformers do, with the index beside them.
func writeSharded(t *testing.T, dir, stem string, ts []Tensor, n int) {
	t.Helper()
	weightMap := map[string]string{}
	for s := 0; s < n; s++ {
		shard := fmt.Sprintf("%s-%05d-of-%05d.safetensors", stem, s+1, n)
		var part []Tensor
		for i, tt := range ts {
			if i%n == s {
				part = append(part, tt)
				weightMap[tt.Name] = shard
			}
		}
		write(t, filepath.Join(dir, shard), part, map[string]string{"format": "pt"})
	}
	writeJSON(t, filepath.Join(dir, stem+".safetensors.index.json"),
		map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": weightMap})
}

// splitRows cuts a tensor along dim 0 into parts of the given row counts.
func splitRows(tt Tensor, rows []int, names []string) []Tensor {
	rowBytes := len(tt.Data) / tt.Shape[0]
	var out []Tensor
	off := 0
	for i, r := range rows {
		shape := append([]int{r}, tt.Shape[1:]...)
		out = append(out, Tensor{Name: names[i], DType: tt.DType, Shape: shape, Data: tt.Data[off : off+r*rowBytes]})
		off += r * rowBytes
	}
	return out
}

func swapHalves(tt Tensor) Tensor {
	h := len(tt.Data) / 2
	tt.Data = append(slices.Clone(tt.Data[h:]), tt.Data[:h]...)
	return tt
}

// sameTensors checks that a component presents exactly the original
// tensors, bit for bit.
func sameTensors(t *testing.T, c *Component, want []Tensor) {
	t.Helper()
	if c == nil {
		t.Fatal("component missing")
	}
	var names []string
	for _, w := range want {
		names = append(names, w.Name)
		got, err := c.Tensor(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != w.DType || !slices.Equal(got.Shape, w.Shape) || !bytes.Equal(got.Data, w.Data) {
			t.Fatalf("%s: got %s %v, want %s %v (or data differs)", w.Name, got.DType, got.Shape, w.DType, w.Shape)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, c.Names()) {
		t.Fatalf("%s: names differ:\n got %v\nwant %v", c.Kind, c.Names(), names)
	}
}

// metaParams decodes the "params" or "hf_config" of a golden file.
func metaParams(t *testing.T, meta map[string]string) map[string]any {
	t.Helper()
	var whole map[string]any
	if err := json.Unmarshal([]byte(meta["config"]), &whole); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"params", "hf_config"} {
		if p, ok := whole[k].(map[string]any); ok {
			return p
		}
	}
	t.Fatal("no params in metadata")
	return nil
}

func fmtv(v any) string { return fmt.Sprintf("%+v", v) }
