//go:build !amd64

package vec

// upperAsm: no assembly UpperCols4 on this architecture.
const upperAsm = false

func upperCols4AVX(c, x, y *float64, alpha float64, j0, ng int) {
	panic("vec: no assembly kernels")
}
