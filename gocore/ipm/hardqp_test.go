package ipm

import (
	"math"
	"math/rand"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// hardQP builds a strictly convex QP min ½xᵀPx + cᵀx, Gx ≤ h, Ax = b with a
// known solution x* whose active inequalities have small multipliers and
// whose inactive ones small slacks (log-uniform in [1e-5, 1e-3]): the cases
// an interior point leaves smeared at tolerance 1e-8. Rows are [A; G].
func hardQP(rng *rand.Rand, n, meq, mi int) (P, c, A, b []float64, cones problem.Cones, xs []float64) {
	m := meq + mi
	A = make([]float64, m*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	xs = make([]float64, n)
	for j := range xs {
		xs[j] = rng.NormFloat64()
	}
	M := make([]float64, n*n)
	for i := range M {
		M[i] = rng.NormFloat64()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += M[k*n+i] * M[k*n+j]
			}
			P[i*n+j] = s / float64(n)
		}
		P[i*n+i] += 0.1
	}
	small := func() float64 { return math.Pow(10, -6+3*rng.Float64()) }
	y := make([]float64, m)
	b = make([]float64, m)
	nact := mi / 2
	if nact > n-meq {
		nact = n - meq
	}
	for i := 0; i < m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			s += A[i*n+j] * xs[j]
		}
		b[i] = s
		switch {
		case i < meq:
			y[i] = rng.NormFloat64()
		case i < meq+nact:
			y[i] = small()
		default:
			b[i] += small()
		}
	}
	c = make([]float64, n)
	for j := 0; j < n; j++ {
		var s float64
		for k := 0; k < n; k++ {
			s += P[j*n+k] * xs[k]
		}
		for i := 0; i < m; i++ {
			s += A[i*n+j] * y[i]
		}
		c[j] = -s
	}
	return P, c, A, b, problem.Cones{Zero: meq, Nonneg: mi}, xs
}
