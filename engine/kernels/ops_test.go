package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// opsTypes are the activation types every op is tested in.
var opsTypes = []DType{F32, F16}

// opsTol is the relative L2 tolerance of a result stored as t.
func opsTol(t DType) float64 {
	if t == F16 {
		return 2e-3
	}
	return 1e-5
}

// opsStored is v as the kernel sees it after storage in t.
func opsStored(v []float32, t DType) []float32 { return Decode(Encode(v, t), t) }

// opsIn uploads v stored as t and returns the values the kernel sees.
func opsIn(t testing.TB, l *Lib, v []float32, dt DType) (*engine.Buffer, []float32) {
	return put(t, l, v, dt), opsStored(v, dt)
}

func opsInts(t testing.TB, l *Lib, v []int32) *engine.Buffer {
	t.Helper()
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
	}
	b, err := l.D.Alloc(uint64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(l.D) })
	if err := l.D.Upload(b, 0, raw); err != nil {
		t.Fatal(err)
	}
	return b
}

func opsBinRef(op BinOp, a, b []float32, alpha float32) []float32 {
	y := make([]float32, len(a))
	for i := range a {
		u, v := float64(a[i]), float64(b[i%len(b)])
		switch op {
		case OpAdd:
			y[i] = float32(u + v)
		case OpSub:
			y[i] = float32(u - v)
		case OpMul:
			y[i] = float32(u * v)
		case OpLerp:
			y[i] = float32(u + float64(alpha)*(v-u))
		}
	}
	return y
}

func TestOpsBinary(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(1))
	shapes := [][2]int{{1, 1}, {7, 7}, {1003, 1003}, {1024, 1024}, {12 * 3072, 3072}, {15, 5}, {36, 9}, {5 * 300, 300}}
	for _, dt := range opsTypes {
		for _, s := range shapes {
			n, bn := s[0], s[1]
			ab, a := opsIn(t, l, randn(r, n, 1), dt)
			bb, b := opsIn(t, l, randn(r, bn, 1), dt)
			y := out(t, l, n, dt)
			for op := OpAdd; op <= OpLerp; op++ {
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
					return l.Binary(rec, op, y.All(), ab.All(), bb.All(), n, bn, 2.5, dt)
				})
				within(t, fmt.Sprintf("%s op %d n=%d bn=%d", dt, op, n, bn), get(t, l, y, n, dt), opsBinRef(op, a, b, 2.5), opsTol(dt))
			}
		}
	}
}

// In place (y = a) is how the residual adds run.
func TestOpsBinaryInPlace(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{4096, 1001} {
		ab, a := opsIn(t, l, randn(r, n, 1), F32)
		bb, b := opsIn(t, l, randn(r, n, 1), F32)
		run(t, l, nil, func(rec *engine.Recorder) error {
			return l.Binary(rec, OpAdd, ab.All(), ab.All(), bb.All(), n, n, 0, F32)
		})
		within(t, "in place", get(t, l, ab, n, F32), opsBinRef(OpAdd, a, b, 0), 1e-7)
	}
}

func opsUnRef(op UnOp, x []float32, alpha, beta float32) []float32 {
	switch op {
	case OpSiLU:
		return ref.SiLU(x)
	case OpGELU:
		return ref.GELUTanh(x)
	case OpQuickGELU:
		return ref.QuickGELU(x)
	case OpAffine:
		return ref.Affine(x, float64(alpha), float64(beta))
	case OpClamp:
		return ref.Clamp(x, alpha, beta)
	}
	return append([]float32(nil), x...)
}

func TestOpsUnary(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(3))
	for _, dt := range opsTypes {
		for _, n := range []int{1, 7, 1024, 1003} {
			v := randn(r, n, 3)
			v[0] = -8
			if n > 2 {
				v[1], v[2] = 100, -100 // exp overflow must not give NaN
			}
			xb, x := opsIn(t, l, v, dt)
			y := out(t, l, n, dt)
			for op := OpSiLU; op <= OpCopy; op++ {
				alpha, beta := float32(0.5), float32(-0.25)
				if op == OpClamp {
					alpha, beta = -1, 1.5
				}
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
					return l.Unary(rec, op, y.All(), xb.All(), n, alpha, beta, dt)
				})
				within(t, fmt.Sprintf("%s op %d n=%d", dt, op, n), get(t, l, y, n, dt), opsUnRef(op, x, alpha, beta), opsTol(dt))
			}
		}
	}
}

