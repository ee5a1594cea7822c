package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// roundTo is v stored as t and read back: what the kernel sees.
func roundTo(v []float32, t DType) []float32 { return Decode(Encode(v, t), t) }

// roundW is the n×k weight w stored as t (quantized too) and read back.
func roundW(w []float32, n, k int, t DType) []float32 {
	if !t.Quantized() {
		return roundTo(w, t)
	}
	v, err := RoundTrip(w, n, k, t)
	if err != nil {
		panic(err)
	}
	return v
}

// putW uploads the n×k weight w stored as t (quantized too).
func putW(t testing.TB, l *Lib, w []float32, n, k int, dt DType) *engine.Buffer {
	t.Helper()
	if !dt.Quantized() {
		return put(t, l, w, dt)
	}
	data, err := Quantize(w, n, k, dt)
	if err != nil {
		t.Fatal(err)
	}
	return putBytes(t, l, data)
}

// epilogue is one combination of the fused terms of Linear.
type epilogue struct {
	bias, res, gate, inPlace bool
	act                      Act
}

func (e epilogue) String() string {
	s := fmt.Sprintf("act%d", e.act)
	for _, f := range []struct {
		on   bool
		name string
	}{{e.bias, "bias"}, {e.res, "res"}, {e.gate, "gate"}, {e.inPlace, "inplace"}} {
		if f.on {
			s += "+" + f.name
		}
	}
	return s
}

var epilogues = []epilogue{
	{}, {bias: true}, {bias: true, act: ActGELU}, {act: ActSiLU}, {bias: true, act: ActSiLU},
	{res: true}, {res: true, gate: true, bias: true}, {res: true, gate: true, inPlace: true, act: ActGELU, bias: true},
	{res: true, inPlace: true},
}

// linearCase is one Linear test: inputs drawn from seed, composed on the
// CPU from graph/ref's Linear and activations.
type linearCase struct {
	m, k, n       int
	xt, yt, wt    DType
	ep            epilogue
	seed          int64
	tol           float64
	minDispatches int
	samples       int // > 1: the gate has a row per sample of m/samples rows
	xShift        int // x starts this many elements into its buffer
}

// linearRef is y = residual + gate ⊙ act(x·Wᵀ + bias) in float64 on the
// rounded inputs.
func linearRef(c linearCase, x, w, bias, res, gate []float32) []float32 {
	y := ref.Linear(roundTo(x, c.xt), roundW(w, c.n, c.k, c.wt), bias, c.m, c.k, c.n)
	switch c.ep.act {
	case ActGELU:
		y = ref.GELUTanh(y)
	case ActSiLU:
		y = ref.SiLU(y)
	}
	if res != nil {
		r := roundTo(res, c.yt)
		for i := range y {
			g := 1.0
			if gate != nil {
				g = float64(gate[i/c.n/(c.m/max(c.samples, 1))*c.n+i%c.n])
			}
			y[i] = float32(float64(r[i]) + g*float64(y[i]))
		}
	}
	return y
}

// tolerance: f32 storage < 1e-5 relative L2; an f16 output adds its
// rounding (2^-11 relative) and stays under 2e-3.
func tolerance(k int, yt DType) float64 {
	if yt == F16 {
		return 2e-3
	}
	// Sequential f32 accumulation of k terms of random sign has a relative
	// error of about sqrt(k/6)·u (u = 2^-24, a random walk over the k
	// roundings of partial sums that grow as sqrt(i)); 2·sqrt(k)·u bounds
	// it with a 5× margin, and is below 1e-5 for k < 7000.
	return math.Max(1e-5, 2*math.Sqrt(float64(k))*math.Pow(2, -24))
}

