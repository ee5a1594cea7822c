package loader

import (
	"math"
	"math/rand"
	"testing"
)

func TestHalfRoundTripsEveryPattern(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f16 := F16ToF32(uint16(h))
		bf := BF16ToF32(uint16(h))
		if f16 != f16 { // NaN: only NaN-ness must survive
			if g := F16ToF32(F32ToF16(f16)); g == g {
				t.Fatalf("F16 NaN %#04x came back as %v", h, g)
			}
		} else if back := F32ToF16(f16); back != uint16(h) {
			t.Fatalf("F16 %#04x -> %v -> %#04x", h, f16, back)
		}
		if bf == bf {
			if back := F32ToBF16(bf); back != uint16(h) {
				t.Fatalf("BF16 %#04x -> %v -> %#04x", h, bf, back)
			}
		} else if g := BF16ToF32(F32ToBF16(bf)); g == g {
			t.Fatalf("BF16 NaN %#04x came back as %v", h, g)
		}
	}
}

func TestF8E4M3RoundTripsEveryPattern(t *testing.T) {
	for b := 0; b < 256; b++ {
		f := F8E4M3ToF32(uint8(b))
		if b&0x7f == 0x7f {
			if f == f {
				t.Fatalf("%#02x should be NaN, got %v", b, f)
			}
			continue
		}
		if back := F32ToF8E4M3(f); back != uint8(b) && !(f == 0 && back&0x7f == 0) {
			t.Fatalf("%#02x -> %v -> %#02x", b, f, back)
		}
	}
	for _, c := range []struct {
		in   float32
		want float32
	}{{448, 448}, {1e6, 448}, {-1e6, -448}, {1.0625, 1}, {1.1875, 1.25}, {0.001953125, 0.001953125}, {1.0 / 1024, 0}} {
		if got := F8E4M3ToF32(F32ToF8E4M3(c.in)); got != c.want {
			t.Errorf("fp8(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// nearest checks that r (the rounded value) is at least as close to x as
// its neighbours in the target format, ties going to the even pattern.
func TestRoundingIsNearestEven(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		x := math.Float32frombits(rng.Uint32())
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		checkNearest(t, "bf16", x, F32ToBF16(x), BF16ToF32)
		if math.Abs(float64(x)) < 65504 {
			checkNearest(t, "f16", x, F32ToF16(x), F16ToF32)
		}
	}
	// Exact ties: 1 + 2^-8 lies halfway between two bf16 values.
	if got := BF16ToF32(F32ToBF16(1 + 1.0/256)); got != 1 {
		t.Errorf("bf16 tie 1+2^-8 -> %v, want 1", got)
	}
	if got := BF16ToF32(F32ToBF16(1 + 3.0/256)); got != 1+4.0/256 {
		t.Errorf("bf16 tie 1+3*2^-8 -> %v, want 1+2^-6", got)
	}
	if got := F16ToF32(F32ToF16(65520)); !math.IsInf(float64(got), 1) {
		t.Errorf("f16(65520) = %v, want +Inf", got)
	}
	if got := F16ToF32(F32ToF16(5.960464477539063e-08)); got != 5.960464477539063e-08 {
		t.Errorf("smallest f16 subnormal -> %v", got)
	}
}

func checkNearest(t *testing.T, kind string, x float32, r uint16, widen func(uint16) float32) {
	t.Helper()
	got := float64(widen(r))
	if math.IsInf(got, 0) { // overflow past the last half ulp: IEEE gives infinity
		return
	}
	for _, n := range []uint16{r - 1, r + 1} {
		v := float64(widen(n))
		if v != v || math.IsInf(v, 0) {
			continue
		}
		dg, dn := math.Abs(got-float64(x)), math.Abs(v-float64(x))
		if dn < dg || dn == dg && r&1 == 1 && math.Signbit(v) == math.Signbit(got) {
			t.Fatalf("%s(%v) = %v (%#04x), but %v (%#04x) is nearer or the even tie", kind, x, got, r, v, n)
		}
	}
}

func TestToFloat32AndInt64(t *testing.T) {
	cases := []struct {
		d    DType
		raw  []byte
		want []float32
	}{
		{F32, []byte{0, 0, 0x80, 0x3f}, []float32{1}},
		{F16, []byte{0, 0x3c, 0, 0xc0}, []float32{1, -2}},
		{BF16, []byte{0x80, 0x3f}, []float32{1}},
		{F8_E4M3, []byte{0x38, 0xc0}, []float32{1, -2}},
		{F8_E5M2, []byte{0x3c}, []float32{1}},
		{I64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []float32{-1}},
		{I32, []byte{7, 0, 0, 0}, []float32{7}},
		{U8, []byte{255}, []float32{255}},
	}
	for _, c := range cases {
		got, err := ToFloat32(c.d, c.raw)
		if err != nil || len(got) != len(c.want) {
			t.Fatalf("%s: %v %v", c.d, got, err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s[%d] = %v, want %v", c.d, i, got[i], c.want[i])
			}
		}
	}
	if _, err := ToFloat32(F32, []byte{1, 2, 3}); err == nil {
		t.Error("3 bytes of F32 should fail")
	}
	ids, err := ToInt64(I32, []byte{0xfe, 0xff, 0xff, 0xff})
	if err != nil || ids[0] != -2 {
		t.Errorf("I32 -2: %v %v", ids, err)
	}
	if _, err := ToInt64(F32, []byte{0, 0, 0, 0}); err == nil {
		t.Error("F32 as integers should fail")
	}
}

func TestTensorAs(t *testing.T) {
	src := Tensor{Name: "x", DType: BF16, Shape: []int{2}, Data: []byte{0x80, 0x3f, 0x00, 0xc0}} // 1, -2
	for _, d := range []DType{F32, F16, BF16, F8_E4M3} {
		got, err := src.As(d)
		if err != nil {
			t.Fatal(err)
		}
		if v := got.Float32(); got.DType != d || v[0] != 1 || v[1] != -2 {
			t.Errorf("%s: %v", d, v)
		}
	}
	if _, err := src.As(I64); err == nil {
		t.Error("BF16 -> I64 should fail")
	}
}
