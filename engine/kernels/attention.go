package kernels

import (
	"fmt"
	"math"

	"github.com/flux-vk/flux-vk/engine"
)

// AttentionArgs describes one multi-head attention softmax(Scale·Q·Kᵀ + Bias)·V
// (graph/ref.Attention): Q is [Lq, Heads·D] token-major, K and V [Lk, Heads·D],
// Out [Lq, Heads·D].
type AttentionArgs struct {
	Out, Q, K, V     engine.Range
	Bias             engine.Range // optional additive bias [Heads, Lq, Lk] f32 (T5 relative position bias)
	Heads, Lq, Lk, D int
	// Batch independent sequences (0 means 1) stacked by rows: sample b's
	// token i is row b·Lq + i of Q and Out (b·Lk + i of K and V); the bias,
	// if any, is shared.
	Batch int
	// Element of head h, token i, channel c lives at Off + i*Stride + h*D + c (in elements of Type).
	// Stride 0 means Heads*D (dense). This lets attention read Q/K/V straight out of a fused QKV buffer.
	QStride, KStride, VStride, OStride int
	QOff, KOff, VOff, OOff             int
	Scale                              float32 // multiply logits (1/sqrt(D) usually; T5 uses 1)
	Causal                             bool    // key j > query i masked (CLIP)
	Type                               DType   // F32 or F16 storage of Q, K, V, Out; softmax statistics and accumulation always f32
}

// Attention records tiled flash attention (shaders/attention.comp): one
// workgroup per (query tile, head) walks the keys tile by tile with an
// online softmax, so it never materialises the Lq×Lk matrix and needs no
// scratch: memory is O(L). (The three-pass AttentionNaive needs Heads·Lq·Lk
// f32 of scratch: 1.8 GB for FLUX's 24 heads at L = 4352.) Out must not
// overlap Q, K or V.
func (l *Lib) Attention(rec *engine.Recorder, a AttentionArgs) error {
	if err := a.normalize(l); err != nil {
		return err
	}
	cfg, err := attnPlan(l.D.Info, a.D)
	if err != nil {
		return fmt.Errorf("attention: %w", err)
	}
	return l.attention(rec, a, cfg)
}

// attnConfig is the tiling of attention.comp (its specialization constants).
type attnConfig struct {
	WG, BR, NTC, SR, DK, JK int  // BC = 4·NTC keys per tile
	QRes                    bool // whole Q tile resident in shared memory
	Pad                     bool // shared rows padded by a vec4 against bank conflicts
}

// attnBit is 1 for true (a flag as a specialization constant).
func attnBit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shared is the shared memory the configuration needs for head dim d, in
// bytes (the vec4 arrays of attention.comp).
func (c attnConfig) shared(d int) int {
	pad, dk4, bc := attnBit(c.Pad), c.DK/4, 4*c.NTC
	qs4 := dk4 + pad
	if c.QRes {
		qs4 = (d+c.DK-1)/c.DK*dk4 + pad
	}
	dp4 := (d + 4*c.NTC - 1) / (4 * c.NTC) * c.NTC
	return 16 * (c.BR*qs4 + max(bc*(dk4+pad), c.JK*dp4) + c.BR*(c.NTC+pad) + c.BR*c.NTC/4)
}

// valid says whether the thread layout divides evenly.
func (c attnConfig) valid() bool {
	if c.SR <= 0 || c.BR%c.SR != 0 || c.NTC <= 0 || c.NTC%4 != 0 || c.WG != c.BR/c.SR*c.NTC {
		return false
	}
	return c.DK > 0 && c.DK%4 == 0 && c.JK > 0 && c.JK%4 == 0 && (4*c.NTC)%c.JK == 0
}

// attnPlan picks the tiling for head dim d on a device. NTC threads share
// a query row (4 for d ≤ 32, 8 for d ≤ 64, else 16) and split each tile's
// 4·NTC keys and the head's channels; each thread keeps SR rows × ⌈d/NTC⌉
// output channels in registers, SR as large as keeps that within 64 floats
// (up to 4): 4 rows and 64-row tiles for d ≤ 256 (the fast paths for 64 and
// 128 hold 32 floats), 2 rows for the VAE's d = 512. Then the first of the
// preferred chunkings that fits the device's shared memory wins: a resident
// Q tile, wide chunks, and (on GPUs) rows padded against bank conflicts
// where there is room.
func attnPlan(info engine.Info, d int) (attnConfig, error) {
	ntc := 16
	if d <= 32 {
		ntc = 4
	} else if d <= 64 {
		ntc = 8
	}
	oc4 := (d + 4*ntc - 1) / (4 * ntc)
	sr := max(1, min(4, 16/oc4))
	ntr := 16
	for ntr > 1 && uint32(ntr*ntc) > info.MaxInvocations {
		ntr /= 2
	}
	pads := []bool{true, false}
	if info.Type == "cpu" { // no banks to conflict on: padding only costs shared memory
		pads = []bool{false}
	}
	for _, qres := range []bool{true, false} {
		for _, pad := range pads {
			for _, dk := range []int{32, 16, 8, 4} {
				for _, jk := range []int{16, 8, 4} {
					c := attnConfig{WG: ntr * ntc, BR: ntr * sr, NTC: ntc, SR: sr, DK: min(dk, (d+3)/4*4), JK: jk, QRes: qres, Pad: pad}
					if c.valid() && uint32(c.shared(d)) <= info.SharedMemory {
						return c, nil
					}
				}
			}
		}
	}
	return attnConfig{}, fmt.Errorf("head dim %d does not fit %d bytes of shared memory", d, info.SharedMemory)
}

