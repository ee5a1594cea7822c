package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// Act is the activation of a fused epilogue.
type Act int

const (
	ActNone Act = iota
	ActGELU     // tanh approximation (torch approximate="tanh")
	ActSiLU
)

// LinearArgs describe y = residual + gate ⊙ act(x·Wᵀ + bias).
type LinearArgs struct {
	Y, X, W  engine.Range
	Bias     engine.Range // optional, [N] f32
	Residual engine.Range // optional [M,N] of YType; may be the same range as Y (in place)
	Gate     engine.Range // optional f32, only with Residual (FLUX's x + gate·attn): [N], or [M/GateRows, N]
	GateRows int          // rows of y per gate row (a batch of samples, each with its own gate); 0: one row for all
	M, K, N  int          // X [M,K], W [N,K] (PyTorch nn.Linear layout), Y [M,N]
	XType    DType        // F32 or F16
	YType    DType        // F32 or F16 (also the residual's type)
	WType    DType        // F32, F16, BF16, or Q8_0 / Q4_0 (a blob of MatrixBytes; K a multiple of QBlock)
	Act      Act
}

// Epilogue flags of include/matmul_linear.glsl.
const (
	linBias  = 1
	linRes   = 2 // residual from its own binding
	linResY  = 4 // residual is Y (in place)
	linGate  = 8
	linVec4  = 64 // matmul_vec: K and offsets are multiples of 4
	linPush  = 15 * 4
	vecMaxM  = 4 // Linear uses matmul_vec up to this many rows of x
	linBinds = 7
)

// maxBindOverride, when non-zero, stands in for the device's
// maxStorageBufferRange, so tests can exercise the split of large weights.
var maxBindOverride uint64

// maxBind is the largest range one binding may cover.
func (l *Lib) maxBind() uint64 {
	if maxBindOverride != 0 && maxBindOverride < l.D.Info.MaxStorage {
		return maxBindOverride
	}
	return l.D.Info.MaxStorage
}

// bindAlign is the alignment of binding offsets (the allocator's).
func (l *Lib) bindAlign() uint64 {
	if a := l.D.Info.StorageAlign; a > 256 {
		return a
	}
	return 256
}

// mmWindow binds bytes [off, off+n) of r: the binding starts at the aligned
// offset at or below, and elem is the first byte's element index inside it
// (esize bytes per element). The end is rounded up to a word, since the
// shaders read 16-bit tensors as 32-bit words.
func (l *Lib) mmWindow(r engine.Range, off, n uint64, esize int) (engine.Range, int) {
	start := r.Off + off
	base := start - start%l.bindAlign()
	end := (start + n + 3) &^ 3
	if end > r.Buf.Size {
		end = r.Buf.Size
	}
	return engine.Range{Buf: r.Buf, Off: base, Size: end - base}, int((start - base) / uint64(esize))
}

// rangeSize is r's size with 0 meaning the rest of the buffer.
func rangeSize(r engine.Range) uint64 {
	if r.Size == 0 && r.Buf != nil {
		return r.Buf.Size - r.Off
	}
	return r.Size
}

// needRange checks that r holds n elements of t.
func needRange(what string, r engine.Range, n int, t DType) error {
	if err := needBytes(what, r, uint64(n*t.Size())); err != nil {
		return fmt.Errorf("%w (%d × %s)", err, n, t)
	}
	return nil
}

// needBytes checks that r holds want bytes.
func needBytes(what string, r engine.Range, want uint64) error {
	if r.Buf == nil {
		return fmt.Errorf("%s: no buffer", what)
	}
	if got := rangeSize(r); got < want || r.Off+want > r.Buf.Size {
		return fmt.Errorf("%s: range of %d bytes, want %d", what, got, want)
	}
	return nil
}

// sameStart reports whether a and b are the same tensor (in-place use).
func sameStart(a, b engine.Range) bool { return a.Buf != nil && a.Buf == b.Buf && a.Off == b.Off }

// overlapAt reports whether n bytes from a and from b overlap.
func overlapAt(a, b engine.Range, n uint64) bool { return overlap2(a, n, b, n) }

// overlap2 reports whether na bytes from a and nb bytes from b overlap.
func overlap2(a engine.Range, na uint64, b engine.Range, nb uint64) bool {
	return a.Buf != nil && a.Buf == b.Buf && a.Off < b.Off+nb && b.Off < a.Off+na
}

// gateRowsOf is how many rows the gate has.
func (a *LinearArgs) gateRowsOf() int {
	if a.GateRows == 0 {
		return 1
	}
	return a.M / a.GateRows
}

// gateGroup is the shader's gRows: rows of y per gate row (all of them for
// a shared gate).
func (a *LinearArgs) gateGroup() int {
	if a.GateRows == 0 {
		return a.M
	}
	return a.GateRows
}

