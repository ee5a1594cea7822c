package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// ConvArgs describe a 2-D convolution (torch.nn.Conv2d, batch 1, NCHW).
type ConvArgs struct {
	Y, X, W, Bias engine.Range // X [Cin,H,W_], W [Cout,Cin,KH,KW], Bias [Cout] f32 (optional), Y [Cout,OH,OW]
	Cin, H, W_    int
	Cout, KH, KW  int
	Stride        int
	PadT, PadL    int
	PadB, PadR    int
	// Upsample fuses a nearest-neighbour 2× upsample of X into the load
	// (H, W_ are the sizes before it).
	Upsample            bool
	XType, YType, WType DType
	Residual            engine.Range // optional [Cout,OH,OW] of YType, added to the output; may be Y itself
}

// ConvOut is the output height and width of a.
func ConvOut(a ConvArgs) (oh, ow int) {
	h, w := a.H, a.W_
	if a.Upsample {
		h, w = 2*h, 2*w
	}
	if a.Stride <= 0 {
		return 0, 0
	}
	return (h+a.PadT+a.PadB-a.KH)/a.Stride + 1, (w+a.PadL+a.PadR-a.KW)/a.Stride + 1
}

const (
	convPush  = 20 * 4
	convBias  = 1
	convRes   = 2
	convResY  = 4
	convBinds = 5
)

func (a *ConvArgs) check() error {
	if a.Cin <= 0 || a.H <= 0 || a.W_ <= 0 || a.Cout <= 0 || a.KH <= 0 || a.KW <= 0 || a.Stride <= 0 {
		return fmt.Errorf("sizes must be positive")
	}
	if a.PadT < 0 || a.PadL < 0 || a.PadB < 0 || a.PadR < 0 {
		return fmt.Errorf("negative padding")
	}
	if a.XType == BF16 || a.YType == BF16 {
		return fmt.Errorf("activations must be f32 or f16")
	}
	oh, ow := ConvOut(*a)
	if oh <= 0 || ow <= 0 {
		return fmt.Errorf("empty output %d×%d", oh, ow)
	}
	n := oh * ow
	if err := needRange("x", a.X, a.Cin*a.H*a.W_, a.XType); err != nil {
		return err
	}
	if err := needRange("w", a.W, a.Cout*a.Cin*a.KH*a.KW, a.WType); err != nil {
		return err
	}
	if err := needRange("y", a.Y, a.Cout*n, a.YType); err != nil {
		return err
	}
	if a.Bias.Buf != nil {
		if err := needRange("bias", a.Bias, a.Cout, F32); err != nil {
			return err
		}
	}
	if a.Residual.Buf != nil {
		if err := needRange("residual", a.Residual, a.Cout*n, a.YType); err != nil {
			return err
		}
		if overlapAt(a.Residual, a.Y, uint64(a.Cout*n*a.YType.Size())) && !sameStart(a.Residual, a.Y) {
			return fmt.Errorf("residual overlaps y without being the same range")
		}
	}
	if spansOverlap(a.X, uint64(a.Cin*a.H*a.W_*a.XType.Size()), a.Y, uint64(a.Cout*n*a.YType.Size())) {
		return fmt.Errorf("x and y overlap")
	}
	return nil
}

// Conv2D records the convolution as an implicit GEMM (conv.comp): M = Cout,
// N = OH·OW, K = Cin·KH·KW, with bias and residual fused. Where a binding
// would exceed maxStorageBufferRange it splits Cout (rows of W and Y) and
// Cin (channels of x, accumulated in place into Y by later dispatches).
func (l *Lib) Conv2D(rec *engine.Recorder, a ConvArgs) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("conv2d %d→%d %dx%d k%d: %w", a.Cin, a.Cout, a.H, a.W_, a.KH, err)
	}
	oh, ow := ConvOut(a)
	n, khw := oh*ow, a.KH*a.KW
	budget := int64(l.maxBind()) - int64(l.bindAlign()) - 4
	cc := min(int64(a.Cin), budget/int64(a.H*a.W_*a.XType.Size()), budget/int64(khw*a.WType.Size()))
	mc := min(int64(a.Cout), budget/int64(n*a.YType.Size()), budget/int64(a.Cin*khw*a.WType.Size()))
	if cc <= 0 || mc <= 0 {
		return fmt.Errorf("conv2d %d→%d %dx%d: one channel exceeds the binding limit of %d bytes (tile the image)", a.Cin, a.Cout, a.H, a.W_, l.maxBind())
	}
	for co := 0; co < a.Cout; co += int(mc) {
		for ci := 0; ci < a.Cin; ci += int(cc) {
			part := convPart{co: co, mc: min(int(mc), a.Cout-co), ci: ci, cc: min(int(cc), a.Cin-ci), oh: oh, ow: ow}
			if err := l.convPart(rec, &a, part); err != nil {
				return fmt.Errorf("conv2d %d→%d %dx%d: %w", a.Cin, a.Cout, a.H, a.W_, err)
			}
		}
	}
	return nil
}

