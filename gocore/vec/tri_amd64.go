package vec

//go:noescape
func lowerSolve4AVX(l *float64, ld, nb int, x *float64)

//go:noescape
func lowerTSolve4AVX(l *float64, ld, nb int, x *float64)

// triAsm: the triangular block kernels run (AVX2 and FMA).
var triAsm = useAVX

//go:noescape
func dot4RowsAVX(a *float64, lda, ng int, x *float64, n int, out *float64)

//go:noescape
func axpy4RowsAVX(c, a *float64, lda, ng int, y *float64, n int)

// useRowsAsm: Dot4Rows and Axpy4Rows run in assembly.
var useRowsAsm = useAVX

//go:noescape
func lowerSolvePairsAVX(l *float64, ld, n int, x *float64)

//go:noescape
func lowerTSolvePairsAVX(l *float64, ld, n int, x *float64)

//go:noescape
func normInfAVX(v *float64, n int) float64

// normInfAsm: NormInf runs in assembly from normInfMin entries.
var normInfAsm = useAVX

// normInfMin is the length from which NormInf's assembly pass is taken.
const normInfMin = 8

//go:noescape
func dotRowsAVX(a *float64, lda, nrows int, x *float64, n int, out *float64)

//go:noescape
func forwardRows4AVX(l *float64, ld, k0, n int, w *float64, ldw int)
