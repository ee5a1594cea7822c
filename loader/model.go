package loader

import (
	"errors"
	"fmt"
	"strings"
)

// Layouts a model can come in.
const (
	LayoutDiffusers   = "diffusers"    // huggingface-cli download black-forest-labs/FLUX.1-*
	LayoutSingleFiles = "single-files" // a folder of single files (BFL / ComfyUI)
	LayoutFiles       = "files"        // files named one by one on the command line
)

// Options says where the checkpoint is. ModelDir is a diffusers folder, a
// folder of single files or one file; the other fields name single files
// (ComfyUI / stable-diffusion.cpp style) and override what ModelDir holds.
// All empty: the Hugging Face cache is searched.
type Options struct {
	ModelDir       string
	DiffusionModel string // --diffusion-model
	VAE            string // --vae
	CLIPL          string // --clip-l
	T5XXL          string // --t5xxl
	// AllowMissing loads whatever components are there (inspect, tools
	// that only need some); otherwise all four are required.
	AllowMissing bool
}

// Model is a loaded checkpoint.
type Model struct {
	Layout string
	Root   string // ModelDir as found (or the cache snapshot)
	// Variant is "schnell" or "dev": dev has guidance_in.
	Variant            string
	Flux, AE, CLIP, T5 *Component
	FluxConfig         FluxConfig
	AEConfig           AEConfig
	CLIPConfig         CLIPConfig
	T5Config           T5Config
	MaxSequenceLength  int
	Scheduler          SchedulerConfig
	TokenizerDir       string // diffusers tokenizer/ (CLIP), "" if absent
	Tokenizer2Dir      string // diffusers tokenizer_2/ (T5), "" if absent
	// Ignored lists .safetensors files of the folder holding no model
	// tensors (an inputs/outputs file, say).
	Ignored []string
	files   []*File
}

// Components lists the loaded components in pipeline order.
func (m *Model) Components() []*Component {
	var out []*Component
	for _, c := range []*Component{m.Flux, m.AE, m.CLIP, m.T5} {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Close unmaps every file.
func (m *Model) Close() error {
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	m.files = nil
	return errors.Join(errs...)
}

// componentFlags names the flag that supplies each component and a file
// commonly used for it.
var componentFlags = map[string][2]string{
	KindFlux: {"--diffusion-model", "flux1-schnell.safetensors"},
	KindAE:   {"--vae", "ae.safetensors"},
	KindCLIP: {"--clip-l", "clip_l.safetensors"},
	KindT5:   {"--t5xxl", "t5xxl_fp16.safetensors or t5xxl_fp8_e4m3fn.safetensors"},
}

// missingError lists what was found, what is missing and which flag
// supplies it.
func (m *Model) missingError(where string) error {
	var found, missing []string
	for _, k := range []string{KindFlux, KindAE, KindCLIP, KindT5} {
		c := m.component(k)
		if c != nil {
			found = append(found, fmt.Sprintf("%s (%s)", k, strings.Join(c.Paths(), ", ")))
			continue
		}
		fl := componentFlags[k]
		missing = append(missing, fmt.Sprintf("%s (give %s FILE, e.g. %s)", k, fl[0], fl[1]))
	}
	if len(missing) == 0 {
		return nil
	}
	if len(found) == 0 {
		found = []string{"nothing"}
	}
	return fmt.Errorf("%s: found %s; missing %s", where, strings.Join(found, ", "), strings.Join(missing, ", "))
}

func (m *Model) component(kind string) *Component {
	switch kind {
	case KindFlux:
		return m.Flux
	case KindAE:
		return m.AE
	case KindCLIP:
		return m.CLIP
	case KindT5:
		return m.T5
	}
	return nil
}

func (m *Model) setComponent(c *Component) {
	switch c.Kind {
	case KindFlux:
		m.Flux = c
	case KindAE:
		m.AE = c
	case KindCLIP:
		m.CLIP = c
	case KindT5:
		m.T5 = c
	}
}