// convPart is output channels [co, co+mc) over input channels [ci, ci+cc).
type convPart struct{ co, mc, ci, cc, oh, ow int }

func (l *Lib) convPart(rec *engine.Recorder, a *ConvArgs, p convPart) error {
	xs, ws, ys := uint64(a.XType.Size()), uint64(a.WType.Size()), uint64(a.YType.Size())
	n, khw, kfull := uint64(p.oh*p.ow), uint64(a.KH*a.KW), uint64(a.Cin*a.KH*a.KW)
	plane := uint64(a.H * a.W_)
	xr, xOff := l.mmWindow(a.X, uint64(p.ci)*plane*xs, uint64(p.cc)*plane*xs, int(xs))
	wStart := uint64(p.co)*kfull + uint64(p.ci)*khw
	wr, wOff := l.mmWindow(a.W, wStart*ws, (uint64(p.mc-1)*kfull+uint64(p.cc)*khw)*ws, int(ws))
	yr, yOff := l.mmWindow(a.Y, uint64(p.co)*n*ys, uint64(p.mc)*n*ys, int(ys))
	rr, rOff := l.Dummy(), 0
	var flags uint32
	yAccess := engine.Write
	switch {
	case p.ci > 0 || sameStart(a.Residual, a.Y):
		flags |= convResY // later input-channel chunks accumulate into y
		yAccess = engine.ReadWrite
	case a.Residual.Buf != nil:
		rr, rOff = l.mmWindow(a.Residual, uint64(p.co)*n*ys, uint64(p.mc)*n*ys, int(ys))
		flags |= convRes
	}
	if a.Bias.Buf != nil && p.ci == 0 {
		flags |= convBias
	}
	up := 0
	if a.Upsample {
		up = 1
	}
	binds := []engine.Range{xr, wr, l.orDummy(a.Bias), rr, yr}
	access := []engine.Access{engine.Read, engine.Read, engine.Read, engine.Read, yAccess}
	kc := p.cc * int(khw)
	push := func(tiles int) []byte {
		return Push(p.mc, int(n), kc, int(kfull), a.H, a.W_, p.ow, a.KH, a.KW, a.Stride,
			a.PadT, a.PadL, up, xOff, wOff, yOff, rOff, p.co, flags, tiles)
	}
	if s, ok := l.sgConfig(p.mc, int(n), kc); ok {
		vec := 0
		if kc%4 == 0 && kfull%4 == 0 && wOff%4 == 0 {
			vec = 1
		}
		pl, err := l.pipeline(actVariant("conv_sg", a.YType), access, convPush, s.spec(vec, uint32(a.XType), uint32(a.WType))...)
		if err != nil {
			return err
		}
		blocks := int(groups(int(n), s.SG*s.C))
		gx, gz := l.fold(int(groups(blocks, s.WG/s.SG)))
		return rec.Dispatch(pl, binds, push(blocks), gx, groups(p.mc, s.R), gz)
	}
	t := l.linearTile(p.mc, int(n))
	pl, err := l.pipeline(actVariant("conv", a.YType), access, convPush, t.spec(uint32(a.XType), uint32(a.WType))...)
	if err != nil {
		return err
	}
	tiles := int(groups(int(n), t.BN))
	gx, gz := l.fold(tiles)
	return rec.Dispatch(pl, binds, push(tiles), gx, groups(p.mc, t.BM), gz)
}

// Upsample2x records y (c, 2h, 2w) = nearest-neighbour 2× upsample of x (c, h, w).
func (l *Lib) Upsample2x(rec *engine.Recorder, y, x engine.Range, c, h, w int, t DType) error {
	if c <= 0 || h <= 0 || w <= 0 || t == BF16 {
		return fmt.Errorf("upsample2x %d×%d×%d %v: bad sizes or type", c, h, w, t)
	}
	if err := needRange("x", x, c*h*w, t); err != nil {
		return fmt.Errorf("upsample2x: %w", err)
	}
	total := 4 * c * h * w
	if err := needRange("y", y, total, t); err != nil {
		return fmt.Errorf("upsample2x: %w", err)
	}
	const wg = 256
	p, err := l.pipeline(actVariant("upsample", t), []engine.Access{engine.Read, engine.Write}, 12, wg)
	if err != nil {
		return err
	}
	gx, gy := l.fold(int(groups(total, wg)))
	return rec.Dispatch(p, []engine.Range{x, y}, Push(total, h, w), gx, gy, 1)
}

// spansOverlap reports whether na bytes from a and nb bytes from b share
// any byte.
func spansOverlap(a engine.Range, na uint64, b engine.Range, nb uint64) bool {
	return a.Buf != nil && a.Buf == b.Buf && a.Off < b.Off+nb && b.Off < a.Off+na
}
