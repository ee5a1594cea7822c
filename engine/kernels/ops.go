package kernels

import (
	"fmt"
	"math"
	"sync"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/internal/torchmath"
)

// This file holds the small element-wise kernels (binary, unary, gated,
// Euler, conversions, embedding, image output, timestep embedding) and the
// helpers the norm, layout and rope kernels share (names prefixed ops).

// BinOp is the operation of Binary.
type BinOp int

const (
	OpAdd  BinOp = iota
	OpSub        // a − b
	OpMul        // a · b
	OpLerp       // a + alpha·(b − a): the true-CFG combine
)

// UnOp is the operation of Unary.
type UnOp int

const (
	OpSiLU      UnOp = iota // x·sigmoid(x)
	OpGELU                  // GELU, tanh approximation
	OpQuickGELU             // x·sigmoid(1.702·x)
	OpAffine                // alpha·x + beta
	OpClamp                 // to [alpha, beta]; NaN stays NaN
	OpCopy
)

// opsWG is the workgroup size of the element-wise and row kernels.
func (l *Lib) opsWG() int { return int(min(256, max(l.D.Info.MaxInvocations, 64))) }

// opsFold folds n workgroups into an x×y grid within the 65535 limit.
func opsFold(n int) (gx, gy uint32) {
	const lim = 65535
	if n <= lim {
		return uint32(max(n, 1)), 1
	}
	gy = uint32((n + lim - 1) / lim)
	return uint32((n + int(gy) - 1) / int(gy)), gy
}

// opsSize is the byte size of r (Size 0 means to the end of the buffer).
func opsSize(r engine.Range) uint64 {
	if r.Size == 0 && r.Buf != nil {
		return r.Buf.Size - r.Off
	}
	return r.Size
}

// opsArg checks that r holds elems elements of t and returns it trimmed to
// them (rounded up to whole words where r allows), so the recorder's hazard
// tracking sees only the bytes the kernel touches.
func opsArg(op, name string, r engine.Range, elems int, t DType) (engine.Range, error) {
	if r.Buf == nil {
		return r, fmt.Errorf("%s: %s: no buffer", op, name)
	}
	need := uint64(elems) * uint64(t.Size())
	have := opsSize(r)
	if have < need {
		return r, fmt.Errorf("%s: %s: range of %d bytes, need %d (%d %s)", op, name, have, need, elems, t)
	}
	r.Size = min(have, max((need+3)&^3, 4))
	return r, nil
}

// opsAct checks an activation type.
func opsAct(op string, t DType) error {
	if t != F32 && t != F16 {
		return fmt.Errorf("%s: activation type %s, want f32 or f16", op, t)
	}
	return nil
}

// opsDispatchN records an element-wise kernel over n items of vec elements
// each, on a folded grid.
func (l *Lib) opsDispatchN(rec *engine.Recorder, name string, access []engine.Access, binds []engine.Range,
	push []byte, items, vec int) error {
	wg := l.opsWG()
	p, err := l.pipeline(name, access, uint32(len(push)), uint32(wg), uint32(vec))
	if err != nil {
		return err
	}
	gx, gy := opsFold(int(groups(max(items, 1), wg)))
	return rec.Dispatch(p, binds, push, gx, gy, 1)
}

// opsCheckN rejects negative sizes and sizes beyond the 32-bit indexing of
// the shaders.
func opsCheckN(op string, ns ...int) error {
	for _, n := range ns {
		if n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("%s: size %d out of range", op, n)
		}
	}
	return nil
}

