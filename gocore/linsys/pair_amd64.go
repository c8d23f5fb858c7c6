package linsys

import "github.com/lpgd-go/lpgd_go/gocore/vec"

//go:noescape
func lowerSolve4PairAVX(l *float64, ld, nb int, x, y *float64)

//go:noescape
func lowerTSolve4PairAVX(l *float64, ld, nb int, x, y *float64)

//go:noescape
func dot4RowsPairAVX(a *float64, lda, ng int, x, y *float64, n int, ox, oy *float64)

//go:noescape
func axpy4RowsPairAVX(cx, cy, a *float64, lda, ng int, x, y *float64, n int)

// pairAsm: the two-vector kernels run in assembly, where vec's one-vector
// kernels whose arithmetic they repeat do (AVX2 and FMA). It is fixed at
// start-up from the CPU: vec.SetLevel(vec.LevelGeneric) does not turn off
// this package's assembly (the pair kernels, smallLDLAVX, putRunAVX,
// forwardHeadAVX, the ldlLeft4/ldlBlock4 kernels); tests do that with
// noTriAsm, noLDLAsm and noPutAsm.
var pairAsm = vec.Kernels() == "avx2+fma"

//go:noescape
func ldlLeft4AVX(w *float64, n int, l *float64, ld, i0 int, d *float64)

//go:noescape
func ldlBlock4AVX(w *float64, n int, l *float64, ld, i0, nb int, d, signs *float64, eps, delta float64) (nreg, bad int)

//go:noescape
func smallLDLAVX(l *float64, n int, signs, d, w *float64, eps, delta float64) (nreg, bad int)

//go:noescape
func putRunAVX(dst, vals *float64, n, stride int)

//go:noescape
func forwardHeadAVX(lp *float64, nx, k0 int, w *float64, nrows int)
