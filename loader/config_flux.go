package loader

import (
	"fmt"
	"slices"
)

// FluxConfig is the transformer configuration (BFL FluxParams).
type FluxConfig struct {
	Hidden, Heads, Depth, DepthSingle int
	InChannels, OutChannels           int
	VecInDim, ContextInDim, MLPHidden int
	AxesDim                           []int
	Theta                             float64
	Guidance, QKVBias                 bool
}

// HeadDim is the attention head width.
func (c FluxConfig) HeadDim() int { return c.Hidden / max(c.Heads, 1) }

// FLUX.1 values for what tensor shapes cannot tell.
var (
	defaultAxesDim = []int{16, 56, 56}
	defaultTheta   = 10000.0
)

// shapeOf returns the shape of a required tensor.
func (c *Component) shapeOf(name string, rank int) ([]int, error) {
	info, ok := c.Info(name)
	if !ok {
		return nil, fmt.Errorf("%s: missing tensor %s", c.Kind, name)
	}
	if len(info.Shape) != rank {
		return nil, fmt.Errorf("%s: tensor %s has shape %v, want rank %d", c.Kind, name, info.Shape, rank)
	}
	return info.Shape, nil
}

// FluxConfigOf infers the transformer configuration from tensor shapes;
// head count, RoPE axes and theta come from the component configuration
// (diffusers config.json or the file metadata), else the FLUX.1 defaults,
// and must agree with the shapes.
func FluxConfigOf(c *Component) (FluxConfig, error) {
	var fc FluxConfig
	if c == nil || c.Kind != KindFlux {
		return fc, fmt.Errorf("not a flux transformer component")
	}
	img, err := c.shapeOf("img_in.weight", 2)
	if err != nil {
		return fc, err
	}
	fc.Hidden, fc.InChannels = img[0], img[1]
	shapes := []struct {
		name string
		dim  int
		dst  *int
	}{
		{"txt_in.weight", 1, &fc.ContextInDim},
		{"vector_in.in_layer.weight", 1, &fc.VecInDim},
		{"final_layer.linear.weight", 0, &fc.OutChannels},
	}
	for _, s := range shapes {
		sh, err := c.shapeOf(s.name, 2)
		if err != nil {
			return fc, err
		}
		*s.dst = sh[s.dim]
	}
	fc.Depth = len(blockIndices(c.names, "double_blocks."))
	fc.DepthSingle = len(blockIndices(c.names, "single_blocks."))
	if fc.Depth+fc.DepthSingle == 0 {
		return fc, fmt.Errorf("%s: no double_blocks or single_blocks", c.Kind)
	}
	if err := fc.inferBlocks(c); err != nil {
		return fc, err
	}
	fc.Guidance = c.Has("guidance_in.in_layer.weight")
	fc.QKVBias = c.Has("double_blocks.0.img_attn.qkv.bias") || c.Has("single_blocks.0.linear1.bias") && fc.Depth == 0
	return fc, fc.applyConfig(c)
}

// inferBlocks reads the head width from the QK norm gain and the MLP width
// from the first block.
func (fc *FluxConfig) inferBlocks(c *Component) error {
	norm, mlp := "double_blocks.0.img_attn.norm.query_norm.scale", "double_blocks.0.img_mlp.0.weight"
	if fc.Depth == 0 {
		norm = "single_blocks.0.norm.query_norm.scale"
	}
	sh, err := c.shapeOf(norm, 1)
	if err != nil {
		return err
	}
	if sh[0] == 0 || fc.Hidden%sh[0] != 0 {
		return fmt.Errorf("%s: hidden size %d is not a multiple of the head width %d (%s)", c.Kind, fc.Hidden, sh[0], norm)
	}
	fc.Heads = fc.Hidden / sh[0]
	if fc.Depth > 0 {
		m, err := c.shapeOf(mlp, 2)
		if err != nil {
			return err
		}
		fc.MLPHidden = m[0]
		return nil
	}
	l1, err := c.shapeOf("single_blocks.0.linear1.weight", 2)
	if err != nil {
		return err
	}
	fc.MLPHidden = l1[0] - 3*fc.Hidden
	return nil
}

// applyConfig takes RoPE axes and theta from the configuration and checks
// what it says about shapes against the tensors.
func (fc *FluxConfig) applyConfig(c *Component) error {
	conf := cfg(c.Config)
	fc.AxesDim, fc.Theta = slices.Clone(defaultAxesDim), defaultTheta
	if axes, ok := conf.ints("axes_dim", "axes_dims_rope"); ok {
		fc.AxesDim = axes
	}
	if th, ok := conf.num("theta"); ok {
		fc.Theta = th
	}
	if heads, ok := conf.int("num_heads", "num_attention_heads"); ok && heads != fc.Heads {
		return fmt.Errorf("%s: %s says %d heads, the tensors have %d (hidden %d / head width %d)",
			c.Kind, c.ConfigSource, heads, fc.Heads, fc.Hidden, fc.HeadDim())
	}
	if hd, ok := conf.int("attention_head_dim"); ok && hd != fc.HeadDim() {
		return fmt.Errorf("%s: %s says head width %d, the tensors have %d", c.Kind, c.ConfigSource, hd, fc.HeadDim())
	}
	sum := 0
	for _, a := range fc.AxesDim {
		sum += a
	}
	if sum != fc.HeadDim() {
		return fmt.Errorf("%s: RoPE axes %v sum to %d, the head width is %d; the checkpoint needs a configuration with axes_dim",
			c.Kind, fc.AxesDim, sum, fc.HeadDim())
	}
	return nil
}
