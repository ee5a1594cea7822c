package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// Layout kernels: block copies (concat, split and slices) and FLUX's 2×2
// latent packing.

// Copy2D records the copy of a rows×cols block of elements of t:
// y[yOff + r·yStride + c] = x[xOff + r·xStride + c]. It is concat, split and
// slice along rows or columns. Copies of whole rows of 4-element multiples
// move four elements per invocation.
func (l *Lib) Copy2D(rec *engine.Recorder, y, x engine.Range, rows, cols, xStride, xOff, yStride, yOff int, t DType) error {
	const op = "copy2d"
	if err := opsCheckN(op, rows, cols, xStride, xOff, yStride, yOff); err != nil {
		return err
	}
	if err := opsAct(op, t); err != nil {
		return err
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if cols > yStride && rows > 1 { // x rows may overlap (xStride 0 repeats a row); y rows may not
		return fmt.Errorf("%s: %d columns wider than the output stride %d", op, cols, yStride)
	}
	x, err := opsArg(op, "x", x, xOff+(rows-1)*xStride+cols, t)
	if err != nil {
		return err
	}
	if y, err = opsArg(op, "y", y, yOff+(rows-1)*yStride+cols, t); err != nil {
		return err
	}
	if err := opsCheckN(op, xOff+(rows-1)*xStride+cols, yOff+(rows-1)*yStride+cols); err != nil {
		return err
	}
	vec := 1
	if cols%4 == 0 && xStride%4 == 0 && yStride%4 == 0 && xOff%4 == 0 && yOff%4 == 0 {
		vec = 4
	}
	wg := l.opsWG()
	p, err := l.pipeline(actVariant(op, t), []engine.Access{engine.Read, engine.Write}, 24, uint32(wg), uint32(vec))
	if err != nil {
		return err
	}
	gx := groups(cols/vec, wg)
	if gx > 65535 {
		return fmt.Errorf("%s: %d columns in one row", op, cols)
	}
	gy := uint32(min(rows, 65535))
	return rec.Dispatch(p, []engine.Range{x, y}, Push(rows, cols, xStride, xOff, yStride, yOff), gx, gy, 1)
}

// Patchify records FLUX's packing of a latent x (c, h, w) into y
// (h/2·w/2, c·4): token ti·(w/2)+tj, feature c·4 + ph·2 + pw.
func (l *Lib) Patchify(rec *engine.Recorder, y, x engine.Range, c, h, w int, t DType) error {
	return l.patchify(rec, "patchify", y, x, c, h, w, false, t)
}

// Unpatchify records the inverse of Patchify: tokens x (h/2·w/2, c·4) to a
// latent y (c, h, w).
func (l *Lib) Unpatchify(rec *engine.Recorder, y, x engine.Range, c, h, w int, t DType) error {
	return l.patchify(rec, "unpatchify", y, x, c, h, w, true, t)
}

func (l *Lib) patchify(rec *engine.Recorder, op string, y, x engine.Range, c, h, w int, inverse bool, t DType) error {
	if err := opsCheckN(op, c, h, w, c*h*w); err != nil {
		return err
	}
	if err := opsAct(op, t); err != nil {
		return err
	}
	if c <= 0 || h <= 0 || w <= 0 || h%2 != 0 || w%2 != 0 {
		return fmt.Errorf("%s: latent %d×%d×%d (height and width must be even)", op, c, h, w)
	}
	n := c * h * w
	x, err := opsArg(op, "x", x, n, t)
	if err != nil {
		return err
	}
	if y, err = opsArg(op, "y", y, n, t); err != nil {
		return err
	}
	return l.opsDispatchN(rec, actVariant("patchify", t), []engine.Access{engine.Read, engine.Write},
		[]engine.Range{x, y}, Push(c, h, w, inverse), n, 1)
}
