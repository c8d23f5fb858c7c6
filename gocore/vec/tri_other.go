//go:build !amd64

package vec

// triAsm: no assembly triangular kernels on this architecture.
const triAsm = false

func lowerSolve4AVX(l *float64, ld, nb int, x *float64)  { panic("vec: no assembly kernels") }
func lowerTSolve4AVX(l *float64, ld, nb int, x *float64) { panic("vec: no assembly kernels") }

// useRowsAsm: no assembly row kernels on this architecture.
const useRowsAsm = false

func dot4RowsAVX(a *float64, lda, ng int, x *float64, n int, out *float64) {
	panic("vec: no assembly kernels")
}

func axpy4RowsAVX(c, a *float64, lda, ng int, y *float64, n int) { panic("vec: no assembly kernels") }

func lowerSolvePairsAVX(l *float64, ld, n int, x *float64)  { panic("vec: no assembly kernels") }
func lowerTSolvePairsAVX(l *float64, ld, n int, x *float64) { panic("vec: no assembly kernels") }

const (
	normInfAsm = false
	normInfMin = 8
)

func normInfAVX(v *float64, n int) float64 { panic("vec: no assembly kernels") }

func dotRowsAVX(a *float64, lda, nrows int, x *float64, n int, out *float64) {
	panic("vec: no assembly kernels")
}

func forwardRows4AVX(l *float64, ld, k0, n int, w *float64, ldw int) {
	panic("vec: no assembly kernels")
}
