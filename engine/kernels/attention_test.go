package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/flux-vk/flux-vk/engine"
	"github.com/flux-vk/flux-vk/graph/ref"
)

// attnCase is one attention test shape. fused stores Q, K and V interleaved
// in one buffer (rows of stride 3·heads·d + pad, at offsets) and Out
// strided with an offset, as the graph executor does with a fused QKV
// projection.
type attnCase struct {
	heads, lq, lk, d int
	causal, bias     bool
	scale            float32 // 0: 1/sqrt(d)
	t                DType
	fused            bool
	aligned          bool // fused with every offset and stride a multiple of 4 (the vec4 path)
	batch            int  // > 1: that many sequences stacked by rows
}

func (c attnCase) String() string {
	s := fmt.Sprintf("h%d_lq%d_lk%d_d%d_%v", c.heads, c.lq, c.lk, c.d, c.t)
	if c.causal {
		s += "_causal"
	}
	if c.bias {
		s += "_bias"
	}
	if c.scale != 0 {
		s += fmt.Sprintf("_scale%g", c.scale)
	}
	if c.fused {
		s += "_fused"
	}
	if c.aligned {
		s += "_aligned"
	}
	if c.batch > 1 {
		s += fmt.Sprintf("_batch%d", c.batch)
	}
	return s
}

// The cases cover head dims 16..512 (and 18, not a multiple of 4), odd and
// unequal lengths, causal, bias, scale, f32/f16 and fused layouts, aligned
// (vec4 loads) or not, while keeping the number of distinct pipelines (each
// costs lavapipe a second or more of LLVM compile) small.
var attnCases = []attnCase{
	{heads: 1, lq: 1, lk: 1, d: 16, t: F32},
	{heads: 2, lq: 37, lk: 53, d: 16, scale: 0.25, t: F32},
	{heads: 3, lq: 100, lk: 100, d: 24, causal: true, t: F32},
	{heads: 2, lq: 65, lk: 129, d: 32, bias: true, t: F32},
	{heads: 2, lq: 130, lk: 67, d: 48, causal: true, t: F32}, // lq > lk
	{heads: 3, lq: 45, lk: 70, d: 48, bias: true, causal: true, t: F32},
	{heads: 2, lq: 200, lk: 200, d: 64, t: F32, fused: true, aligned: true},
	{heads: 4, lq: 300, lk: 300, d: 64, bias: true, scale: 1, t: F32}, // T5-like
	{heads: 2, lq: 129, lk: 97, d: 128, t: F32},
	{heads: 2, lq: 150, lk: 150, d: 128, t: F32, fused: true, aligned: true}, // FLUX-like fused QKV
	{heads: 2, lq: 257, lk: 257, d: 128, causal: true, t: F32, fused: true},
	{heads: 1, lq: 100, lk: 77, d: 512, t: F32}, // the VAE's mid attention
	{heads: 3, lq: 33, lk: 40, d: 18, causal: true, t: F32, fused: true},
	{heads: 2, lq: 200, lk: 200, d: 64, t: F16, fused: true},
	{heads: 3, lq: 77, lk: 77, d: 64, causal: true, t: F16}, // CLIP-like
	{heads: 2, lq: 99, lk: 99, d: 64, t: F16, fused: true, aligned: true},
	{heads: 1, lq: 150, lk: 150, d: 128, causal: true, bias: true, t: F16},
	{heads: 2, lq: 67, lk: 131, d: 24, t: F16, fused: true},
	{heads: 1, lq: 90, lk: 90, d: 512, t: F16},
	{heads: 2, lq: 37, lk: 53, d: 16, t: F32, batch: 2}, // true CFG's batch of 2
	{heads: 2, lq: 45, lk: 45, d: 64, t: F16, fused: true, aligned: true, batch: 2},
	{heads: 1, lq: 40, lk: 40, d: 128, causal: true, bias: true, t: F16, batch: 3},
}

// attnData is one case's random inputs on the device and its reference.
type attnData struct {
	a        AttentionArgs
	outBuf   *engine.Buffer
	outElems int
	want     []float32
}

