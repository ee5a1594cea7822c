package kernels

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// normShapes: dim 1, odd sizes, rows and dims larger than a workgroup,
// FLUX's hidden size and MLP width, and the per-head norm.
var normShapes = [][2]int{{1, 1}, {300, 1}, {3, 5}, {7, 300}, {37, 128}, {513, 16}, {3, 3072}, {2, 12288}, {2, 20000}}

// normModes runs f with the subgroup reductions (where the device has
// them) and with the shared-memory tree.
func normModes(t *testing.T, f func(t *testing.T)) {
	for _, tree := range []bool{false, true} {
		t.Run(fmt.Sprintf("tree=%v", tree), func(t *testing.T) {
			normNoSubgroup = tree
			defer func() { normNoSubgroup = false }()
			f(t)
		})
	}
}

func TestNormRows(t *testing.T) { normModes(t, testNormRows) }

func testNormRows(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(11))
	const eps = 1e-6
	for _, dt := range opsTypes {
		for _, s := range normShapes {
			rows, dim := s[0], s[1]
			n := rows * dim
			xv := randn(r, n, 2)
			for i := range xv {
				xv[i] += 3 // a mean far from zero tests the two-pass variance
			}
			xb, x := opsIn(t, l, xv, dt)
			gb, bb := put(t, l, randn(r, dim, 1), F32), put(t, l, randn(r, dim, 1), F32)
			g, b := get(t, l, gb, dim, F32), get(t, l, bb, dim, F32)
			y := out(t, l, n, dt)
			none := engine.Range{}
			cases := []struct {
				name string
				rec  func(rec *engine.Recorder) error
				want []float32
			}{
				{"layernorm", func(rec *engine.Recorder) error {
					return l.LayerNorm(rec, y.All(), xb.All(), gb.All(), bb.All(), rows, dim, eps, dt)
				}, ref.LayerNorm(x, g, b, rows, dim, eps)},
				{"layernorm plain", func(rec *engine.Recorder) error {
					return l.LayerNorm(rec, y.All(), xb.All(), none, none, rows, dim, eps, dt)
				}, ref.LayerNorm(x, nil, nil, rows, dim, eps)},
				{"modlayernorm", func(rec *engine.Recorder) error {
					return l.ModLayerNorm(rec, y.All(), xb.All(), gb.All(), bb.All(), rows, dim, 1, eps, dt)
				}, ref.Modulate(ref.LayerNorm(x, nil, nil, rows, dim, eps), g, b, rows, dim)},
				{"rmsnorm", func(rec *engine.Recorder) error {
					return l.RMSNorm(rec, y.All(), xb.All(), gb.All(), rows, dim, eps, dt)
				}, ref.RMSNorm(x, g, rows, dim, eps)},
				{"rmsnorm plain", func(rec *engine.Recorder) error {
					return l.RMSNorm(rec, y.All(), xb.All(), none, rows, dim, eps, dt)
				}, ref.RMSNorm(x, nil, rows, dim, eps)},
				{"softmax", func(rec *engine.Recorder) error {
					return l.Softmax(rec, y.All(), xb.All(), rows, dim, dt)
				}, ref.Softmax(x, rows, dim)},
			}
			for _, c := range cases {
				run(t, l, []*engine.Buffer{y}, c.rec)
				within(t, fmt.Sprintf("%s %s %dx%d", c.name, dt, rows, dim), get(t, l, y, n, dt), c.want, opsTol(dt))
			}
		}
	}
}

// ModLayerNorm with a shift and scale row per sample (true CFG's batch):
// rows come in samples equal groups, each modulated by its own row.
func TestModLayerNormPerSample(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(13))
	for _, dt := range opsTypes {
		for _, s := range [][3]int{{2, 5, 2}, {6, 300, 3}, {8, 3072, 2}, {5, 7, 5}} {
			rows, dim, samples := s[0], s[1], s[2]
			xb, x := opsIn(t, l, randn(r, rows*dim, 2), dt)
			sb, cb := put(t, l, randn(r, samples*dim, 1), F32), put(t, l, randn(r, samples*dim, 1), F32)
			shift, scale := get(t, l, sb, samples*dim, F32), get(t, l, cb, samples*dim, F32)
			y := out(t, l, rows*dim, dt)
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
				return l.ModLayerNorm(rec, y.All(), xb.All(), sb.All(), cb.All(), rows, dim, samples, 1e-6, dt)
			})
			want := ref.Modulate(ref.LayerNorm(x, nil, nil, rows, dim, 1e-6), shift, scale, rows, dim)
			within(t, fmt.Sprintf("%s %dx%d/%d", dt, rows, dim, samples), get(t, l, y, rows*dim, dt), want, opsTol(dt))
		}
	}
}

func TestNormGroup(t *testing.T) { normModes(t, testNormGroup) }

func testNormGroup(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(12))
	const eps = 1e-6
	shapes := [][4]int{{4, 1, 2, 0}, {6, 37, 3, 0}, {32, 4103, 8, 0}, {64, 9, 32, 0}, {2, 1024 * 1024, 1, 0},
		{8, 5000, 2, 4}} // 4 partial slots: chunks of 10000, longer than the registers hold
	for _, dt := range opsTypes {
		for _, s := range shapes {
			c, hw, gr := s[0], s[1], s[2]
			if s[3] > 0 {
				gnPartsLimit = s[3]
			}
			n := c * hw
			xv := randn(r, n, 1.5)
			for i := range xv {
				xv[i] += 2
			}
			xb, x := opsIn(t, l, xv, dt)
			gb, bb := put(t, l, randn(r, c, 1), F32), put(t, l, randn(r, c, 1), F32)
			g, b := get(t, l, gb, c, F32), get(t, l, bb, c, F32)
			y := out(t, l, n, dt)
			for _, swish := range []bool{false, true} {
				affine := !swish || hw > 1000 // both affine forms on the small shapes
				gr0, br0 := gb.All(), bb.All()
				gw, bw := g, b
				if !affine {
					gr0, br0, gw, bw = engine.Range{}, engine.Range{}, nil, nil
				}
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
					return l.GroupNorm(rec, y.All(), xb.All(), gr0, br0, c, hw, gr, eps, swish, dt)
				})
				want := ref.GroupNorm(x, gw, bw, c, hw, gr, eps)
				if swish {
					want = ref.SiLU(want)
				}
				within(t, fmt.Sprintf("groupnorm %s c=%d hw=%d groups=%d swish=%v", dt, c, hw, gr, swish), get(t, l, y, n, dt), want, opsTol(dt))
			}
			gnPartsLimit = gnMaxParts
		}
	}
}
