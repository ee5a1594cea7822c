package loader_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/flux-vk/flux-vk/loader" // see layout_diffusers_test.go
	"github.com/flux-vk/flux-vk/loader/loadertest"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	if err := loadertest.CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
}

func TestLayoutErrors(t *testing.T) {
	pipe := func(n string) string { return Golden(filepath.Join("schnell_pipeline_tiny", n)) }
	twoFlux := t.TempDir()
	copyFile(t, Golden("flux_schnell_tiny.weights.safetensors"), filepath.Join(twoFlux, "a.safetensors"))
	copyFile(t, Golden("flux_dev_tiny.weights.safetensors"), filepath.Join(twoFlux, "b.safetensors"))
	damaged := t.TempDir()
	b, _ := os.ReadFile(pipe("ae.safetensors"))
	os.WriteFile(filepath.Join(damaged, "ae.safetensors"), b[:len(b)-10], 0o644)
	badIndex := t.TempDir()
	writeDiffusersFolder(t, badIndex)
	idxPath := filepath.Join(badIndex, "transformer", "diffusion_pytorch_model.safetensors.index.json")
	err := loadertest.EditJSON(idxPath, func(idx map[string]any) {
		idx["weight_map"].(map[string]any)["x_embedder.weight"] = "diffusion_pytorch_model-00002-of-00003.safetensors"
	})
	if err != nil {
		t.Fatal(err)
	}
	lostShard := t.TempDir()
	writeDiffusersFolder(t, lostShard)
	os.Remove(filepath.Join(lostShard, "text_encoder_2", "model-00002-of-00002.safetensors"))
	noMeta := t.TempDir()
	ts, _ := ReadTensors(t, Golden("flux_schnell_tiny.weights.safetensors"))
	WriteTensors(t, filepath.Join(noMeta, "flux.safetensors"), ts, nil)

	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"missing components", Options{ModelDir: Golden("dev_pipeline_tiny")}, []string{
			"found flux (", "dev_pipeline_tiny/flux.safetensors)", "missing ae (give --vae FILE", "clip (give --clip-l FILE", "t5 (give --t5xxl FILE"}},
		{"only some files", Options{DiffusionModel: pipe("flux.safetensors"), VAE: pipe("ae.safetensors")}, []string{
			"model files: found flux", "ae (", "missing clip (give --clip-l", "t5 (give --t5xxl"}},
		{"two transformers", Options{ModelDir: twoFlux, AllowMissing: true}, []string{"is in both", "a.safetensors", "b.safetensors", "--diffusion-model"}},
		{"wrong file for flag", Options{ModelDir: Golden("schnell_pipeline_tiny"), VAE: pipe("clip_l.safetensors")}, []string{
			"--vae", "clip_l.safetensors: holds no autoencoder tensors (36 tensors, 36 CLIP text encoder)"}},
		{"mismatched components", Options{DiffusionModel: Golden("flux_schnell_tiny.weights.safetensors"), VAE: pipe("ae.safetensors"),
			CLIPL: Golden("clip_text_tiny.weights.safetensors"), T5XXL: Golden("t5_encoder_tiny.weights.safetensors")}, []string{
			"CLIP width 64 does not match the transformer's vec_in_dim 32", "--clip-l", "T5 d_model 64 does not match the transformer's context_in_dim 48", "--t5xxl"}},
		{"damaged file", Options{ModelDir: damaged, AllowMissing: true}, []string{"ae.safetensors: truncated"}},
		{"index lies", Options{ModelDir: badIndex}, []string{`tensor "x_embedder.weight" is listed in shard diffusion_pytorch_model-00002-of-00003.safetensors, which does not hold it`}},
		{"shard gone", Options{ModelDir: lostShard}, []string{"model.safetensors.index.json lists shard model-00002-of-00002.safetensors, which is not there"}},
		{"empty folder", Options{ModelDir: t.TempDir()}, []string{"no model_index.json (diffusers folder) and no .safetensors files"}},
		{"no config for tiny heads", Options{ModelDir: noMeta, AllowMissing: true}, []string{"RoPE axes [16 56 56] sum to 128, the head width is 64"}},
		{"not there", Options{ModelDir: filepath.Join(t.TempDir(), "nope")}, []string{"nope: no such file or folder"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Load(c.opts)
			if err == nil {
				m.Close()
				t.Fatalf("no error, want %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q\nshould contain %q", err, w)
				}
			}
		})
	}
}

// With no flag the Hugging Face cache is searched ($HF_HOME/hub/...).
func TestHFCacheDiscovery(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_HUB_CACHE", "")
	if _, err := Load(Options{}); err == nil || !strings.Contains(err.Error(), "models--black-forest-labs--FLUX.1-schnell/snapshots") {
		t.Fatalf("empty cache: %v", err)
	}
	repo := filepath.Join(home, "hub", "models--black-forest-labs--FLUX.1-schnell")
	writeDiffusersFolder(t, filepath.Join(repo, "snapshots", "0123abcd"))
	os.MkdirAll(filepath.Join(repo, "snapshots", "stale"), 0o755)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("0123abcd\n"), 0o644)
	m, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.HasSuffix(m.Root, "0123abcd") || m.Layout != LayoutDiffusers || m.Variant != "schnell" {
		t.Errorf("root %s, layout %s, variant %s", m.Root, m.Layout, m.Variant)
	}
}
