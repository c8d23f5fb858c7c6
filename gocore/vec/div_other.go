//go:build !amd64

package vec

// divAsm: no assembly kernels on this architecture.
const divAsm = false

func divAVX(dst, a, d *float64, n int)  { panic("vec: no assembly kernels") }
func subDivAVX(y, x, d *float64, n int) { panic("vec: no assembly kernels") }
