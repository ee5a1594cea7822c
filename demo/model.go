package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// Size is the demo model's native picture size (width = height, pixels).
const Size = 64

// modelFiles lists the embedded files, sorted.
func modelFiles() ([]string, error) {
	var files []string
	err := fs.WalkDir(modelFS, "model", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	sort.Strings(files)
	return files, err
}

// Digest identifies the embedded model: sha256 over names and contents.
func Digest() (string, error) {
	files, err := modelFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		b, err := modelFS.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ModelDir returns a folder holding the demo model, extracting the embedded
// copy on first use to <user cache>/flux-vk/demo-<digest> (or the temporary
// folder when there is no cache directory). The loader reads it like any
// diffusers checkpoint.
func ModelDir() (string, error) {
	if !embedded {
		return "", fmt.Errorf("this flux-vk was built without the demo model (build tag nodemo): give --model demo/model from a checkout")
	}
	sum, err := Digest()
	if err != nil {
		return "", fmt.Errorf("demo model: %w", err)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "flux-vk", "demo-"+sum[:16])
	if _, err := os.Stat(filepath.Join(dir, "model_index.json")); err == nil {
		return dir, nil
	}
	if err := extract(dir); err != nil {
		return "", fmt.Errorf("demo model: extract to %s: %w", dir, err)
	}
	return dir, nil
}

// extract writes the files into a fresh folder beside dir, then renames it
// into place, so a concurrent or interrupted run never sees half a model.
func extract(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".demo-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files, err := modelFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := modelFS.ReadFile(f)
		if err != nil {
			return err
		}
		rel := filepath.FromSlash(path.Clean(f[len("model/"):]))
		dst := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "model_index.json")); serr == nil {
			return nil // another process won the race
		}
		return err
	}
	return nil
}
