package kernels

import (
	"fmt"

	"github.com/flux-vk/flux-vk/engine"
)

// Row norms (LayerNorm, FLUX's modulated LayerNorm, RMSNorm), row softmax
// and GroupNorm. Statistics are always f32 (two-pass mean and variance);
// the activation type only changes loads and stores.

const (
	normLayer = 0
	normRMS   = 1

	normHasP0    = 1
	normHasP1    = 2
	normModulate = 4
)

// LayerNorm records y = (x − mean)/sqrt(var + eps)·gamma + beta over each of
// rows rows of dim values; gamma and beta ([dim] f32) are optional (Buf nil).
func (l *Lib) LayerNorm(rec *engine.Recorder, y, x, gamma, beta engine.Range, rows, dim int, eps float32, t DType) error {
	flags := 0
	if gamma.Buf != nil {
		flags |= normHasP0
	}
	if beta.Buf != nil {
		flags |= normHasP1
	}
	return l.rowNorm(rec, "layernorm", y, x, gamma, beta, rows, dim, 1, eps, normLayer, flags, t)
}

// ModLayerNorm records FLUX's modulation y = (1 + scale)⊙LayerNorm(x) + shift
// with a non-affine LayerNorm; shift and scale are f32 [samples, dim]: rows
// of x come in samples equal groups (a batch), each modulated by its own row.
func (l *Lib) ModLayerNorm(rec *engine.Recorder, y, x, shift, scale engine.Range, rows, dim, samples int, eps float32, t DType) error {
	if shift.Buf == nil || scale.Buf == nil {
		return fmt.Errorf("modlayernorm: shift and scale are required")
	}
	if samples <= 0 || rows%samples != 0 {
		return fmt.Errorf("modlayernorm: %d rows do not split into %d samples", rows, samples)
	}
	return l.rowNorm(rec, "modlayernorm", y, x, shift, scale, rows, dim, samples, eps, normLayer, normHasP0|normHasP1|normModulate, t)
}

// RMSNorm records y = x/sqrt(mean(x²) + eps)·gamma over each row; gamma
// ([dim] f32) is optional.
func (l *Lib) RMSNorm(rec *engine.Recorder, y, x, gamma engine.Range, rows, dim int, eps float32, t DType) error {
	flags := 0
	if gamma.Buf != nil {
		flags |= normHasP0
	}
	return l.rowNorm(rec, "rmsnorm", y, x, gamma, engine.Range{}, rows, dim, 1, eps, normRMS, flags, t)
}

// normNoSubgroup forces the shared-memory reductions (tests cover both).
var normNoSubgroup bool

// normCache is the most row values one invocation holds in registers
// (CACHE in shaders/include/opsred.glsl).
const normCache = 16

// normSubgroup is the largest subgroup size when the device has subgroup
// arithmetic (the `_sg` reductions need segments at least that wide), else 0.
func (l *Lib) normSubgroup(maxWG int) int {
	in := l.D.Info
	sg := int(max(in.SubgroupSize, in.SubgroupRange[1]))
	if normNoSubgroup || sg <= 0 || sg > maxWG || sg&(sg-1) != 0 {
		return 0
	}
	for _, op := range in.SubgroupOps {
		if op == "arithmetic" {
			return sg
		}
	}
	return 0
}

// normPlan picks the shader variant and its specialization for rows of dim
// values: T invocations per row (a power of two, about eight values each, at
// least a subgroup when subgroup reductions are used), WG = max(T, 256)
// invocations per workgroup, and CACHE = ceil(dim/T) register slots (the
// shader re-reads rows longer than T·16).
func (l *Lib) normPlan(name string, t DType, dim int) (variant string, spec []uint32) {
	maxWG := int(min(1024, max(l.D.Info.MaxInvocations, 64)))
	tr := 1
	for tr < maxWG && tr*8 < dim {
		tr *= 2
	}
	variant = actVariant(name, t)
	if sg := l.normSubgroup(maxWG); sg > 0 {
		tr = max(tr, sg)
		variant += "_sg"
	}
	wg := max(tr, min(256, maxWG))
	cache := min(normCache, (dim+tr-1)/tr)
	return variant, []uint32{uint32(wg), uint32(tr), uint32(max(cache, 1))}
}

// normRows checks a rows×dim activation pair and returns them trimmed.
func normRows(op string, y, x engine.Range, rows, dim int, t DType) (engine.Range, engine.Range, error) {
	if err := opsCheckN(op, rows, dim, rows*dim); err != nil {
		return y, x, err
	}
	if dim <= 0 {
		return y, x, fmt.Errorf("%s: dim %d", op, dim)
	}
	if err := opsAct(op, t); err != nil {
		return y, x, err
	}
	x, err := opsArg(op, "x", x, rows*dim, t)
	if err != nil {
		return y, x, err
	}
	y, err = opsArg(op, "y", y, rows*dim, t)
	return y, x, err
}

