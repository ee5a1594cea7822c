package main

// maxUpscale bounds --upscale: 8× already makes a 1024² picture 8192².
const maxUpscale = 8

// upscale enlarges an RGB (HWC) picture n times by nearest neighbour: each
// pixel becomes an n×n block, which keeps the demo model's 64×64 pictures
// crisp (pixel art) instead of blurred.
func upscale(rgb []byte, w, h, n int) []byte {
	if n <= 1 {
		return rgb
	}
	W := w * n
	out := make([]byte, 0, 3*W*h*n)
	row := make([]byte, 0, 3*W)
	for y := 0; y < h; y++ {
		row = row[:0]
		for x := 0; x < w; x++ {
			px := rgb[3*(y*w+x) : 3*(y*w+x)+3]
			for range n {
				row = append(row, px...)
			}
		}
		for range n {
			out = append(out, row...)
		}
	}
	return out
}
