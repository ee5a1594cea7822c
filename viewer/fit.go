package viewer

// background is the grey around a picture that does not fill the window.
const background = 0x20

// Fit draws the w×h RGB picture as large as it fits into a cw×ch RGBA
// canvas, centred, keeping its aspect, by nearest neighbour (the demo's
// 64×64 pictures stay crisp; a large picture in a small window is sampled).
func Fit(rgb []byte, w, h, cw, ch int) []byte {
	out := make([]byte, 4*cw*ch)
	for i := range out {
		out[i] = background
		if i%4 == 3 {
			out[i] = 0xff
		}
	}
	if w <= 0 || h <= 0 || len(rgb) < 3*w*h {
		return out
	}
	// The picture's size on the canvas: the larger scale that fits.
	dw, dh := cw, ch
	if cw*h > ch*w {
		dw = max(1, ch*w/h)
	} else {
		dh = max(1, cw*h/w)
	}
	x0, y0 := (cw-dw)/2, (ch-dh)/2
	for y := 0; y < dh; y++ {
		sy := y * h / dh
		for x := 0; x < dw; x++ {
			s, d := 3*(sy*w+x*w/dw), 4*((y0+y)*cw+x0+x)
			out[d], out[d+1], out[d+2] = rgb[s], rgb[s+1], rgb[s+2]
		}
	}
	return out
}

// WindowSize is the window's starting size for a w×h picture: the picture
// enlarged or shrunk to fit a side of about 768 screen pixels.
func WindowSize(w, h int) (int, int) {
	const side = 768
	if w >= h {
		return side, max(1, side*h/w)
	}
	return max(1, side*w/h), side
}