// attnSetup uploads random inputs for c (rounded to f16 in f16 mode, so the
// reference sees what the kernel sees) and computes the float64 reference.
func attnSetup(t *testing.T, l *Lib, c attnCase, seed int64) attnData {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	hd, nb := c.heads*c.d, max(c.batch, 1)
	lq, lk := nb*c.lq, nb*c.lk // rows of all samples
	a := AttentionArgs{Heads: c.heads, Lq: c.lq, Lk: c.lk, D: c.d, Causal: c.causal, Type: c.t, Scale: c.scale, Batch: c.batch}
	if a.Scale == 0 {
		a.Scale = float32(1 / math.Sqrt(float64(c.d)))
	}
	round := func(v []float32) []float32 { return Decode(Encode(v, c.t), c.t) }
	var q, k, v []float32
	if c.fused {
		// One [max(lq,lk), 3·hd + 5] buffer: Q at column 3, K at hd + 4, V at 2·hd + 5
		// (or 3·hd + 8 with Q at 4, K at hd + 4, V at 2·hd + 8 when aligned).
		stride, pad := 3*hd+5, []int{3, 4, 5, 7, 2}
		if c.aligned {
			stride, pad = 3*hd+8, []int{4, 4, 8, 4, 8}
		}
		rows := max(lq, lk)
		all := round(randn(r, rows*stride, 1))
		b := put(t, l, all, c.t).All()
		a.Q, a.K, a.V = b, b, b
		a.QStride, a.KStride, a.VStride = stride, stride, stride
		a.QOff, a.KOff, a.VOff = pad[0], hd+pad[1], 2*hd+pad[2]
		q, k, v = attnGather(all, a.QOff, stride, lq, hd), attnGather(all, a.KOff, stride, lk, hd), attnGather(all, a.VOff, stride, lk, hd)
		a.OStride, a.OOff = hd+pad[3], pad[4]
	} else {
		q, k, v = round(randn(r, lq*hd, 1)), round(randn(r, lk*hd, 1)), round(randn(r, lk*hd, 1))
		a.Q, a.K, a.V = put(t, l, q, c.t).All(), put(t, l, k, c.t).All(), put(t, l, v, c.t).All()
	}
	var bias []float32
	if c.bias {
		bias = randn(r, c.heads*c.lq*c.lk, 2)
		a.Bias = put(t, l, bias, F32).All()
	}
	ostride := a.OStride
	if ostride == 0 {
		ostride = hd
	}
	n := a.OOff + (lq-1)*ostride + hd + 3 // a few elements past the end, which must stay untouched
	ob := out(t, l, n, c.t)
	a.Out = ob.All()
	var want []float32
	for b := 0; b < nb; b++ {
		qs, ks := b*c.lq*hd, b*c.lk*hd
		want = append(want, ref.Attention(q[qs:qs+c.lq*hd], k[ks:ks+c.lk*hd], v[ks:ks+c.lk*hd], bias,
			c.heads, c.lq, c.lk, c.d, a.Scale, c.causal)...)
	}
	return attnData{a: a, outBuf: ob, outElems: n, want: want}
}

// attnGather copies rows of width hd at off + i·stride out of a fused buffer.
func attnGather(all []float32, off, stride, rows, hd int) []float32 {
	out := make([]float32, 0, rows*hd)
	for i := 0; i < rows; i++ {
		out = append(out, all[off+i*stride:off+i*stride+hd]...)
	}
	return out
}

// attnCheck compares the output against the reference and checks that no
// element outside the output rows was written (they keep the NaN poison).
func attnCheck(t *testing.T, l *Lib, what string, d attnData, tol float64) {
	t.Helper()
	got := get(t, l, d.outBuf, d.outElems, d.a.Type)
	hd := d.a.Heads * d.a.D
	stride := d.a.OStride
	if stride == 0 {
		stride = hd
	}
	rows := max(d.a.Batch, 1) * d.a.Lq
	inside := make([]bool, len(got))
	for i := 0; i < rows; i++ {
		for c := 0; c < hd; c++ {
			inside[d.a.OOff+i*stride+c] = true
		}
	}
	for i, x := range got {
		if !inside[i] && !math.IsNaN(float64(x)) {
			t.Fatalf("%s: element %d outside the output was written (%v)", what, i, x)
		}
	}
	within(t, what, attnGather(got, d.a.OOff, stride, rows, hd), d.want, tol)
}

