package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// hfRepos are the checkpoints looked for in the Hugging Face cache, in
// order.
var hfRepos = []string{"models--black-forest-labs--FLUX.1-schnell", "models--black-forest-labs--FLUX.1-dev"}

// HFHubDir is the Hugging Face hub cache: $HF_HUB_CACHE, $HF_HOME/hub, or
// ~/.cache/huggingface/hub.
func HFHubDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// FindHFCache returns the snapshot folder of FLUX.1-schnell (else
// FLUX.1-dev) in the Hugging Face cache: the one refs/main names, else the
// most recently modified.
func FindHFCache() (string, error) {
	hub := HFHubDir()
	var looked []string
	for _, repo := range hfRepos {
		dir := filepath.Join(hub, repo)
		looked = append(looked, filepath.Join(dir, "snapshots", "*"))
		if snap := snapshotOf(dir); snap != "" {
			return snap, nil
		}
	}
	return "", fmt.Errorf("no model given and none in the Hugging Face cache (looked in %s); "+
		"give --model DIR, or --diffusion-model, --vae, --clip-l and --t5xxl files, "+
		"or run `huggingface-cli download black-forest-labs/FLUX.1-schnell`", strings.Join(looked, ", "))
}

func snapshotOf(repoDir string) string {
	if ref, err := os.ReadFile(filepath.Join(repoDir, "refs", "main")); err == nil {
		snap := filepath.Join(repoDir, "snapshots", strings.TrimSpace(string(ref)))
		if st, err := os.Stat(snap); err == nil && st.IsDir() {
			return snap
		}
	}
	snaps, _ := filepath.Glob(filepath.Join(repoDir, "snapshots", "*"))
	sort.Slice(snaps, func(i, j int) bool { return modTime(snaps[i]) > modTime(snaps[j]) })
	for _, s := range snaps {
		if st, err := os.Stat(s); err == nil && st.IsDir() {
			return s
		}
	}
	return ""
}

func modTime(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.ModTime().UnixNano()
}
