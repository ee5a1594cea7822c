package ref

// Embedding gathers the rows ids of table (vocab, dim) into (len(ids), dim).
func Embedding(table []float32, ids []int64, dim int) []float32 {
	need(dim > 0 && len(table)%dim == 0, "embedding: table has %d values, not a multiple of %d", len(table), dim)
	vocab := int64(len(table) / dim)
	y := make([]float32, len(ids)*dim)
	for i, id := range ids {
		need(id >= 0 && id < vocab, "embedding: id %d outside vocabulary of %d", id, vocab)
		copy(y[i*dim:(i+1)*dim], table[id*int64(dim):(id+1)*int64(dim)])
	}
	return y
}

// ConcatRows stacks a (ra, dim) on top of b (rb, dim).
func ConcatRows(a, b []float32, dim int) []float32 {
	need(len(a)%dim == 0 && len(b)%dim == 0, "concatrows: %d and %d values, rows of %d", len(a), len(b), dim)
	return append(append(make([]float32, 0, len(a)+len(b)), a...), b...)
}

// SplitRows splits x (rows, dim) into its first rowsA rows and the rest
// (copies).
func SplitRows(x []float32, rowsA, dim int) (a, b []float32) {
	need(len(x)%dim == 0 && rowsA*dim <= len(x), "splitrows: %d values, %d rows of %d", len(x), rowsA, dim)
	return append([]float32(nil), x[:rowsA*dim]...), append([]float32(nil), x[rowsA*dim:]...)
}

// ConcatCols joins a (rows, da) and b (rows, db) side by side into
// (rows, da+db).
func ConcatCols(a, b []float32, rows, da, db int) []float32 {
	need(len(a) == rows*da && len(b) == rows*db, "concatcols: %d and %d values, want %d×%d and %d×%d", len(a), len(b), rows, da, rows, db)
	y := make([]float32, 0, rows*(da+db))
	for r := 0; r < rows; r++ {
		y = append(y, a[r*da:(r+1)*da]...)
		y = append(y, b[r*db:(r+1)*db]...)
	}
	return y
}

// SplitCols splits x (rows, da+db) into its first da columns and the last db.
func SplitCols(x []float32, rows, da, db int) (a, b []float32) {
	w := da + db
	need(len(x) == rows*w, "splitcols: %d values, want %d×%d", len(x), rows, w)
	a, b = make([]float32, 0, rows*da), make([]float32, 0, rows*db)
	for r := 0; r < rows; r++ {
		a = append(a, x[r*w:r*w+da]...)
		b = append(b, x[r*w+da:(r+1)*w]...)
	}
	return a, b
}

// Transpose returns the (cols, rows) transpose of x (rows, cols), e.g. NCHW
// channels (c, hw) to tokens (hw, c).
func Transpose(x []float32, rows, cols int) []float32 {
	need(len(x) == rows*cols, "transpose: %d values, want %d×%d", len(x), rows, cols)
	y := make([]float32, len(x))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			y[c*rows+r] = x[r*cols+c]
		}
	}
	return y
}

// Patchify packs a latent (c, h, w) into (h/2·w/2, c·4) tokens of 2×2
// patches as FLUX's prepare does: token row·(w/2)+col, feature c·4+ph·2+pw.
func Patchify(latent []float32, c, h, w int) []float32 {
	need(h%2 == 0 && w%2 == 0, "patchify: odd latent %d×%d", h, w)
	need(len(latent) == c*h*w, "patchify: %d values, want %d×%d×%d", len(latent), c, h, w)
	y := make([]float32, len(latent))
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				y[patchIndex(ch, i, j, c, w)] = latent[(ch*h+i)*w+j]
			}
		}
	}
	return y
}

// Unpatchify is the exact inverse of Patchify (FLUX's unpack).
func Unpatchify(tokens []float32, c, h, w int) []float32 {
	need(h%2 == 0 && w%2 == 0, "unpatchify: odd latent %d×%d", h, w)
	need(len(tokens) == c*h*w, "unpatchify: %d values, want %d×%d×%d", len(tokens), c, h, w)
	y := make([]float32, len(tokens))
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				y[(ch*h+i)*w+j] = tokens[patchIndex(ch, i, j, c, w)]
			}
		}
	}
	return y
}

// patchIndex is the packed position of latent element (ch, i, j).
func patchIndex(ch, i, j, c, w int) int {
	token := (i/2)*(w/2) + j/2
	return token*c*4 + ch*4 + (i%2)*2 + j%2
}

// ToRGB8 converts an image x (c, h, w) in [-1, 1] to interleaved 8-bit
// (h, w, c) as BFL's save_image does in float32: clamp to [-1, 1], then
// uint8(trunc(127.5·(x + 1))) — truncation, not rounding.
func ToRGB8(x []float32, h, w int) []byte {
	need(h > 0 && w > 0 && len(x)%(h*w) == 0, "torgb8: %d values, not channels of %d×%d", len(x), h, w)
	c := len(x) / (h * w)
	out := make([]byte, len(x))
	for ch := 0; ch < c; ch++ {
		for p := 0; p < h*w; p++ {
			v := min(max(x[ch*h*w+p], -1), 1)
			out[p*c+ch] = byte(float32(127.5) * float32(v+1))
		}
	}
	return out
}
