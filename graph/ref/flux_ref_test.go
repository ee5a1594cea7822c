package ref

import (
	"math"
	"testing"
)

// This file composes the reference ops into the FLUX transformer forward of
// black-forest-labs/flux (model.py, modules/layers.py) and checks it against
// the golden cases: the strongest check that the ops have the right semantics.

// fluxNet is a loaded tiny transformer case.
type fluxNet struct {
	t      *testing.T
	w      *stFile
	p      fluxParams
	hidden int
	heads  int
	hd     int // head dim
	mlp    int // mlp hidden width
}

// linear applies the Linear layer prefix (.weight, .bias) to x (rows, in).
func (f *fluxNet) linear(prefix string, x []float32, rows int) []float32 {
	w := f.w.f32(f.t, prefix+".weight")
	b := f.w.f32(f.t, prefix+".bias")
	in := len(x) / rows
	return Linear(x, w, b, rows, in, len(w)/in)
}

// mlpEmbedder is MLPEmbedder: in_layer -> SiLU -> out_layer.
func (f *fluxNet) mlpEmbedder(prefix string, x []float32) []float32 {
	return f.linear(prefix+".out_layer", SiLU(f.linear(prefix+".in_layer", x, 1)), 1)
}

// modulation returns n chunks of lin(SiLU(vec)) (shift, scale, gate, ...).
func (f *fluxNet) modulation(prefix string, vec []float32, n int) [][]float32 {
	out := f.linear(prefix, SiLU(vec), 1)
	chunks := make([][]float32, n)
	for i := range chunks {
		chunks[i] = out[i*f.hidden : (i+1)*f.hidden]
	}
	return chunks
}

// qkv projects x (rows, hidden) with the qkv Linear layer output laid out
// (3, heads, head_dim) and QK-RMS-normalises q and k per head.
func (f *fluxNet) qkv(qkv []float32, rows int, normPrefix string) (q, k, v []float32) {
	h := f.hidden
	q, kv := SplitCols(qkv, rows, h, 2*h)
	k, v = SplitCols(kv, rows, h, h)
	q = RMSNorm(q, f.w.f32(f.t, normPrefix+".query_norm.scale"), rows*f.heads, f.hd, 1e-6)
	k = RMSNorm(k, f.w.f32(f.t, normPrefix+".key_norm.scale"), rows*f.heads, f.hd, 1e-6)
	return q, k, v
}

// attention is math.py attention: RoPE on q and k, then plain SDPA.
func (f *fluxNet) attention(q, k, v, pe []float32, rows int) []float32 {
	q = Rope(q, pe, rows, f.heads, f.hd)
	k = Rope(k, pe, rows, f.heads, f.hd)
	return Attention(q, k, v, nil, f.heads, rows, rows, f.hd, float32(1/math.Sqrt(float64(f.hd))), false)
}

// doubleBlock is DoubleStreamBlock.forward.
func (f *fluxNet) doubleBlock(prefix string, img, txt, vec, pe []float32) ([]float32, []float32) {
	h := f.hidden
	li, lt := len(img)/h, len(txt)/h
	im := f.modulation(prefix+".img_mod.lin", vec, 6)
	tm := f.modulation(prefix+".txt_mod.lin", vec, 6)
	imgX := Modulate(LayerNorm(img, nil, nil, li, h, 1e-6), im[0], im[1], li, h)
	txtX := Modulate(LayerNorm(txt, nil, nil, lt, h, 1e-6), tm[0], tm[1], lt, h)
	iq, ik, iv := f.qkv(f.linear(prefix+".img_attn.qkv", imgX, li), li, prefix+".img_attn.norm")
	tq, tk, tv := f.qkv(f.linear(prefix+".txt_attn.qkv", txtX, lt), lt, prefix+".txt_attn.norm")
	attn := f.attention(ConcatRows(tq, iq, h), ConcatRows(tk, ik, h), ConcatRows(tv, iv, h), pe, lt+li)
	txtA, imgA := SplitRows(attn, lt, h)

	img = GatedAdd(img, im[2], f.linear(prefix+".img_attn.proj", imgA, li), li, h)
	img = GatedAdd(img, im[5], f.mlpBranch(prefix+".img_mlp", Modulate(LayerNorm(img, nil, nil, li, h, 1e-6), im[3], im[4], li, h), li), li, h)
	txt = GatedAdd(txt, tm[2], f.linear(prefix+".txt_attn.proj", txtA, lt), lt, h)
	txt = GatedAdd(txt, tm[5], f.mlpBranch(prefix+".txt_mlp", Modulate(LayerNorm(txt, nil, nil, lt, h, 1e-6), tm[3], tm[4], lt, h), lt), lt, h)
	return img, txt
}

