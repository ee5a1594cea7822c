package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// ropeIDs are FLUX's position ids: text tokens at zero, then image tokens
// (0, row, col) of an hp×wp grid.
func ropeIDs(text, hp, wp int) []float32 {
	ids := make([]float32, 0, 3*(text+hp*wp))
	ids = append(ids, make([]float32, 3*text)...)
	for i := 0; i < hp; i++ {
		for j := 0; j < wp; j++ {
			ids = append(ids, 0, float32(i), float32(j))
		}
	}
	return ids
}

func TestRopeTable(t *testing.T) {
	l := testLib(t)
	axes := []int{16, 56, 56}
	cases := []struct {
		name string
		ids  []float32
	}{
		{"flux 1024² grid corner", ropeIDs(3, 64, 64)},
		{"2048² grid", ropeIDs(0, 2, 128)[0:] /* rows 0..1, cols up to 127 */},
		{"non-integer and large positions", []float32{0.5, 1e3 + 0.25, 4095, 3.3, 2.7, 100.1}},
	}
	worst := 0.0
	for _, c := range cases {
		tokens := len(c.ids) / 3
		ib := put(t, l, c.ids, F32)
		tb := out(t, l, tokens*64*2, F32)
		run(t, l, []*engine.Buffer{tb}, func(rec *engine.Recorder) error {
			return l.RopeTable(rec, tb.All(), ib.All(), tokens, axes, 10000)
		})
		got, want := get(t, l, tb, tokens*128, F32), ref.RopeTable(c.ids, tokens, axes, 10000)
		e, maxAbs := ref.RelL2(got, want), 0.0
		for i := range got {
			maxAbs = math.Max(maxAbs, math.Abs(float64(got[i]-want[i])))
		}
		worst = math.Max(worst, e)
		t.Logf("%s: relative L2 %.3g, max abs %.3g", c.name, e, maxAbs)
		if !(e < 1e-6) {
			t.Errorf("%s: relative L2 %.3g vs ref.RopeTable", c.name, e)
		}
	}
	t.Logf("worst relative L2 vs ref.RopeTable: %.3g", worst)
}

func TestRopeApply(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(31))
	for _, dt := range opsTypes {
		for _, s := range [][3]int{{1, 1, 2}, {5, 3, 8}, {37, 24, 128}, {3, 2, 6}} {
			tokens, heads, d := s[0], s[1], s[2]
			hd := heads * d
			table := make([]float32, tokens*d)
			for i := 0; i < tokens*d/2; i++ {
				a := r.Float64() * 2 * math.Pi
				table[2*i], table[2*i+1] = float32(math.Cos(a)), float32(math.Sin(a))
			}
			tb := put(t, l, table, F32)
			// x is the k part of a fused qkv (tokens, 3·hd) at offset hd.
			qkvb, qkv := opsIn(t, l, randn(r, tokens*3*hd, 1), dt)
			k := make([]float32, 0, tokens*hd)
			for i := 0; i < tokens; i++ {
				k = append(k, qkv[i*3*hd+hd:i*3*hd+2*hd]...)
			}
			want := ref.Rope(k, table, tokens, heads, d)
			y := out(t, l, tokens*hd, dt)
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
				return l.Rope(rec, y.All(), qkvb.All(), tb.All(), tokens, heads, d, 3*hd, hd, 0, 0, dt)
			})
			within(t, fmt.Sprintf("rope strided %s %v", dt, s), get(t, l, y, tokens*hd, dt), want, opsTol(dt))

			// In place inside the qkv layout.
			run(t, l, nil, func(rec *engine.Recorder) error {
				return l.Rope(rec, qkvb.All(), qkvb.All(), tb.All(), tokens, heads, d, 3*hd, hd, 3*hd, hd, dt)
			})
			all := get(t, l, qkvb, tokens*3*hd, dt)
			gotK := make([]float32, 0, tokens*hd)
			for i := 0; i < tokens; i++ {
				gotK = append(gotK, all[i*3*hd+hd:i*3*hd+2*hd]...)
				if q := all[i*3*hd : i*3*hd+hd]; ref.RelL2(q, qkv[i*3*hd:i*3*hd+hd]) != 0 {
					t.Fatalf("rope in place %s %v: q of token %d changed", dt, s, i)
				}
			}
			within(t, fmt.Sprintf("rope in place %s %v", dt, s), gotK, want, opsTol(dt))
		}
	}
}
