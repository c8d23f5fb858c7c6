//go:build !amd64

package vec

// orBitsAsm: no assembly on this architecture.
var orBitsAsm = false

// orBitsMin is OrBitsRuns' assembly threshold (unused here).
const orBitsMin = 8

func orBitsRunsAVX(v *float64, n, stride, runs int) uint64 { panic("vec: no assembly kernels") }
