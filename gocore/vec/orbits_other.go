//go:build !amd64

package vec

// orBitsAsm: no assembly on this architecture.
var orBitsAsm = false

// orBitsMin is OrBits' assembly threshold (unused here).
const orBitsMin = 8

func orBitsAVX(v *float64, n int) uint64 { panic("vec: no assembly kernels") }
