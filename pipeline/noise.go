package pipeline

import (
	"fmt"
	"math"
)

// RNGDType selects which of PyTorch's CPU normal-sampling code paths TorchRandn reproduces.
// The dtype changes the algorithm, not just the rounding: a bfloat16 draw is not the float32
// draw of the same seed rounded.
type RNGDType int

const (
	// RNGTorchBF16 is torch.randn(..., dtype=torch.bfloat16), what BFL's get_noise uses.
	RNGTorchBF16 RNGDType = iota
	// RNGTorchF32 is torch.randn(..., dtype=torch.float32) on an x86-64 AVX2 build.
	RNGTorchF32
)

// String returns the name ParseRNG accepts.
func (d RNGDType) String() string {
	switch d {
	case RNGTorchBF16:
		return "torch-bf16"
	case RNGTorchF32:
		return "torch-f32"
	}
	return fmt.Sprintf("RNGDType(%d)", int(d))
}

// ParseRNG parses a noise-generator name: "torch-bf16" (also the empty string, the default)
// or "torch-f32".
func ParseRNG(s string) (RNGDType, error) {
	switch s {
	case "", "torch-bf16":
		return RNGTorchBF16, nil
	case "torch-f32":
		return RNGTorchF32, nil
	}
	return 0, fmt.Errorf("unknown noise generator %q (want torch-bf16 or torch-f32)", s)
}

// InitialNoise is BFL's get_noise(1, height, width, dtype, seed) for a VAE that downsamples by
// down: the starting latent (1, 16, lh, lw) of LatentSize (for FLUX.1's 8: 2*ceil(H/16),
// 2*ceil(W/16)) drawn with PyTorch's CPU generator.
func InitialNoise(seed uint64, height, width, down int, dt RNGDType) (noise []float32, shape [4]int) {
	lh, lw := LatentSize(height, width, down)
	shape = [4]int{1, 16, lh, lw}
	return TorchRandn(seed, 16*lh*lw, dt), shape
}

// TorchRandn reproduces torch.randn(n, generator=torch.Generator('cpu').manual_seed(seed),
// dtype=...) of PyTorch 1.13 on x86-64 (AVX2), bit for bit. bfloat16 values are returned widened
// to float32 (exactly). The float32 path for n >= 16 reproduces the AVX2 kernel's avx_mathfun
// log/sincos (see avxLog and avxSinCos); builds without that kernel differ there by an ulp or so.
func TorchRandn(seed uint64, n int, dtype RNGDType) []float32 {
	if n <= 0 {
		return nil
	}
	g := newMT19937(uint32(seed)) // torch keeps only the low 32 bits of the seed
	if n < 16 {
		return randnScalar(g, n, dtype)
	}
	if dtype == RNGTorchF32 {
		return randnBlocks(g, n, 24, normal16F32)
	}
	return randnBlocks(g, n, 8, normal16BF16)
}

// randnBlocks is normal_fill: n uniforms of `digits` bits first, then Box-Muller over blocks of
// 16 (element j paired with j+8). When n is not a multiple of 16, 16 fresh uniforms overwrite the
// last 16 slots and that overlapping block is transformed again.
func randnBlocks(g *mt19937, n int, digits uint, transform func([]float32)) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = uniformFloat(g.next(), digits)
	}
	for i := 0; i+16 <= n; i += 16 {
		transform(out[i : i+16])
	}
	if n%16 != 0 {
		tail := out[n-16:]
		for i := range tail {
			tail[i] = uniformFloat(g.next(), digits)
		}
		transform(tail)
	}
	return out
}

// uniformFloat is at::uniform_real_distribution for a type with `digits` mantissa bits:
// the low `digits` bits of the draw scaled by 2^-digits (exact in float32).
func uniformFloat(r uint32, digits uint) float32 {
	return float32(r&(1<<digits-1)) * float32(math.Ldexp(1, -int(digits)))
}