func (l *Lib) rowNorm(rec *engine.Recorder, op string, y, x, p0, p1 engine.Range, rows, dim, samples int, eps float32,
	mode, flags int, t DType) error {
	y, x, err := normRows(op, y, x, rows, dim, t)
	if err != nil {
		return err
	}
	if flags&normHasP0 != 0 {
		if p0, err = opsArg(op, "gamma/shift", p0, samples*dim, F32); err != nil {
			return err
		}
	}
	if flags&normHasP1 != 0 {
		if p1, err = opsArg(op, "beta/scale", p1, samples*dim, F32); err != nil {
			return err
		}
	}
	name, spec := l.normPlan("rownorm", t, dim)
	p, err := l.pipeline(name, []engine.Access{engine.Read, engine.Write, engine.Read, engine.Read}, 24, spec...)
	if err != nil {
		return err
	}
	gx, gy := opsFold(int(groups(max(rows, 1), int(spec[0]/spec[1]))))
	return rec.Dispatch(p, []engine.Range{x, y, l.orDummy(p0), l.orDummy(p1)}, Push(rows, dim, eps, mode, flags, max(rows/samples, 1)), gx, gy, 1)
}

// Softmax records a max-subtracted softmax over each of rows rows of dim
// values (f32 arithmetic).
func (l *Lib) Softmax(rec *engine.Recorder, y, x engine.Range, rows, dim int, t DType) error {
	y, x, err := normRows("softmax", y, x, rows, dim, t)
	if err != nil {
		return err
	}
	name, spec := l.normPlan("softmax", t, dim)
	p, err := l.pipeline(name, []engine.Access{engine.Read, engine.Write}, 8, spec...)
	if err != nil {
		return err
	}
	gx, gy := opsFold(int(groups(max(rows, 1), int(spec[0]/spec[1]))))
	return rec.Dispatch(p, []engine.Range{x, y}, Push(rows, dim), gx, gy, 1)
}

// GroupNorm statistics scratch: per-chunk partial statistics, then one
// (mean, rstd) per group, in one device-wide buffer.
const (
	gnMaxParts  = 1 << 17
	gnMaxGroups = 16384
	gnPartBytes = gnMaxParts * 8
	gnScratch   = gnPartBytes + gnMaxGroups*8
)

// gnPartsLimit is the partial-statistics slots GroupNorm may use (lowered
// by tests to exercise chunks too long for registers).
var gnPartsLimit = gnMaxParts

// GroupNorm records GroupNorm of x (c, hw) (NCHW, batch 1) over groups of
// c/groups consecutive channels, the per-channel affine gamma, beta ([c]
// f32, optional), then swish y·sigmoid(y) when asked. It runs three
// dispatches: chunk statistics spread over many workgroups (each group may
// hold millions of values), an exact merge per group, and the normalisation.
// The statistics live in a scratch buffer shared by every GroupNorm on the
// device, so recorders holding GroupNorms must not run concurrently (the
// recorder's barriers order those within one command buffer).
func (l *Lib) GroupNorm(rec *engine.Recorder, y, x, gamma, beta engine.Range, c, hw, groups int, eps float32, swish bool, t DType) error {
	const op = "groupnorm"
	if groups <= 0 || c <= 0 || c%groups != 0 || groups > gnMaxGroups || c > 65535 {
		return fmt.Errorf("%s: %d channels in %d groups", op, c, groups)
	}
	y, x, err := normRows(op, y, x, c, hw, t)
	if err != nil {
		return err
	}
	flags := 0
	if gamma.Buf != nil {
		flags |= normHasP0
		if gamma, err = opsArg(op, "gamma", gamma, c, F32); err != nil {
			return err
		}
	}
	if beta.Buf != nil {
		flags |= normHasP1
		if beta, err = opsArg(op, "beta", beta, c, F32); err != nil {
			return err
		}
	}
	if swish {
		flags |= normModulate
	}
	scratch, err := l.opsScratch(gnScratch)
	if err != nil {
		return fmt.Errorf("%s: scratch: %w", op, err)
	}
	per := c / groups
	gsize := per * hw
	// Chunks of 256·16 values (held in registers), more only when a group
	// would need more than its share of the partial slots.
	slots := gnPartsLimit / groups
	chunk := max(l.opsWG()*normCache, (gsize+slots-1)/slots)
	chunk = min(chunk, gsize)
	chunks := (gsize + chunk - 1) / chunk
	part := scratch.Slice(0, uint64(groups*chunks*8))
	stat := scratch.Slice(gnPartBytes, uint64(groups*8))
	return l.groupNormRecord(rec, t, x, y, part, stat, gamma, beta, groups, chunks, chunk, gsize, c, hw, per, eps, flags)
}

