package viewer

import "testing"

// Fit letterboxes: a 2×1 picture in a 4×4 canvas fills the middle two rows,
// each source pixel a 2×2 block, the rest background.
func TestFit(t *testing.T) {
	rgb := []byte{255, 0, 0, 0, 0, 255} // red, blue
	out := Fit(rgb, 2, 1, 4, 4)
	px := func(x, y int) [4]byte { i := 4 * (y*4 + x); return [4]byte{out[i], out[i+1], out[i+2], out[i+3]} }
	bg := [4]byte{background, background, background, 255}
	for _, c := range []struct {
		x, y int
		want [4]byte
	}{
		{0, 0, bg}, {3, 0, bg}, {0, 3, bg}, {3, 3, bg},
		{0, 1, [4]byte{255, 0, 0, 255}}, {1, 2, [4]byte{255, 0, 0, 255}},
		{2, 1, [4]byte{0, 0, 255, 255}}, {3, 2, [4]byte{0, 0, 255, 255}},
	} {
		if got := px(c.x, c.y); got != c.want {
			t.Errorf("(%d, %d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	tall := Fit([]byte{9, 9, 9, 7, 7, 7}, 1, 2, 4, 2) // 1×2 in 4×2: one column wide, centred
	if tall[4*1] != 9 || tall[4*(4+1)] != 7 || tall[0] != background || tall[4*3] != background {
		t.Errorf("tall picture: %v", tall)
	}
	if len(Fit(nil, 0, 0, 3, 2)) != 24 {
		t.Error("no picture: want a background canvas")
	}
}

func TestWindowSize(t *testing.T) {
	for _, c := range [][4]int{{64, 64, 768, 768}, {1024, 512, 768, 384}, {512, 1024, 384, 768}} {
		if w, h := WindowSize(c[0], c[1]); w != c[2] || h != c[3] {
			t.Errorf("WindowSize(%d, %d) = %d, %d; want %d, %d", c[0], c[1], w, h, c[2], c[3])
		}
	}
}
