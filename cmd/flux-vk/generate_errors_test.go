package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// genBadCase is one bad input to generate: what the user gives, and the
// line that must tell them what is wrong.
type genBadCase struct {
	name  string
	model func(t *testing.T, p genPipeline) []string // model flags; nil: the case's single files
	args  []string                                   // after the defaults, so they override them
	env   []string
	exist bool     // out.png is there before the run
	ok    bool     // the run succeeds
	want  []string // in stderr
}

func noModel(*testing.T, genPipeline) []string { return nil }

// modelDir makes a folder holding the given files and names it with --model.
func modelDir(files map[string]string) func(*testing.T, genPipeline) []string {
	return func(t *testing.T, _ genPipeline) []string {
		dir := t.TempDir()
		for name, content := range files {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
			writeFile(t, filepath.Join(dir, name), content)
		}
		return []string{"--model", dir}
	}
}

// damagedFlux is the case's model with the transformer file cut short.
func damagedFlux(t *testing.T, p genPipeline) []string {
	b := readBytes(t, p.weight("flux"))
	path := filepath.Join(t.TempDir(), "flux.safetensors")
	writeFile(t, path, string(b[:len(b)*2/3]))
	m := p.singleFiles()
	m[1] = path
	return m
}

var genBadCases = []genBadCase{
	{name: "folder that is not a model", model: modelDir(map[string]string{"README.md": "hello", "notes/a.txt": "x"}),
		want: []string{"no model_index.json (diffusers folder) and no .safetensors files"}},
	{name: "another pipeline's folder", model: modelDir(map[string]string{"model_index.json": `{"_class_name": "StableDiffusionPipeline"}`}),
		want: []string{"model_index.json is for StableDiffusionPipeline, not a FLUX pipeline"}},
	{name: "missing components", model: func(t *testing.T, p genPipeline) []string { return p.singleFiles()[:2] },
		want: []string{"missing ae (give --vae FILE", "clip (give --clip-l FILE", "t5 (give --t5xxl FILE"}},
	{name: "width not a multiple of 16", args: []string{"--width", "100"}, want: []string{"--width 100 is not a multiple of 16; try --width 96"}},
	{name: "height below 16", args: []string{"--height", "7"}, want: []string{"--height 7 is not a multiple of 16; try --height 16"}},
	{name: "empty prompt", args: []string{"-p", ""}, ok: true, want: []string{"note: the prompt is empty"}},
	{name: "no device", env: []string{"VK_ICD_FILENAMES=/nonexistent/icd.json", "VK_DRIVER_FILES=/nonexistent/icd.json"},
		want: []string{"no Vulkan device", "mesa-vulkan-drivers"}},
	{name: "output exists", exist: true, want: []string{"out.png already exists: pass --force to overwrite it"}},
	{name: "output exists, --force", exist: true, args: []string{"--force"}, ok: true},
	{name: "output not a PNG", args: []string{"-o", "out.jpg"}, want: []string{"out.jpg: flux-vk writes PNG files; name the output *.png"}},
	{name: "output folder missing", args: []string{"-o", filepath.Join("nope", "out.png")}, want: []string{"nope does not exist"}},
	{name: "upscale 0", args: []string{"--upscale", "0"}, want: []string{"--upscale 0: want a whole factor from 1 to 8"}},
	{name: "upscale negative", args: []string{"--upscale", "-2"}, want: []string{"--upscale -2: want a whole factor from 1 to 8"}},
	{name: "upscale above 8", args: []string{"--upscale", "9"}, want: []string{"--upscale 9: want a whole factor from 1 to 8"}},
	{name: "upscale not a whole number", args: []string{"--upscale", "1.5"}, want: []string{"invalid value \"1.5\" for flag -upscale"}},
	{name: "unknown weight type", args: []string{"--weight-type", "q5_k"}, want: []string{`--weight-type: unknown weight type "q5_k": want q8_0 or q4_0`}},
	{name: "viewer without a display", args: []string{"--view"}, env: []string{"DISPLAY=", "WAYLAND_DISPLAY="},
		want: []string{"no display to open the viewer on: DISPLAY is not set"}},
	{name: "negative steps", args: []string{"--steps", "-1"}, want: []string{"--steps -1: want 1 or more"}},
	{name: "damaged weights", model: damagedFlux, want: []string{"flux.safetensors: truncated: header promises"}},
	{name: "out of device memory", env: []string{"FLUXVK_MEMORY_LIMIT=64KiB"},
		want: []string{"out of device memory", "in use", "the memory limit is 64.0 KiB", "the transformer's weights alone take", "try a smaller --width/--height"}},
	{name: "memory limit not a size", env: []string{"FLUXVK_MEMORY_LIMIT=lots"},
		want: []string{`FLUXVK_MEMORY_LIMIT: size "lots": want a number of bytes with an optional unit`}},
}

// TestGenerateBadInput runs each bad input through the CLI: a non-zero exit
// with a message that says what to do, and nothing left half-written in the
// output folder.
func TestGenerateBadInput(t *testing.T) {
	p := genPipelines(t)[0]
	for _, c := range genBadCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args, env := c.runArgs(t, p, dir)
			const before = "a file that was already there"
			if c.exist {
				writeFile(t, filepath.Join(dir, "out.png"), before)
			}
			_, errs, code := cli(t, env, args...)
			if (code == 0) != c.ok {
				t.Fatalf("exit %d, want success %v:\n%s", code, c.ok, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", errs)
			}
			c.checkOutput(t, dir, before)
		})
	}
}

// runArgs builds the command line: a quick 32x32 one-step picture of the
// case's model, written to dir/out.png, then the case's own flags.
func (c genBadCase) runArgs(t *testing.T, p genPipeline, dir string) ([]string, []string) {
	model := p.singleFiles()
	if c.model != nil {
		model = c.model(t, p)
	}
	args := append([]string{"generate"}, model...)
	args = append(args, "-p", "a small test picture", "--seed", "1", "--width", "32", "--height", "32",
		"--steps", "1", "-o", filepath.Join(dir, "out.png"))
	for i, a := range c.args {
		if i > 0 && c.args[i-1] == "-o" {
			a = filepath.Join(dir, a)
		}
		args = append(args, a)
	}
	env := c.env
	if model == nil { // no model: an empty home and cache
		home := t.TempDir()
		env = append(slices.Clone(env), "HOME="+home, "HF_HOME="+home)
	}
	if onCPU && !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "VK_ICD_FILENAMES=") }) {
		args = append(args, "--cpu")
	}
	return args, env
}

// checkOutput: a failed run leaves the folder as it was; a good one leaves
// exactly its picture.
func (c genBadCase) checkOutput(t *testing.T, dir, before string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	var want []string
	if c.ok || c.exist {
		want = []string{"out.png"}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("output folder holds %v, want %v", names, want)
	}
	if len(want) == 0 {
		return
	}
	got := string(readBytes(t, filepath.Join(dir, "out.png")))
	switch {
	case c.ok && !strings.HasPrefix(got, "\x89PNG\r\n\x1a\n"):
		t.Errorf("out.png is not a PNG after a good run")
	case !c.ok && got != before:
		t.Errorf("out.png was changed by a failed run")
	}
}