func (a *LinearArgs) check() error {
	if a.M <= 0 || a.K <= 0 || a.N <= 0 {
		return fmt.Errorf("sizes must be positive")
	}
	if a.XType != F32 && a.XType != F16 || a.YType != F32 && a.YType != F16 {
		return fmt.Errorf("activations must be f32 or f16")
	}
	if a.Act < ActNone || a.Act > ActSiLU {
		return fmt.Errorf("unknown activation %d", a.Act)
	}
	if a.Gate.Buf != nil && a.Residual.Buf == nil {
		return fmt.Errorf("gate needs a residual")
	}
	if a.GateRows < 0 || a.GateRows > 0 && a.M%a.GateRows != 0 {
		return fmt.Errorf("%d rows do not split into gate groups of %d", a.M, a.GateRows)
	}
	if a.WType.Quantized() && !CanQuantize(a.K) {
		return fmt.Errorf("%s weights need K a multiple of %d", a.WType, QBlock)
	}
	if a.WType < F32 || a.WType > Q4_0 {
		return fmt.Errorf("unknown weight type %d", a.WType)
	}
	if err := needBytes("w", a.W, MatrixBytes(a.WType, a.N, a.K)); err != nil {
		return err
	}
	checks := []struct {
		what string
		r    engine.Range
		n    int
		t    DType
		opt  bool
	}{{"x", a.X, a.M * a.K, a.XType, false}, {"y", a.Y, a.M * a.N, a.YType, false},
		{"bias", a.Bias, a.N, F32, true}, {"residual", a.Residual, a.M * a.N, a.YType, true}, {"gate", a.Gate, a.gateRowsOf() * a.N, F32, true}}
	for _, c := range checks {
		if c.opt && c.r.Buf == nil {
			continue
		}
		if err := needRange(c.what, c.r, c.n, c.t); err != nil {
			return err
		}
	}
	ny := uint64(a.M * a.N * a.YType.Size())
	if overlapAt(a.Residual, a.Y, ny) && !sameStart(a.Residual, a.Y) {
		return fmt.Errorf("residual overlaps y without being the same range")
	}
	if overlap2(a.X, uint64(a.M*a.K*a.XType.Size()), a.Y, ny) || overlap2(a.W, MatrixBytes(a.WType, a.N, a.K), a.Y, ny) {
		return fmt.Errorf("y overlaps x or w")
	}
	return nil
}

// Linear records y = residual + gate ⊙ act(x·Wᵀ + bias) (each term
// optional). Rows of x up to vecMaxM take the GEMV-like matmul_vec kernel,
// more the tiled one. Where x, W or y is larger than one binding may be
// (maxStorageBufferRange), it splits M and N over several dispatches.
func (l *Lib) Linear(rec *engine.Recorder, a LinearArgs) error {
	if err := a.check(); err != nil {
		return fmt.Errorf("linear %d×%d×%d: %w", a.M, a.K, a.N, err)
	}
	budget := int64(l.maxBind()) - int64(l.bindAlign()) - 4
	mc := min(int64(a.M), budget/int64(a.K*a.XType.Size()), budget/int64(a.N*a.YType.Size()))
	nc := min(int64(a.N), budget/int64(MatrixBytes(a.WType, 1, a.K)))
	if mc <= 0 || nc <= 0 {
		return fmt.Errorf("linear %d×%d×%d: one row exceeds the binding limit of %d bytes", a.M, a.K, a.N, l.maxBind())
	}
	if nc < int64(a.N) && nc > 64 {
		nc -= nc % 64 // whole tiles in every chunk but the last
	}
	for m0 := 0; m0 < a.M; m0 += int(mc) {
		for n0 := 0; n0 < a.N; n0 += int(nc) {
			if err := l.linearPart(rec, &a, m0, min(int(mc), a.M-m0), n0, min(int(nc), a.N-n0)); err != nil {
				return fmt.Errorf("linear %d×%d×%d: %w", a.M, a.K, a.N, err)
			}
		}
	}
	return nil
}