func runLinear(t *testing.T, l *Lib, c linearCase) {
	t.Helper()
	r := rand.New(rand.NewSource(c.seed))
	x, w := randn(r, c.m*c.k, 1), randn(r, c.n*c.k, 1/math.Sqrt(float64(c.k)))
	a := LinearArgs{M: c.m, K: c.k, N: c.n, XType: c.xt, YType: c.yt, WType: c.wt, Act: c.ep.act}
	a.X, a.W = put(t, l, x, c.xt).All(), putW(t, l, w, c.n, c.k, c.wt).All()
	if c.xShift > 0 { // x starts c.xShift elements into its buffer: unaligned loads
		a.X = put(t, l, append(make([]float32, c.xShift), x...), c.xt).Slice(uint64(c.xShift*c.xt.Size()), uint64(len(x)*c.xt.Size()))
	}
	var bias, res, gate []float32
	if c.ep.bias {
		bias = randn(r, c.n, 0.5)
		a.Bias = put(t, l, bias, F32).All()
	}
	if c.ep.gate {
		gate = randn(r, max(c.samples, 1)*c.n, 1)
		a.Gate = put(t, l, gate, F32).All()
		if c.samples > 1 {
			a.GateRows = c.m / c.samples
		}
	}
	yb := out(t, l, c.m*c.n, c.yt)
	outs := []*engine.Buffer{yb}
	if c.ep.res {
		res = randn(r, c.m*c.n, 1)
		if c.ep.inPlace {
			yb = put(t, l, res, c.yt)
			a.Residual = yb.All()
			outs = nil // y holds the residual: not poisoned
		} else {
			a.Residual = put(t, l, res, c.yt).All()
		}
	}
	a.Y = yb.All()
	var disp int
	run(t, l, outs, func(rec *engine.Recorder) error {
		err := l.Linear(rec, a)
		disp, _ = rec.Stats()
		return err
	})
	if disp < c.minDispatches {
		t.Errorf("%d dispatches, want at least %d", disp, c.minDispatches)
	}
	tol := c.tol
	if tol == 0 {
		tol = tolerance(c.k, c.yt)
	}
	got, want := get(t, l, yb, c.m*c.n, c.yt), linearRef(c, x, w, bias, res, gate)
	t.Logf("relative L2 error %.3g (tolerance %.3g)", ref.RelL2(got, want), tol)
	within(t, "y", got, want, tol)
}

// Shapes: M=1..4 take matmul_vec (aligned and not), larger M the tiled
// kernel; odd sizes everywhere and more than one workgroup in every
// dimension for the CPU tiles (32) and the vec kernel's rows.
var linearShapes = [][3]int{
	{1, 1, 1}, {1, 7, 5}, {1, 64, 33}, {2, 33, 17}, {3, 96, 40}, {4, 129, 70},
	{5, 1, 3}, {6, 17, 9}, {37, 29, 45}, {70, 67, 131}, {65, 128, 66},
}

func TestLinearShapesEpilogues(t *testing.T) {
	l := testLib(t)
	for i, s := range linearShapes {
		for j, ep := range epilogues {
			if (i+j)%3 != 0 && s[0]*s[1]*s[2] > 1000 {
				continue // every epilogue on the small shapes, a third of them on the large
			}
			c := linearCase{m: s[0], k: s[1], n: s[2], ep: ep, seed: int64(100*i + j)}
			t.Run(fmt.Sprintf("%dx%dx%d/%v", s[0], s[1], s[2], ep), func(t *testing.T) { runLinear(t, l, c) })
		}
	}
}

// Every dtype combination on the GEMV-like kernel (M 1 and 3) and the one
// the device takes for more rows, with K a multiple of 4 and not.
func TestLinearDTypes(t *testing.T) {
	l := testLib(t)
	for i, d := range dtypeCombos() {
		for j, s := range [][3]int{{1, 68, 19}, {3, 33, 7}, {41, 70, 37}, {37, 68, 41}} {
			c := linearCase{m: s[0], k: s[1], n: s[2], xt: d[0], yt: d[1], wt: d[2],
				ep: epilogues[(4*i+j)%len(epilogues)], seed: int64(4*i + j)}
			t.Run(fmt.Sprintf("x%v_y%v_w%v/%dx%dx%d/%v", d[0], d[1], d[2], s[0], s[1], s[2], c.ep), func(t *testing.T) {
				runLinear(t, l, c)
			})
		}
	}
}

