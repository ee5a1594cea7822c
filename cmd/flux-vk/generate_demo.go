package main

import (
	"fmt"
	"io"

	"github.com/flux-vk/flux-vk/demo"
	"github.com/flux-vk/flux-vk/loader"
)

// demoModelName is the --model value that always means the built-in demo.
const demoModelName = "demo"

// defaultModel picks the built-in demo model when asked for (--model demo),
// or when no model is given and the Hugging Face cache holds no FLUX.1.
func (f *genFlags) defaultModel(note io.Writer) error {
	if f.load.ModelDir == demoModelName {
		dir, err := demo.ModelDir()
		if err != nil {
			return err
		}
		f.load.ModelDir = dir
	} else if f.load == (loader.Options{}) {
		if _, err := loader.FindHFCache(); err != nil {
			dir, err := demo.ModelDir()
			if err != nil {
				return err
			}
			f.load.ModelDir = dir
			if note != nil {
				fmt.Fprintf(note, "no model given and no FLUX.1 in the Hugging Face cache: using the built-in %dx%d demo model "+
					"(for the real one: huggingface-cli download black-forest-labs/FLUX.1-schnell, or --model DIR)\n", demo.Size, demo.Size)
			}
		}
	}
	return nil
}

// defaultSize fills in the size not given: the size the model's autoencoder
// was made for (its sample_size: 64 for the demo model, 1024 in FLUX.1's
// diffusers folders), else 1024×1024.
func (f *genFlags) defaultSize(ac loader.AEConfig) {
	size := 1024
	if ac.SampleSize > 0 && ac.SampleSize%16 == 0 {
		size = ac.SampleSize
	}
	if f.width == 0 {
		f.width = size
	}
	if f.height == 0 {
		f.height = size
	}
}
