package ref

import "math"

// T5Bucket maps a relative position rel = key_pos − query_pos to its T5
// relative-attention bucket (HF _relative_position_bucket). Bidirectional
// (encoder) uses half the buckets per direction, +numBuckets/2 for rel > 0.
// Distances of at least half a direction's buckets are bucketed
// logarithmically up to maxDistance; that formula is evaluated in float32
// and truncated, as the reference does, because it decides ties at 16, 32, 64.
func T5Bucket(rel int, bidirectional bool, numBuckets, maxDistance int) int {
	bucket := 0
	n := rel
	if bidirectional {
		numBuckets /= 2
		if rel > 0 {
			bucket += numBuckets
		}
		n = abs(rel)
	} else {
		n = -min(rel, 0)
	}
	maxExact := numBuckets / 2
	if n < maxExact {
		return bucket + n
	}
	ratio := float32(float32(n) / float32(maxExact))
	l := float32(math.Log(float64(ratio)))
	den := float32(math.Log(float64(maxDistance) / float64(maxExact)))
	large := maxExact + int(float32(float32(l/den)*float32(numBuckets-maxExact)))
	return bucket + min(large, numBuckets-1)
}

// T5PositionBias builds the encoder's additive attention bias (heads, lq, lk)
// from table (numBuckets, heads) (relative_attention_bias.weight):
// bias[h, q, k] = table[bucket(k − q), h].
func T5PositionBias(table []float32, heads, lq, lk, numBuckets, maxDistance int) []float32 {
	need(len(table) == numBuckets*heads, "t5 position bias: table has %d values, want %d×%d", len(table), numBuckets, heads)
	bias := make([]float32, heads*lq*lk)
	for q := 0; q < lq; q++ {
		for k := 0; k < lk; k++ {
			b := T5Bucket(k-q, true, numBuckets, maxDistance)
			for h := 0; h < heads; h++ {
				bias[(h*lq+q)*lk+k] = table[b*heads+h]
			}
		}
	}
	return bias
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
