// Package demo owns the demo model that ships inside flux-vk: the synthetic
// world it was trained on (shapes in named colors on plain or two-color
// backgrounds, the Go twin of tools/train-demo/world.py), the held-out
// evaluation prompts, the judge that scores a generated picture against the
// scene it was asked for, and the embedded model files themselves.
//
// world.json (the colors, shapes, positions and caption templates) is shared
// with the training tool, so the two sides cannot drift apart.
package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed world.json
var worldJSON []byte

//go:embed heldout.json
var heldoutJSON []byte

// Scene is a two-color background: top above the horizon, bottom below.
type Scene struct {
	Name        string   `json:"name"`
	Phrases     []string `json:"phrases"`
	Top, Bottom [3]uint8 `json:"-"`
	TopRaw      []int    `json:"top"`
	BottomRaw   []int    `json:"bottom"`
}

// World is world.json: the vocabulary and geometry of the synthetic world.
type World struct {
	Size   int `json:"size"`
	Colors []struct {
		Name string `json:"name"`
		RGB  []int  `json:"rgb"`
	} `json:"colors"`
	Scenes    []Scene               `json:"scenes"`
	Horizon   float64               `json:"horizon"`
	Shapes    []string              `json:"shapes"`
	Sizes     map[string]float64    `json:"sizes"`
	Positions map[string][2]float64 `json:"positions"`
}

// Shape is one object of a scene, as the training tool draws it.
type Shape struct {
	Kind  string  `json:"shape"`
	Color string  `json:"color"`
	Size  string  `json:"size"`
	Pos   string  `json:"pos"`
	DX    float64 `json:"dx"`
	DY    float64 `json:"dy"`
}

// Spec is a scene: a background (a color name or a scene name) and one or
// two shapes.
type Spec struct {
	Prompt string  `json:"prompt"`
	BG     string  `json:"bg"`
	Shapes []Shape `json:"shapes"`
}

// Heldout is the evaluation set: prompts from templates and combinations
// the model never saw in training, and the seeds to run each with.
type Heldout struct {
	Seeds   []uint64 `json:"seeds"`
	Prompts []Spec   `json:"prompts"`
}

var (
	worldOnce sync.Once
	world     *World
	worldErr  error
)

// LoadWorld parses the embedded world.json (once).
func LoadWorld() (*World, error) {
	worldOnce.Do(func() {
		var w World
		if err := json.Unmarshal(worldJSON, &w); err != nil {
			worldErr = fmt.Errorf("demo world.json: %w", err)
			return
		}
		for i := range w.Scenes {
			s := &w.Scenes[i]
			if len(s.TopRaw) != 3 || len(s.BottomRaw) != 3 {
				worldErr = fmt.Errorf("demo world.json: scene %q: want 3 components per color", s.Name)
				return
			}
			s.Top, s.Bottom = rgb(s.TopRaw), rgb(s.BottomRaw)
		}
		world = &w
	})
	return world, worldErr
}

// LoadHeldout parses the embedded held-out evaluation set.
func LoadHeldout() (*Heldout, error) {
	h, err := ParseHeldout(heldoutJSON)
	if err != nil {
		return nil, fmt.Errorf("demo heldout.json: %w", err)
	}
	return h, nil
}

// ParseHeldout parses a prompt set in heldout.json's format ({"seeds": [...],
// "prompts": [{"prompt", "bg", "shapes"}, ...]}), e.g. one drawn from the
// training templates, which tells a model's reading of new phrasings apart
// from its drawing.
func ParseHeldout(data []byte) (*Heldout, error) {
	var h Heldout
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, err
	}
	if len(h.Prompts) == 0 || len(h.Seeds) == 0 {
		return nil, fmt.Errorf("no prompts or no seeds")
	}
	return &h, nil
}

func rgb(v []int) [3]uint8 { return [3]uint8{uint8(v[0]), uint8(v[1]), uint8(v[2])} }

// Color returns a named color.
func (w *World) Color(name string) ([3]uint8, bool) {
	for _, c := range w.Colors {
		if c.Name == name && len(c.RGB) == 3 {
			return rgb(c.RGB), true
		}
	}
	return [3]uint8{}, false
}

// Scene returns a named two-color scene.
func (w *World) Scene(name string) (*Scene, bool) {
	for i := range w.Scenes {
		if w.Scenes[i].Name == name {
			return &w.Scenes[i], true
		}
	}
	return nil, false
}

// Background gives the top and bottom colors of a background (equal for a
// plain color).
func (w *World) Background(bg string) (top, bottom [3]uint8, err error) {
	if s, ok := w.Scene(bg); ok {
		return s.Top, s.Bottom, nil
	}
	if c, ok := w.Color(bg); ok {
		return c, c, nil
	}
	return top, bottom, fmt.Errorf("unknown background %q", bg)
}
