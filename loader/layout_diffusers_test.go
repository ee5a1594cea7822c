package loader_test

import (
	"path/filepath"
	"strings"
	"testing"

	// Dot import: these tests belong with package loader but need
	// loader/loadertest, which imports loader.
	. "github.com/flux-vk/flux-vk/loader"
	"github.com/flux-vk/flux-vk/loader/loadertest"
)

// writeDiffusersFolder lays the golden pipeline out as
// `huggingface-cli download black-forest-labs/FLUX.1-schnell` does.
func writeDiffusersFolder(t *testing.T, root string) {
	t.Helper()
	dir := Golden("schnell_pipeline_tiny")
	p := func(n string) string { return filepath.Join(dir, n) }
	if err := loadertest.WriteDiffusersFolder(root, p("flux.safetensors"), p("ae.safetensors"), p("clip_l.safetensors"), p("t5xxl.safetensors")); err != nil {
		t.Fatal(err)
	}
}

func TestDiffusersFolderLoadsGoldenWeights(t *testing.T) {
	root := t.TempDir()
	writeDiffusersFolder(t, root)
	m, err := Load(Options{ModelDir: root})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	flux, ae, clip, t5, _ := PipelineParts(t)
	SameTensors(t, m.Flux, flux)
	SameTensors(t, m.AE, ae)
	SameTensors(t, m.CLIP, clip)
	SameTensors(t, m.T5, t5)
	if m.Layout != LayoutDiffusers || m.Flux.Style != StyleDiffusers || m.AE.Style != StyleDiffusers || m.Variant != "schnell" {
		t.Errorf("layout %s, styles %s/%s, variant %s", m.Layout, m.Flux.Style, m.AE.Style, m.Variant)
	}
	if len(m.Flux.Files) != 3 || len(m.T5.Files) != 2 || m.TokenizerDir == "" || m.Tokenizer2Dir == "" || m.Scheduler.Source == "" {
		t.Errorf("files %d/%d, tokenizers %q %q, scheduler %+v", len(m.Flux.Files), len(m.T5.Files), m.TokenizerDir, m.Tokenizer2Dir, m.Scheduler)
	}
	// The same model read as single files must give the same configuration,
	// but for the sample size, which only the folder's vae/config.json states
	// (loadertest writes FLUX.1's 1024).
	ref := LoadOne(t, Golden("schnell_pipeline_tiny"))
	ac := m.AEConfig
	if ac.SampleSize != 1024 || ref.AEConfig.SampleSize != 0 {
		t.Errorf("sample size %d (folder), %d (single files), want 1024 and 0", ac.SampleSize, ref.AEConfig.SampleSize)
	}
	ac.SampleSize = 0
	if !EqualFlux(m.FluxConfig, ref.FluxConfig) || m.CLIPConfig != ref.CLIPConfig || m.T5Config != ref.T5Config ||
		Fmtv(ac) != Fmtv(ref.AEConfig) || m.MaxSequenceLength != 256 {
		t.Errorf("configs differ from the single-file load:\n%+v\n%+v", m.FluxConfig, ref.FluxConfig)
	}
	for _, c := range m.Components() {
		if len(c.Unused) > 0 {
			t.Errorf("%s: unused %v", c.Kind, c.Unused)
		}
	}
}

func TestDiffusersDevTransformer(t *testing.T) {
	root := t.TempDir()
	flux, meta := ReadTensors(t, Golden("flux_dev_tiny.weights.safetensors"))
	if err := loadertest.WriteDiffusersTransformer(root, flux, MetaParams(t, meta)); err != nil {
		t.Fatal(err)
	}
	m, err := Load(Options{ModelDir: root, AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	SameTensors(t, m.Flux, flux)
	if m.Variant != "dev" || !m.FluxConfig.Guidance || m.MaxSequenceLength != 512 || !m.Scheduler.UseDynamicShifting {
		t.Errorf("variant %s, config %+v, max len %d, scheduler %+v", m.Variant, m.FluxConfig, m.MaxSequenceLength, m.Scheduler)
	}
	// Real FLUX.1 configs omit axes_dims_rope: the default [16 56 56] only
	// fits a head width of 128, so this tiny model must say so clearly.
	err = loadertest.EditJSON(filepath.Join(root, "transformer", "config.json"), func(c map[string]any) { delete(c, "axes_dims_rope") })
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(Options{ModelDir: root, AllowMissing: true})
	if err == nil || !strings.Contains(err.Error(), "RoPE axes [16 56 56] sum to 128, the head width is 64") {
		t.Errorf("want an axes error, got %v", err)
	}
}
