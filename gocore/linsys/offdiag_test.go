package linsys

import (
	"math"
	"testing"
)

// offDiagZero decides DenseDual's diagonal x block: any nonzero (NaN
// included) off the diagonal, left or right of it in any row, is reported;
// signed zeros are zeros and the diagonal is not looked at.
func TestOffDiagZero(t *testing.T) {
	const n = 4
	for _, tc := range []struct {
		name string
		i, j int
		v    float64
		want bool
	}{
		{"diagonal only", 2, 2, 5, true},
		{"NaN on the diagonal", 3, 3, math.NaN(), true},
		{"negative zero off the diagonal", 1, 3, math.Copysign(0, -1), true},
		{"lower entry", 3, 0, 1e-300, false},
		{"upper entry", 0, 3, -2, false},
		{"first row right of the diagonal", 0, 1, 1, false},
		{"last row left of the diagonal", 3, 2, 1, false},
		{"NaN off the diagonal", 2, 1, math.NaN(), false},
	} {
		a := make([]float64, n*n)
		for k := 0; k < n; k++ {
			a[k*n+k] = 1
		}
		a[tc.i*n+tc.j] = tc.v
		if got := offDiagZero(a, n); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
