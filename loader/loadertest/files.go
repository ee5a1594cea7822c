package loadertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/flux-vk/flux-vk/loader"
)

// ReadTensors copies every tensor of a safetensors file (the data is
// cloned, so the file is closed on return) and returns its metadata.
func ReadTensors(path string) ([]loader.Tensor, map[string]string, error) {
	f, err := loader.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	out := make([]loader.Tensor, 0, f.Len())
	for _, n := range f.Names() {
		t, err := f.Tensor(n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		t.Data = slices.Clone(t.Data)
		out = append(out, t)
	}
	return out, f.Metadata(), nil
}

// Params decodes the component configuration a golden weights file carries
// in __metadata__["config"]: its "params" (BFL) or "hf_config"
// (transformers) object.
func Params(meta map[string]string) (map[string]any, error) {
	var whole map[string]any
	if err := json.Unmarshal([]byte(meta["config"]), &whole); err != nil {
		return nil, fmt.Errorf("metadata config: %w", err)
	}
	for _, k := range []string{"params", "hf_config"} {
		if p, ok := whole[k].(map[string]any); ok {
			return p, nil
		}
	}
	return nil, fmt.Errorf("metadata config has neither \"params\" nor \"hf_config\"")
}

// readWithParams reads a weights file and the component configuration
// its metadata carries.
func readWithParams(path string) ([]loader.Tensor, map[string]any, error) {
	ts, meta, err := ReadTensors(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := Params(meta)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, p, nil
}

// WriteTensors writes a safetensors file with loader.WriteFile, creating
// its folder.
func WriteTensors(path string, ts []loader.Tensor, meta map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return loader.WriteFile(path, ts, meta)
}

// WriteJSON writes v as indented JSON, creating the folder.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// EditJSON rewrites a JSON object file through edit (tests use it to break
// an index or drop a config key).
func EditJSON(path string, edit func(map[string]any)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	edit(m)
	return WriteJSON(path, m)
}

// CopyFile copies src to dst, creating dst's folder.
func CopyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
