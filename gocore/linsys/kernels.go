package linsys

import "github.com/lpgd-go/lpgd_go/gocore/vec"

func dot(a, b []float64) float64 { return vec.Dot(a, b) }

func axpy(alpha float64, x, y []float64) { vec.Axpy(alpha, x, y) }

// dotShort is vec.Dot bit for bit below dotAsmMin entries (vec.DotShort:
// Dot's generic loop in one call instead of two and Dot's dispatch): the
// short dots of denseLDLRows' first rows, ~20 per factorization of the
// BPQP study's 20×20 row block, ~100 instructions each through Dot.
// forwardHead (dual.go) writes the same sums out inline. Bit for bit Dot
// but for a NaN's payload (TestDotShort).
func dotShort(a, b []float64) float64 { return vec.DotShort(a, b) }

func dot4(w0, w1, w2, w3, l []float64, n int, out *[4]float64) {
	vec.Dot4(w0, w1, w2, w3, l, n, out)
}

func axpy4(a *[4]float64, x0, x1, x2, x3, y []float64, n int) {
	vec.Axpy4(a, x0, x1, x2, x3, y, n)
}

func tile4x4(a []float64, lda int, b []float64, ldb int, n int, out *[16]float64) {
	vec.Dot4x4(a, lda, b, ldb, n, out)
}

// tileMin is the matrix order from which denseLDL, and the row count from
// which DenseSchur's GᵀD⁻¹G product, use the 4×4 tile kernel. Below it the
// Dot4 paths run unchanged and small systems stay bit-identical: the gain
// was measured from order 240 (none at the dense QP family's n = 10, 50),
// and two tests follow trajectories that any change of summation order
// moves — the tight-tolerance SOCP (KKT order 15) and the LPGD
// shortest-path training (order 144, degenerate LPs).
const tileMin = 192

// noTriAsm: tests; lowerSolve and lowerTSolve run their Go loops only.
var noTriAsm bool

// lowerSolve overwrites x[:n] with L⁻¹x for the unit lower triangular L
// whose strictly lower part is in l (row-major, stride ld): forward
// substitution four rows at a time (one Dot4 pass over x for the columns
// left of the block, then the block's own triangle).
func lowerSolve(l []float64, ld, n int, x []float64) {
	var s [4]float64
	k := 0
	// The four-row blocks in one assembly call where there is one (the
	// same arithmetic; the calls and slicing per block were as costly).
	if !noTriAsm && vec.LowerSolve4(l, ld, n/4, x) {
		k = n &^ 3
	}
	for ; k+4 <= n; k += 4 {
		r0, r1, r2, r3 := l[k*ld:k*ld+k+4], l[(k+1)*ld:(k+1)*ld+k+4], l[(k+2)*ld:(k+2)*ld+k+4], l[(k+3)*ld:(k+3)*ld+k+4]
		dot4(r0, r1, r2, r3, x, k, &s)
		x0 := x[k] - s[0]
		x1 := x[k+1] - s[1] - r1[k]*x0
		x2 := x[k+2] - s[2] - r2[k]*x0 - r2[k+1]*x1
		x3 := x[k+3] - s[3] - r3[k]*x0 - r3[k+1]*x1 - r3[k+2]*x2
		x[k], x[k+1], x[k+2], x[k+3] = x0, x1, x2, x3
	}
	for ; k < n; k++ {
		x[k] -= dot(l[k*ld:k*ld+k], x[:k])
	}
}

// lowerTSolve overwrites x[:n] with L⁻ᵀx (L as in lowerSolve): backward
// substitution by rows of L, four at a time (the block's triangle, then
// one Axpy4 pass over x for the columns left of it).
func lowerTSolve(l []float64, ld, n int, x []float64) {
	i := n - 1
	for ; i >= 0 && (i+1)%4 != 0; i-- {
		if xi := x[i]; xi != 0 {
			axpy(-xi, l[i*ld:i*ld+i], x[:i])
		}
	}
	if !noTriAsm && vec.LowerTSolve4(l, ld, (i+1)/4, x) {
		return // the four-row blocks in one assembly call, as lowerSolve
	}
	for ; i >= 3; i -= 4 {
		i0 := i - 3
		r0, r1, r2, r3 := l[i0*ld:i0*ld+i0], l[(i0+1)*ld:(i0+1)*ld+i0+1], l[(i0+2)*ld:(i0+2)*ld+i0+2], l[(i0+3)*ld:(i0+3)*ld+i0+3]
		x3 := x[i0+3]
		x2 := x[i0+2] - r3[i0+2]*x3
		x1 := x[i0+1] - r3[i0+1]*x3 - r2[i0+1]*x2
		x0 := x[i0] - r3[i0]*x3 - r2[i0]*x2 - r1[i0]*x1
		x[i0], x[i0+1], x[i0+2], x[i0+3] = x0, x1, x2, x3
		a := [4]float64{-x3, -x2, -x1, -x0}
		axpy4(&a, r3, r2, r1, r0, x, i0)
	}
}

// Two-vector forms of the triangular solves and row products. Each
// vector's arithmetic is the one-vector kernel's (the assembly repeats its
// instructions per vector, registers renamed; elsewhere the one-vector
// kernel runs twice), so each output is bit for bit the one-vector call's;
// the matrix is read once for both (DenseDual.SolvePair, MulVecPair).

// noPairAsm: tests; the two-vector kernels run the one-vector ones twice.
var noPairAsm bool

// pairKernels reports whether the two-vector assembly kernels run.
func pairKernels() bool { return pairAsm && !noPairAsm && !noTriAsm }

