package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

type convCase struct {
	name                    string
	cin, h, w, cout, kh, kw int
	stride                  int
	pad                     [4]int // top, left, bottom, right
	up, bias, res, inPlace  bool
	xt, yt, wt              DType
	minDispatches           int
}

func (c convCase) args() ConvArgs {
	return ConvArgs{Cin: c.cin, H: c.h, W_: c.w, Cout: c.cout, KH: c.kh, KW: c.kw, Stride: c.stride,
		PadT: c.pad[0], PadL: c.pad[1], PadB: c.pad[2], PadR: c.pad[3], Upsample: c.up,
		XType: c.xt, YType: c.yt, WType: c.wt}
}

// convRef is graph/ref's Conv2D (after its Upsample2x) on the rounded
// inputs, plus the residual.
func convRef(c convCase, x, w, bias, res []float32) []float32 {
	xr, h, wd := roundTo(x, c.xt), c.h, c.w
	if c.up {
		xr, h, wd = ref.Upsample2x(xr, c.cin, h, wd), 2*h, 2*wd
	}
	y, _, _ := ref.Conv2D(xr, roundTo(w, c.wt), bias, c.cin, h, wd, c.cout, c.kh, c.kw, c.stride, c.pad[0], c.pad[1], c.pad[2], c.pad[3])
	if res != nil {
		r := roundTo(res, c.yt)
		for i := range y {
			y[i] = float32(float64(y[i]) + float64(r[i]))
		}
	}
	return y
}

func runConv(t *testing.T, l *Lib, c convCase, seed int64) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	a := c.args()
	oh, ow := ConvOut(a)
	kdim := c.cin * c.kh * c.kw
	x, w := randn(r, c.cin*c.h*c.w, 1), randn(r, c.cout*kdim, 1/math.Sqrt(float64(kdim)))
	a.X, a.W = put(t, l, x, c.xt).All(), put(t, l, w, c.wt).All()
	var bias, res []float32
	if c.bias {
		bias = randn(r, c.cout, 0.5)
		a.Bias = put(t, l, bias, F32).All()
	}
	yb := out(t, l, c.cout*oh*ow, c.yt)
	outs := []*engine.Buffer{yb}
	if c.res {
		res = randn(r, c.cout*oh*ow, 1)
		if c.inPlace {
			yb, outs = put(t, l, res, c.yt), nil
			a.Residual = yb.All()
		} else {
			a.Residual = put(t, l, res, c.yt).All()
		}
	}
	a.Y = yb.All()
	var disp int
	run(t, l, outs, func(rec *engine.Recorder) error {
		err := l.Conv2D(rec, a)
		disp, _ = rec.Stats()
		return err
	})
	if disp < c.minDispatches {
		t.Errorf("%d dispatches, want at least %d", disp, c.minDispatches)
	}
	got, want := get(t, l, yb, c.cout*oh*ow, c.yt), convRef(c, x, w, bias, res)
	tol := tolerance(kdim, c.yt)
	t.Logf("relative L2 error %.3g (tolerance %.3g)", ref.RelL2(got, want), tol)
	within(t, "y", got, want, tol)
}

var p1 = [4]int{1, 1, 1, 1}

// Shapes bigger than a CPU tile (32) in Cout, OH·OW and K, odd sizes, the
// VAE's kinds: 3×3 pad 1, 1×1 shortcut, stride-2 downsample padded only
// right and bottom, upsample fused into the following 3×3.
var convCases = []convCase{
	{name: "3x3", cin: 3, h: 9, w: 9, cout: 5, kh: 3, kw: 3, stride: 1, pad: p1, bias: true},
	{name: "3x3big", cin: 7, h: 13, w: 11, cout: 37, kh: 3, kw: 3, stride: 1, pad: p1, bias: true},
	{name: "3x3nopad", cin: 4, h: 8, w: 10, cout: 6, kh: 3, kw: 3, stride: 1},
	{name: "1x1", cin: 40, h: 10, w: 7, cout: 33, kh: 1, kw: 1, stride: 1, bias: true},
	{name: "1x1res", cin: 17, h: 9, w: 8, cout: 35, kh: 1, kw: 1, stride: 1, bias: true, res: true},
	{name: "down", cin: 6, h: 11, w: 12, cout: 9, kh: 3, kw: 3, stride: 2, pad: [4]int{0, 0, 1, 1}, bias: true},
	{name: "down16", cin: 5, h: 16, w: 16, cout: 34, kh: 3, kw: 3, stride: 2, pad: [4]int{0, 0, 1, 1}},
	{name: "up", cin: 5, h: 6, w: 7, cout: 35, kh: 3, kw: 3, stride: 1, pad: p1, up: true, bias: true},
	{name: "upres", cin: 4, h: 5, w: 5, cout: 6, kh: 3, kw: 3, stride: 1, pad: p1, up: true, res: true, inPlace: true},
	{name: "resinplace", cin: 9, h: 7, w: 9, cout: 33, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, res: true, inPlace: true},
	{name: "rect", cin: 3, h: 5, w: 9, cout: 4, kh: 1, kw: 3, stride: 1, pad: [4]int{0, 1, 0, 1}},
}