// mlpBranch is the Sequential(Linear, GELU(tanh), Linear) MLP.
func (f *fluxNet) mlpBranch(prefix string, x []float32, rows int) []float32 {
	return f.linear(prefix+".2", GELUTanh(f.linear(prefix+".0", x, rows)), rows)
}

// singleBlock is SingleStreamBlock.forward on x = [txt; img].
func (f *fluxNet) singleBlock(prefix string, x, vec, pe []float32) []float32 {
	h := f.hidden
	l := len(x) / h
	mod := f.modulation(prefix+".modulation.lin", vec, 3)
	xm := Modulate(LayerNorm(x, nil, nil, l, h, 1e-6), mod[0], mod[1], l, h)
	qkv, mlp := SplitCols(f.linear(prefix+".linear1", xm, l), l, 3*h, f.mlp)
	q, k, v := f.qkv(qkv, l, prefix+".norm")
	attn := f.attention(q, k, v, pe, l)
	out := f.linear(prefix+".linear2", ConcatCols(attn, GELUTanh(mlp), l, h, f.mlp), l)
	return GatedAdd(x, mod[2], out, l, h)
}

// finalLayer is LastLayer.forward: adaLN (shift, scale) then Linear.
func (f *fluxNet) finalLayer(x, vec []float32) []float32 {
	h := f.hidden
	l := len(x) / h
	mod := f.linear("final_layer.adaLN_modulation.1", SiLU(vec), 1)
	shift, scale := mod[:h], mod[h:]
	return f.linear("final_layer.linear", Modulate(LayerNorm(x, nil, nil, l, h, 1e-6), shift, scale, l, h), l)
}

// runFluxCase runs Flux.forward on a golden case and checks every output.
func runFluxCase(t *testing.T, name string) {
	io := openGolden(t, name+".io.safetensors")
	f := &fluxNet{t: t, w: openGolden(t, name+".weights.safetensors"), p: readFluxParams(t, io)}
	f.hidden = f.p.HiddenSize
	f.hd = len(f.w.f32(t, "single_blocks.0.norm.query_norm.scale"))
	f.heads = f.hidden / f.hd
	f.mlp = int(float64(f.hidden) * f.p.MLPRatio)
	h := f.hidden
	const tol = 1e-6 // the brief asks 1e-4; a float32 re-run of the reference differs by 3e-7
	check := func(what string, got []float32) { checkRel(t, what, got, io.f32(t, what), tol) }

	imgIn := io.f32(t, "img")
	li := len(imgIn) / f.p.InChannels
	img := f.linear("img_in", imgIn, li)
	check("dbg.img_in", img)

	tEmb := TimestepEmbedding(io.f32(t, "timesteps")[0], 256, 10000, 1000)
	check("dbg.t_emb", tEmb)
	vec := f.mlpEmbedder("time_in", tEmb)
	check("dbg.time_in", vec)
	if f.p.GuidanceEmbed {
		gEmb := TimestepEmbedding(io.f32(t, "guidance")[0], 256, 10000, 1000)
		check("dbg.guidance_emb", gEmb)
		g := f.mlpEmbedder("guidance_in", gEmb)
		check("dbg.guidance_in", g)
		vec = Add(vec, g)
	}
	vy := f.mlpEmbedder("vector_in", io.f32(t, "y"))
	check("dbg.vector_in", vy)
	vec = Add(vec, vy)
	check("dbg.vec", vec)

	txtIn := io.f32(t, "txt")
	lt := len(txtIn) / f.p.ContextInDim
	txt := f.linear("txt_in", txtIn, lt)
	check("dbg.txt_in", txt)

	ids := ConcatRows(io.f32(t, "txt_ids"), io.f32(t, "img_ids"), len(f.p.AxesDim))
	pe := RopeTable(ids, lt+li, f.p.AxesDim, f.p.Theta)

	for i := 0; i < f.p.Depth; i++ {
		p := "double_blocks." + itoa(i)
		img, txt = f.doubleBlock(p, img, txt, vec, pe)
		check("dbg."+p+".img", img)
		check("dbg."+p+".txt", txt)
	}
	x := ConcatRows(txt, img, h)
	for i := 0; i < f.p.DepthSingle; i++ {
		p := "single_blocks." + itoa(i)
		x = f.singleBlock(p, x, vec, pe)
		check("dbg."+p, x)
	}
	_, x = SplitRows(x, lt, h)
	check("dbg.final_in", x)
	check("pred", f.finalLayer(x, vec))
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestFluxForwardGolden(t *testing.T) {
	for _, name := range []string{"flux_schnell_tiny", "flux_dev_tiny"} {
		t.Run(name, func(t *testing.T) { runFluxCase(t, name) })
	}
}
