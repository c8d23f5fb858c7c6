package vec

// ForwardRows4 runs columns k0…n−1 of the forward substitution W ← W·L⁻ᵀ
// (each row w_r ← L⁻¹w_r, L unit lower triangular, row-major of stride
// ld, its diagonal not read) for the four rows w_0…w_3 of w (stride ldw):
// for k = k0, …, n−1 and r = 0…3,
//
//	w_r[k] −= Dot(L[k][:k], w_r[:k])
//
// bit for bit those Dot calls (k0 ≥ 8, so every one takes Dot's assembly
// kernel: its accumulators, reduction and fused tail), in one call that
// loads each row of L once for the four rows of w; only a NaN's payload
// may differ (the kernel's FMAs take the two factors in the other order,
// and which of two NaN operands propagates follows that order); all else
// is bit for bit. Columns below k0 are the caller's (done before, as the
// same Dot calls). It panics if k0 < 8 with k0 < n, or if l or w is too
// short, whether or not the kernel runs; then it reports false, leaving w
// unchanged, where the assembly kernels are not available (the caller
// runs its loop), true when it ran (or k0 ≥ n left nothing).
func ForwardRows4(l []float64, ld, k0, n int, w []float64, ldw int) bool {
	if k0 < n && (k0 < simdMin || ld < n-1 || ldw < n || !blockFits(4, ldw, n, len(w)) || !blockFits(n, ld, n-1, len(l))) {
		panic("vec: ForwardRows4: k0 below 8 or slice shorter than the rows")
	}
	if !triAsm {
		return false
	}
	if k0 >= n {
		return true
	}
	forwardRows4AVX(&l[0], ld, k0, n, &w[0], ldw)
	return true
}