// normal16BF16 is normal_fill_16<BFloat16>: scalar code where every c10::BFloat16 operation
// computes in float and rounds the result back to bfloat16.
func normal16BF16(d []float32) {
	for j := 0; j < 8; j++ {
		u1 := bf16(1 - d[j])
		u2 := d[j+8]
		lg := bf16(float32(math.Log(float64(u1))))
		radius := bf16(float32(math.Sqrt(float64(bf16(-2 * lg)))))
		// 2.0f * pi<double> * u2 is a double; assigning it to a BFloat16 goes through float.
		theta := bf16(float32(2 * math.Pi * float64(u2)))
		c := bf16(float32(math.Cos(float64(theta))))
		s := bf16(float32(math.Sin(float64(theta))))
		// "* std + mean" with std 1, mean 0: only the +0 matters (it turns -0 into +0).
		d[j] = bf16(bf16(radius*c) + 0)
		d[j+8] = bf16(bf16(radius*s) + 0)
	}
}

// normal16F32 is normal_fill_16_AVX2 with mean 0 and std 1.
func normal16F32(d []float32) {
	twoPi := float32(2 * math.Pi)
	for j := 0; j < 8; j++ {
		u1 := 1 - d[j]
		u2 := d[j+8]
		radius := float32(math.Sqrt(float64(-2 * avxLog(u1))))
		s, c := avxSinCos(float32(twoPi * u2))
		// fmadd(n, std=1, mean=0) is n, except that -0 becomes +0.
		d[j] = float32(radius*c) + 0
		d[j+8] = float32(radius*s) + 0
	}
}

// randnScalar is the numel < 16 path: at::normal_distribution<double>, one Box-Muller pair per
// two outputs (cos first, the sin cached for the next element), cast to the dtype at the end.
func randnScalar(g *mt19937, n int, dtype RNGDType) []float32 {
	out := make([]float32, n)
	var cached float64
	haveCached := false
	for i := range out {
		var v float64
		if haveCached {
			v, haveCached = cached, false
		} else {
			u1 := uniformDouble(g)
			u2 := uniformDouble(g)
			r := math.Sqrt(-2 * math.Log(1-u2))
			theta := 2 * math.Pi * u1
			cached, haveCached = r*math.Sin(theta), true
			v = r * math.Cos(theta)
		}
		out[i] = float32(v)
		if dtype == RNGTorchBF16 {
			out[i] = bf16(out[i])
		}
	}
	return out
}

// uniformDouble is uniform_real_distribution<double>: a 64-bit draw from two 32-bit ones
// (first = high word), low 53 bits scaled by 2^-53.
func uniformDouble(g *mt19937) float64 {
	hi := uint64(g.next())
	lo := uint64(g.next())
	x := hi<<32 | lo
	return float64(x&(1<<53-1)) * 0x1p-53
}

// bf16 rounds a float32 to the nearest bfloat16 (ties to even), returned widened, as
// c10::BFloat16's float constructor does. NaN stays NaN.
func bf16(f float32) float32 {
	if f != f {
		return f
	}
	b := math.Float32bits(f)
	b += 0x7fff + (b>>16)&1
	return math.Float32frombits(b &^ 0xffff)
}

// mt19937 is the 32-bit Mersenne Twister behind torch.Generator('cpu'), seeded with the
// standard init_genrand.
type mt19937 struct {
	state [624]uint32
	index int
}

func newMT19937(seed uint32) *mt19937 {
	g := &mt19937{index: 624}
	g.state[0] = seed
	for i := 1; i < 624; i++ {
		prev := g.state[i-1]
		g.state[i] = 1812433253*(prev^prev>>30) + uint32(i)
	}
	return g
}

