package demo

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/flux-vk/flux-vk/loader"
)

func mustWorld(t *testing.T) (*World, *Heldout) {
	t.Helper()
	w, err := LoadWorld()
	if err != nil {
		t.Fatal(err)
	}
	h, err := LoadHeldout()
	if err != nil {
		t.Fatal(err)
	}
	return w, h
}

// The Go twin draws what the training tool drew (testdata/heldout_*.png
// come from tools/train-demo/world.py).
func TestRenderMatchesTrainingTool(t *testing.T) {
	w, h := mustWorld(t)
	files, _ := filepath.Glob("testdata/heldout_*.png")
	if len(files) == 0 {
		t.Fatal("no testdata/heldout_*.png")
	}
	for i, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Render(h.Prompts[i])
		if err != nil {
			t.Fatal(err)
		}
		differ := 0
		for y := 0; y < w.Size; y++ {
			for x := 0; x < w.Size; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				p := got[(y*w.Size+x)*3:]
				if byte(r>>8) != p[0] || byte(g>>8) != p[1] || byte(b>>8) != p[2] {
					differ++
				}
			}
		}
		// Centers are float32 here and float64 there: a subsample exactly on
		// an edge may fall the other way.
		if differ > 4 {
			t.Errorf("%s: %d pixels differ from the Go render", name, differ)
		}
	}
}

// On the renderer's own pictures the judge is right about everything.
func TestJudgeGroundTruth(t *testing.T) {
	w, h := mustWorld(t)
	var tally Tally
	for i, p := range h.Prompts {
		img, err := w.Render(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.Judge(img, w.Size, p)
		if err != nil {
			t.Fatal(err)
		}
		if !v.OK() {
			t.Errorf("prompt %d %q: %+v", i, p.Prompt, v)
		}
		tally.Add(v)
	}
	if tally.Pictures != len(h.Prompts) || tally.Overall != tally.Pictures {
		t.Errorf("tally %+v", tally)
	}
}

// A picture judged against a scene that differs in one attribute fails
// that attribute and only that one.
func TestJudgeNoticesEachAttribute(t *testing.T) {
	w, _ := mustWorld(t)
	truth := Spec{BG: "blue", Shapes: []Shape{{Kind: "star", Color: "yellow", Size: "large", Pos: "left"}}}
	img, err := w.Render(truth)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		edit   func(s *Spec)
		failed string
	}{
		{"background", func(s *Spec) { s.BG = "black" }, "background"},
		{"scene background", func(s *Spec) { s.BG = "sky over grass" }, "background"},
		{"color", func(s *Spec) { s.Shapes[0].Color = "red" }, "color"},
		{"class", func(s *Spec) { s.Shapes[0].Kind = "square" }, "class"},
		{"position", func(s *Spec) { s.Shapes[0].Pos = "right" }, "position"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := truth
			s.Shapes = append([]Shape(nil), truth.Shapes...)
			c.edit(&s)
			v, err := w.Judge(img, w.Size, s)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("bg=%v color=%v class=%v position=%v", v.Background, v.Shapes[0].Color, v.Shapes[0].Class, v.Shapes[0].Position)
			want := map[string]string{
				"background": "bg=false color=true class=true position=true",
				"color":      "bg=true color=false class=false position=false",
				"class":      "bg=true color=true class=false position=true",
				"position":   "bg=true color=true class=true position=false",
			}[c.failed]
			if got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestJudgeRejectsBadInput(t *testing.T) {
	w, _ := mustWorld(t)
	if _, err := w.Judge(make([]byte, 10), 64, Spec{BG: "blue"}); err == nil {
		t.Error("short picture accepted")
	}
	if _, err := w.Judge(make([]byte, 64*64*3), 64, Spec{BG: "plaid"}); err == nil {
		t.Error("unknown background accepted")
	}
}

// The embedded model extracts to the cache and loads through the diffusers
// path, its T5 length (max_sequence_length in transformer/config.json)
// honoured.
func TestModelDirLoads(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	dir, err := ModelDir()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ModelDir()
	if err != nil || again != dir {
		t.Fatalf("second call: %q, %v (first %q)", again, err, dir)
	}
	m, err := loader.Load(loader.Options{ModelDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Layout != loader.LayoutDiffusers || m.Variant != "schnell" || m.MaxSequenceLength != 48 {
		t.Errorf("layout %s, variant %s, T5 length %d", m.Layout, m.Variant, m.MaxSequenceLength)
	}
	if m.AEConfig.ZChannels != 16 || m.FluxConfig.InChannels != 64 {
		t.Errorf("latent channels %d, transformer input %d", m.AEConfig.ZChannels, m.FluxConfig.InChannels)
	}
}

func TestTallyRates(t *testing.T) {
	var tl Tally
	tl.Add(Verdict{Background: true, Shapes: []ShapeVerdict{{Color: true, Class: true, Position: true}}})
	tl.Add(Verdict{Background: false, Shapes: []ShapeVerdict{{Color: true}, {Color: true, Position: true}}})
	r := tl.Rates()
	want := map[string]float64{"background": 0.5, "shape_color": 1, "shape_class": 1.0 / 3, "position": 2.0 / 3, "overall": 0.5}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s: %v, want %v", k, r[k], v)
		}
	}
}