// linearPart records rows [m0, m0+mc) and columns [n0, n0+nc) of y.
func (l *Lib) linearPart(rec *engine.Recorder, a *LinearArgs, m0, mc, n0, nc int) error {
	xs, ys := uint64(a.XType.Size()), uint64(a.YType.Size())
	K, N := uint64(a.K), uint64(a.N)
	xr, xOff := l.mmWindow(a.X, uint64(m0)*K*xs, uint64(mc)*K*xs, int(xs))
	wr, wOff, sr, sOff := l.weightWindows(a, n0, nc)
	yr, yOff := l.mmWindow(a.Y, uint64(m0)*N*ys, uint64(mc)*N*ys, int(ys))
	rr, rOff := l.Dummy(), 0
	flags := uint32(a.Act) << 4
	yAccess := engine.Write
	switch {
	case sameStart(a.Residual, a.Y):
		flags |= linResY
		yAccess = engine.ReadWrite
	case a.Residual.Buf != nil:
		rr, rOff = l.mmWindow(a.Residual, uint64(m0)*N*ys, uint64(mc)*N*ys, int(ys))
		flags |= linRes
	}
	if a.Bias.Buf != nil {
		flags |= linBias
	}
	if a.Gate.Buf != nil {
		flags |= linGate
	}
	binds := []engine.Range{xr, wr, l.orDummy(a.Bias), l.orDummy(a.Gate), rr, yr, sr}
	access := []engine.Access{engine.Read, engine.Read, engine.Read, engine.Read, engine.Read, yAccess, engine.Read}
	push := func(tiles int) []byte {
		return Push(mc, nc, a.K, a.N, xOff, wOff, yOff+n0, rOff+n0, n0, n0, flags, tiles, m0, a.gateGroup(), sOff)
	}
	if mc <= vecMaxM {
		if a.K%4 == 0 && xOff%4 == 0 && wOff%4 == 0 {
			flags |= linVec4
		}
		c := l.vecConfig(mc)
		p, err := l.pipeline(actVariant("matmul_vec", a.YType), access, linPush,
			uint32(c.WG), uint32(c.Rows), uint32(mc), 0, 0, 0, uint32(a.XType), uint32(a.WType))
		if err != nil {
			return err
		}
		gx, gz := l.fold(int(groups(nc, c.Rows)))
		return rec.Dispatch(p, binds, push(0), gx, 1, gz)
	}
	if s, ok := l.sgConfig(mc, nc, a.K); ok {
		vec := 0
		if a.K%4 == 0 && xOff%4 == 0 && wOff%4 == 0 {
			vec = 1
		}
		p, err := l.pipeline(actVariant("matmul_sg", a.YType), access, linPush, s.spec(vec, uint32(a.XType), uint32(a.WType))...)
		if err != nil {
			return err
		}
		blocks := int(groups(nc, s.SG*s.C))
		gx, gz := l.fold(int(groups(blocks, s.WG/s.SG)))
		return rec.Dispatch(p, binds, push(blocks), gx, groups(mc, s.R), gz)
	}
	t := l.linearTile(mc, nc)
	p, err := l.pipeline(actVariant("matmul", a.YType), access, linPush, t.spec(uint32(a.XType), uint32(a.WType))...)
	if err != nil {
		return err
	}
	tiles := int(groups(nc, t.BN))
	gx, gz := l.fold(tiles)
	return rec.Dispatch(p, binds, push(tiles), gx, groups(mc, t.BM), gz)
}

// weightWindows binds rows [n0, n0+nc) of W: the values (wOff: the first
// one's element index in the binding) and, for a quantized W, their scales
// (sOff: the first scale's f16 index; the dummy buffer otherwise).
func (l *Lib) weightWindows(a *LinearArgs, n0, nc int) (wr engine.Range, wOff int, sr engine.Range, sOff int) {
	t, K := a.WType, uint64(a.K)
	if !t.Quantized() {
		ws := uint64(t.Size())
		wr, wOff = l.mmWindow(a.W, uint64(n0)*K*ws, uint64(nc)*K*ws, int(ws))
		return wr, wOff, l.Dummy(), 0
	}
	wr, wOff = l.mmWindow(a.W, valueBytes(t, n0, a.K), valueBytes(t, nc, a.K), 1)
	if t == Q4_0 {
		wOff *= 2 // two values a byte
	}
	blocks := K / QBlock
	sr, sOff = l.mmWindow(a.W, valueBytes(t, a.N, a.K)+2*uint64(n0)*blocks, 2*uint64(nc)*blocks, 2)
	return wr, wOff, sr, sOff
}

// fold spreads n workgroups over the x and z axes of the grid (at most
// 65535 per axis); shaders skip the ids at or past n.
func (l *Lib) fold(n int) (gx, gz uint32) {
	maxX := int(min(l.D.Info.MaxGroups[0], 65535))
	if n <= maxX {
		return uint32(n), 1
	}
	return uint32(maxX), groups(n, maxX)
}

// mmTile is one configuration of include/matmul_tile.glsl: WG threads
// compute a BM×BN tile over K slices of BK, each thread a TM×TN block.
type mmTile struct{ WG, BM, BN, BK, TM, TN int }

// spec is the specialization constants 0..7 (6, 7: x and W types).
func (t mmTile) spec(xt, wt uint32) []uint32 {
	return []uint32{uint32(t.WG), uint32(t.BM), uint32(t.BN), uint32(t.BK), uint32(t.TM), uint32(t.TN), xt, wt}
}

