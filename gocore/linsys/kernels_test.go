package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// lowerSolve and lowerTSolve invert L and Lᵀ (unit lower triangular,
// row-major with a stride larger than the order) for every order around
// the four-row blocks, as the one-row substitutions of denseSolve do.
func TestLowerSolves(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for n := 0; n < 40; n++ {
		ld := n + 3
		l := make([]float64, max(1, n*ld))
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				l[i*ld+j] = rng.NormFloat64() / 4
			}
			l[i*ld+i] = math.NaN() // the diagonal is not read
		}
		b := make([]float64, n)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		// L x = b
		x := append([]float64(nil), b...)
		lowerSolve(l, ld, n, x)
		for i := 0; i < n; i++ {
			s := x[i]
			for j := 0; j < i; j++ {
				s += l[i*ld+j] * x[j]
			}
			if math.Abs(s-b[i]) > 1e-12*(1+math.Abs(b[i])) {
				t.Fatalf("n=%d: (Lx)[%d] = %v, want %v", n, i, s, b[i])
			}
		}
		// Lᵀ x = b
		x = append([]float64(nil), b...)
		lowerTSolve(l, ld, n, x)
		for j := 0; j < n; j++ {
			s := x[j]
			for i := j + 1; i < n; i++ {
				s += l[i*ld+j] * x[i]
			}
			if math.Abs(s-b[j]) > 1e-12*(1+math.Abs(b[j])) {
				t.Fatalf("n=%d: (Lᵀx)[%d] = %v, want %v", n, j, s, b[j])
			}
		}
	}
}

// TestAllFinite: allFinite is false exactly when some entry is NaN or
// ±Inf, at every position of slices around its four-entry steps, and true
// on the largest finite values, −0 and subnormals.
func TestAllFinite(t *testing.T) {
	for n := 0; n < 11; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = []float64{math.MaxFloat64, -math.MaxFloat64, math.Copysign(0, -1), 5e-324, 1}[i%5]
		}
		if !allFinite(v) {
			t.Fatalf("n=%d: finite values reported non-finite", n)
		}
		for i := 0; i < n; i++ {
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				old := v[i]
				v[i] = bad
				if allFinite(v) {
					t.Fatalf("n=%d: %v at %d not found", n, bad, i)
				}
				v[i] = old
			}
		}
	}
}
