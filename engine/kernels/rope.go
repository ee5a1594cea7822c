package kernels

import (
	"fmt"
	"math"
	"strings"

	"github.com/flux-vk/flux-vk/engine"
)

// Rotary position embedding: the (cos, sin) table of FLUX's EmbedND and
// its application to interleaved pairs.

// RopeTable records the rotary table (tokens, headDim/2, 2) of (cos, sin)
// f32, headDim = sum(axesDim), from position ids (tokens, len(axesDim)) f32,
// as graph/ref.RopeTable: pair k of an axis of size d turns by
// pos·theta^(−2k/d). The frequencies are computed on the host in f64 and
// split so the angle is exact for integer positions below 4096; the table
// matches the f64 reference to about one f32 ulp.
func (l *Lib) RopeTable(rec *engine.Recorder, table, ids engine.Range, tokens int, axesDim []int, theta float32) error {
	const op = "rope table"
	if err := opsCheckN(op, tokens); err != nil {
		return err
	}
	pairs := 0
	key := []string{fmt.Sprintf("rope/%g", theta)}
	for _, d := range axesDim {
		if d <= 0 || d%2 != 0 {
			return fmt.Errorf("%s: axis dims %v must be even", op, axesDim)
		}
		pairs += d / 2
		key = append(key, fmt.Sprint(d))
	}
	if pairs == 0 || !(theta > 0) {
		return fmt.Errorf("%s: axis dims %v, theta %g", op, axesDim, theta)
	}
	omega, err := l.opsConst(strings.Join(key, "/"), func() []float32 { return ropeOmega(axesDim, float64(theta)) })
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if ids, err = opsArg(op, "ids", ids, tokens*len(axesDim), F32); err != nil {
		return err
	}
	if table, err = opsArg(op, "table", table, tokens*pairs*2, F32); err != nil {
		return err
	}
	return l.opsDispatchN(rec, "rope_table", []engine.Access{engine.Read, engine.Read, engine.Write},
		[]engine.Range{ids, omega, table}, Push(tokens, pairs, len(axesDim)), tokens*pairs, 1)
}

// ropeOmega lists, per pair, the frequency theta^(−2k/d) split in three f32
// parts (the first two with 12 significant bits) and the pair's axis.
func ropeOmega(axesDim []int, theta float64) []float32 {
	var out []float32
	for a, d := range axesDim {
		for k := 0; k < d; k += 2 {
			w := 1 / math.Pow(theta, float64(k)/float64(d))
			o1 := ropeTrunc12(float32(w))
			o2 := ropeTrunc12(float32(w - float64(o1)))
			o3 := float32(w - float64(o1) - float64(o2))
			out = append(out, o1, o2, o3, float32(a))
		}
	}
	return out
}

// ropeTrunc12 keeps the 12 leading significant bits of v.
func ropeTrunc12(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ 0xfff) }

// Rope records the rotation of the interleaved pairs of every head of x
// (tokens, heads·d), element (i, h, c) at xOff + i·xStride + h·d + c, by
// table (tokens, d/2, 2) into y, laid out the same at yOff + i·yStride
// (stride 0 = heads·d). y may alias x when the layouts match.
func (l *Lib) Rope(rec *engine.Recorder, y, x, table engine.Range, tokens, heads, d, xStride, xOff, yStride, yOff int, t DType) error {
	const op = "rope"
	if err := opsCheckN(op, tokens, heads, d, xStride, xOff, yStride, yOff); err != nil {
		return err
	}
	if err := opsAct(op, t); err != nil {
		return err
	}
	if d <= 0 || d%2 != 0 || heads <= 0 {
		return fmt.Errorf("%s: %d heads of %d (head dim must be even)", op, heads, d)
	}
	if tokens == 0 {
		return nil
	}
	if xStride == 0 {
		xStride = heads * d
	}
	if yStride == 0 {
		yStride = heads * d
	}
	if xStride < heads*d || yStride < heads*d {
		return fmt.Errorf("%s: strides %d, %d narrower than %d heads of %d", op, xStride, yStride, heads, d)
	}
	xn, yn := xOff+(tokens-1)*xStride+heads*d, yOff+(tokens-1)*yStride+heads*d
	if err := opsCheckN(op, xn, yn, tokens*d); err != nil {
		return err
	}
	x, err := opsArg(op, "x", x, xn, t)
	if err != nil {
		return err
	}
	if y, err = opsArg(op, "y", y, yn, t); err != nil {
		return err
	}
	if table, err = opsArg(op, "table", table, tokens*d, F32); err != nil {
		return err
	}
	wg := l.opsWG()
	p, err := l.pipeline(actVariant(op, t), []engine.Access{engine.Read, engine.Read, engine.Write}, 28, uint32(wg))
	if err != nil {
		return err
	}
	gx := groups(heads*d/2, wg)
	if gx > 65535 {
		return fmt.Errorf("%s: %d heads of %d", op, heads, d)
	}
	return rec.Dispatch(p, []engine.Range{x, table, y}, Push(tokens, heads, d/2, xStride, xOff, yStride, yOff),
		gx, uint32(min(tokens, 65535)), 1)
}

// Benchmarks: FLUX's rope over 24 heads of 128 at 1024² (4352 tokens), and a
// small shape for the software device.
func init() {
	opsRegister("rope", []opsShape{{"4352x24x128", false, []int{4352, 24, 128}}, {"256x24x128", true, []int{256, 24, 128}}},
		func(a []int, t DType) float64 { return float64(2*a[0]*a[1]*a[2]*t.Size() + 4*a[0]*a[2]) },
		func(a []int) float64 { return 3 * float64(a[0]*a[1]*a[2]) },
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error {
				return l.Rope(rec, b[1], b[0], b[2], a[0], a[1], a[2], 0, 0, 0, 0, t)
			}
		}, func(a []int, t DType) []opsBenchBuf {
			return []opsBenchBuf{{a[0] * a[1] * a[2], t}, {a[0] * a[1] * a[2], t}, {a[0] * a[2], F32}}
		})
}
