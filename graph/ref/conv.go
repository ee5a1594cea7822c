package ref

// Conv2D is a 2-D cross-correlation (torch.nn.Conv2d) over x (cin, h, wd)
// (NCHW, batch 1) with weights w (cout, cin, kh, kw), bias b (cout) or nil,
// one stride for both axes and explicit zero padding on each side (the VAE
// downsample pads only right and bottom). Returns y (cout, oh, ow).
func Conv2D(x, w, b []float32, cin, h, wd, cout, kh, kw, stride, padTop, padLeft, padBottom, padRight int) (y []float32, oh, ow int) {
	need(len(x) == cin*h*wd, "conv2d: x has %d values, want %d×%d×%d", len(x), cin, h, wd)
	need(len(w) == cout*cin*kh*kw, "conv2d: w has %d values, want %d×%d×%d×%d", len(w), cout, cin, kh, kw)
	need(b == nil || len(b) == cout, "conv2d: b has %d values, want %d", len(b), cout)
	need(stride > 0, "conv2d: stride %d", stride)
	oh = (h+padTop+padBottom-kh)/stride + 1
	ow = (wd+padLeft+padRight-kw)/stride + 1
	need(oh > 0 && ow > 0, "conv2d: empty output %d×%d", oh, ow)
	y = make([]float32, cout*oh*ow)
	// One task per output row of one output channel.
	parallelFor(cout*oh, func(lo, hi int) {
		acc := make([]float64, ow)
		for t := lo; t < hi; t++ {
			co, oy := t/oh, t%oh
			convRow(x, w, b, acc, cin, h, wd, kh, kw, stride, padTop, padLeft, co, oy)
			for ox, v := range acc {
				y[t*ow+ox] = float32(v)
			}
		}
	})
	return y, oh, ow
}

// convRow accumulates output row oy of channel co into acc (ow).
func convRow(x, w, b []float32, acc []float64, cin, h, wd, kh, kw, stride, padTop, padLeft, co, oy int) {
	bias := 0.0
	if b != nil {
		bias = float64(b[co])
	}
	for i := range acc {
		acc[i] = bias
	}
	for ci := 0; ci < cin; ci++ {
		for ky := 0; ky < kh; ky++ {
			iy := oy*stride - padTop + ky
			if iy < 0 || iy >= h {
				continue
			}
			xr := x[(ci*h+iy)*wd : (ci*h+iy+1)*wd]
			for kx := 0; kx < kw; kx++ {
				wv := float64(w[((co*cin+ci)*kh+ky)*kw+kx])
				for ox := range acc {
					ix := ox*stride - padLeft + kx
					if ix >= 0 && ix < wd {
						acc[ox] += wv * float64(xr[ix])
					}
				}
			}
		}
	}
}

// Upsample2x is nearest-neighbour ×2 upsampling of x (c, h, w) to (c, 2h, 2w).
func Upsample2x(x []float32, c, h, w int) []float32 {
	need(len(x) == c*h*w, "upsample2x: x has %d values, want %d×%d×%d", len(x), c, h, w)
	y := make([]float32, 4*len(x))
	for ch := 0; ch < c; ch++ {
		for i := 0; i < 2*h; i++ {
			src := x[(ch*h+i/2)*w : (ch*h+i/2+1)*w]
			dst := y[(ch*2*h+i)*2*w : (ch*2*h+i+1)*2*w]
			for j := range dst {
				dst[j] = src[j/2]
			}
		}
	}
	return y
}
