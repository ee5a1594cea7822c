package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/flux-vk/flux-vk/demo"
	"github.com/flux-vk/flux-vk/loader"
)

// demoModelName is the --model value that always means the built-in demo.
const demoModelName = "demo"

// defaultModel picks the built-in demo model when asked for (--model demo),
// or when no model is given and the Hugging Face cache holds no FLUX.1, and
// fills in the default size (the demo's native 64×64, else the model folder's
// vae/config.json sample_size, else 1024×1024).
func (f *genFlags) defaultModel(note io.Writer) error {
	useDemo := false
	if f.load.ModelDir == demoModelName {
		dir, err := demo.ModelDir()
		if err != nil {
			return err
		}
		f.load.ModelDir, useDemo = dir, true
	} else if f.load == (loader.Options{}) {
		if _, err := loader.FindHFCache(); err != nil {
			dir, err := demo.ModelDir()
			if err != nil {
				return err
			}
			f.load.ModelDir, useDemo = dir, true
			if note != nil {
				fmt.Fprintf(note, "no model given and no FLUX.1 in the Hugging Face cache: using the built-in %dx%d demo model "+
					"(for the real one: huggingface-cli download black-forest-labs/FLUX.1-schnell, or --model DIR)\n", demo.Size, demo.Size)
			}
		}
	}
	size := 1024
	if useDemo {
		size = demo.Size
	} else if n := folderSampleSize(f.load.ModelDir); n > 0 {
		size = n
	}
	if f.width == 0 {
		f.width = size
	}
	if f.height == 0 {
		f.height = size
	}
	return nil
}

// folderSampleSize is the picture size a diffusers folder's autoencoder was
// made for (vae/config.json "sample_size": 1024 in FLUX.1's, 64 in a demo
// model trained by tools/train-demo), or 0 when there is none or it is not a
// usable size (a positive multiple of 16).
func folderSampleSize(dir string) int {
	if dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "vae", "config.json"))
	if err != nil {
		return 0
	}
	var c struct {
		SampleSize int `json:"sample_size"`
	}
	if json.Unmarshal(b, &c) != nil || c.SampleSize <= 0 || c.SampleSize%16 != 0 {
		return 0
	}
	return c.SampleSize
}
