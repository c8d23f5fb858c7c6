//go:build !amd64

package vec

// transposeAsm: no assembly TransposeRows8 on this architecture (a
// variable, as on amd64, for the tests' switch).
var transposeAsm = false

func transposeRows8AVX(sum *[4]float64, dst *float64, ld int, src *float64, cols, nq int) {
	panic("vec: no assembly kernels")
}
