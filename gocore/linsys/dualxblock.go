package linsys

// FactoredXBlock returns the x block of the last full scatter, row-major
// nx×nx (the lower triangle, diagonal included, is the matrix its LDLᵀ
// factored), when that factorization succeeded with every pivot at least
// DynamicEps and none regularized; ok is false otherwise (no valid
// factorization, a refused x block, an extended x block of
// NewDenseDualOrder). A successful floating-point LDLᵀ with positive
// pivots bounds the block's smallest eigenvalue from below by minus its
// backward error (a multiple of n·ε·trace): the C ABI takes the PSD test
// of a caller's P from it instead of factoring P again. The slice is the
// factorizer's own, valid until its next Factor; the caller only reads it.
func (f *DenseDual) FactoredXBlock() (x []float64, nx int, ok bool) {
	if f.order != nil || f.kv != nil || !f.valid || f.refused {
		return nil, 0, false
	}
	return f.px[:f.nx*f.nx], f.nx, true
}
