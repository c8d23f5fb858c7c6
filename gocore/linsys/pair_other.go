//go:build !amd64

package linsys

// pairAsm: no assembly two-vector kernels on this architecture.
const pairAsm = false

func lowerSolve4PairAVX(l *float64, ld, nb int, x, y *float64)  { panic("linsys: no assembly kernels") }
func lowerTSolve4PairAVX(l *float64, ld, nb int, x, y *float64) { panic("linsys: no assembly kernels") }

func dot4RowsPairAVX(a *float64, lda, ng int, x, y *float64, n int, ox, oy *float64) {
	panic("linsys: no assembly kernels")
}

func axpy4RowsPairAVX(cx, cy, a *float64, lda, ng int, x, y *float64, n int) {
	panic("linsys: no assembly kernels")
}

func ldlLeft4AVX(w *float64, n int, l *float64, ld, i0 int, d *float64) {
	panic("linsys: no assembly kernels")
}

func ldlBlock4AVX(w *float64, n int, l *float64, ld, i0, nb int, d, signs *float64, eps, delta float64) (nreg, bad int) {
	panic("linsys: no assembly kernels")
}

func smallLDLAVX(l *float64, n int, signs, d, w *float64, eps, delta float64) (nreg, bad int) {
	panic("linsys: no assembly kernels")
}

func putRunAVX(dst, vals *float64, n, stride int) { panic("linsys: no assembly kernels") }

func forwardHeadAVX(lp *float64, nx, k0 int, w *float64, nrows int) {
	panic("linsys: no assembly kernels")
}
