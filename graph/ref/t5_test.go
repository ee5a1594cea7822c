package ref

import "testing"

func TestT5Bucket(t *testing.T) {
	cases := []struct {
		rel  int
		bidi bool
		want int
	}{
		// Bidirectional, 32 buckets, max distance 128: 16 per direction,
		// exact below 8, then 8 + int(log(n/8)/log(16)*8).
		{0, true, 0}, {-1, true, 1}, {1, true, 17}, {-7, true, 7}, {7, true, 23},
		{-8, true, 8}, {8, true, 24}, {-15, true, 9}, {-16, true, 10}, {-32, true, 12},
		{-64, true, 14}, {-127, true, 15}, {-128, true, 15}, {-1000, true, 15}, {200, true, 31},
		// Unidirectional: only rel <= 0 counts, 32 buckets, exact below 16.
		{5, false, 0}, {-5, false, 5}, {-20, false, 17}, {-500, false, 31},
	}
	for _, c := range cases {
		if got := T5Bucket(c.rel, c.bidi, 32, 128); got != c.want {
			t.Errorf("T5Bucket(%d, %v) = %d, want %d", c.rel, c.bidi, got, c.want)
		}
	}
}

func TestT5PositionBias(t *testing.T) {
	// Table (32 buckets, 2 heads): bucket b holds (b, -b).
	table := make([]float32, 64)
	for b := 0; b < 32; b++ {
		table[2*b], table[2*b+1] = float32(b), float32(-b)
	}
	bias := T5PositionBias(table, 2, 2, 3, 32, 128)
	// bias[h, q, k] = table[bucket(k - q), h]; rel = k-q: q0 (0,1,2), q1 (-1,0,1).
	want := []float32{0, 17, 18, 1, 0, 17, 0, -17, -18, -1, 0, -17}
	near(t, "bias", bias, want, 0)
}

func TestTimestepEmbedding(t *testing.T) {
	e := TimestepEmbedding(0, 8, 10000, 1000)
	near(t, "t=0", e, []float32{1, 1, 1, 1, 0, 0, 0, 0}, 0)
	// freq[0] = 1, so the first pair is (cos, sin) of 1000·t.
	e = TimestepEmbedding(0.001, 6, 10000, 1000)
	if e[0] != float32(0.5403023) || e[3] != float32(0.84147096) {
		t.Errorf("pair 0 = (%v, %v), want (cos 1, sin 1)", e[0], e[3])
	}
	if len(TimestepEmbedding(0.5, 7, 10000, 1000)) != 7 {
		t.Errorf("odd dim not padded")
	}
}
