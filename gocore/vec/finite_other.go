//go:build !amd64

package vec

// finiteAsm: no assembly kernel on this architecture.
const finiteAsm = false

func allFiniteAVX(v *float64, n int) bool { panic("vec: no assembly kernels") }