func (l *Lib) groupNormRecord(rec *engine.Recorder, t DType, x, y, part, stat, gamma, beta engine.Range,
	groups, chunks, chunk, gsize, c, hw, per int, eps float32, flags int) error {
	wg := l.opsWG()
	stats := actVariant("groupnorm_stats", t)
	if sg := l.normSubgroup(wg); sg > 0 {
		stats += "_sg"
	}
	ps, err := l.pipeline(stats, []engine.Access{engine.Read, engine.Write}, 12, uint32(wg), uint32(wg), normCache)
	if err != nil {
		return err
	}
	if err := rec.Dispatch(ps, []engine.Range{x, part}, Push(gsize, chunk, chunks), uint32(chunks), uint32(groups), 1); err != nil {
		return err
	}
	pf, err := l.pipeline("groupnorm_final", []engine.Access{engine.Read, engine.Write}, 16, uint32(wg), uint32(wg))
	if err != nil {
		return err
	}
	if err := rec.Dispatch(pf, []engine.Range{part, stat}, Push(gsize, chunk, chunks, eps), uint32(groups), 1, 1); err != nil {
		return err
	}
	pa, err := l.pipeline(actVariant("groupnorm", t),
		[]engine.Access{engine.Read, engine.Write, engine.Read, engine.Read, engine.Read}, 12, uint32(wg))
	if err != nil {
		return err
	}
	gx := min(int(groupsOf(hw, wg)), 1024)
	return rec.Dispatch(pa, []engine.Range{x, y, stat, l.orDummy(gamma), l.orDummy(beta)}, Push(hw, per, flags),
		uint32(max(gx, 1)), uint32(c), 1)
}

// groupsOf is groups() for a possibly zero count.
func groupsOf(n, per int) uint32 { return groups(max(n, 1), per) }

// Benchmarks at FLUX's shapes (1024²: 4352 tokens of 3072; the per-head
// QK norm over 24 heads of 128; the VAE's 128-channel GroupNorm at 512²),
// each with a small shape for the software device.
func init() {
	rowBytes := func(a []int, t DType) float64 { return float64(2*a[0]*a[1]*t.Size() + 8*a[1]) }
	rowBufs := func(a []int, t DType) []opsBenchBuf {
		return []opsBenchBuf{{a[0] * a[1], t}, {a[0] * a[1], t}, {a[1], F32}, {a[1], F32}}
	}
	flops := func(k float64) func(a []int) float64 { return func(a []int) float64 { return k * float64(a[0]*a[1]) } }
	norms := []opsShape{opsRowsDim(4352, 3072, false), opsRowsDim(256, 3072, true)}
	opsRegister("layernorm", norms, rowBytes, flops(8),
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error {
				return l.LayerNorm(rec, b[1], b[0], b[2], b[3], a[0], a[1], 1e-6, t)
			}
		}, rowBufs)
	opsRegister("modlayernorm", norms, rowBytes, flops(8),
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error {
				return l.ModLayerNorm(rec, b[1], b[0], b[2], b[3], a[0], a[1], 1, 1e-6, t)
			}
		}, rowBufs)
	opsRegister("rmsnorm", []opsShape{opsRowsDim(4352*24, 128, false), opsRowsDim(256*24, 128, true)}, rowBytes, flops(4),
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error { return l.RMSNorm(rec, b[1], b[0], b[2], a[0], a[1], 1e-6, t) }
		}, rowBufs)
	opsRegister("groupnorm", []opsShape{{"c128 512x512 g32", false, []int{128, 512 * 512}}, {"c128 64x64 g32", true, []int{128, 64 * 64}}},
		rowBytes, flops(8),
		func(l *Lib, b []engine.Range, a []int, t DType) func(*engine.Recorder) error {
			return func(rec *engine.Recorder) error {
				return l.GroupNorm(rec, b[1], b[0], b[2], b[3], a[0], a[1], 32, 1e-6, true, t)
			}
		}, func(a []int, t DType) []opsBenchBuf {
			return []opsBenchBuf{{a[0] * a[1], t}, {a[0] * a[1], t}, {a[0], F32}, {a[0], F32}}
		})
}
