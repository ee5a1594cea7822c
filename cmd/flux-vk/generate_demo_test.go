package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFolderSampleSize(t *testing.T) {
	for _, tt := range []struct {
		name, config string
		want         int
	}{
		{"flux", `{"sample_size": 1024, "scaling_factor": 0.3611}`, 1024},
		{"demo", `{"sample_size": 64}`, 64},
		{"none", `{"scaling_factor": 1}`, 0},
		{"odd", `{"sample_size": 100}`, 0},
		{"broken", `{"sample_size": `, 0},
	} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "vae"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "vae", "config.json"), []byte(tt.config), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := folderSampleSize(dir); got != tt.want {
			t.Errorf("%s: folderSampleSize = %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := folderSampleSize(t.TempDir()); got != 0 {
		t.Errorf("folder without vae/: %d, want 0", got)
	}
}