func TestConv2D(t *testing.T) {
	l := testLib(t)
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) { runConv(t, l, c, int64(i)) })
	}
}

func TestConv2DDTypes(t *testing.T) {
	l := testLib(t)
	for i, d := range dtypeCombos() {
		c := convCases[i%len(convCases)]
		c.xt, c.yt, c.wt = d[0], d[1], d[2]
		t.Run(fmt.Sprintf("x%v_y%v_w%v/%s", d[0], d[1], d[2], c.name), func(t *testing.T) { runConv(t, l, c, int64(i)) })
	}
}

// Every configuration of the tiled and the subgroup kernel, and each dtype
// on the smallest shared-memory tile.
func TestConv2DTiles(t *testing.T) {
	l := testLib(t)
	defer func() { mmTileOverride, sgOverride = nil, nil }()
	for _, tile := range append(append([]mmTile{}, gpuTiles...), cpuTiles...) {
		if !tile.fits(l.D.Info) {
			continue
		}
		mmTileOverride = &tile
		c := convCase{cin: 5, h: 12, w: 13, cout: tile.BM + 1, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, res: true, yt: F16, wt: BF16}
		t.Run(fmt.Sprintf("%+v", tile), func(t *testing.T) { runConv(t, l, c, 3) })
	}
	mmTileOverride = &gpuTiles[len(gpuTiles)-1]
	for i, d := range someDTypes {
		c := convCases[(i+5)%len(convCases)]
		c.xt, c.yt, c.wt = d[0], d[1], d[2]
		t.Run(fmt.Sprintf("%+v/x%v_y%v_w%v/%s", *mmTileOverride, d[0], d[1], d[2], c.name), func(t *testing.T) { runConv(t, l, c, int64(i)) })
	}
	mmTileOverride = nil
	if hasOp(l.D.Info.SubgroupOps, "ballot") {
		for i, s := range sgTiles(l) {
			sgOverride = &s
			// Cin 4 and 3: K = 36 takes the vec4 loads of W, 27 not.
			c := convCase{cin: 4 - i%2, h: 9, w: 2*s.SG*s.C/3 + 1, cout: s.R + 3, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, res: true, up: i == 1, xt: F16, wt: BF16}
			t.Run(fmt.Sprintf("sg%+v", s), func(t *testing.T) { runConv(t, l, c, 4) })
		}
	}
}

// Inputs and weights larger than one binding: Conv2D splits Cout and Cin
// (later input-channel chunks accumulate into y in place).
func TestConv2DSplitsLargeBindings(t *testing.T) {
	l := testLib(t)
	defer func() { maxBindOverride = 0 }()
	maxBindOverride = 4096
	for i, c := range []convCase{
		{name: "cin", cin: 20, h: 12, w: 12, cout: 3, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, res: true, minDispatches: 4},
		{name: "cout", cin: 2, h: 6, w: 6, cout: 40, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, minDispatches: 2},
		{name: "both", cin: 9, h: 10, w: 10, cout: 20, kh: 3, kw: 3, stride: 1, pad: p1, bias: true, up: true, res: true, inPlace: true, yt: F16, wt: BF16, minDispatches: 4},
	} {
		t.Run(c.name, func(t *testing.T) { runConv(t, l, c, int64(i)) })
	}
}

func TestUpsample2x(t *testing.T) {
	l := testLib(t)
	r := rand.New(rand.NewSource(5))
	for _, dt := range []DType{F32, F16} {
		for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 19}} {
			c, h, w := s[0], s[1], s[2]
			x := randn(r, c*h*w, 1)
			xb, yb := put(t, l, x, dt), out(t, l, 4*c*h*w, dt)
			run(t, l, []*engine.Buffer{yb}, func(rec *engine.Recorder) error {
				return l.Upsample2x(rec, yb.All(), xb.All(), c, h, w, dt)
			})
			want := ref.Upsample2x(roundTo(x, dt), c, h, w)
			for i, g := range get(t, l, yb, 4*c*h*w, dt) {
				if g != want[i] {
					t.Fatalf("%v %dx%dx%d: y[%d] = %v, want %v", dt, c, h, w, i, g, want[i])
				}
			}
		}
	}
}