// Binary records y[i] = a[i] op b[i % bn] for i < n (bn == n: element-wise;
// bn == dim: a row broadcast over n/dim rows). y may alias a.
func (l *Lib) Binary(rec *engine.Recorder, op BinOp, y, a, b engine.Range, n, bn int, alpha float32, t DType) error {
	const name = "binary"
	if err := opsCheckN(name, n, bn); err != nil {
		return err
	}
	if err := opsAct(name, t); err != nil {
		return err
	}
	if op < OpAdd || op > OpLerp {
		return fmt.Errorf("%s: unknown op %d", name, op)
	}
	if bn <= 0 || n%bn != 0 {
		return fmt.Errorf("%s: %d elements do not repeat a %d-element b", name, n, bn)
	}
	a, err := opsArg(name, "a", a, n, t)
	if err != nil {
		return err
	}
	if b, err = opsArg(name, "b", b, bn, t); err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, n, t); err != nil {
		return err
	}
	vec := 1
	if n%4 == 0 && bn%4 == 0 {
		vec = 4
	}
	return l.opsDispatchN(rec, actVariant(name, t), []engine.Access{engine.Read, engine.Read, engine.Write},
		[]engine.Range{a, b, y}, Push(n, bn, int(op), alpha), n/vec, vec)
}

// Unary records y = f(x) over n elements. y may alias x.
func (l *Lib) Unary(rec *engine.Recorder, op UnOp, y, x engine.Range, n int, alpha, beta float32, t DType) error {
	const name = "unary"
	if err := opsCheckN(name, n); err != nil {
		return err
	}
	if err := opsAct(name, t); err != nil {
		return err
	}
	if op < OpSiLU || op > OpCopy {
		return fmt.Errorf("%s: unknown op %d", name, op)
	}
	x, err := opsArg(name, "x", x, n, t)
	if err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, n, t); err != nil {
		return err
	}
	vec := 1
	if n%4 == 0 {
		vec = 4
	}
	return l.opsDispatchN(rec, actVariant(name, t), []engine.Access{engine.Read, engine.Write},
		[]engine.Range{x, y}, Push(n, int(op), alpha, beta), n/vec, vec)
}

// GatedAdd records y = x + gate[j]·v over rows×dim (gate [dim] f32, FLUX's
// gated residual). y may alias x.
func (l *Lib) GatedAdd(rec *engine.Recorder, y, x, gate, v engine.Range, rows, dim int, t DType) error {
	const name = "gatedadd"
	if err := opsCheckN(name, rows, dim, rows*dim); err != nil {
		return err
	}
	if dim <= 0 {
		return fmt.Errorf("%s: dim %d", name, dim)
	}
	gate, err := opsArg(name, "gate", gate, dim, F32)
	if err != nil {
		return err
	}
	return l.gated(rec, name, y, x, gate, v, rows*dim, dim, 0, t)
}

// GatedGELU records y = gelu_tanh(a)·b over n elements (T5's gated FFN).
func (l *Lib) GatedGELU(rec *engine.Recorder, y, a, b engine.Range, n int, t DType) error {
	const name = "gatedgelu"
	if err := opsCheckN(name, n); err != nil {
		return err
	}
	return l.gated(rec, name, y, a, l.Dummy(), b, n, 1, 1, t)
}

func (l *Lib) gated(rec *engine.Recorder, name string, y, x, gate, v engine.Range, n, dim, mode int, t DType) error {
	if err := opsAct(name, t); err != nil {
		return err
	}
	x, err := opsArg(name, "x", x, n, t)
	if err != nil {
		return err
	}
	if v, err = opsArg(name, "v", v, n, t); err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, n, t); err != nil {
		return err
	}
	vec := 1
	if n%4 == 0 && (mode == 1 || dim%4 == 0) {
		vec = 4
	}
	return l.opsDispatchN(rec, actVariant("gated", t), []engine.Access{engine.Read, engine.Read, engine.Read, engine.Write},
		[]engine.Range{x, v, gate, y}, Push(n, dim, mode), n/vec, vec)
}

// Euler records x += (sched[step+1] − sched[step])·v over n elements; sched
// is an f32 buffer, so a recorded step replays with new schedule values.
func (l *Lib) Euler(rec *engine.Recorder, x, v, sched engine.Range, step, n int, t DType) error {
	const name = "euler"
	if err := opsCheckN(name, n, step); err != nil {
		return err
	}
	if err := opsAct(name, t); err != nil {
		return err
	}
	x, err := opsArg(name, "x", x, n, t)
	if err != nil {
		return err
	}
	if v, err = opsArg(name, "v", v, n, t); err != nil {
		return err
	}
	if sched, err = opsArg(name, "sched", sched, step+2, F32); err != nil {
		return err
	}
	vec := 1
	if n%4 == 0 {
		vec = 4
	}
	return l.opsDispatchN(rec, actVariant(name, t), []engine.Access{engine.ReadWrite, engine.Read, engine.Read},
		[]engine.Range{x, v, sched}, Push(n, step), n/vec, vec)
}

