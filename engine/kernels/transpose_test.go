package kernels

import (
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

func TestTranspose(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(7))
	for _, dt := range []DType{F32, F16} {
		for _, s := range [][2]int{{1, 1}, {3, 5}, {16, 16}, {17, 33}, {64, 192}, {1, 300}} {
			rows, cols := s[0], s[1]
			x := randn(r, rows*cols, 1)
			if dt == F16 {
				x = ref.F16Round(x)
			}
			bx, by := put(t, l, x, dt), out(t, l, rows*cols, dt)
			run(t, l, []*engine.Buffer{by}, func(rec *engine.Recorder) error {
				return l.Transpose(rec, by.All(), bx.All(), rows, cols, dt)
			})
			got, want := get(t, l, by, rows*cols, dt), ref.Transpose(x, rows, cols)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v %d×%d: [%d] = %v, want %v", dt, rows, cols, i, got[i], want[i])
				}
			}
		}
	}
}