func (l *Lib) attention(rec *engine.Recorder, a AttentionArgs, c attnConfig) error {
	if !c.valid() || uint32(c.shared(a.D)) > l.D.Info.SharedMemory {
		return fmt.Errorf("attention: tiling %+v invalid for head dim %d", c, a.D)
	}
	gx := groups(a.Lq, c.BR)
	if gx > l.D.Info.MaxGroups[0] || uint32(a.Heads) > l.D.Info.MaxGroups[1] || uint32(a.Batch) > l.D.Info.MaxGroups[2] {
		return fmt.Errorf("attention: %d query tiles × %d heads × %d samples exceed the device's workgroup limits", gx, a.Heads, a.Batch)
	}
	// vec4 global loads and stores where every row starts on a multiple of 4 elements.
	vec := a.D%4 == 0
	for _, x := range []int{a.QStride, a.KStride, a.VStride, a.OStride, a.QOff, a.KOff, a.VOff, a.OOff} {
		vec = vec && x%4 == 0
	}
	p, err := l.pipeline(actVariant("attention", a.Type),
		[]engine.Access{engine.Write, engine.Read, engine.Read, engine.Read, engine.Read}, 56,
		uint32(c.WG), uint32(c.BR), uint32(c.NTC), uint32(a.D), uint32(c.SR), uint32(c.DK), uint32(c.JK),
		uint32(attnBit(c.QRes)), uint32(attnBit(c.Pad)), uint32(attnBit(vec)))
	if err != nil {
		return fmt.Errorf("attention: %w", err)
	}
	push := Push(a.Heads, a.Lq, a.Lk, a.QStride, a.KStride, a.VStride, a.OStride, a.QOff, a.KOff, a.VOff, a.OOff,
		a.Scale*float32(math.Log2E), a.Causal, a.Bias.Buf != nil)
	binds := []engine.Range{a.Out, a.Q, a.K, a.V, l.orDummy(a.Bias)}
	if err := rec.Dispatch(p, binds, push, gx, uint32(a.Heads), uint32(a.Batch)); err != nil {
		return fmt.Errorf("attention: %w", err)
	}
	return nil
}

// normalize fills in dense strides and checks the shapes, types and that
// every addressed element lies inside its range (the shaders index with
// 32-bit unsigned integers and do not check).
func (a *AttentionArgs) normalize(l *Lib) error {
	if a.Batch == 0 {
		a.Batch = 1
	}
	if a.Heads <= 0 || a.Lq <= 0 || a.Lk <= 0 || a.D <= 0 || a.Batch < 0 {
		return fmt.Errorf("attention: bad shape heads=%d lq=%d lk=%d d=%d batch=%d", a.Heads, a.Lq, a.Lk, a.D, a.Batch)
	}
	switch a.Type {
	case F32:
	case F16:
		if !l.D.Info.Storage16 {
			return fmt.Errorf("attention: device %q has no 16-bit storage for f16 activations", l.D.Info.Name)
		}
	default:
		return fmt.Errorf("attention: storage type %v not supported (f32 or f16)", a.Type)
	}
	hd := a.Heads * a.D
	for _, s := range []*int{&a.QStride, &a.KStride, &a.VStride, &a.OStride} {
		if *s == 0 {
			*s = hd
		}
	}
	for _, t := range []struct {
		name             string
		r                engine.Range
		off, stride, len int
	}{{"out", a.Out, a.OOff, a.OStride, a.Batch * a.Lq}, {"q", a.Q, a.QOff, a.QStride, a.Batch * a.Lq},
		{"k", a.K, a.KOff, a.KStride, a.Batch * a.Lk}, {"v", a.V, a.VOff, a.VStride, a.Batch * a.Lk}} {
		if err := attnCheckRange(t.name, t.r, t.off, t.stride, t.len, hd, a.Type.Size()); err != nil {
			return err
		}
	}
	if a.Bias.Buf != nil {
		n := uint64(a.Heads) * uint64(a.Lq) * uint64(a.Lk)
		if n >= 1<<32 || attnRangeSize(a.Bias) < 4*n {
			return fmt.Errorf("attention: bias range of %d bytes cannot hold %d×%d×%d f32", attnRangeSize(a.Bias), a.Heads, a.Lq, a.Lk)
		}
	}
	return nil
}

// attnRangeSize is the byte size of r (Size 0 means to the buffer's end).
func attnRangeSize(r engine.Range) uint64 {
	if r.Size == 0 {
		return r.Buf.Size - r.Off
	}
	return r.Size
}

// attnCheckRange checks that rows 0..n-1 of width hd at off + i·stride fit
// the range and 32-bit element indices.
func attnCheckRange(name string, r engine.Range, off, stride, n, hd, esize int) error {
	if r.Buf == nil {
		return fmt.Errorf("attention: %s has no buffer", name)
	}
	if off < 0 || stride < hd {
		return fmt.Errorf("attention: %s offset %d / stride %d invalid (stride must be at least heads·d = %d)", name, off, stride, hd)
	}
	end := uint64(off) + uint64(n-1)*uint64(stride) + uint64(hd) // elements
	if end >= 1<<32 {
		return fmt.Errorf("attention: %s spans %d elements, beyond 32-bit indexing", name, end)
	}
	if size := attnRangeSize(r); end*uint64(esize) > size {
		return fmt.Errorf("attention: %s needs %d bytes, range has %d", name, end*uint64(esize), size)
	}
	return nil
}
