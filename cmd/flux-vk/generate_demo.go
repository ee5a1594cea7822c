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
// or when no model is given and the Hugging Face cache holds no FLUX.1, and
// fills in the default size (the demo's native 64×64, else 1024×1024).
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
	}
	if f.width == 0 {
		f.width = size
	}
	if f.height == 0 {
		f.height = size
	}
	return nil
}
