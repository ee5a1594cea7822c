package ref

import "testing"

func TestPatchify(t *testing.T) {
	// c=2, h=2, w=4: channel 0 holds 0..7, channel 1 holds 10..17.
	latent := []float32{0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17}
	// token 0 = columns 0-1, token 1 = columns 2-3; features c*4 + ph*2 + pw.
	want := []float32{0, 1, 4, 5, 10, 11, 14, 15, 2, 3, 6, 7, 12, 13, 16, 17}
	near(t, "tokens", Patchify(latent, 2, 2, 4), want, 0)
	near(t, "unpatchify", Unpatchify(want, 2, 2, 4), latent, 0)
}

func TestPatchifyRoundTrip(t *testing.T) {
	for _, s := range [][3]int{{16, 12, 16}, {3, 4, 6}, {1, 2, 2}} {
		x := randn(uint64(s[0]), s[0]*s[1]*s[2])
		near(t, "round trip", Unpatchify(Patchify(x, s[0], s[1], s[2]), s[0], s[1], s[2]), x, 0)
	}
}

func TestRowsAndCols(t *testing.T) {
	a, b := []float32{1, 2, 3, 4}, []float32{5, 6} // a 2×2, b 1×2 or 2×1
	near(t, "concatrows", ConcatRows(a, b, 2), []float32{1, 2, 3, 4, 5, 6}, 0)
	top, bottom := SplitRows([]float32{1, 2, 3, 4, 5, 6}, 1, 2)
	near(t, "splitrows a", top, []float32{1, 2}, 0)
	near(t, "splitrows b", bottom, []float32{3, 4, 5, 6}, 0)
	cc := ConcatCols(a, b, 2, 2, 1)
	near(t, "concatcols", cc, []float32{1, 2, 5, 3, 4, 6}, 0)
	l, r := SplitCols(cc, 2, 2, 1)
	near(t, "splitcols a", l, a, 0)
	near(t, "splitcols b", r, b, 0)
	near(t, "transpose", Transpose([]float32{1, 2, 3, 4, 5, 6}, 2, 3), []float32{1, 4, 2, 5, 3, 6}, 0)
}

func TestEmbedding(t *testing.T) {
	table := []float32{0, 0, 1, 1, 2, 2} // 3×2
	near(t, "rows", Embedding(table, []int64{2, 0, 2}, 2), []float32{2, 2, 0, 0, 2, 2}, 0)
}

func TestToRGB8(t *testing.T) {
	// 3 channels, 1×2 pixels: R = (-1, 1), G = (0, 2), B = (-5, 0.999).
	x := []float32{-1, 1, 0, 2, -5, 0.999}
	// 127.5·(x+1) truncated: -1→0, 1→255, 0→127 (127.5), 0.999→254 (254.87).
	want := []byte{0, 127, 0, 255, 255, 254}
	got := ToRGB8(x, 1, 2)
	if string(got) != string(want) {
		t.Errorf("ToRGB8 = %v, want %v", got, want)
	}
}