// Long K with tiny M and N: the accumulation-error bound of tolerance().
func TestLinearLongK(t *testing.T) {
	l := testLib(t)
	for i, s := range [][3]int{{1, 12288, 3}, {2, 12289, 5}, {9, 12288, 5}} {
		for _, wt := range []DType{F32, BF16} {
			c := linearCase{m: s[0], k: s[1], n: s[2], wt: wt, ep: epilogue{bias: true}, seed: int64(i)}
			t.Run(fmt.Sprintf("%dx%dx%d/w%v", s[0], s[1], s[2], wt), func(t *testing.T) { runLinear(t, l, c) })
		}
	}
}

// dtypeCombos is every (x, y, W) storage type combination.
func dtypeCombos() (c [][3]DType) {
	for _, xt := range []DType{F32, F16} {
		for _, yt := range []DType{F32, F16} {
			for _, wt := range []DType{F32, F16, BF16} {
				c = append(c, [3]DType{xt, yt, wt})
			}
		}
	}
	return c
}

// someDTypes cover each storage type of x, y and W (for the kernels the
// test device does not take by itself, where all combinations cost too
// much JIT time).
var someDTypes = [][3]DType{{F32, F32, F32}, {F16, F16, F16}, {F16, F32, BF16}, {F32, F16, BF16}}

// sgTiles are the subgroup kernel's configurations for the test device's
// subgroup size (the kernel needs SG to be it).
func sgTiles(l *Lib) []sgTile {
	sg := int(l.D.Info.SubgroupSize)
	return []sgTile{{sg, sg, 8, max(1, 16/sg)}, {sg, sg, 16, max(1, 32/sg)}, {sg, sg, 32, max(1, 128/sg)}, {2 * sg, sg, 8, 1}}
}

// Every tile configuration of the three kernels, whatever the device would
// choose, at sizes that are not multiples of any of them; each dtype on the
// smallest shared-memory tile (lavapipe itself takes the subgroup kernel,
// on which the other tests run every combination).
func TestLinearTiles(t *testing.T) {
	l := testLib(t)
	defer func() { mmTileOverride, vecTileOverride, sgOverride = nil, nil, nil }()
	for _, tile := range append(append([]mmTile{}, gpuTiles...), cpuTiles...) {
		if !tile.fits(l.D.Info) {
			continue
		}
		mmTileOverride = &tile
		c := linearCase{m: tile.BM + 3, k: 2*tile.BK + 5, n: tile.BN + 7, ep: epilogues[6], seed: 7, yt: F16, wt: BF16}
		t.Run(fmt.Sprintf("%+v", tile), func(t *testing.T) { runLinear(t, l, c) })
	}
	mmTileOverride = &gpuTiles[len(gpuTiles)-1]
	for i, d := range someDTypes {
		c := linearCase{m: 35, k: 20 + i, n: 37, xt: d[0], yt: d[1], wt: d[2], ep: epilogues[i%len(epilogues)], seed: int64(i)}
		t.Run(fmt.Sprintf("%+v/x%v_y%v_w%v", *mmTileOverride, d[0], d[1], d[2]), func(t *testing.T) { runLinear(t, l, c) })
	}
	mmTileOverride = nil
	if hasOp(l.D.Info.SubgroupOps, "ballot") {
		for i, s := range sgTiles(l) {
			sgOverride = &s
			for j, sh := range [][3]int{{s.R + 3, 4*s.SG + 8*s.SG*(i%2) + 4, s.SG*s.C + 5}, {2*s.R + 1, 4*s.SG + 3, 2*s.SG*s.C + 1}} {
				if s.R == 32 && j == 1 {
					continue // its JIT takes seconds on lavapipe
				}
				c := linearCase{m: sh[0], k: sh[1], n: sh[2], ep: epilogues[7-j], seed: 9, yt: DType(j), xt: DType(j), wt: BF16 - DType(j)}
				t.Run(fmt.Sprintf("sg%+v/%dx%dx%d", s, sh[0], sh[1], sh[2]), func(t *testing.T) { runLinear(t, l, c) })
			}
		}
		sgOverride = nil
	}
	for _, v := range []vecTile{{128, 4}, {32, 8}, {64, 1}, {16, 8}} { // 16×8: more outputs than threads
		vecTileOverride = &v
		for _, s := range [][3]int{{1, 300, 2*v.Rows + 1}, {4, 301, v.Rows + 3}} {
			c := linearCase{m: s[0], k: s[1], n: s[2], ep: epilogues[7], seed: 8}
			t.Run(fmt.Sprintf("vec%+v/%dx%dx%d", v, s[0], s[1], s[2]), func(t *testing.T) { runLinear(t, l, c) })
		}
	}
}