func (g *mt19937) next() uint32 {
	if g.index >= 624 {
		g.twist()
	}
	y := g.state[g.index]
	g.index++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

func (g *mt19937) twist() {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := 0; i < 624; i++ {
		y := g.state[i]&upper | g.state[(i+1)%624]&lower
		v := g.state[(i+397)%624] ^ y>>1
		if y&1 != 0 {
			v ^= matrixA
		}
		g.state[i] = v
	}
	g.index = 0
}

// The AVX2 kernel's log and sincos are avx_mathfun.h (Cephes polynomials) written with
// _mm256_mul_ps/_mm256_add_ps. GCC builds them with -mfma and its default -ffp-contract=fast,
// so every multiply whose only use is an add became one fused multiply-add (contraction goes
// in statement order). avxLog and avxSinCos reproduce those exact roundings with fma32; they
// match PyTorch's float32 draws bit for bit.

// fma32 is a float32 fused multiply-add with a single rounding. The product is exact in float64;
// the float64 sum is made round-to-odd so that rounding it to float32 is correctly rounded.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	cc := float64(c)
	s := p + cc
	bb := s - p
	err := (p - (s - bb)) + (cc - bb) // TwoSum: s + err == p + cc exactly
	if err != 0 && !math.IsInf(s, 0) {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			if (err > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

// avx_mathfun constants (Cephes).
const (
	cephesSQRTHF = float32(0.707106781186547524)
	logQ1        = float32(-2.12194440e-4)
	logQ2        = float32(0.693359375)

	minusDP1 = float32(-0.78515625)
	minusDP2 = float32(-2.4187564849853515625e-4)
	minusDP3 = float32(-3.77489497744594108e-8)
	sinP0    = float32(-1.9515295891e-4)
	sinP1    = float32(8.3321608736e-3)
	sinP2    = float32(-1.6666654611e-1)
	cosP0    = float32(2.443315711809948e-005)
	cosP1    = float32(-1.388731625493765e-003)
	cosP2    = float32(4.166664568298827e-002)
	fourOPi  = float32(1.27323954473516)
)

var logPoly = [...]float32{
	7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, +1.4249322787e-1,
	-1.6668057665e-1, +2.0000714765e-1, -2.4999993993e-1, +3.3333331174e-1,
}

// avxLog is log256_ps for one lane.
func avxLog(x float32) float32 {
	if x <= 0 || x != x {
		return float32(math.NaN())
	}
	x = max(x, math.Float32frombits(0x00800000)) // cut off denormals
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23)-0x7f) + 1
	x = math.Float32frombits(bits&^0x7f800000 | 0x3f000000) // mantissa in [0.5, 1)
	var tmp float32
	if x < cephesSQRTHF {
		tmp = x
		e -= 1
	}
	x = (x - 1) + tmp
	z := float32(x * x)
	y := logPoly[0]
	for _, p := range logPoly[1:] {
		y = fma32(y, x, p)
	}
	y = float32(y * x)
	y = fma32(y, z, float32(e*logQ1)) // y*z is contracted, e*q1 is rounded on its own
	y -= float32(z * 0.5)             // exact product: fused or not is the same
	x += y
	return x + float32(e*logQ2) // exact product
}

// avxSinCos is sincos256_ps for one lane.
func avxSinCos(xin float32) (sin, cos float32) {
	signSin := math.Float32bits(xin) & 0x80000000
	x := float32(math.Abs(float64(xin)))
	j := int32(float32(x * fourOPi)) // cvttps: truncation
	j = (j + 1) &^ 1
	y := float32(j)
	swapSin := uint32(j&4) << 29
	sinPoly := j&2 == 0
	// Extended precision modular arithmetic: x = ((x - y*DP1) - y*DP2) - y*DP3.
	x = fma32(y, minusDP1, x)
	x = fma32(y, minusDP2, x)
	x = fma32(y, minusDP3, x)
	signCos := uint32(^(j-2)&4) << 29
	signSin ^= swapSin

	z := float32(x * x)
	yc := fma32(cosP0, z, cosP1)
	yc = fma32(yc, z, cosP2)
	yc = float32(yc * z)
	yc = fma32(yc, z, -float32(z*0.5))
	yc += 1

	ys := fma32(sinP0, z, sinP1)
	ys = fma32(ys, z, sinP2)
	ys = float32(ys * z)
	ys = fma32(ys, x, x)

	s, c := yc, ys
	if sinPoly {
		s, c = ys, yc
	}
	// The lane select is done with masks and additions of +0, which turn -0 into +0.
	s, c = s+0, c+0
	sin = math.Float32frombits(math.Float32bits(s) ^ signSin)
	cos = math.Float32frombits(math.Float32bits(c) ^ signCos)
	return sin, cos
}