func attnTol(t DType) float64 {
	if t == F16 {
		return 2e-3
	}
	return 1e-5
}

func TestAttention(t *testing.T) {
	l := testLib(t)
	for i, c := range attnCases {
		t.Run(c.String(), func(t *testing.T) {
			d := attnSetup(t, l, c, int64(i+1))
			run(t, l, []*engine.Buffer{d.outBuf}, func(rec *engine.Recorder) error { return l.Attention(rec, d.a) })
			attnCheck(t, l, "flash", d, attnTol(c.t))
		})
	}
}

func TestAttentionNaive(t *testing.T) {
	l := testLib(t)
	for i, c := range attnCases {
		t.Run(c.String(), func(t *testing.T) {
			d := attnSetup(t, l, c, int64(i+1))
			scratch := out(t, l, c.heads*c.lq*c.lk, F32) // reused by each sample
			run(t, l, []*engine.Buffer{d.outBuf}, func(rec *engine.Recorder) error {
				return l.AttentionNaive(rec, d.a, scratch.All())
			})
			attnCheck(t, l, "naive", d, attnTol(c.t))
		})
	}
}

// Every tiling attnPlan can pick on some device (wider key tiles, resident
// Q, 128-thread workgroups, narrow chunks) must give the same answer; the
// test device picks only one of them by itself.
func TestAttentionTilings(t *testing.T) {
	l := testLib(t)
	a := attnCase{heads: 2, lq: 70, lk: 133, d: 64, causal: true, bias: true, t: F32, fused: true}
	b := attnCase{heads: 2, lq: 70, lk: 133, d: 64, causal: true, t: F32, fused: true, aligned: true}
	c := attnCase{heads: 1, lq: 41, lk: 50, d: 40, t: F16}
	for i, tc := range []struct {
		c   attnCase
		cfg attnConfig
	}{
		{a, attnConfig{WG: 256, BR: 64, NTC: 16, SR: 4, DK: 32, JK: 16, QRes: true, Pad: true}},
		{b, attnConfig{WG: 256, BR: 64, NTC: 16, SR: 4, DK: 16, JK: 8}},
		{c, attnConfig{WG: 128, BR: 32, NTC: 16, SR: 4, DK: 8, JK: 4, QRes: true}},
		{a, attnConfig{WG: 128, BR: 8, NTC: 16, SR: 1, DK: 32, JK: 4, Pad: true}},
		{b, attnConfig{WG: 64, BR: 64, NTC: 4, SR: 4, DK: 4, JK: 16, Pad: true}},
		{c, attnConfig{WG: 128, BR: 32, NTC: 8, SR: 2, DK: 16, JK: 8, QRes: true}},
	} {
		if uint32(tc.cfg.shared(tc.c.d)) > l.D.Info.SharedMemory {
			continue
		}
		t.Run(fmt.Sprintf("%v/%+v", tc.c, tc.cfg), func(t *testing.T) {
			d := attnSetup(t, l, tc.c, int64(100+i))
			if err := d.a.normalize(l); err != nil {
				t.Fatal(err)
			}
			run(t, l, []*engine.Buffer{d.outBuf}, func(rec *engine.Recorder) error { return l.attention(rec, d.a, tc.cfg) })
			attnCheck(t, l, "flash", d, attnTol(tc.c.t))
		})
	}
}

// The plan gives the head dims the models use a valid tiling within the
// shared memory of lavapipe (32 KiB) and of common GPUs (48, 64 KiB).
func TestAttentionPlan(t *testing.T) {
	for _, shm := range []uint32{32 << 10, 48 << 10, 64 << 10} {
		for _, d := range []int{1, 8, 16, 24, 32, 40, 48, 64, 72, 80, 96, 100, 128, 256, 512, 1024} {
			info := engine.Info{SharedMemory: shm, MaxInvocations: 256, Type: "discrete"}
			c, err := attnPlan(info, d)
			if err != nil {
				t.Errorf("shm %d d %d: %v", shm, d, err)
				continue
			}
			if !c.valid() || uint32(c.shared(d)) > shm {
				t.Errorf("shm %d d %d: plan %+v invalid or needs %d bytes", shm, d, c, c.shared(d))
			}
		}
	}
}

