package ref

import "testing"

func TestConv2D(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9} // 1×3×3
	center := []float32{0, 0, 0, 0, 1, 0, 0, 0, 0}
	ones := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	cases := []struct {
		name   string
		w, b   []float32
		stride int
		pad    [4]int // top, left, bottom, right
		want   []float32
		oh, ow int
	}{
		{"centre tap is identity", center, nil, 1, [4]int{1, 1, 1, 1}, x, 3, 3},
		{"box sum no padding", ones, []float32{0.5}, 1, [4]int{}, []float32{45.5}, 1, 1},
		{"box sum padded", ones, nil, 1, [4]int{1, 1, 1, 1}, []float32{12, 21, 16, 27, 45, 33, 24, 39, 28}, 3, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y, oh, ow := Conv2D(x, c.w, c.b, 1, 3, 3, 1, 3, 3, c.stride, c.pad[0], c.pad[1], c.pad[2], c.pad[3])
			if oh != c.oh || ow != c.ow {
				t.Fatalf("output %d×%d, want %d×%d", oh, ow, c.oh, c.ow)
			}
			near(t, "y", y, c.want, 0)
		})
	}
}

// TestConvDownsamplePadding: the VAE downsample pads right and bottom only,
// then a stride-2 3×3 box sum of a 4×4 ramp covers rows/cols {0,1,2}, {2,3,pad}.
func TestConvDownsamplePadding(t *testing.T) {
	x := make([]float32, 16)
	for i := range x {
		x[i] = float32(i + 1)
	}
	ones := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	y, oh, ow := Conv2D(x, ones, nil, 1, 4, 4, 1, 3, 3, 2, 0, 0, 1, 1)
	if oh != 2 || ow != 2 {
		t.Fatalf("output %d×%d, want 2×2", oh, ow)
	}
	near(t, "y", y, []float32{54, 45, 72, 54}, 0)
}

// TestConv1x1IsLinear: a 1×1 convolution is a Linear over channels.
func TestConv1x1IsLinear(t *testing.T) {
	const cin, cout, h, w = 5, 3, 4, 6
	x, wt, b := randn(1, cin*h*w), randn(2, cout*cin), randn(3, cout)
	y, _, _ := Conv2D(x, wt, b, cin, h, w, cout, 1, 1, 1, 0, 0, 0, 0)
	want := Transpose(Linear(Transpose(x, cin, h*w), wt, b, h*w, cin, cout), h*w, cout)
	near(t, "y", y, want, 0)
}

func TestUpsample2x(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6} // 1×2×3
	want := []float32{
		1, 1, 2, 2, 3, 3,
		1, 1, 2, 2, 3, 3,
		4, 4, 5, 5, 6, 6,
		4, 4, 5, 5, 6, 6,
	}
	near(t, "y", Upsample2x(x, 1, 2, 3), want, 0)
	near(t, "two channels", Upsample2x([]float32{1, 2}, 2, 1, 1), []float32{1, 1, 1, 1, 2, 2, 2, 2}, 0)
}

func BenchmarkConv2D(b *testing.B) {
	const c, h, w = 32, 64, 64
	x, wt := randn(1, c*h*w), randn(2, c*c*9)
	for b.Loop() {
		Conv2D(x, wt, nil, c, h, w, c, 3, 3, 1, 1, 1, 1, 1)
	}
}
