package ipm

import (
	"math"
	"math/rand"
	"testing"
)

// TestLUBlocked solves random systems of orders around and above the panel
// width (so that the blocked trailing update, the U₁₂ solve and the row
// swaps across panels all run) and checks the residual against the
// original matrix (TestLUSolve covers a singular matrix).
func TestLUBlocked(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, dim := range []int{1, 2, luBlock - 1, luBlock, luBlock + 1, 2*luBlock + 5, 150} {
		J := make([]float64, dim*dim)
		for i := range J {
			J[i] = rng.NormFloat64()
		}
		// A zero leading column block forces pivots from far below.
		for i := 0; i < dim/2; i++ {
			J[i*dim] = 0
		}
		z := make([]float64, dim)
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		r := make([]float64, dim)
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				r[i] += J[i*dim+j] * z[j]
			}
		}
		orig := append([]float64(nil), J...)
		rhs := append([]float64(nil), r...)
		if !luSolve(J, r, make([]int, dim), dim) {
			t.Fatalf("dim %d: reported singular", dim)
		}
		var res, scale float64
		for i := 0; i < dim; i++ {
			acc := -rhs[i]
			for j := 0; j < dim; j++ {
				acc += orig[i*dim+j] * r[j]
				scale = math.Max(scale, math.Abs(orig[i*dim+j]*r[j]))
			}
			res = math.Max(res, math.Abs(acc))
		}
		if res > 1e-12*math.Max(1, scale)*float64(dim) {
			t.Errorf("dim %d: residual %g (scale %g)", dim, res, scale)
		}
	}
}
