package pipeline

import (
	"math"
	"testing"
)

func TestLatentSize(t *testing.T) {
	tests := []struct{ h, w, down, lh, lw int }{
		{1024, 1024, 8, 128, 128},
		{96, 128, 8, 12, 16},
		{80, 112, 8, 10, 14},
		{100, 17, 8, 14, 4}, // not multiples of 16: rounded up
		{16, 16, 8, 2, 2},
		{1, 1, 8, 2, 2},
		{64, 64, 4, 16, 16}, // a VAE with three levels (the demo model's)
		{72, 40, 4, 18, 10},
		{20, 20, 4, 6, 6},
	}
	for _, tt := range tests {
		lh, lw := LatentSize(tt.h, tt.w, tt.down)
		if lh != tt.lh || lw != tt.lw {
			t.Errorf("LatentSize(%d, %d, %d) = %d, %d, want %d, %d", tt.h, tt.w, tt.down, lh, lw, tt.lh, tt.lw)
		}
	}
}

func TestPackLayout(t *testing.T) {
	// c=2, h=2, w=4: two tokens; token 1 holds columns 2..3.
	latent := make([]float32, 2*2*4)
	for i := range latent {
		latent[i] = float32(i)
	}
	want := []float32{
		0, 1, 4, 5, 8, 9, 12, 13, // token 0: (c0: y0x0 y0x1 y1x0 y1x1), (c1: ...)
		2, 3, 6, 7, 10, 11, 14, 15, // token 1
	}
	got := Pack(latent, 2, 2, 4)
	assertBitsEqual(t, "Pack", got, want)
	assertBitsEqual(t, "Unpack(Pack)", Unpack(got, 2, 2, 4), latent)
	assertBitsEqual(t, "ImageIDs", ImageIDs(2, 4), []float32{0, 0, 0, 0, 0, 1})
}

// TestPackGolden checks the helpers against the sampling and pipeline cases: packed noise is
// the initial `img`, unpacking `latent_final` gives `latent_unpacked`, and the ids match.
func TestPackGolden(t *testing.T) {
	for _, name := range scheduleCases(t) {
		t.Run(name, func(t *testing.T) {
			g := openGoldenST(t, name+".io.safetensors")
			shape := g.shape(t, "noise")
			c, h, w := shape[1], shape[2], shape[3]
			assertBitsEqual(t, "Pack(noise)", Pack(g.f32(t, "noise"), c, h, w), g.f32(t, "img"))
			assertBitsEqual(t, "Unpack(latent_final)", Unpack(g.f32(t, "latent_final"), c, h, w),
				g.f32(t, "latent_unpacked"))
			assertBitsEqual(t, "ImageIDs", ImageIDs(h, w), g.f32(t, "img_ids"))
		})
	}
}

func assertBitsEqual(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}
