package vec

import "math"

// OrBits returns the bitwise or of the bits of v's entries: 0 exactly when
// every entry is +0 (the C ABI's test of a dense P's off-diagonal entries,
// problem.GatherDensePDiagonal). From orBitsMin entries it runs in
// assembly (four 4-wide ors per step) where the CPU has AVX2: the Go loop
// moved each value through a vector register into an integer one, ~3
// instructions per entry.
func OrBits(v []float64) uint64 {
	if len(v) >= orBitsMin && orBitsAsm {
		return orBitsAVX(&v[0], len(v))
	}
	return orBitsGeneric(v)
}

// orBitsGeneric is OrBits' Go loop.
func orBitsGeneric(v []float64) uint64 {
	var a0, a1 uint64
	i := 0
	for ; i+2 <= len(v); i += 2 {
		a0 |= math.Float64bits(v[i])
		a1 |= math.Float64bits(v[i+1])
	}
	for ; i < len(v); i++ {
		a0 |= math.Float64bits(v[i])
	}
	return a0 | a1
}
