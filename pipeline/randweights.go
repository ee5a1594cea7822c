package pipeline

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"

	"github.com/flux-vk/flux-vk/loader"
)

// RandomWeights stands in for a checkpoint in benchmarks: every tensor of
// a network at its real shape, drawn on demand (normal, std 1/√fan-in,
// norm gains near 1) and stored as bf16, seeded by its name so runs repeat.
type RandomWeights struct {
	shapes map[string][]int
}

// Shape implements graph.Weights.
func (r *RandomWeights) Shape(name string) []int { return r.shapes[name] }

// Tensor implements graph.Weights.
func (r *RandomWeights) Tensor(name string) (loader.Tensor, error) {
	shape, ok := r.shapes[name]
	if !ok {
		return loader.Tensor{}, fmt.Errorf("no tensor %q", name)
	}
	n, fanIn := 1, 1
	for i, d := range shape {
		n *= d
		if i > 0 {
			fanIn *= d
		}
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewSource(int64(h.Sum64())))
	std, mean := 1/math.Sqrt(float64(fanIn)), 0.0
	if len(shape) == 1 { // biases small, norm gains near one
		std, mean = 0.02, 0
		if isGain(name) {
			mean = 1
		}
	}
	data := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(data[2*i:], loader.F32ToBF16(float32(mean+std*rng.NormFloat64())))
	}
	return loader.Tensor{Name: name, DType: loader.BF16, Shape: append([]int(nil), shape...), Data: data}, nil
}

func isGain(name string) bool {
	for _, s := range []string{".scale", "norm.weight", "norm1.weight", "norm2.weight", "norm_out.weight"} {
		if len(name) >= len(s) && name[len(name)-len(s):] == s {
			return true
		}
	}
	return false
}

func (r *RandomWeights) add(name string, shape ...int) { r.shapes[name] = shape }

// linear adds prefix.weight (out, in) and prefix.bias (out).
func (r *RandomWeights) linear(prefix string, out, in int, bias bool) {
	r.add(prefix+".weight", out, in)
	if bias {
		r.add(prefix+".bias", out)
	}
}

// FluxRandomWeights lays out a FLUX transformer of config c.
func FluxRandomWeights(c loader.FluxConfig) *RandomWeights {
	r := &RandomWeights{shapes: map[string][]int{}}
	h, hd := c.Hidden, c.HeadDim()
	r.linear("img_in", h, c.InChannels, true)
	r.linear("txt_in", h, c.ContextInDim, true)
	mlp := func(p string, in int) { r.linear(p+".in_layer", h, in, true); r.linear(p+".out_layer", h, h, true) }
	mlp("time_in", 256)
	mlp("vector_in", c.VecInDim)
	if c.Guidance {
		mlp("guidance_in", 256)
	}
	for i := 0; i < c.Depth; i++ {
		for _, s := range []string{"img", "txt"} {
			p := fmt.Sprintf("double_blocks.%d.%s", i, s)
			r.linear(p+"_mod.lin", 6*h, h, true)
			r.linear(p+"_attn.qkv", 3*h, h, c.QKVBias)
			r.add(p+"_attn.norm.query_norm.scale", hd)
			r.add(p+"_attn.norm.key_norm.scale", hd)
			r.linear(p+"_attn.proj", h, h, true)
			r.linear(p+"_mlp.0", c.MLPHidden, h, true)
			r.linear(p+"_mlp.2", h, c.MLPHidden, true)
		}
	}
	for i := 0; i < c.DepthSingle; i++ {
		p := fmt.Sprintf("single_blocks.%d", i)
		r.linear(p+".linear1", 3*h+c.MLPHidden, h, true)
		r.linear(p+".linear2", h, h+c.MLPHidden, true)
		r.add(p+".norm.query_norm.scale", hd)
		r.add(p+".norm.key_norm.scale", hd)
		r.linear(p+".modulation.lin", 3*h, h, true)
	}
	r.linear("final_layer.linear", c.OutChannels, h, true)
	r.linear("final_layer.adaLN_modulation.1", 2*h, h, true)
	return r
}

// DecoderRandomWeights lays out the autoencoder's decoder of config c.
func DecoderRandomWeights(c loader.AEConfig) *RandomWeights {
	r := &RandomWeights{shapes: map[string][]int{}}
	conv := func(p string, out, in, k int) { r.add(p+".weight", out, in, k, k); r.add(p+".bias", out) }
	norm := func(p string, ch int) { r.add(p+".weight", ch); r.add(p+".bias", ch) }
	resnet := func(p string, in, out int) {
		norm(p+".norm1", in)
		conv(p+".conv1", out, in, 3)
		norm(p+".norm2", out)
		conv(p+".conv2", out, out, 3)
		if in != out {
			conv(p+".nin_shortcut", out, in, 1)
		}
	}
	top := c.Ch * c.ChMult[len(c.ChMult)-1]
	conv("decoder.conv_in", top, c.ZChannels, 3)
	resnet("decoder.mid.block_1", top, top)
	norm("decoder.mid.attn_1.norm", top)
	for _, n := range []string{"q", "k", "v", "proj_out"} {
		conv("decoder.mid.attn_1."+n, top, top, 1)
	}
	resnet("decoder.mid.block_2", top, top)
	ch := top
	for lvl := len(c.ChMult) - 1; lvl >= 0; lvl-- {
		out := c.Ch * c.ChMult[lvl]
		for b := 0; b <= c.NumResBlocks; b++ {
			resnet(fmt.Sprintf("decoder.up.%d.block.%d", lvl, b), ch, out)
			ch = out
		}
		if lvl != 0 {
			conv(fmt.Sprintf("decoder.up.%d.upsample.conv", lvl), ch, ch, 3)
		}
	}
	norm("decoder.norm_out", ch)
	conv("decoder.conv_out", c.OutCh, ch, 3)
	return r
}

// T5RandomWeights lays out a T5 encoder of config c.
func T5RandomWeights(c loader.T5Config) *RandomWeights {
	r := &RandomWeights{shapes: map[string][]int{}}
	r.add("shared.weight", c.Vocab, c.DModel)
	inner := c.Heads * c.DKV
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("encoder.block.%d.layer.", i)
		r.add(p+"0.layer_norm.weight", c.DModel)
		for _, m := range []string{"q", "k", "v"} {
			r.linear(p+"0.SelfAttention."+m, inner, c.DModel, false)
		}
		r.linear(p+"0.SelfAttention.o", c.DModel, inner, false)
		r.add(p+"1.layer_norm.weight", c.DModel)
		r.linear(p+"1.DenseReluDense.wi_0", c.DFF, c.DModel, false)
		r.linear(p+"1.DenseReluDense.wi_1", c.DFF, c.DModel, false)
		r.linear(p+"1.DenseReluDense.wo", c.DModel, c.DFF, false)
	}
	r.add("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", c.NumBuckets, c.Heads)
	r.add("encoder.final_layer_norm.weight", c.DModel)
	return r
}