func TestOpsGated(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(4))
	for _, dt := range opsTypes {
		for _, s := range [][2]int{{1, 1}, {3, 5}, {7, 3072}, {2, 12}, {1, 12288}} {
			rows, dim := s[0], s[1]
			n := rows * dim
			xb, x := opsIn(t, l, randn(r, n, 1), dt)
			vb, v := opsIn(t, l, randn(r, n, 2), dt)
			gb := put(t, l, randn(r, dim, 1), F32)
			gate := get(t, l, gb, dim, F32)
			y := out(t, l, n, dt)
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
				return l.GatedAdd(rec, y.All(), xb.All(), gb.All(), vb.All(), rows, dim, dt)
			})
			within(t, fmt.Sprintf("gatedadd %s %dx%d", dt, rows, dim), get(t, l, y, n, dt), ref.GatedAdd(x, gate, v, rows, dim), opsTol(dt))
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
				return l.GatedGELU(rec, y.All(), xb.All(), vb.All(), n, dt)
			})
			within(t, fmt.Sprintf("gatedgelu %s n=%d", dt, n), get(t, l, y, n, dt), ref.GatedGELU(x, v), opsTol(dt))
			// In place, as the residual stream runs.
			run(t, l, nil, func(rec *engine.Recorder) error {
				return l.GatedAdd(rec, xb.All(), xb.All(), gb.All(), vb.All(), rows, dim, dt)
			})
			within(t, fmt.Sprintf("gatedadd in place %s", dt), get(t, l, xb, n, dt), ref.GatedAdd(x, gate, v, rows, dim), opsTol(dt))
		}
	}
}

func TestOpsEuler(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(5))
	sched := []float32{1, 0.9, 0.61, 0.2, 0}
	sb := put(t, l, sched, F32)
	for _, dt := range opsTypes {
		for _, n := range []int{1, 13, 4096} {
			xb, x := opsIn(t, l, randn(r, n, 1), dt)
			vb, v := opsIn(t, l, randn(r, n, 1), dt)
			run(t, l, nil, func(rec *engine.Recorder) error { return l.Euler(rec, xb.All(), vb.All(), sb.All(), 2, n, dt) })
			want := ref.EulerStep(x, v, sched[3]-sched[2])
			within(t, fmt.Sprintf("euler %s n=%d", dt, n), get(t, l, xb, n, dt), want, opsTol(dt))
		}
	}
}

