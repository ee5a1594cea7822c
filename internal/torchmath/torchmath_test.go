package torchmath

import (
	"math"
	"testing"
)

// TestExpf32 checks the emulated float32 exp stays within one ulp of exp.
func TestExpf32(t *testing.T) {
	for i := 0; i <= 20000; i++ {
		d := float32(-10 * float64(i) / 20000)
		got, want := float64(Expf32(d)), math.Exp(float64(d))
		ulp := float64(math.Nextafter32(float32(want), 2) - float32(want))
		if math.Abs(got-want) > ulp {
			t.Fatalf("Expf32(%g) = %g, want %g (1 ulp %g)", d, got, want, ulp)
		}
	}
}
