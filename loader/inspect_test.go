package loader_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/flux-vk/flux-vk/loader" // see layout_diffusers_test.go
)

func TestInspect(t *testing.T) {
	pipeline := Golden("schnell_pipeline_tiny")
	m := LoadOne(t, pipeline)
	good, _ := os.ReadFile(filepath.Join(pipeline, "flux.safetensors"))
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.safetensors")
	os.WriteFile(truncated, good[:len(good)-1000], 0o644)
	badJSON := filepath.Join(dir, "bad_json.safetensors")
	broken := append([]byte{}, good...)
	copy(broken[8:], "{{")
	os.WriteFile(badJSON, broken, 0o644)
	noMeta := filepath.Join(t.TempDir(), "flux.safetensors")
	ts, _ := ReadTensors(t, Golden("flux_schnell_tiny.weights.safetensors"))
	WriteTensors(t, noMeta, ts, nil)
	withSidecar := t.TempDir()
	writeDiffusersFolder(t, withSidecar)
	vae := filepath.Join(withSidecar, "vae", "diffusion_pytorch_model.safetensors")
	sum, _ := FileSHA256(vae)
	os.WriteFile(vae+".sha256", []byte(sum+"\n"), 0o644)

	cases := []struct {
		name    string
		path    string
		opts    InspectOptions
		fails   bool
		outputs []string
	}{
		{"folder of single files", pipeline, InspectOptions{}, false, []string{
			"layout      folder of single files", "FLUX.1 schnell", Thousands(m.Flux.Params()) + " parameters", "BFL names", "transformers names",
			"flux.safetensors (80 tensors"}},
		{"one file with listing", filepath.Join(pipeline, "t5xxl.safetensors"), InspectOptions{Tensors: true}, false, []string{
			"layout      single file", "missing     flux (--diffusion-model FILE), ae (--vae FILE), clip (--clip-l FILE)",
			"shared.weight", "encoder.final_layer_norm.weight"}},
		{"inputs file", Golden("flux_dev_tiny.io.safetensors"), InspectOptions{}, false, []string{"no FLUX component recognised"}},
		{"diffusers folder with verify", withSidecar, InspectOptions{Verify: true}, false, []string{
			"layout      diffusers folder", "diffusers names, mapped to BFL", "vae/diffusion_pytorch_model.safetensors ok",
			"text_encoder/model.safetensors: no reference", "transformer/diffusion_pytorch_model-00001-of-00003.safetensors (",
			"scheduler_config", "transformer/config.json"}},
		{"truncated file", truncated, InspectOptions{}, true, []string{"PROBLEM", "truncated: header promises"}},
		{"bad header", badJSON, InspectOptions{}, true, []string{"PROBLEM", "bad_json.safetensors: header is not valid JSON"}},
		{"wrong sha256", filepath.Join(pipeline, "ae.safetensors"), InspectOptions{SHA256: strings.Repeat("ab", 32)}, true, []string{
			"PROBLEM", "sha256 mismatch"}},
		{"unusable config", noMeta, InspectOptions{}, true, []string{"flux        transformer", "PROBLEM     flux: RoPE axes"}},
		{"two transformers", GoldenDir, InspectOptions{}, true, []string{"PROBLEM", "is in both"}},
		{"not there", filepath.Join(dir, "nope"), InspectOptions{}, true, []string{"PROBLEM", "no such file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Inspect(&out, c.path, c.opts)
			if c.fails != (err != nil) || err != nil && !errors.Is(err, ErrInspect) {
				t.Fatalf("error %v (want failure: %v)\n%s", err, c.fails, out.String())
			}
			for _, want := range c.outputs {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1808448: "1,808,448", -12345: "-12,345"} {
		if got := Thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
