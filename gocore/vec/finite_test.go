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

// TestAllFiniteAsm: AllFinite's assembly pass (from finiteMin entries)
// and its Go loop (setAsm(false)) agree on every length around the
// sixteen- and four-entry steps, with a NaN or ±Inf at each position (a
// pair of infinities of opposite signs included, whose products do not
// cancel) and on finite values (the largest, −0, subnormals).
func TestAllFiniteAsm(t *testing.T) {
	defer setAsm(true)()
	check := func(v []float64, want bool) {
		t.Helper()
		for _, on := range []bool{true, false} {
			setAsm(on)
			if got := AllFinite(v); got != want {
				t.Fatalf("n=%d assembly %v: %v, want %v (%v)", len(v), on, got, want, v)
			}
		}
	}
	for n := 0; n < 70; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = []float64{math.MaxFloat64, -math.MaxFloat64, math.Copysign(0, -1), 5e-324, 1, -3}[i%6]
		}
		check(v, true)
		for i := 0; i < n; i++ {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				old := v[i]
				v[i] = bad
				check(v, false)
				if j := n - 1 - i; j != i {
					w := v[j]
					v[j] = -bad
					check(v, false)
					v[j] = w
				}
				v[i] = old
			}
		}
	}
}
