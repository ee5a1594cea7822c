package ref

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// The FLUX autoencoder (black-forest-labs/flux modules/autoencoder.py)
// composed from the reference ops and checked against the golden decoder and
// encoder cases (README items 12-16).

// aeParams is the part of AutoEncoderParams the tests use.
type aeParams struct {
	Ch           int
	ChMult       []int   `json:"ch_mult"`
	NumResBlocks int     `json:"num_res_blocks"`
	ZChannels    int     `json:"z_channels"`
	ScaleFactor  float64 `json:"scale_factor"`
	ShiftFactor  float64 `json:"shift_factor"`
}

// fmap is an NCHW feature map with batch 1.
type fmap struct {
	x       []float32
	c, h, w int
}

type vaeNet struct {
	t *testing.T
	w *stFile
}

// conv applies the Conv2d prefix with symmetric padding (kernel/2).
func (n *vaeNet) conv(prefix string, in fmap) fmap {
	s := n.w.shape(n.t, prefix+".weight") // (cout, cin, kh, kw)
	p := s[2] / 2
	y, oh, ow := Conv2D(in.x, n.w.f32(n.t, prefix+".weight"), n.w.f32(n.t, prefix+".bias"),
		in.c, in.h, in.w, s[0], s[2], s[3], 1, p, p, p, p)
	return fmap{y, s[0], oh, ow}
}

// normSwish is GroupNorm(32, eps 1e-6, affine) optionally followed by swish.
func (n *vaeNet) norm(prefix string, in fmap, swish bool) fmap {
	y := GroupNorm(in.x, n.w.f32(n.t, prefix+".weight"), n.w.f32(n.t, prefix+".bias"), in.c, in.h*in.w, 32, 1e-6)
	if swish {
		y = SiLU(y)
	}
	return fmap{y, in.c, in.h, in.w}
}

// resnet is ResnetBlock.
func (n *vaeNet) resnet(prefix string, in fmap) fmap {
	h := n.conv(prefix+".conv1", n.norm(prefix+".norm1", in, true))
	h = n.conv(prefix+".conv2", n.norm(prefix+".norm2", h, true))
	skip := in
	if n.w.has(prefix + ".nin_shortcut.weight") {
		skip = n.conv(prefix+".nin_shortcut", in)
	}
	return fmap{Add(skip.x, h.x), h.c, h.h, h.w}
}

// attn is AttnBlock: one head over the h·w positions, scale 1/sqrt(c).
func (n *vaeNet) attn(prefix string, in fmap) fmap {
	hn := n.norm(prefix+".norm", in, false)
	hw := in.h * in.w
	tok := func(name string) []float32 { return Transpose(n.conv(prefix+"."+name, hn).x, in.c, hw) }
	a := Attention(tok("q"), tok("k"), tok("v"), nil, 1, hw, hw, in.c, float32(1/math.Sqrt(float64(in.c))), false)
	o := n.conv(prefix+".proj_out", fmap{Transpose(a, hw, in.c), in.c, in.h, in.w})
	return fmap{Add(in.x, o.x), in.c, in.h, in.w}
}

// mid runs block_1, attn_1, block_2, checking each against dbg.mid.*.
func (n *vaeNet) mid(prefix string, h fmap, io *stFile) fmap {
	h = n.resnet(prefix+".mid.block_1", h)
	checkRel(n.t, "dbg.mid.block_1", h.x, io.f32(n.t, "dbg.mid.block_1"), 1e-6)
	h = n.attn(prefix+".mid.attn_1", h)
	checkRel(n.t, "dbg.mid.attn_1", h.x, io.f32(n.t, "dbg.mid.attn_1"), 1e-6)
	h = n.resnet(prefix+".mid.block_2", h)
	checkRel(n.t, "dbg.mid.block_2", h.x, io.f32(n.t, "dbg.mid.block_2"), 1e-6)
	return h
}

func readAEParams(t *testing.T, f *stFile) aeParams {
	t.Helper()
	var cfg struct{ Params aeParams }
	if err := json.Unmarshal([]byte(f.config), &cfg); err != nil {
		t.Fatalf("%s: config: %v", f.name, err)
	}
	return cfg.Params
}

func TestVAEDecoderGolden(t *testing.T) {
	io := openGolden(t, "ae_decoder_tiny.io.safetensors")
	n := &vaeNet{t, openGolden(t, "ae_decoder_tiny.weights.safetensors")}
	p := readAEParams(t, io)
	s := io.shape(t, "z")
	z := Affine(io.f32(t, "z"), 1/p.ScaleFactor, p.ShiftFactor)
	checkRel(t, "decoder_input", z, io.f32(t, "decoder_input"), 1e-7)
	h := n.conv("decoder.conv_in", fmap{z, s[1], s[2], s[3]})
	checkRel(t, "dbg.conv_in", h.x, io.f32(t, "dbg.conv_in"), 1e-6)
	h = n.mid("decoder", h, io)
	for lvl := len(p.ChMult) - 1; lvl >= 0; lvl-- {
		for b := 0; b <= p.NumResBlocks; b++ {
			h = n.resnet(fmt.Sprintf("decoder.up.%d.block.%d", lvl, b), h)
		}
		if lvl != 0 {
			h = n.conv(fmt.Sprintf("decoder.up.%d.upsample.conv", lvl), fmap{Upsample2x(h.x, h.c, h.h, h.w), h.c, 2 * h.h, 2 * h.w})
		}
	}
	h = n.conv("decoder.conv_out", n.norm("decoder.norm_out", h, true))
	checkRel(t, "decoded", h.x, io.f32(t, "decoded"), 1e-6)
	checkRel(t, "image", Clamp(h.x, -1, 1), io.f32(t, "image"), 1e-6)
}

func TestVAEEncoderGolden(t *testing.T) {
	io := openGolden(t, "ae_encoder_tiny.io.safetensors")
	n := &vaeNet{t, openGolden(t, "ae_encoder_tiny.weights.safetensors")}
	p := readAEParams(t, io)
	s := io.shape(t, "image")
	h := n.conv("encoder.conv_in", fmap{io.f32(t, "image"), s[1], s[2], s[3]})
	for lvl := range p.ChMult {
		for b := 0; b < p.NumResBlocks; b++ {
			h = n.resnet(fmt.Sprintf("encoder.down.%d.block.%d", lvl, b), h)
		}
		if lvl != len(p.ChMult)-1 { // pad right and bottom only, stride 2
			pre := fmt.Sprintf("encoder.down.%d.downsample.conv", lvl)
			y, oh, ow := Conv2D(h.x, n.w.f32(t, pre+".weight"), n.w.f32(t, pre+".bias"), h.c, h.h, h.w, h.c, 3, 3, 2, 0, 0, 1, 1)
			h = fmap{y, h.c, oh, ow}
		}
	}
	h = n.mid("encoder", h, io)
	h = n.conv("encoder.conv_out", n.norm("encoder.norm_out", h, true))
	checkRel(t, "moments", h.x, io.f32(t, "moments"), 1e-6)
	mean := h.x[:p.ZChannels*h.h*h.w]
	checkRel(t, "mean", mean, io.f32(t, "mean"), 1e-6)
	latent := Affine(mean, p.ScaleFactor, -p.ScaleFactor*p.ShiftFactor)
	checkRel(t, "latent", latent, io.f32(t, "latent"), 1e-6)
}
