package vec

// LowerSolve4 runs the four-row blocks of a forward substitution with the
// unit lower triangular L (row-major, stride ld; its diagonal not read):
// for k = 0, 4, …, 4(nb−1), with s the Dot4 of rows k…k+3 with x[:k],
//
//	x[k]   −= s[0]
//	x[k+1]  = x[k+1] − s[1] − L[k+1][k]·x[k]
//	x[k+2]  = x[k+2] − s[2] − L[k+2][k]·x[k] − L[k+2][k+1]·x[k+1]
//	x[k+3]  = x[k+3] − s[3] − L[k+3][k]·x[k] − … − L[k+3][k+2]·x[k+2]
//
// (left to right, each product rounded: Go's arithmetic without fused
// multiply–adds, GOAMD64 below v3), in one call: bit for bit the loop of
// Dot4 calls it replaces (linsys's lowerSolve), whose per-block calls and
// slicing cost as much as the arithmetic at the orders of the BPQP study's
// dense QPs (20…100). It reports false, leaving x unchanged, where the
// assembly kernels are not available (the caller runs its loop); it
// panics if l or x is too short.
func LowerSolve4(l []float64, ld, nb int, x []float64) bool {
	if !triCheck(l, ld, nb, x) {
		return false
	}
	lowerSolve4AVX(&l[0], ld, nb, &x[0])
	return true
}

// LowerTSolve4 runs the four-row blocks of a backward substitution with
// Lᵀ (L as in LowerSolve4), from the block i0 = 4(nb−1) down to i0 = 0:
//
//	x3 = x[i0+3]
//	x2 = x[i0+2] − L[i0+3][i0+2]·x3
//	x1 = x[i0+1] − L[i0+3][i0+1]·x3 − L[i0+2][i0+1]·x2
//	x0 = x[i0]   − L[i0+3][i0]·x3 − L[i0+2][i0]·x2 − L[i0+1][i0]·x1
//
// then x[:i0] += −x3·L[i0+3][:i0], −x2·L[i0+2][:i0], −x1·…, −x0·… as
// Axpy4 does (fused, in that order). The rows above 4·nb are the
// caller's, done before. Bit for bit the loop it replaces (linsys's
// lowerTSolve); false and panics as LowerSolve4.
func LowerTSolve4(l []float64, ld, nb int, x []float64) bool {
	if !triCheck(l, ld, nb, x) {
		return false
	}
	lowerTSolve4AVX(&l[0], ld, nb, &x[0])
	return true
}

// triCheck reports whether the assembly triangular kernels run for nb
// blocks, after checking the lengths: rows 0…4nb−1 of l up to column
// 4nb−2 and x[:4nb]. nb is bounded by len(x)/4 before 4·nb is formed, and
// the extent of l is checked without overflow (blockFits).
func triCheck(l []float64, ld, nb int, x []float64) bool {
	if !triAsm || nb <= 0 {
		return false
	}
	if nb > len(x)/4 || ld < 4*nb || !blockFits(4*nb, ld, 4*nb-1, len(l)) {
		panic("vec: LowerSolve4/LowerTSolve4: slice shorter than the blocks")
	}
	return true
}