// Convert records y = x over n elements, from storage type from
// (F32/F16/BF16) to to (F32/F16), rounding to nearest even.
func (l *Lib) Convert(rec *engine.Recorder, y, x engine.Range, n int, from, to DType) error {
	const name = "convert"
	if err := opsCheckN(name, n); err != nil {
		return err
	}
	if err := opsAct(name, to); err != nil {
		return err
	}
	if from < F32 || from > BF16 {
		return fmt.Errorf("%s: unknown source type %d", name, from)
	}
	x, err := opsArg(name, "x", x, n, from)
	if err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, n, to); err != nil {
		return err
	}
	return l.opsDispatchN(rec, actVariant(name, to), []engine.Access{engine.Read, engine.Write},
		[]engine.Range{x, y}, Push(n, int(from)), n, 1)
}

// RGB8 records the 8-bit image of x (3, h, w) (f32 or f16): each value
// clamped to [−1, 1] and mapped to uint8(trunc(127.5·(x+1))) in f32, written
// HWC and packed four bytes per little-endian uint32 (y holds
// ceil(3·h·w/4) words).
func (l *Lib) RGB8(rec *engine.Recorder, y, x engine.Range, h, w int, t DType) error {
	const name = "rgb8"
	if err := opsCheckN(name, h, w, 3*h*w); err != nil {
		return err
	}
	if err := opsAct(name, t); err != nil {
		return err
	}
	hw := h * w
	words := (3*hw + 3) / 4
	x, err := opsArg(name, "x", x, 3*hw, t)
	if err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, words, F32); err != nil {
		return err
	}
	return l.opsDispatchN(rec, actVariant(name, t), []engine.Access{engine.Read, engine.Write},
		[]engine.Range{x, y}, Push(hw, words), words, 1)
}

// opsMaxBind overrides the device's maxStorageBufferRange in tests, to
// exercise the split gather of Embedding on small tables.
var opsMaxBind uint64

// Embedding records y[i, :] = table[ids[i], :] for n int32 ids, the table
// stored as tableType (F32/F16/BF16) with dim columns; its row count is the
// range size over the row size. Ids outside the table give zero rows. A
// table larger than one storage binding is gathered in several dispatches,
// each binding a slice of rows.
func (l *Lib) Embedding(rec *engine.Recorder, y, table, ids engine.Range, n, dim int, tableType, t DType) error {
	const name = "embedding"
	if err := opsCheckN(name, n, dim, n*dim); err != nil {
		return err
	}
	if err := opsAct(name, t); err != nil {
		return err
	}
	if dim <= 0 || tableType < F32 || tableType > BF16 || table.Buf == nil {
		return fmt.Errorf("%s: dim %d, table type %d", name, dim, tableType)
	}
	rowBytes := uint64(dim * tableType.Size())
	vocab := opsSize(table) / rowBytes
	if vocab == 0 || vocab > math.MaxInt32 {
		return fmt.Errorf("%s: table of %d bytes holds %d rows of %d", name, opsSize(table), vocab, dim)
	}
	ids, err := opsArg(name, "ids", ids, n, F32)
	if err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, n*dim, t); err != nil {
		return err
	}
	per, err := l.embedRowsPerBind(rowBytes, vocab)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	wg := l.opsWG()
	p, err := l.pipeline(actVariant("embed", t), []engine.Access{engine.Read, engine.Read, engine.Write}, 28, uint32(wg))
	if err != nil {
		return err
	}
	for r0 := uint64(0); r0 < vocab; r0 += per {
		cnt := min(per, vocab-r0)
		tab := engine.Range{Buf: table.Buf, Off: table.Off + r0*rowBytes, Size: cnt * rowBytes}
		push := Push(n, dim, int(tableType), int(r0), int(cnt), int(vocab), r0 == 0)
		if err := rec.Dispatch(p, []engine.Range{tab, ids, y}, push, groups(dim, wg), uint32(min(max(n, 1), 65535)), 1); err != nil {
			return err
		}
	}
	return nil
}

