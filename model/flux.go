package model

import (
	"fmt"

	"github.com/flux-vk/flux-vk/graph"
	"github.com/flux-vk/flux-vk/loader"
)

// Flux is the FLUX.1 transformer (black-forest-labs/flux model.py): it
// predicts the flow velocity of the packed image tokens given the text
// tokens, the pooled text vector, the time (and, for dev, the guidance).
type Flux struct {
	g   *graph.Graph
	c   loader.FluxConfig
	vec *graph.Tensor // conditioning vectors (batch, hidden)
	pe  *graph.Tensor // RoPE table of [txt; img] tokens, repeated per sample
	n   int           // batch: samples stacked by rows in every activation
}

// BuildFlux declares these graph inputs for a batch of n samples (n ≥ 1;
// true classifier-free guidance runs its two passes as a batch of 2), each
// sample's rows stacked after the previous one's:
//
//	img       (n·Li, in_channels)    packed latent tokens
//	img_ids   (Li, 3) f32            (0, row, col), shared
//	txt       (n·Lt, context_in_dim) T5 hidden states
//	txt_ids   (Lt, 3) f32            zeros, shared
//	y         (n, vec_in_dim)        CLIP pooled vectors
//	timestep  (1) f32                t in [0, 1], shared
//	guidance  (1) f32                dev only, shared
//
// and the output "pred" (n·Li, out_channels).
func BuildFlux(g *graph.Graph, c loader.FluxConfig, lt, li, n int) error {
	if c.Heads == 0 || c.Hidden%c.Heads != 0 {
		return fmt.Errorf("flux: hidden %d not divisible into %d heads", c.Hidden, c.Heads)
	}
	if n < 1 {
		return fmt.Errorf("flux: batch of %d samples", n)
	}
	f := &Flux{g: g, c: c, n: n}
	img := g.Input("img", n*li, c.InChannels)
	txt := g.Input("txt", n*lt, c.ContextInDim)
	ids := g.ConcatRows(g.InputF32("txt_ids", lt, 3), g.InputF32("img_ids", li, 3))
	f.pe = g.Tap("dbg.pe", g.RopeTable(ids, c.AxesDim, float32(c.Theta)))
	if n > 1 {
		f.pe = g.Repeat(f.pe, n)
	}
	f.vec = f.conditioning(g.Input("y", n, c.VecInDim), g.InputF32("timestep", 1))

	img = g.Tap("dbg.img_in", f.linear("img_in", img))
	txt = g.Tap("dbg.txt_in", f.linear("txt_in", txt))
	for i := 0; i < c.Depth; i++ {
		p := fmt.Sprintf("double_blocks.%d", i)
		g.Scope(p)
		img, txt = f.doubleBlock(p, img, txt)
		g.Scope("")
		g.Tap("dbg."+p+".img", img)
		g.Tap("dbg."+p+".txt", txt)
	}
	x := g.ConcatSamples(txt, img, n)
	for i := 0; i < c.DepthSingle; i++ {
		p := fmt.Sprintf("single_blocks.%d", i)
		g.Scope(p)
		x = g.Tap("dbg."+p, f.singleBlock(p, x))
		g.Scope("")
	}
	x = g.Tap("dbg.final_in", g.SampleRows(x, n, lt, li))
	g.Output("pred", f.finalLayer(x))
	return g.Err()
}

// linear is the nn.Linear called prefix (weight and optional bias).
func (f *Flux) linear(prefix string, x *graph.Tensor, opt ...graph.LinearOpt) *graph.Tensor {
	return f.g.Linear(x, f.g.Weight(prefix+".weight"), f.g.OptWeight(prefix+".bias"), opt...)
}

// mlpEmbedder is MLPEmbedder: in_layer → SiLU → out_layer.
func (f *Flux) mlpEmbedder(prefix string, x *graph.Tensor) *graph.Tensor {
	return f.linear(prefix+".out_layer", f.linear(prefix+".in_layer", x, graph.LinearOpt{Act: graph.SiLU}))
}

// conditioning is vec = time_in(emb(t)) [+ guidance_in(emb(g))] + vector_in(y),
// the embeddings of 1000·t computed in f32; the time terms are shared by
// the batch, y has a row per sample (the sums are the reference's, in its
// order: addition commutes).
func (f *Flux) conditioning(y, t *graph.Tensor) *graph.Tensor {
	g := f.g
	vec := g.Tap("dbg.time_in", f.mlpEmbedder("time_in", g.Tap("dbg.t_emb", g.TimestepEmbedding(t, 0, 256, 1000))))
	if f.c.Guidance {
		ge := g.Tap("dbg.guidance_emb", g.TimestepEmbedding(g.InputF32("guidance", 1), 0, 256, 1000))
		vec = g.Add(vec, g.Tap("dbg.guidance_in", f.mlpEmbedder("guidance_in", ge)))
	}
	vec = g.Add(g.Tap("dbg.vector_in", f.mlpEmbedder("vector_in", y)), vec)
	return g.Tap("dbg.vec", vec)
}

