package linsys

import "github.com/lpgd-go/lpgd_go/gocore/vec"

// Blocked right-looking LDLᵀ (from order blockMin). For the n×n lower
// triangle A split at n1 (vec.SplitPoint, about n/2),
//
//	[A11    ]   [L11    ] [D1   ] [L11ᵀ L21ᵀ]
//	[A21 A22] = [L21 L22] [   D2] [     L22ᵀ]
//
// it factors A11 (recursively), solves L21 = A21·L11⁻ᵀ·D1⁻¹ (vec's
// triangular solve, itself recursive so that most of its work is GEMM),
// updates the trailing block A22 −= L21·D1·L21ᵀ (lower triangle,
// vec.MulSubNT: packed panels and the register-blocked micro-kernel, with
// D1 applied while packing) and factors A22. Blocks of order ≤
// ldlLeaf are factored by the row-oriented denseLDLRows. All but O(n²·leaf)
// of the n³/3 flops are in the GEMM micro-kernel.
//
// Pivots are the same quantities as in the row-oriented form (A's diagonal
// minus the updates of all earlier columns), met in the same order, and
// get the same treatment: a non-finite pivot stops with ErrSingular, a
// pivot whose signed value is below DynamicEps becomes sign·DynamicDelta
// and later columns are eliminated with the replaced value. Only the
// summation order of the updates differs (results agree to rounding).

// blockMin is the order from which denseLDL uses the blocked form (and
// DenseSchur its GᵀD⁻¹G product the packed SYRK). Below it the
// row-oriented form runs unchanged, so small systems (the dense QP layer
// at n = 10, the tight-tolerance SOCP of order 15) stay bit-identical to
// earlier releases. 64 since the level-3 kernel: the blocked form measured
// 1.35× / 1.4× / 1.4× / 1.7× / 1.7× the row form at n = 64 / 96 / 110 /
// 128 / 160 (AVX-512, BenchmarkLDLKernel), 0.9–1.1× at 48; it was 192
// (tileMin) when the row form's 4×4 tiles were the alternative.
const blockMin = 64

// ldlLeaf is the order up to which a diagonal block is factored by the
// row-oriented form (16–32 measured alike at n = 200 and 500).
const ldlLeaf = 24

// blockWork is the workspace of the blocked factorization of matrices of
// order ≤ n (it allocates nothing after construction).
type blockWork struct {
	g  *vec.Workspace
	wb []float64
}

func newBlockWork(n int) *blockWork {
	return &blockWork{g: vec.NewWorkspace(n), wb: make([]float64, 4*ldlLeaf)}
}

// ldl factors the n×n lower triangle in a (row-major, stride ld) in place
// into L (strictly lower part) and D (d), regularizing pivots by the
// expected signs; it returns the number of regularized pivots.
func (w *blockWork) ldl(a []float64, ld, n int, signs, d []float64) (int, error) {
	if n <= ldlLeaf {
		return denseLDLRows(a, ld, n, signs, d, w.wb)
	}
	n1 := vec.SplitPoint(n)
	n2 := n - n1
	nreg, err := w.ldl(a, ld, n1, signs[:n1], d[:n1])
	if err != nil {
		return nreg, err
	}
	a21 := a[n1*ld:]
	w.g.SolveUnitLowerT(n2, n1, a21, ld, a, ld, d[:n1])
	a22 := a[n1*ld+n1:]
	w.g.MulSubNT(n2, n2, n1, a21, ld, a21, ld, d[:n1], a22, ld, true)
	nreg2, err := w.ldl(a22, ld, n2, signs[n1:], d[n1:])
	return nreg + nreg2, err
}
