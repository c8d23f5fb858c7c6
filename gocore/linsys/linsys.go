// Package linsys factors and solves the quasi-definite KKT systems of the
// interior-point method and of the backward passes,
//
//	K = [ P + δI    Aᵀ      ]
//	    [ A      −(H + δI)  ]
//
// by an LDLᵀ factorization without pivoting. K is given as its upper
// triangle in compressed sparse column form; the pattern (and so the
// ordering and the symbolic analysis) is fixed when the factorizer is made
// and reused for every numeric factorization. Every diagonal entry carries
// an expected sign (+1 for the x block, −1 for the z block); a pivot whose
// signed value falls below DynamicEps is replaced by sign·DynamicDelta
// (dynamic regularization, as in Clarabel and QDLDL-based solvers), and
// Refine recovers accuracy lost to regularization by iterative refinement
// against the unregularized matrix.
package linsys

import (
	"errors"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// ErrSingular reports a factorization that met a zero or non-finite pivot
// even after dynamic regularization.
var ErrSingular = errors.New("linsys: singular or non-finite pivot")

// Regularization defaults. The values follow Clarabel's defaults
// (static_regularization_constant 1e-8 is applied by the caller;
// dynamic_regularization_eps 1e-13, dynamic_regularization_delta 2e-7).
const (
	// DynamicEps is the threshold on a signed pivot below which it is replaced.
	DynamicEps = 1e-13
	// DynamicDelta is the value a replaced pivot gets (times its sign).
	DynamicDelta = 2e-7
)

// Factorizer is an LDLᵀ factorization of a fixed symmetric pattern.
type Factorizer interface {
	// Factor computes the numeric factorization from values on the upper
	// triangular pattern given at construction (original ordering).
	Factor(values []float64) error
	// Solve overwrites b with K⁻¹ b (K as factored, regularization included).
	Solve(b []float64)
	// Dim returns the matrix dimension.
	Dim() int
	// Regularized returns how many pivots were replaced by the last Factor.
	Regularized() int
}

// ValuesVersioned is implemented by the factorizations that keep the
// values of their last full scatter and skip it when only the row
// diagonal (H) changed (DenseDual, DenseBounds, DenseSchur; Chain and
// Guarded pass it on). Without a version they compare every value outside
// H with the last scatter's, bit for bit, on each Factor: with a dense P
// of order 500 that is 2.8 MB per factorization. SetValuesVersion(v)
// announces that the next Factor's values, outside H, are the values of
// version v (v ≠ 0; 0: unknown): the caller promises that values it gave
// the same version are equal there bit for bit (kkt.System numbers each
// content of its matrix outside H and each static regularization), and
// a factorization whose last full scatter had version v then writes only
// the H entries. The announcement holds for the next Factor only.
type ValuesVersioned interface {
	SetValuesVersion(v uint64)
	// VersionSkips returns how many comparisons a matching version
	// skipped so far.
	VersionSkips() int
}

// ValuesVersionedRows is implemented by the factorizations that can also
// take an announcement of values that are those of a version but for
// whole A rows set to zero (DenseDual; Chain and Guarded pass it on, as
// SetValuesVersion(0) to a form that does not implement it).
// SetValuesVersionZeroRows(v, rows) announces that the next Factor's
// values, outside H, are those of version v (v ≠ 0) except that every A
// value of the constraint rows named in rows is zero, each row named by
// the value index of one of its A values — as kkt.System knows them for an
// active-set system (SetActiveRows) of the content the interior-point
// iterations factored. A form whose last full scatter had version v then
// masks those rows instead of comparing every value (DenseDual; it still
// compares as without a version when an index is not an A value). The
// announcement holds for the next Factor only; rows must stay unmodified
// until then.
type ValuesVersionedRows interface {
	SetValuesVersionZeroRows(v uint64, rows []int)
}

// Multiplier is implemented by the dense factorizations (Dense, DenseSchur,
// and Guarded around them): MulVec computes y = K x with the matrix last
// passed to Factor, regularization included. It is much faster than
// SymMulVec on the sparse pattern, so callers use it for the residuals of
// iterative refinement when the factorizer offers it.
type Multiplier interface {
	MulVec(x, y []float64)
}

// Pattern is an upper-triangular CSC pattern of a symmetric matrix with
// every diagonal entry present.
type Pattern struct {
	N      int
	Colptr []int
	Rowval []int
}

// SymMulVec computes y = K x for K stored as its upper triangle on pat.
func SymMulVec(pat *Pattern, vals, x, y []float64) {
	for i := range y[:pat.N] {
		y[i] = 0
	}
	for j := 0; j < pat.N; j++ {
		xj := x[j]
		var acc float64
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			v := vals[k]
			if i == j {
				acc += v * xj
				continue
			}
			y[i] += v * xj
			acc += v * x[i]
		}
		y[j] += acc
	}
}

// Refine improves a solution x of K x = b, where K is given by the
// (unregularized) values vals on pat and f is a factorization of a nearby
// (regularized) matrix. It performs up to maxIter steps of iterative
// refinement, stopping when ‖b − Kx‖∞ ≤ absTol + relTol‖b‖∞ or when a step
// stops helping. work must have length ≥ 2·pat.N. It returns the final
// residual norm.
func Refine(f Factorizer, pat *Pattern, vals, b, x, work []float64, maxIter int, absTol, relTol float64) float64 {
	mul := func(x, y []float64) { SymMulVec(pat, vals, x, y) }
	return RefineWith(f, mul, b, x, work, maxIter, absTol, relTol)
}

// RefineWith is Refine with the product y = K x supplied by mul.
func RefineWith(f Factorizer, mul func(x, y []float64), b, x, work []float64, maxIter int, absTol, relTol float64) float64 {
	n := f.Dim()
	r := work[:n]
	dx := work[n : 2*n]
	bnorm := normInf(b)
	res := func() float64 {
		mul(x, r)
		for i := 0; i < n; i++ {
			r[i] = b[i] - r[i]
		}
		return normInf(r)
	}
	rn := res()
	for it := 0; it < maxIter; it++ {
		if rn <= absTol+relTol*bnorm {
			break
		}
		copy(dx, r)
		f.Solve(dx)
		for i := 0; i < n; i++ {
			x[i] += dx[i]
		}
		prev := rn
		rn = res()
		if rn > prev*0.5 {
			// Not contracting: undo if it made things worse and stop.
			if rn > prev {
				for i := 0; i < n; i++ {
					x[i] -= dx[i]
				}
				rn = res()
			}
			break
		}
	}
	return rn
}

func normInf(v []float64) float64 { return vec.NormInf(v) }