// modulation is Modulation: n chunks of lin(SiLU(vec)), in the order
// (shift, scale, gate) per branch, each with a row per sample.
func (f *Flux) modulation(prefix string, n int) []*graph.Tensor {
	g := f.g
	m := f.linear(prefix, g.SiLU(f.vec))
	chunks := make([]*graph.Tensor, n)
	for i := range chunks {
		chunks[i] = g.Chunk(m, i, n)
	}
	return chunks
}

// qkv splits a fused projection (L, 3·hidden) into q, k, v and applies QKNorm
// (RMSNorm over each head) to q and k.
func (f *Flux) qkv(x *graph.Tensor, norm string) (q, k, v *graph.Tensor) {
	g, h, hd := f.g, f.c.Hidden, f.c.HeadDim()
	l := x.Rows()
	rms := func(t *graph.Tensor, w string) *graph.Tensor {
		return g.Reshape(g.RMSNorm(g.Reshape(t, l*f.c.Heads, hd), g.Weight(norm+"."+w+".scale"), 1e-6), l, h)
	}
	return rms(g.Cols(x, 0, h), "query_norm"), rms(g.Cols(x, h, h), "key_norm"), g.Cols(x, 2*h, h)
}

// attention is math.py's attention: RoPE on q and k, then softmax(qkᵀ/√d)·v.
func (f *Flux) attention(q, k, v *graph.Tensor) *graph.Tensor {
	g := f.g
	return g.Attention(g.Rope(q, f.pe, f.c.Heads), g.Rope(k, f.pe, f.c.Heads), v, f.c.Heads, graph.AttnOpt{Batch: f.n})
}

// mlp is Sequential(Linear, GELU(tanh), Linear), its output gated into x.
func (f *Flux) mlp(prefix string, in, x, gate *graph.Tensor) *graph.Tensor {
	hidden := f.linear(prefix+".0", in, graph.LinearOpt{Act: graph.GELU})
	return f.linear(prefix+".2", hidden, graph.LinearOpt{Residual: x, Gate: gate})
}

// doubleStream is DoubleStreamBlock: separate weights for the image and text
// streams, joint attention over [txt; img] of each sample.
func (f *Flux) doubleBlock(p string, img, txt *graph.Tensor) (*graph.Tensor, *graph.Tensor) {
	g := f.g
	im, tm := f.modulation(p+".img_mod.lin", 6), f.modulation(p+".txt_mod.lin", 6)
	iq, ik, iv := f.qkv(f.linear(p+".img_attn.qkv", g.ModLayerNorm(img, im[0], im[1], 1e-6)), p+".img_attn.norm")
	tq, tk, tv := f.qkv(f.linear(p+".txt_attn.qkv", g.ModLayerNorm(txt, tm[0], tm[1], 1e-6)), p+".txt_attn.norm")
	n := f.n
	attn := f.attention(g.ConcatSamples(tq, iq, n), g.ConcatSamples(tk, ik, n), g.ConcatSamples(tv, iv, n))
	lt, li := txt.Rows()/n, img.Rows()/n

	img = f.linear(p+".img_attn.proj", g.SampleRows(attn, n, lt, li), graph.LinearOpt{Residual: img, Gate: im[2]})
	img = f.mlp(p+".img_mlp", g.ModLayerNorm(img, im[3], im[4], 1e-6), img, im[5])
	txt = f.linear(p+".txt_attn.proj", g.SampleRows(attn, n, 0, lt), graph.LinearOpt{Residual: txt, Gate: tm[2]})
	txt = f.mlp(p+".txt_mlp", g.ModLayerNorm(txt, tm[3], tm[4], 1e-6), txt, tm[5])
	return img, txt
}

// singleBlock is SingleStreamBlock: one linear1 gives [qkv | mlp]; linear2
// consumes [attention, gelu(mlp)].
func (f *Flux) singleBlock(p string, x *graph.Tensor) *graph.Tensor {
	g, h := f.g, f.c.Hidden
	mod := f.modulation(p+".modulation.lin", 3)
	lin1 := f.linear(p+".linear1", g.ModLayerNorm(x, mod[0], mod[1], 1e-6))
	q, k, v := f.qkv(g.Cols(lin1, 0, 3*h), p+".norm")
	mlp := g.GELU(g.Cols(lin1, 3*h, lin1.Cols()-3*h))
	return f.linear(p+".linear2", g.ConcatCols(f.attention(q, k, v), mlp), graph.LinearOpt{Residual: x, Gate: mod[2]})
}

// finalLayer is LastLayer: adaLN_modulation gives (shift, scale) — shift
// first, no gate — then the output projection.
func (f *Flux) finalLayer(x *graph.Tensor) *graph.Tensor {
	g := f.g
	m := f.linear("final_layer.adaLN_modulation.1", g.SiLU(f.vec))
	return f.linear("final_layer.linear", g.ModLayerNorm(x, g.Chunk(m, 0, 2), g.Chunk(m, 1, 2), 1e-6))
}