// embedRowsPerBind is how many table rows one binding may hold: all of
// them when the table fits maxStorageBufferRange, else the most that fit
// with every slice starting at an aligned offset.
func (l *Lib) embedRowsPerBind(rowBytes, vocab uint64) (uint64, error) {
	maxBind := l.D.Info.MaxStorage
	if opsMaxBind > 0 {
		maxBind = opsMaxBind
	}
	if vocab*rowBytes <= maxBind {
		return vocab, nil
	}
	align := max(uint64(256), l.D.Info.StorageAlign)
	step := align / opsGCD(align, rowBytes) // rows per aligned offset
	per := maxBind / rowBytes / step * step
	if per == 0 {
		return 0, fmt.Errorf("a row of %d bytes cannot be bound in aligned slices of %d bytes", rowBytes, maxBind)
	}
	return per, nil
}

func opsGCD(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// TimestepEmbedding records FLUX's sinusoidal embedding of ts[index] (an f32
// buffer, so a replayed graph can change the time): with half = dim/2,
// freqs[i] = exp(−ln(maxPeriod)·i/half) in PyTorch's float32 arithmetic
// (computed here on the host), arg = f32(f32(timeFactor·t)·freqs[i]), y (dim
// f32) = [cos(arg) | sin(arg)], zero-padded for odd dim; it matches
// graph/ref.TimestepEmbedding to about one ulp per value.
func (l *Lib) TimestepEmbedding(rec *engine.Recorder, y, ts engine.Range, index, dim int, timeFactor, maxPeriod float32) error {
	const name = "timestep embedding"
	if err := opsCheckN(name, index, dim); err != nil {
		return err
	}
	if dim < 2 || !(maxPeriod > 0) {
		return fmt.Errorf("%s: dim %d, max period %g", name, dim, maxPeriod)
	}
	half := dim / 2
	freqs, err := l.opsConst(fmt.Sprintf("timestep/%d/%g", half, maxPeriod), func() []float32 {
		return torchmath.TimestepFreqs(half, float64(maxPeriod))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if ts, err = opsArg(name, "ts", ts, index+1, F32); err != nil {
		return err
	}
	if y, err = opsArg(name, "y", y, dim, F32); err != nil {
		return err
	}
	p, err := l.pipeline("timestep", []engine.Access{engine.Read, engine.Read, engine.Write}, 16, 64)
	if err != nil {
		return err
	}
	return rec.Dispatch(p, []engine.Range{ts, freqs, y}, Push(index, half, dim, timeFactor), groups(half, 64), 1, 1)
}

// opsState is what the ops kernels keep per device: the GroupNorm
// statistics scratch and constant tables (frequencies) uploaded once.
type opsState struct {
	mu      sync.Mutex
	scratch *engine.Buffer
	consts  map[string]*engine.Buffer
}

var opsStates sync.Map // *engine.Device → *opsState

func (l *Lib) opsState() *opsState {
	v, _ := opsStates.LoadOrStore(l.D, &opsState{consts: map[string]*engine.Buffer{}})
	return v.(*opsState)
}

// opsConst returns the device buffer holding make()'s values, uploading
// them the first time key is asked for. The buffers live as long as the
// device.
func (l *Lib) opsConst(key string, make func() []float32) (engine.Range, error) {
	s := l.opsState()
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.consts[key]; ok {
		return b.All(), nil
	}
	b, err := l.newBuffer(Encode(make(), F32))
	if err != nil {
		return engine.Range{}, err
	}
	s.consts[key] = b
	return b.All(), nil
}

// opsScratch returns the device's GroupNorm scratch of size bytes (fixed;
// see GroupNorm).
func (l *Lib) opsScratch(size uint64) (*engine.Buffer, error) {
	s := l.opsState()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scratch == nil {
		b, err := l.D.Alloc(size)
		if err != nil {
			return nil, err
		}
		s.scratch = b
	}
	return s.scratch, nil
}

// opsShape is one benchmark shape: a name, whether the software device can
// run it, and the op's size arguments.
type opsShape struct {
	name  string
	small bool
	args  []int
}

func opsRowsDim(rows, dim int, small bool) opsShape {
	return opsShape{fmt.Sprintf("%dx%d", rows, dim), small, []int{rows, dim}}
}

// opsRecordFn records an op on benchmark buffers b for size arguments a.
type opsRecordFn func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error

// opsRegister registers op at each shape, in f32 and f16 (small shapes in
// f32 only). Bytes are the minimum moved: every input read once, every
// output written once.
func opsRegister(op string, shapes []opsShape, bytes func(a []int, t DType) float64, flops func(a []int) float64,
	rec opsRecordFn, bufs func(a []int, t DType) []opsBenchBuf) {
	for _, s := range shapes {
		for _, t := range []DType{F32, F16} {
			if s.small && t == F16 {
				continue
			}
			RegisterBench(BenchCase{Op: op, Shape: s.name, DType: t.String(), Small: s.small,
				FLOPs: flops(s.args), Bytes: bytes(s.args, t),
				Setup: func(l *Lib) (func(*engine.Recorder) error, func(), error) {
					b, cleanup, err := opsBenchAlloc(l, bufs(s.args, t))
					if err != nil {
						return nil, nil, err
					}
					return rec(l, b, s.args, t), cleanup, nil
				}})
		}
	}
}

// opsEWBytes: two inputs and one output of rows×dim.
func opsEWBytes(a []int, t DType) float64 { return float64(3 * a[0] * a[1] * t.Size()) }

func opsEWBufs(a []int, t DType) []opsBenchBuf {
	return []opsBenchBuf{{a[0] * a[1], t}, {a[0] * a[1], t}, {a[0] * a[1], t}}
}

// Benchmarks at FLUX's shapes (1024²: 4352 tokens of 3072; T5's FFN
// 512×10240), each with a small shape for the software device.
func init() {
	opsRegister("binary add", []opsShape{opsRowsDim(4352, 3072, false), opsRowsDim(256, 3072, true)}, opsEWBytes,
		func(a []int) float64 { return float64(a[0] * a[1]) },
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			n := a[0] * a[1]
			return func(rec *engine.Recorder) error { return l.Binary(rec, OpAdd, b[2], b[0], b[1], n, n, 0, t) }
		}, opsEWBufs)
	opsRegister("gatedgelu", []opsShape{opsRowsDim(512, 10240, false), opsRowsDim(64, 10240, true)}, opsEWBytes,
		func(a []int) float64 { return 12 * float64(a[0]*a[1]) },
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error { return l.GatedGELU(rec, b[2], b[0], b[1], a[0]*a[1], t) }
		}, opsEWBufs)
}

// opsBenchBuf is one benchmark buffer: elems values of type t.
type opsBenchBuf struct {
	elems int
	t     DType
}

// opsBenchAlloc allocates the buffers filled with random values in [−1, 1).
func opsBenchAlloc(l *Lib, specs []opsBenchBuf) ([]engine.Range, func(), error) {
	var bufs []*engine.Buffer
	cleanup := func() {
		for _, b := range bufs {
			b.Free(l.D)
		}
	}
	out := make([]engine.Range, len(specs))
	for i, s := range specs {
		b, err := l.D.Alloc(uint64(s.elems * s.t.Size()))
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		bufs = append(bufs, b)
		v := make([]float32, s.elems)
		for j := range v {
			v[j] = float32((j*2654435761+i*97)%2001)/1000 - 1
		}
		if err := l.D.Upload(b, 0, Encode(v, s.t)); err != nil {
			cleanup()
			return nil, nil, err
		}
		out[i] = b.All()
	}
	return out, cleanup, nil
}
