package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// dualSmallMax is the largest order for which DenseDual factors and solves
// by the scalar small-order kernels below instead of the general ones
// (denseLDL, lowerSolve, lowerTSolve). At these orders the general
// kernels' cost is their per-call setup (Dot4/Dot calls on vectors of
// 0–15 elements, the four-row blocks and their tails), not their
// multiply–adds: the BPQP study's QP 10×5 and the dense QP layer's n = 10
// problem (x block and row block of order 10): the row block's LDLᵀ
// takes half the instructions this way (issue 16). Results differ from the
// general kernels' by the summation order only (rounding level).
const dualSmallMax = 16

// dualLDL is denseLDL for DenseDual's factors: smallLDL up to order
// dualSmallMax, the general form above it.
func dualLDL(l []float64, n int, signs, dst, wb []float64, bw *blockWork) (int, error) {
	if n <= dualSmallMax {
		return smallLDL(l, n, signs, dst, wb)
	}
	return denseLDL(l, n, signs, dst, wb, bw)
}

// dualLowerSolve is lowerSolve (x[:n] = L⁻¹x, L unit lower of stride ld)
// by smallLowerSolve up to order dualSmallMax.
func dualLowerSolve(l []float64, ld, n int, x []float64) {
	if n <= dualSmallMax {
		smallLowerSolve(l, ld, n, x)
		return
	}
	lowerSolve(l, ld, n, x)
}

// dualLowerTSolve is lowerTSolve (x[:n] = L⁻ᵀx) by smallLowerTSolve up to
// order dualSmallMax.
func dualLowerTSolve(l []float64, ld, n int, x []float64) {
	if n <= dualSmallMax {
		smallLowerTSolve(l, ld, n, x)
		return
	}
	lowerTSolve(l, ld, n, x)
}

// smallLDL is denseLDLRows for small orders (n ≤ dualSmallMax, stride n):
// the same row-oriented (Crout) LDLᵀ with the same pivot rule (ErrSingular
// on a non-finite pivot, sign·d < DynamicEps replaced by sign·DynamicDelta
// and counted), one row at a time in plain loops: w (len ≥ n) holds the
// current row's L[r][k]·D[k]. It returns the number of regularized pivots.
//
// With the assembly kernels (ldlAsm) the loops run in one call
// (smallLDLAVX, the same scalar arithmetic in the same order): in Go the
// slicing and bounds checks of each (r, j) step cost more than its
// multiply–adds, and the BPQP study's QP 10×5 factors an order-10 block
// nine times a call pair.
func smallLDL(l []float64, n int, signs, d, w []float64) (int, error) {
	nreg := 0
	d, signs, w = d[:n], signs[:n], w[:n]
	if n > 0 && ldlAsm() {
		if n*n > len(l) {
			panic("linsys: smallLDL: slice shorter than the order")
		}
		k, bad := smallLDLAVX(&l[0], n, &signs[0], &d[0], &w[0], DynamicEps, DynamicDelta)
		if bad != 0 {
			return k, ErrSingular
		}
		return k, nil
	}
	for r := 0; r < n; r++ {
		row := l[r*n : r*n+r+1]
		wr := w[:r]
		for j := range wr {
			lj := l[j*n : j*n+j]
			wj := wr[:len(lj)]
			s := row[j]
			for k, v := range lj {
				s -= wj[k] * v
			}
			wr[j] = s
			row[j] = s / d[j]
		}
		// D[r] = a_rr − Σ L[r][k] w[k].
		lr := row[:len(wr)]
		dr := row[r]
		for k, v := range lr {
			dr -= v * wr[k]
		}
		if math.IsNaN(dr) || math.IsInf(dr, 0) {
			return nreg, ErrSingular
		}
		if sg := signs[r]; sg*dr < DynamicEps {
			dr = sg * DynamicDelta
			nreg++
		}
		d[r] = dr
	}
	return nreg, nil
}

// smallLowerSolve is lowerSolve by rows in plain loops (small n), two
// rows per pass over x: row i+1's sum runs over k < i with row i's, then
// takes its k = i term, the order of one row at a time.
func smallLowerSolve(l []float64, ld, n int, x []float64) {
	if !noTriAsm && vec.LowerSolvePairs(l, ld, n, x) {
		return // the same loops in one assembly call
	}
	x = x[:n]
	i := 1
	for ; i+1 < n; i += 2 {
		r0 := l[i*ld : i*ld+i]
		r1 := l[(i+1)*ld : (i+1)*ld+i+1]
		xs := x[:len(r0)]
		r1 = r1[:len(r0)+1]
		s0, s1 := x[i], x[i+1]
		for k, v := range r0 {
			xk := xs[k]
			s0 -= v * xk
			s1 -= r1[k] * xk
		}
		s1 -= r1[i] * s0
		x[i], x[i+1] = s0, s1
	}
	for ; i < n; i++ {
		row := l[i*ld : i*ld+i]
		xs := x[:len(row)]
		s := x[i]
		for k, v := range row {
			s -= v * xs[k]
		}
		x[i] = s
	}
}

// smallLowerTSolve is lowerTSolve by rows of L in plain loops (small n),
// two rows per pass over x: x[k] −= x_i·L[i][k], then −= x_{i−1}·L[i−1][k],
// the order of one row at a time (a zero x_i's update is left out, as
// there).
func smallLowerTSolve(l []float64, ld, n int, x []float64) {
	if !noTriAsm && vec.LowerTSolvePairs(l, ld, n, x) {
		return // the same loops in one assembly call
	}
	x = x[:n]
	i := n - 1
	for ; i >= 2; i -= 2 {
		xi := x[i]
		ri := l[i*ld : i*ld+i]
		if xi != 0 {
			x[i-1] -= xi * ri[i-1]
		}
		xj := x[i-1]
		rj := l[(i-1)*ld : (i-1)*ld+i-1]
		xs := x[:len(rj)]
		ri = ri[:len(rj)]
		switch {
		case xi != 0 && xj != 0:
			for k, v := range rj {
				t := xs[k] - xi*ri[k]
				xs[k] = t - xj*v
			}
		case xi != 0:
			for k, v := range ri {
				xs[k] -= xi * v
			}
		case xj != 0:
			for k, v := range rj {
				xs[k] -= xj * v
			}
		}
	}
	if i == 1 {
		if xi := x[1]; xi != 0 {
			x[0] -= xi * l[ld]
		}
	}
}
