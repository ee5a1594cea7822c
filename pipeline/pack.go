package pipeline

// The packing helpers mirror BFL's prepare/unpack: a latent (c, h, w) becomes (h/2)*(w/2)
// tokens of c*4 features, each token a 2x2 patch with features ordered (c, ph, pw).

// LatentSize is the latent height and width for a picture of height x width pixels when the
// VAE downsamples by down (8 for FLUX.1): 2*ceil(H/(2·down)), 2*ceil(W/(2·down)), since packing
// needs even sizes (for FLUX.1: 2*ceil(H/16), as BFL's get_noise).
func LatentSize(height, width, down int) (lh, lw int) {
	return 2 * ceilDiv(height, 2*down), 2 * ceilDiv(width, 2*down)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Pack is rearrange "b c (h ph) (w pw) -> b (h w) (c ph pw)" with ph = pw = 2 for batch 1:
// latent is (c, h, w) row-major; the result is (h/2*w/2, c*4). h and w must be even.
func Pack(latent []float32, c, h, w int) []float32 {
	out := make([]float32, len(latent))
	forEachPatchElem(c, h, w, func(tok, feat, src int) {
		out[tok*c*4+feat] = latent[src]
	})
	return out
}

// Unpack is the exact inverse of Pack: tokens (h/2*w/2, c*4) back to a latent (c, h, w).
func Unpack(tokens []float32, c, h, w int) []float32 {
	out := make([]float32, len(tokens))
	forEachPatchElem(c, h, w, func(tok, feat, dst int) {
		out[dst] = tokens[tok*c*4+feat]
	})
	return out
}

// forEachPatchElem visits every latent element with its token index, feature index and flat
// (c, h, w) index.
func forEachPatchElem(c, h, w int, f func(tok, feat, flat int)) {
	ww := w / 2
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				tok := (y/2)*ww + x/2
				feat := ch*4 + (y%2)*2 + x%2
				f(tok, feat, (ch*h+y)*w+x)
			}
		}
	}
}

// ImageIDs are the position ids of the packed image tokens for a latent of h x w:
// (h/2)*(w/2) rows of [0, row, col], row-major, flattened.
func ImageIDs(h, w int) []float32 {
	hw, ww := h/2, w/2
	ids := make([]float32, 0, hw*ww*3)
	for r := 0; r < hw; r++ {
		for c := 0; c < ww; c++ {
			ids = append(ids, 0, float32(r), float32(c))
		}
	}
	return ids
}
