//go:build !amd64

package vec

// triAsm: no assembly triangular kernels on this architecture.
const triAsm = false

func lowerSolve4AVX(l *float64, ld, nb int, x *float64)  { panic("vec: no assembly kernels") }
func lowerTSolve4AVX(l *float64, ld, nb int, x *float64) { panic("vec: no assembly kernels") }