func TestOpsConvert(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(6))
	for _, from := range []DType{F32, F16, BF16} {
		for _, to := range opsTypes {
			for _, n := range []int{1, 7, 1000} {
				xb, x := opsIn(t, l, randn(r, n, 10), from)
				y := out(t, l, n, to)
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error { return l.Convert(rec, y.All(), xb.All(), n, from, to) })
				got, want := get(t, l, y, n, to), opsStored(x, to)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("convert %s→%s n=%d: [%d] = %v, want %v", from, to, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestOpsEmbedding(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(7))
	cases := []struct {
		vocab, dim int
		ids        []int32
		maxBind    uint64 // forces the split gather when set
	}{
		{49408, 4, []int32{49406, 0, 320, 49407, 49407, 1}, 0},
		{100, 33, []int32{5, 99, 0, 42, 7, 7, 8}, 0},
		{1000, 3, []int32{999, 0, 500, 257, 256, 255, 3}, 1024},
		{97, 256, []int32{96, 0, 1, 50}, 4096},
	}
	for _, c := range cases {
		for _, tt := range []DType{F32, F16, BF16} {
			for _, dt := range opsTypes {
				tb, table := opsIn(t, l, randn(r, c.vocab*c.dim, 1), tt)
				ib := opsInts(t, l, c.ids)
				n := len(c.ids)
				y := out(t, l, n*c.dim, dt)
				opsMaxBind = c.maxBind
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
					return l.Embedding(rec, y.All(), tb.Slice(0, uint64(c.vocab*c.dim*tt.Size())), ib.All(), n, c.dim, tt, dt)
				})
				opsMaxBind = 0
				ids := make([]int64, n)
				for i, id := range c.ids {
					ids[i] = int64(id)
				}
				want := opsStored(ref.Embedding(table, ids, c.dim), dt)
				got := get(t, l, y, n*c.dim, dt)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("embedding vocab %d dim %d table %s act %s: [%d] = %v, want %v", c.vocab, c.dim, tt, dt, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestOpsRGB8(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(8))
	for _, dt := range opsTypes {
		for _, s := range [][2]int{{1, 1}, {3, 5}, {17, 31}, {64, 64}} {
			h, w := s[0], s[1]
			v := randn(r, 3*h*w, 0.7)
			for i, special := range []float32{-1, 1, 0, -1.5, 2, 1 - 1e-7, -1 + 1e-7} {
				if i < len(v) {
					v[len(v)-1-i] = special
				}
			}
			xb, x := opsIn(t, l, v, dt)
			words := (3*h*w + 3) / 4
			y := out(t, l, words, F32)
			run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error { return l.RGB8(rec, y.All(), xb.All(), h, w, dt) })
			raw := make([]byte, 4*words)
			if err := l.D.Download(y, 0, raw); err != nil {
				t.Fatal(err)
			}
			want := ref.ToRGB8(x, h, w)
			for i := range want {
				if raw[i] != want[i] {
					t.Fatalf("rgb8 %s %dx%d: byte %d = %d, want %d", dt, h, w, i, raw[i], want[i])
				}
			}
			for i := len(want); i < len(raw); i++ {
				if raw[i] != 0 {
					t.Fatalf("rgb8 %s %dx%d: padding byte %d = %d", dt, h, w, i, raw[i])
				}
			}
		}
	}
}

func TestOpsTimestepEmbedding(t *testing.T) {
	l := testLib(t)
	ts := []float32{1, 0.75, 0.5, 0.0312, 0, 3.5, 0.99961, 10} // 10·1000: arguments to 10⁴
	tb := put(t, l, ts, F32)
	worst := 0.0
	for _, dim := range []int{256, 7, 2} {
		for _, tf := range []float32{1000, 1} {
			for i := range ts {
				y := out(t, l, dim, F32)
				run(t, l, []*engine.Buffer{y}, func(rec *engine.Recorder) error {
					return l.TimestepEmbedding(rec, y.All(), tb.All(), i, dim, tf, 10000)
				})
				got, want := get(t, l, y, dim, F32), ref.TimestepEmbedding(ts[i], dim, 10000, tf)
				e := ref.RelL2(got, want)
				worst = math.Max(worst, e)
				if !(e < 1e-6) {
					t.Errorf("timestep dim %d factor %g t %g: relative L2 %.3g", dim, tf, ts[i], e)
				}
			}
		}
	}
	t.Logf("worst relative L2 vs ref.TimestepEmbedding: %.3g", worst)
}

func TestOpsValidation(t *testing.T) {
	l := testLib(t)
	small := out(t, l, 16, F32)
	rec, err := l.D.NewRecorder(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for name, err := range map[string]error{
		"short y":     l.Binary(rec, OpAdd, small.Slice(0, 16), small.All(), small.All(), 16, 16, 0, F32),
		"bn":          l.Binary(rec, OpAdd, small.All(), small.All(), small.All(), 16, 5, 0, F32),
		"bf16 act":    l.Unary(rec, OpCopy, small.All(), small.All(), 4, 0, 0, BF16),
		"odd patch":   l.Patchify(rec, small.All(), small.All(), 1, 3, 4, F32),
		"groups":      l.GroupNorm(rec, small.All(), small.All(), engine.Range{}, engine.Range{}, 3, 4, 2, 1e-6, false, F32),
		"no buffer":   l.Softmax(rec, engine.Range{}, small.All(), 1, 4, F32),
		"rope odd d":  l.Rope(rec, small.All(), small.All(), small.All(), 1, 1, 3, 0, 0, 0, 0, F32),
		"rope axes":   l.RopeTable(rec, small.All(), small.All(), 1, []int{3}, 10000),
		"copy stride": l.Copy2D(rec, small.All(), small.All(), 2, 4, 4, 0, 2, 0, F32),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The small registered cases of these ops set up, record and run (the
// timings come from BenchmarkOps and `flux-vk bench ops`).
func TestOpsBenchCases(t *testing.T) {
	l := testLib(t)
	mine := map[string]bool{"layernorm": true, "modlayernorm": true, "rmsnorm": true, "groupnorm": true,
		"binary add": true, "gatedgelu": true, "rope": true}
	seen := 0
	for _, c := range BenchCases() {
		if !mine[c.Op] {
			continue
		}
		seen++
		if !c.Small {
			continue
		}
		if _, err := RunBench(l, c, 1); err != nil {
			t.Errorf("%s %s %s: %v", c.Op, c.Shape, c.DType, err)
		}
	}
	if seen != 3*len(mine) {
		t.Errorf("%d cases registered, want %d", seen, 3*len(mine))
	}
}
