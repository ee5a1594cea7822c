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

// pipelineParts reads the four golden pipeline components (BFL names).
func pipelineParts(t *testing.T) (flux, ae, clip, t5 []Tensor, metas [4]map[string]string) {
	dir := golden("schnell_pipeline_tiny")
	flux, metas[0] = readTensors(t, filepath.Join(dir, "flux.safetensors"))
	ae, metas[1] = readTensors(t, filepath.Join(dir, "ae.safetensors"))
	clip, metas[2] = readTensors(t, filepath.Join(dir, "clip_l.safetensors"))
	t5, metas[3] = readTensors(t, filepath.Join(dir, "t5xxl.safetensors"))
	return
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
