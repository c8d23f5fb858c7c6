package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// MaxAsymmetry returns max |a[i,j] − a[j,i]| and max(1, max |a[i,j]|) of the
// row-major n×n matrix a: the symmetry test of a caller's quadratic term
// compares the first against a tolerance times the second.
func MaxAsymmetry(a []float64, n int) (asym, scale float64) {
	a = a[:n*n]
	scale = 1
	for i := 0; i < n; i++ {
		row := a[i*n : (i+1)*n]
		for j, v := range row {
			if x := math.Abs(v); x > scale {
				scale = x
			}
			if j > i {
				if d := math.Abs(v - a[j*n+i]); d > asym {
					asym = d
				}
			}
		}
	}
	return asym, scale
}

// ShiftedCholeskyOK reports whether a + shift·max(1, ‖a‖_F)·I has a Cholesky
// factor, reading only the lower triangle of the row-major n×n matrix a
// (work holds at least n·n values and is overwritten). With a small shift
// (1e-8) it accepts every positive semidefinite a and rejects every a whose
// smallest eigenvalue is below −shift·‖a‖_F; matrices in between may go
// either way, so a caller gives the rejects an eigenvalue test. The
// factorization is the up-looking row form L[i,j] = (a[i,j] − L[i,:j]·L[j,:j]) / L[j,j],
// whose inner products use the vector kernels, below order blockMin; from
// it, the blocked LDLᵀ (blockedPivotsOK); a matrix whose strictly lower
// triangle is zero is decided by its pivot signs.
func ShiftedCholeskyOK(a []float64, n int, shift float64, work []float64) bool {
	a = a[:n*n]
	var fro float64
	for _, v := range a {
		fro += v * v
	}
	fro = math.Max(1, math.Sqrt(fro))
	d := shift * fro
	if lowerZero(a, n) {
		// Diagonal (as far as it is read): the factorization below has
		// L[i,j] = 0 and pivots a[i,i] + d exactly; only their signs
		// decide (an LP's ε-ridge P = εI, n = 500: 21 M multiply–adds of
		// zeros skipped).
		for i := 0; i < n; i++ {
			if !(a[i*n+i]+d > 0) {
				return false
			}
		}
		return true
	}
	if n >= blockMin {
		return blockedPivotsOK(a, n, d, work)
	}
	return choleskyRowsOK(a, n, d, work)
}

// blockedPivotsOK reports whether the blocked LDLᵀ of a + d·I (lower
// triangle of a read; work holds n·n values) has every pivot ≥ DynamicEps
// without a replaced one: the Cholesky test's p > 0 at the kernel's speed
// (n = 500: ~6 ms → ~1 ms per call). The pivots are those of the
// Cholesky factorization squared, so the two decide alike except for a
// pivot in (0, DynamicEps) — which needs λ_min(a) < 0 (a pivot is at least
// λ_min(a + d·I) ≥ d = shift·max(1, ‖a‖_F) ≥ 1e-8 for a PSD a): a matrix
// in the band ShiftedCholeskyOK may decide either way.
func blockedPivotsOK(a []float64, n int, d float64, work []float64) bool {
	l := work[:n*n]
	for i := 0; i < n; i++ {
		copy(l[i*n:i*n+i+1], a[i*n:i*n+i+1])
		l[i*n+i] += d
	}
	signs, piv := make([]float64, n), make([]float64, n)
	for i := range signs {
		signs[i] = 1
	}
	nreg, err := newBlockWork(n).ldl(l, n, n, signs, piv)
	return err == nil && nreg == 0
}

// choleskyRowsOK reports whether a + d·I has a Cholesky factor by the
// up-looking row form (lower triangle of a read; work holds n·n values).
func choleskyRowsOK(a []float64, n int, d float64, work []float64) bool {
	l := work[:n*n]
	for i := 0; i < n; i++ {
		li := l[i*n : i*n+i+1]
		for j := 0; j < i; j++ {
			lj := l[j*n : j*n+j+1]
			li[j] = (a[i*n+j] - vec.Dot(li[:j], lj[:j])) / lj[j]
		}
		p := a[i*n+i] + d - vec.Dot(li[:i], li[:i])
		if !(p > 0) { // also rejects NaN
			return false
		}
		li[i] = math.Sqrt(p)
	}
	return true
}

// lowerZero reports whether the strictly lower triangle of the row-major
// n×n matrix a is zero (it stops at the first nonzero entry).
func lowerZero(a []float64, n int) bool {
	for i := 1; i < n; i++ {
		for _, v := range a[i*n : i*n+i] {
			if v != 0 {
				return false
			}
		}
	}
	return true
}
