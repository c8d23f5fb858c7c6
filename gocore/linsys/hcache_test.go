package linsys

import (
	"math"
	"testing"
)

// equalBits compares bit patterns: −0 differs from +0, a NaN equals the
// same NaN, a difference in any position or in the length is found.
func TestEqualBits(t *testing.T) {
	nan := math.NaN()
	base := []float64{1, -2.5, 0, nan, math.Inf(1), 3e-300, 7, 8, 9}
	for _, tc := range []struct {
		name string
		a, b []float64
		want bool
	}{
		{"same", base, append([]float64(nil), base...), true},
		{"empty", nil, []float64{}, true},
		{"signed zero", []float64{0}, []float64{math.Copysign(0, -1)}, false},
		{"last differs", base, append(append([]float64(nil), base[:8]...), math.Nextafter(9, 10)), false},
		{"first differs", base, append([]float64{math.Nextafter(1, 2)}, base[1:]...), false},
		{"length", base, base[:8], false},
	} {
		if got := equalBits(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: equalBits = %v, want %v", tc.name, got, tc.want)
		}
	}
}