// Weights, inputs and outputs larger than one binding may be: Linear
// splits N (and M) over several dispatches. A fake small limit stands in
// for lavapipe's 128 MiB.
func TestLinearSplitsLargeBindings(t *testing.T) {
	l := testLib(t)
	defer func() { maxBindOverride = 0 }()
	maxBindOverride = 4096
	for _, c := range []linearCase{
		{m: 1, k: 50, n: 130, ep: epilogues[7], minDispatches: 3}, // W 26 KB in chunks of 19 rows
		{m: 40, k: 50, n: 70, ep: epilogues[6], minDispatches: 6}, // x, y and W split
		{m: 33, k: 21, n: 100, wt: BF16, yt: F16, xt: F16, ep: epilogues[7], minDispatches: 4},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", c.m, c.k, c.n), func(t *testing.T) { runLinear(t, l, c) })
	}
}

// A gate per sample (true CFG's batch of 2): on the vec, subgroup and tiled
// kernels, and split over M, where each dispatch starts at a later row.
func TestLinearGatePerSample(t *testing.T) {
	l := testLib(t)
	defer func() { mmTileOverride, maxBindOverride = nil, 0 }()
	gated := epilogues[6]
	for _, c := range []struct {
		name string
		c    linearCase
		tile bool
		bind uint64
	}{
		{"vec", linearCase{m: 2, k: 33, n: 17, samples: 2}, false, 0},
		{"vec4", linearCase{m: 4, k: 64, n: 9, samples: 2, ep: epilogues[7]}, false, 0},
		{"device", linearCase{m: 39, k: 29, n: 45, samples: 3}, false, 0},
		{"tiled", linearCase{m: 70, k: 20, n: 37, samples: 2, yt: F16, wt: BF16}, true, 0},
		{"split", linearCase{m: 40, k: 50, n: 70, samples: 4, minDispatches: 6}, false, 4096},
	} {
		cc := c.c
		if cc.ep == (epilogue{}) {
			cc.ep = gated
		}
		cc.seed = 31
		if c.tile {
			mmTileOverride = &gpuTiles[len(gpuTiles)-1]
		}
		maxBindOverride = c.bind
		t.Run(c.name, func(t *testing.T) { runLinear(t, l, cc) })
		mmTileOverride, maxBindOverride = nil, 0
	}
}

func TestLinearRejectsBadArgs(t *testing.T) {
	l := testLib(t)
	x, y := out(t, l, 64, F32), out(t, l, 64, F32)
	rec, err := l.D.NewRecorder(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for _, a := range []LinearArgs{
		{X: x.All(), W: x.All(), Y: y.All(), M: 0, K: 4, N: 4},
		{X: x.All(), W: x.All(), Y: y.All(), M: 100, K: 4, N: 4},
		{X: x.All(), W: x.All(), Y: y.All(), M: 4, K: 4, N: 4, Gate: x.All()},
		{X: x.All(), W: x.All(), Y: y.All(), M: 4, K: 4, N: 4, XType: BF16},
		{X: x.All(), W: x.All(), Y: y.All(), M: 4, K: 4, N: 4, Residual: y.All(), Gate: x.All(), GateRows: 3},
		{X: x.All(), W: x.All(), Y: y.Slice(0, 256), M: 4, K: 4, N: 4, Residual: y.Slice(16, 128)},
		{X: y.All(), W: x.All(), Y: y.All(), M: 4, K: 4, N: 4},
		{X: x.All(), W: x.All(), Y: y.All(), M: 1, K: 16, N: 2, WType: Q8_0}, // K not whole blocks
		{X: x.All(), W: x.All(), Y: y.All(), M: 1, K: 32, N: 8, WType: Q8_0}, // W too small for values and scales
		{X: x.All(), W: x.All(), Y: y.All(), M: 1, K: 32, N: 1, XType: Q4_0}, // quantized activations
	} {
		if err := l.Linear(rec, a); err == nil {
			t.Errorf("%+v: no error", a)
		}
	}
}