// fits reports whether the device can run t and t is self-consistent.
func (t mmTile) fits(info engine.Info) bool {
	return t.WG == (t.BM/t.TM)*(t.BN/t.TN) && t.BM%t.TM == 0 && t.BN%t.TN == 0 &&
		uint32(t.WG) <= info.MaxInvocations && (t.BM*t.BK)%t.WG == 0 && (t.BN*t.BK)%t.WG == 0 &&
		uint32(4*t.BK*(t.BM+t.BN)) <= info.SharedMemory
}

// Tile sets, largest first. GPUs: 128×128 tiles with 8×8 per thread where
// the grid fills the device, down to 32×32 for small products. CPU devices
// (lavapipe) run a workgroup on one core with 8-wide SIMD, where smaller
// tiles keep more workgroups for the cores and the registers in cache.
var (
	gpuTiles = []mmTile{{256, 128, 128, 16, 8, 8}, {256, 128, 128, 8, 8, 8}, {256, 64, 64, 16, 4, 4},
		{128, 64, 64, 16, 8, 4}, {64, 32, 32, 16, 4, 4}}
	cpuTiles = []mmTile{{64, 32, 32, 16, 4, 4}}
	// mmTileOverride forces one configuration (tests run every one).
	mmTileOverride *mmTile
)

// linearTile picks the largest tile whose grid still has enough
// workgroups to fill the device (a few hundred on a big GPU), else the
// smallest that fits.
func (l *Lib) linearTile(m, n int) mmTile {
	if mmTileOverride != nil {
		return *mmTileOverride
	}
	set := gpuTiles
	if l.D.Info.Type == "cpu" {
		set = cpuTiles
	}
	var last mmTile
	for _, t := range set {
		if !t.fits(l.D.Info) {
			continue
		}
		last = t
		if groups(m, t.BM)*groups(n, t.BN) >= 256 {
			return t
		}
	}
	return last
}

// vecTile configures matmul_vec: WG threads (a power of two) split K over
// Rows output columns.
type vecTile struct{ WG, Rows int }

var vecTileOverride *vecTile

func (l *Lib) vecConfig(m int) vecTile {
	if vecTileOverride != nil {
		return *vecTileOverride
	}
	t := vecTile{128, 4}
	if l.D.Info.Type == "cpu" {
		t = vecTile{32, 16}
	}
	for t.WG > 32 && (uint32(t.WG) > l.D.Info.MaxInvocations || uint32(4*m*t.Rows*t.WG) > l.D.Info.SharedMemory) {
		t.WG /= 2
	}
	return t
}

// sgTile configures include/matmul_sg.glsl, the kernel for CPU devices:
// WG threads in subgroups of SG, each subgroup an R×(SG·C) block.
type sgTile struct{ WG, SG, R, C int }

func (t sgTile) spec(vec int, xt, wt uint32) []uint32 {
	return []uint32{uint32(t.WG), uint32(t.SG), uint32(t.R), uint32(t.C), uint32(vec), 0, xt, wt}
}

// sgOverride forces the subgroup kernel's configuration (tests, tuning).
var sgOverride *sgTile

// sgConfig says whether products of more than a few rows take the
// subgroup-broadcast kernel (CPU devices with subgroup broadcast, unless a
// test forces a tile of the shared-memory kernel) and with which blocks.
// Bigger blocks load less per FMA but cost JIT time at the first dispatch
// and leave fewer workgroups (lavapipe, 512×1024×512 f32, per CPU-second:
// 16×32 blocks ~1.5 GFLOP, 32×64 ~2.8 (3 s of JIT), 32×128 ~3.7 (7-10 s),
// 64×128 ~3.7 (35 s)), so the block grows with the product.
func (l *Lib) sgConfig(m, n, k int) (sgTile, bool) {
	if sgOverride != nil {
		return *sgOverride, true
	}
	info := l.D.Info
	if mmTileOverride != nil || info.Type != "cpu" || info.SubgroupSize < 4 || info.SubgroupSize > 16 || !hasOp(info.SubgroupOps, "ballot") {
		return sgTile{}, false
	}
	sg := int(info.SubgroupSize)
	macs := float64(m) * float64(n) * float64(k)
	switch {
	case macs >= 1<<26 && m >= 32 && n >= 128:
		return sgTile{WG: sg, SG: sg, R: 32, C: 128 / sg}, true
	case macs >= 1<<22:
		return sgTile{WG: sg, SG: sg, R: 16, C: 32 / sg}, true
	}
	return sgTile{WG: sg, SG: sg, R: 8, C: max(1, 16/sg)}, true
}

func hasOp(ops []string, op string) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}
