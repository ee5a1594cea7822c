package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/demo"
	"github.com/flux-vk/flux-vk/pipeline"
)

type evalOut struct {
	Rates map[string]float64 `json:"rates"`
	Tally demo.Tally         `json:"tally"`
}

func evalDemo(t *testing.T, env []string, args ...string) evalOut {
	t.Helper()
	out, errs, code := cli(t, env, append([]string{"eval-demo", "--json", "--quiet"}, args...)...)
	if code != 0 {
		t.Fatalf("eval-demo %q: exit %d\n%s", args, code, errs)
	}
	var r evalOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	return r
}

// cacheEnv gives a run an empty home and cache: no Hugging Face model, the
// demo extracted afresh.
func cacheEnv(t *testing.T) []string {
	d := t.TempDir()
	return []string{"HOME=" + d, "HF_HOME=" + d, "HF_HUB_CACHE=", "XDG_CACHE_HOME=" + d}
}

// --judge scores existing pictures: the renderer's own are all right.
func TestEvalDemoJudgesGroundTruth(t *testing.T) {
	w, err := demo.LoadWorld()
	if err != nil {
		t.Fatal(err)
	}
	h, err := demo.LoadHeldout()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 6
	for i := 0; i < n; i++ {
		rgb, err := w.Render(h.Prompts[i])
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("p%03d_s%d.png", i, h.Seeds[0]))
		if err := pipeline.WritePNG(name, rgb, w.Size, w.Size, "", true); err != nil {
			t.Fatal(err)
		}
	}
	r := evalDemo(t, nil, "--judge", dir, "--prompts", fmt.Sprint(n))
	if r.Tally.Pictures != n || r.Rates["overall"] != 1 {
		t.Errorf("ground truth judged %+v, rates %v", r.Tally, r.Rates)
	}
}

// With no model given and nothing in the Hugging Face cache, generate uses
// the built-in demo model at its native size and says so.
func TestGenerateDefaultsToDemoModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo.png")
	args := []string{"generate", "-p", "a red circle on the left, blue background", "--seed", "1", "-o", out, "--json"}
	if onCPU {
		args = append(args, "--cpu")
	}
	stdout, errs, code := cli(t, cacheEnv(t), args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "using the built-in 64x64 demo model") || !strings.Contains(errs, "FLUX.1-schnell") {
		t.Errorf("no note about the demo model in:\n%s", errs)
	}
	var s summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Width != demo.Size || s.Height != demo.Size || s.Steps != 4 {
		t.Errorf("summary %+v", s)
	}
}

// The demo model follows its prompts: the first 12 held-out prompts (seed
// 0, 4 steps) on the test device. Measured on this model with the CPU
// executor: background 8/12, shape color 11/14, position 11/14, shape class
// 0/14 (its shapes are soft blobs; see tools/train-demo/README.md); Mesa's
// software device passes the same bounds. A random-weight model scores near
// zero on all of them; the bounds leave room for rounding differences
// between devices.
func TestEvalDemoSubset(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 12 pictures")
	}
	args := []string{"--prompts", "12", "--seeds", "1"}
	if onCPU {
		args = append(args, "--cpu")
	}
	r := evalDemo(t, cacheEnv(t), args...)
	t.Logf("rates %v", r.Rates)
	if r.Tally.Pictures != 12 || r.Tally.Shapes != 14 {
		t.Fatalf("tally %+v: want 12 pictures, 14 shapes", r.Tally)
	}
	for _, c := range []struct {
		rate string
		min  float64
	}{{"background", 0.5}, {"shape_color", 0.6}, {"position", 0.6}} {
		if got := r.Rates[c.rate]; got < c.min {
			t.Errorf("%s adherence %.2f, want at least %.2f (rates %v)", c.rate, got, c.min, r.Rates)
		}
	}
}
