package vec

import (
	"math"
	"testing"
)

// TestAllFinite: AllFinite is false exactly when some entry is NaN or
// ±Inf, at every position of slices around its four-entry steps, and true
// on the largest finite values, −0 and subnormals.
func TestAllFinite(t *testing.T) {
	for n := 0; n < 11; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = []float64{math.MaxFloat64, -math.MaxFloat64, math.Copysign(0, -1), 5e-324, 1}[i%5]
		}
		if !AllFinite(v) {
			t.Fatalf("n=%d: finite values reported non-finite", n)
		}
		for i := 0; i < n; i++ {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				old := v[i]
				v[i] = bad
				if AllFinite(v) {
					t.Fatalf("n=%d: %v at %d not found", n, bad, i)
				}
				v[i] = old
			}
		}
	}
}
