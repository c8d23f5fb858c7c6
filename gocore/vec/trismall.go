package vec

// LowerSolvePairs is the forward substitution x[:n] = L⁻¹x (L unit lower
// triangular, row-major of stride ld, its diagonal not read) two rows per
// pass over x, in scalar arithmetic: for i = 1, 3, 5, … while i+1 < n,
//
//	s0 = x[i]   − Σ_{k<i} L[i][k]·x[k]
//	s1 = x[i+1] − Σ_{k<i} L[i+1][k]·x[k] − L[i+1][i]·s0
//
// (each product rounded, then subtracted, k in increasing order), then the
// last row alone if one is left. It is linsys's smallLowerSolve (orders
// up to 16) bit for bit in one assembly call, where the Go loops' bounds
// checks and slicing cost as much as the multiply–adds. It reports false,
// leaving x unchanged, where the assembly kernels are not available; it
// panics if l or x is too short.
func LowerSolvePairs(l []float64, ld, n int, x []float64) bool {
	if !pairsCheck(l, ld, n, x) {
		return false
	}
	lowerSolvePairsAVX(&l[0], ld, n, &x[0])
	return true
}

// LowerTSolvePairs is the backward substitution x[:n] = L⁻ᵀx (L as in
// LowerSolvePairs) two rows of L per pass over x: for i = n−1, n−3, … ≥ 2,
// x[i−1] −= x_i·L[i][i−1], then x[k] −= x_i·L[i][k] and −= x_{i−1}·L[i−1][k]
// (in that order, each product rounded) for k < i−1, a zero x_i's or
// x_{i−1}'s update left out; finally x[0] −= x[1]·L[1][0] if i stops at 1
// and x[1] is not zero. linsys's smallLowerTSolve bit for bit; false and
// panics as LowerSolvePairs.
func LowerTSolvePairs(l []float64, ld, n int, x []float64) bool {
	if !pairsCheck(l, ld, n, x) {
		return false
	}
	lowerTSolvePairsAVX(&l[0], ld, n, &x[0])
	return true
}

// LDLSolvePairs is x[:n] = L⁻ᵀD⁻¹L⁻¹x (L as in LowerSolvePairs, D the
// diagonal d[:n]): LowerSolvePairs, Div by d, LowerTSolvePairs, bit for
// bit those three calls, with one length check (linsys's small-order
// LDLᵀ solves, where the calls' checks and wrappers were a fifth of a
// solve of order 10). It reports false, leaving x unchanged, where the
// assembly kernels are not available or n < 2; it panics if l, d or x is
// too short.
func LDLSolvePairs(l []float64, ld, n int, d, x []float64) bool {
	if !pairsCheck(l, ld, n, x) {
		return false
	}
	d = d[:n]
	lowerSolvePairsAVX(&l[0], ld, n, &x[0])
	Div(x[:n], x, d)
	lowerTSolvePairsAVX(&l[0], ld, n, &x[0])
	return true
}

// pairsCheck reports whether the pair kernels run for order n, after
// checking the lengths: rows 1…n−1 of l up to column n−2, and x[:n]
// (n bounded by len(x) first, the extent of l checked without overflow).
func pairsCheck(l []float64, ld, n int, x []float64) bool {
	if !triAsm || n < 2 {
		return false
	}
	if n > len(x) || ld < n-1 || !blockFits(n, ld, n-1, len(l)) {
		panic("vec: LowerSolvePairs/LowerTSolvePairs: slice shorter than the order")
	}
	return true
}