func TestAttentionErrors(t *testing.T) {
	l := testLib(t)
	q := out(t, l, 8*16, F32).All() // exactly one dense [8, 2·8] tensor
	good := AttentionArgs{Out: q, Q: q, K: q, V: q, Heads: 2, Lq: 8, Lk: 8, D: 8, Scale: 1, Type: F32}
	for _, tc := range []struct {
		name string
		edit func(a *AttentionArgs)
		want string
	}{
		{"zero heads", func(a *AttentionArgs) { a.Heads = 0 }, "bad shape"},
		{"bf16", func(a *AttentionArgs) { a.Type = BF16 }, "not supported"},
		{"short k", func(a *AttentionArgs) { a.Lk = 9 }, "k needs"},
		{"stride below width", func(a *AttentionArgs) { a.QStride = 15 }, "stride"},
		{"offset past end", func(a *AttentionArgs) { a.OOff = 1 }, "out needs"},
		{"small bias", func(a *AttentionArgs) { a.Bias = l.Dummy() }, "bias"},
		{"no buffer", func(a *AttentionArgs) { a.V = engine.Range{} }, "no buffer"},
	} {
		a := good
		tc.edit(&a)
		rec, err := l.D.NewRecorder(false)
		if err != nil {
			t.Fatal(err)
		}
		err = l.Attention(rec, a)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if err := l.AttentionNaive(rec, good, l.Dummy()); err == nil || !strings.Contains(err.Error(), "scratch") {
			t.Errorf("naive with a small scratch: error %v", err)
		}
		rec.Release()
	}
}

// BenchmarkAttention times every registered attention case, flash and the
// naive baseline, including FLUX's real shapes (BenchmarkOps has the Small
// ones). On the software device the real shapes take minutes, so they run
// there only with FLUXVK_BENCH_ALL set. Like BenchmarkOps it opens its own
// device without the validation layer.
func BenchmarkAttention(b *testing.B) {
	d, err := engine.Open(engine.Options{})
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	defer d.Close()
	l := New(d)
	all := os.Getenv("FLUXVK_BENCH_ALL") != "" || d.Info.Type != "cpu"
	for _, c := range BenchCases() {
		if !strings.HasPrefix(c.Op, "attention") || !(c.Small || all) {
			continue
		}
		benchCase(b, l, c)
	}
}

// The naive baseline splits its O(L²) scratch into aligned per-group slices
// when it exceeds one binding (24 heads at L = 4352 are 1.8 GB).
func TestAttentionNaiveHeadGroups(t *testing.T) {
	for _, tc := range []struct {
		heads   int
		perHead uint64
		want    int // 0: an error
	}{
		{24, 4 * 256 * 256, 24},   // fits one binding
		{24, 4 * 1280 * 1280, 20}, // 157 MB: groups of 20 heads (131 MB)
		{24, 4 * 4352 * 4352, 1},  // 76 MB per head
		{3, 4 * 4099 * 4099, 0},   // 67 MB per head, not a multiple of 256 B: the second slice would be unaligned
	} {
		got, err := attnHeadGroup(tc.heads, tc.perHead, 128<<20, 64)
		if tc.want == 0 && err == nil || tc.want != 0 && (err != nil || got != tc.want) {
			t.Errorf("%d heads × %d B: groups of %d (%v), want %d", tc.heads, tc.perHead, got, err, tc.want)
		}
	}
	// Groups of 2, 2 and 1 heads (2 KiB of scratch each) give the same result.
	l := testLib(t)
	c := attnCase{heads: 5, lq: 16, lk: 32, d: 24, causal: true, bias: true, t: F32, fused: true}
	d := attnSetup(t, l, c, 7)
	scratch := out(t, l, c.heads*c.lq*c.lk, F32)
	run(t, l, []*engine.Buffer{d.outBuf}, func(rec *engine.Recorder) error {
		return l.attentionNaive(rec, d.a, scratch.All(), 5<<10)
	})
	attnCheck(t, l, "naive in head groups", d, attnTol(c.t))
}