// triFits panics unless rows 0…4nb−1 of l (stride ld ≥ 4nb) reach column
// 4nb−2 and x, y hold 4nb entries (the assembly reads no further).
func triFits(l []float64, ld, nb int, x, y []float64) {
	if nb > len(x)/4 || nb > len(y)/4 || ld < 4*nb || (4*nb-1)*ld+4*nb-1 > len(l) {
		panic("linsys: triangular pair kernel: slice shorter than the blocks")
	}
}

// lowerSolvePair is lowerSolve on x and y.
func lowerSolvePair(l []float64, ld, n int, x, y []float64) {
	nb := n / 4
	if !pairKernels() || nb == 0 {
		lowerSolve(l, ld, n, x)
		lowerSolve(l, ld, n, y)
		return
	}
	triFits(l, ld, nb, x, y)
	lowerSolve4PairAVX(&l[0], ld, nb, &x[0], &y[0])
	for k := n &^ 3; k < n; k++ {
		r := l[k*ld : k*ld+k]
		x[k] -= dot(r, x[:k])
		y[k] -= dot(r, y[:k])
	}
}

// lowerTSolvePair is lowerTSolve on x and y.
func lowerTSolvePair(l []float64, ld, n int, x, y []float64) {
	if !pairKernels() || n < 4 {
		lowerTSolve(l, ld, n, x)
		lowerTSolve(l, ld, n, y)
		return
	}
	i := n - 1
	for ; (i+1)%4 != 0; i-- {
		r := l[i*ld : i*ld+i]
		if xi := x[i]; xi != 0 {
			axpy(-xi, r, x[:i])
		}
		if yi := y[i]; yi != 0 {
			axpy(-yi, r, y[:i])
		}
	}
	nb := (i + 1) / 4
	triFits(l, ld, nb, x, y)
	lowerTSolve4PairAVX(&l[0], ld, nb, &x[0], &y[0])
}

// dualLowerSolvePair is dualLowerSolve on x and y.
func dualLowerSolvePair(l []float64, ld, n int, x, y []float64) {
	if n <= dualSmallMax {
		smallLowerSolve(l, ld, n, x)
		smallLowerSolve(l, ld, n, y)
		return
	}
	lowerSolvePair(l, ld, n, x, y)
}

// dualLowerTSolvePair is dualLowerTSolve on x and y.
func dualLowerTSolvePair(l []float64, ld, n int, x, y []float64) {
	if n <= dualSmallMax {
		smallLowerTSolve(l, ld, n, x)
		smallLowerTSolve(l, ld, n, y)
		return
	}
	lowerTSolvePair(l, ld, n, x, y)
}

// denseSolve4Pair is denseSolve4 on x and y.
func denseSolve4Pair(l, d []float64, n int, x, y []float64) {
	if n <= dualSmallMax && !noTriAsm && vec.LDLSolvePairs(l, n, n, d, x) {
		vec.LDLSolvePairs(l, n, n, d, y)
		return
	}
	dualLowerSolvePair(l, n, n, x, y)
	vec.Div(x[:n], x, d)
	vec.Div(y[:n], y, d)
	dualLowerTSolvePair(l, n, n, x, y)
}

// rowsFit panics unless the 4·ng rows (ng > 0) of a (stride lda ≥ n)
// hold n entries each, x and y hold n and ox and oy 4·ng.
func rowsFit(a []float64, lda, ng int, x, y []float64, n int, ox, oy []float64) {
	if n < 0 || lda < n || n > len(x) || n > len(y) || ng > len(ox)/4 || ng > len(oy)/4 || (4*ng-1)*lda+n > len(a) {
		panic("linsys: row pair kernel: slice shorter than the rows")
	}
}

// dot4RowsPair is vec.Dot4Rows(a, lda, ng, x, n, ox) and the same with
// y into oy.
func dot4RowsPair(a []float64, lda, ng int, x, y []float64, n int, ox, oy []float64) {
	if !pairKernels() || ng <= 0 || n <= 0 {
		vec.Dot4Rows(a, lda, ng, x, n, ox)
		vec.Dot4Rows(a, lda, ng, y, n, oy)
		return
	}
	rowsFit(a, lda, ng, x, y, n, ox, oy)
	dot4RowsPairAVX(&a[0], lda, ng, &x[0], &y[0], n, &ox[0], &oy[0])
}

// axpy4RowsPair is vec.Axpy4Rows(cx, a, lda, ng, x, n) and the same with
// cy into y.
func axpy4RowsPair(cx, cy, a []float64, lda, ng int, x, y []float64, n int) {
	if !pairKernels() || ng <= 0 || n < 4 {
		vec.Axpy4Rows(cx, a, lda, ng, x, n)
		vec.Axpy4Rows(cy, a, lda, ng, y, n)
		return
	}
	rowsFit(a, lda, ng, x, y, n, cx, cy)
	axpy4RowsPairAVX(&cx[0], &cy[0], &a[0], lda, ng, &x[0], &y[0], n)
}

func vecDotRows(a []float64, lda, nrows int, x []float64, n int, out []float64) {
	vec.DotRows(a, lda, nrows, x, n, out)
}

// noLDLAsm: tests; denseLDLRows runs its Go loops only.
var noLDLAsm bool

// ldlAsm reports whether denseLDLRows takes the columns left of its
// four-row blocks in assembly (ldlLeft4AVX: vec's Dot4 instructions, so
// bit for bit its Go loop).
func ldlAsm() bool { return pairAsm && !noLDLAsm }

// dotAsmMin is the length from which vec.Dot runs its assembly kernel
// (vec's simdMin), whose instructions ldlBlock4AVX repeats: the blocks of
// denseLDLRows from this row on take every dot at that length or more.
const dotAsmMin = 8
