package kernels

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// Copy2D as concat and split along rows and columns, and as an offset slice.
func TestLayoutCopy2D(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(21))
	for _, dt := range opsTypes {
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 8, 12}, {300, 3, 2}, {2, 3072, 3072}} {
			rows, da, db := s[0], s[1], s[2]
			ab, a := opsIn(t, l, randn(r, rows*da, 1), dt)
			bb, b := opsIn(t, l, randn(r, rows*db, 1), dt)
			w := da + db
			y := out(t, l, rows*w, dt)
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
				if err := l.Copy2D(rec, y.All(), ab.All(), rows, da, da, 0, w, 0, dt); err != nil {
					return err
				}
				return l.Copy2D(rec, y.All(), bb.All(), rows, db, db, 0, w, da, dt)
			})
			cat := get(t, l, y, rows*w, dt)
			within(t, fmt.Sprintf("concat cols %s %v", dt, s), cat, ref.ConcatCols(a, b, rows, da, db), 1e-7)

			sb := out(t, l, rows*db, dt) // split the columns back out
			run(t, l, []*engine.Buffer{sb}, func(rec *engine.Recorder) error {
				return l.Copy2D(rec, sb.All(), y.All(), rows, db, w, da, db, 0, dt)
			})
			_, wantB := ref.SplitCols(cat, rows, da, db)
			within(t, fmt.Sprintf("split cols %s %v", dt, s), get(t, l, sb, rows*db, dt), wantB, 1e-7)

			// Concat rows: a (rows, da) on top of a second (rows, da) block.
			y2 := out(t, l, 2*rows*da, dt)
			run(t, l, []*engine.Buffer{y2}, func(rec *engine.Recorder) error {
				if err := l.Copy2D(rec, y2.All(), ab.All(), rows, da, da, 0, da, 0, dt); err != nil {
					return err
				}
				return l.Copy2D(rec, y2.All(), ab.All(), rows, da, da, 0, da, rows*da, dt)
			})
			within(t, fmt.Sprintf("concat rows %s %v", dt, s), get(t, l, y2, 2*rows*da, dt), ref.ConcatRows(a, a, da), 1e-7)

			// xStride 0 repeats one row (a broadcast).
			run(t, l, []*engine.Buffer{y2}, func(rec *engine.Recorder) error {
				return l.Copy2D(rec, y2.All(), ab.All(), rows, da, 0, (rows-1)*da, da, 0, dt)
			})
			rep := make([]float32, 0, rows*da)
			for i := 0; i < rows; i++ {
				rep = append(rep, a[(rows-1)*da:]...)
			}
			within(t, fmt.Sprintf("repeat row %s %v", dt, s), get(t, l, y2, rows*da, dt), rep, 1e-7)
		}
	}
}

func TestLayoutPatchify(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(22))
	for _, dt := range opsTypes {
		for _, s := range [][3]int{{1, 2, 2}, {3, 4, 6}, {16, 10, 14}, {16, 64, 66}} {
			c, h, w := s[0], s[1], s[2]
			n := c * h * w
			xb, x := opsIn(t, l, randn(r, n, 1), dt)
			tok := out(t, l, n, dt)
			back := out(t, l, n, dt)
			run(t, l, []*engine.Buffer{tok, back}, func(rec *engine.Recorder) error {
				if err := l.Patchify(rec, tok.All(), xb.All(), c, h, w, dt); err != nil {
					return err
				}
				return l.Unpatchify(rec, back.All(), tok.All(), c, h, w, dt)
			})
			within(t, fmt.Sprintf("patchify %s %v", dt, s), get(t, l, tok, n, dt), ref.Patchify(x, c, h, w), 1e-7)
			within(t, fmt.Sprintf("unpatchify %s %v", dt, s), get(t, l, back, n, dt), x, 1e-7)
		}
	}
}
