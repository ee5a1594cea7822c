package model

import (
	"fmt"
	"math"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
)

// vae holds what the autoencoder's builders share (black-forest-labs/flux
// modules/autoencoder.py).
type vae struct {
	g *graph.Graph
	c loader.AEConfig
}

// BuildDecoder records AutoEncoder.decode for a latent of h×w:
// input "z" (z_channels, h, w) in the flow model's space, outputs
// "decoded" (3, 8h, 8w) and "image" (decoded clamped to [-1, 1]).
func BuildDecoder(g *graph.Graph, c loader.AEConfig, h, w int) error {
	v := &vae{g: g, c: c}
	z := g.Input("z", c.ZChannels, h, w)
	x := g.Tap("decoder_input", g.Affine(z, float32(1/c.ScaleFactor), float32(c.ShiftFactor)))
	x = g.Tap("dbg.conv_in", v.conv("decoder.conv_in", x, graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}}))
	x = v.mid("decoder", x)
	for lvl := len(c.ChMult) - 1; lvl >= 0; lvl-- {
		for b := 0; b <= c.NumResBlocks; b++ {
			p := fmt.Sprintf("decoder.up.%d.block.%d", lvl, b)
			x = g.Tap("dbg."+p[len("decoder."):], v.resnet(p, x))
		}
		if lvl != 0 { // nearest 2× upsample fused into the conv's load
			x = v.conv(fmt.Sprintf("decoder.up.%d.upsample.conv", lvl), x, graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}, Upsample: true})
		}
	}
	x = v.conv("decoder.conv_out", v.norm("decoder.norm_out", x, true), graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}})
	g.Output("decoded", x)
	g.Output("image", g.Clamp(x, -1, 1))
	return g.Err()
}

// BuildEncoder records AutoEncoder.encode for an image of h×w pixels: input
// "image" (3, h, w) in [-1, 1], outputs "moments" (2·z_channels, h/d, w/d) with d = c.Downsample(),
// "mean" and "latent" = scale·(mean − shift).
func BuildEncoder(g *graph.Graph, c loader.AEConfig, h, w int) error {
	v := &vae{g: g, c: c}
	x := v.conv("encoder.conv_in", g.Input("image", c.InChannels, h, w), graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}})
	for lvl := range c.ChMult {
		for b := 0; b < c.NumResBlocks; b++ {
			p := fmt.Sprintf("encoder.down.%d.block.%d", lvl, b)
			x = g.Tap("dbg."+p[len("encoder."):], v.resnet(p, x))
		}
		if lvl != len(c.ChMult)-1 { // pad right and bottom only, then stride 2
			x = v.conv(fmt.Sprintf("encoder.down.%d.downsample.conv", lvl), x, graph.ConvOpt{Stride: 2, Pad: [4]int{0, 0, 1, 1}})
		}
	}
	x = v.mid("encoder", x)
	moments := v.conv("encoder.conv_out", v.norm("encoder.norm_out", x, true), graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}})
	g.Output("moments", moments)
	zc, hw := c.ZChannels, moments.Numel()/moments.Shape[0]
	mean := g.Reshape(g.Rows(g.Reshape(moments, 2*zc, hw), 0, zc), zc, moments.Shape[1], moments.Shape[2])
	g.Output("mean", mean)
	g.Output("latent", g.Affine(mean, float32(c.ScaleFactor), float32(-c.ScaleFactor*c.ShiftFactor)))
	return g.Err()
}

func (v *vae) conv(prefix string, x *graph.Tensor, o graph.ConvOpt) *graph.Tensor {
	return v.g.Conv2D(x, v.g.Weight(prefix+".weight"), v.g.OptWeight(prefix+".bias"), o)
}

// norm is GroupNorm(32, eps 1e-6, affine), optionally followed by swish.
func (v *vae) norm(prefix string, x *graph.Tensor, swish bool) *graph.Tensor {
	return v.g.GroupNorm(x, v.g.Weight(prefix+".weight"), v.g.Weight(prefix+".bias"), 32, 1e-6, swish)
}

// resnet is ResnetBlock: x' + conv2(swish(norm2(conv1(swish(norm1(x)))))),
// x' the 1×1 nin_shortcut when the channel count changes.
func (v *vae) resnet(p string, x *graph.Tensor) *graph.Tensor {
	pad := graph.ConvOpt{Pad: [4]int{1, 1, 1, 1}}
	h := v.conv(p+".conv1", v.norm(p+".norm1", x, true), pad)
	skip := x
	if v.g.Has(p + ".nin_shortcut.weight") {
		skip = v.conv(p+".nin_shortcut", x, graph.ConvOpt{})
	}
	pad.Residual = skip
	return v.conv(p+".conv2", v.norm(p+".norm2", h, true), pad)
}

// attn is AttnBlock: one head over the h·w positions with C channels,
// scale 1/√C, residual.
func (v *vae) attn(p string, x *graph.Tensor) *graph.Tensor {
	g := v.g
	c, hw := x.Shape[0], x.Numel()/x.Shape[0]
	tokens := g.Transpose(g.Reshape(v.norm(p+".norm", x, false), c, hw)) // (hw, c)
	proj := func(name string) *graph.Tensor {
		return g.Linear(tokens, g.Weight(p+"."+name+".weight"), g.OptWeight(p+"."+name+".bias"))
	}
	a := g.Attention(proj("q"), proj("k"), proj("v"), 1, graph.AttnOpt{Scale: float32(1 / math.Sqrt(float64(c)))})
	out := g.Linear(a, g.Weight(p+".proj_out.weight"), g.OptWeight(p+".proj_out.bias"))
	return g.Add(x, g.Reshape(g.Transpose(out), x.Shape...))
}

// mid is the middle: block_1, attn_1, block_2.
func (v *vae) mid(prefix string, x *graph.Tensor) *graph.Tensor {
	x = v.g.Tap("dbg.mid.block_1", v.resnet(prefix+".mid.block_1", x))
	x = v.g.Tap("dbg.mid.attn_1", v.attn(prefix+".mid.attn_1", x))
	return v.g.Tap("dbg.mid.block_2", v.resnet(prefix+".mid.block_2", x))
}
