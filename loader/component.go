package loader

import (
	"fmt"
	"slices"
	"sort"
)

// Component kinds.
const (
	KindFlux = "flux"
	KindAE   = "ae"
	KindCLIP = "clip"
	KindT5   = "t5"
)

// Naming styles of the stored tensors.
const (
	StyleBFL       = "bfl"       // black-forest-labs flux1-*.safetensors / ae.safetensors
	StyleDiffusers = "diffusers" // FluxTransformer2DModel / AutoencoderKL
	StyleHF        = "hf"        // transformers CLIPTextModel / T5EncoderModel
)

// Component is one model part (transformer, autoencoder, CLIP-L, T5-XXL)
// spread over one or more files, presenting its tensors under one internal
// naming whatever the layout: BFL names for flux and ae, transformers names
// for clip and t5. Its methods only read, so they are safe to call from
// several goroutines; tensors stay valid until the Model is closed.
type Component struct {
	Kind  string
	Style string
	Files []*File
	// Config is the component configuration found beside the weights:
	// a diffusers config.json, or the "params"/"hf_config" object of the
	// file's __metadata__["config"]; nil when there is none.
	Config       map[string]any
	ConfigSource string
	// Unused lists stored tensors that map to no internal name (fp8
	// scales are consumed, not unused).
	Unused []string

	recipes map[string]recipe
	names   []string
}

// source is one stored tensor, with the fp8 scale that goes with it.
type source struct {
	file  *File
	name  string
	scale string // scale tensor in the same file, "" when none
}

// recipe builds one internal tensor: its sources concatenated along dim 0,
// the two halves swapped when swap is set, and given shape.
type recipe struct {
	parts []source
	shape []int
	dtype DType // of the result
	swap  bool
}

// Names lists the internal tensor names, sorted.
func (c *Component) Names() []string { return c.names }

// Has reports whether the component has an internal tensor.
func (c *Component) Has(name string) bool { _, ok := c.recipes[name]; return ok }

// Info gives the dtype and shape a tensor will have, without reading it.
func (c *Component) Info(name string) (TensorInfo, bool) {
	r, ok := c.recipes[name]
	if !ok {
		return TensorInfo{}, false
	}
	return TensorInfo{Name: name, DType: r.dtype, Shape: r.shape}, true
}

// Shape is the shape of a tensor (nil when absent).
func (c *Component) Shape(name string) []int { return c.recipes[name].shape }

// Params counts the elements of all internal tensors.
func (c *Component) Params() int64 {
	var n int64
	for _, r := range c.recipes {
		n += (&Tensor{Shape: r.shape}).Numel()
	}
	return n
}

// Paths lists the component's files.
func (c *Component) Paths() []string {
	out := make([]string, len(c.Files))
	for i, f := range c.Files {
		out[i] = f.Path
	}
	return out
}

// DTypes counts the stored tensors of each dtype (scales included).
func (c *Component) DTypes() map[DType]int {
	out := map[DType]int{}
	seen := map[source]bool{}
	for _, r := range c.recipes {
		for _, p := range r.parts {
			for _, n := range []string{p.name, p.scale} {
				s := source{file: p.file, name: n}
				if n == "" || seen[s] {
					continue
				}
				seen[s] = true
				info, _ := p.file.Info(n)
				out[info.DType]++
			}
		}
	}
	return out
}

// Tensor returns an internal tensor. A tensor stored whole and unscaled
// aliases the file mapping; a fused, swapped or fp8-scaled one is built
// into a fresh slice (fp8 with a scale comes back as BF16).
func (c *Component) Tensor(name string) (Tensor, error) {
	r, ok := c.recipes[name]
	if !ok {
		return Tensor{}, fmt.Errorf("%s: no tensor %q", c.Kind, name)
	}
	t, err := r.build(name)
	if err != nil {
		return Tensor{}, fmt.Errorf("%s: tensor %q: %w", c.Kind, name, err)
	}
	return t, nil
}

func (c *Component) finish() {
	c.names = make([]string, 0, len(c.recipes))
	for n := range c.recipes {
		c.names = append(c.names, n)
	}
	sort.Strings(c.names)
	sort.Strings(c.Unused)
}

// newRecipe checks that the parts can be concatenated along dim 0 and works
// out the result's shape and dtype.
func newRecipe(parts []source, swap bool) (recipe, error) {
	r := recipe{parts: parts, swap: swap}
	for i, p := range parts {
		info, ok := p.file.Info(p.name)
		if !ok {
			return r, fmt.Errorf("%s: no tensor %q", p.file.Path, p.name)
		}
		dt := info.DType
		if p.scale != "" {
			dt = BF16
		}
		if i == 0 {
			r.shape, r.dtype = slices.Clone(info.Shape), dt
			continue
		}
		if len(info.Shape) == 0 || len(r.shape) == 0 || !slices.Equal(info.Shape[1:], r.shape[1:]) {
			return r, fmt.Errorf("cannot stack %q %v onto %q %v", p.name, info.Shape, parts[0].name, r.shape)
		}
		r.shape[0] += info.Shape[0]
		if dt != r.dtype {
			r.dtype = F32
		}
	}
	if swap && (len(r.shape) == 0 || r.shape[0]%2 != 0) {
		return r, fmt.Errorf("cannot swap the halves of %q %v", parts[0].name, r.shape)
	}
	return r, nil
}

// withShape returns r reshaped (same element count).
func (r recipe) withShape(shape []int) (recipe, error) {
	a, b := (&Tensor{Shape: r.shape}).Numel(), (&Tensor{Shape: shape}).Numel()
	if a != b {
		return r, fmt.Errorf("cannot reshape %q %v to %v", r.parts[0].name, r.shape, shape)
	}
	r.shape = shape
	return r, nil
}
