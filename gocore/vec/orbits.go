package vec

import "math"

// OrBitsRuns returns the bitwise or of the bits of the entries of runs
// runs of n entries, run r at v[r·stride:] (stride ≥ n), stopping after
// the first run whose or is not zero: it returns 0 exactly when every
// entry of every run is +0 (the C ABI's test of a dense P's off-diagonal
// entries, the n−1 runs between its diagonal entries:
// problem.GatherDensePDiagonal), and otherwise the or of the runs up to
// that one. From orBitsMin entries a run it runs in assembly
// where the CPU has AVX2 (four 4-wide ors a step: the Go loop moved each
// value through a vector register into an integer one, ~3 instructions
// per entry), one call for all the runs (a call per run of the BPQP
// study's n = 50 cost more than the ors).
func OrBitsRuns(v []float64, n, stride, runs int) uint64 {
	if runs <= 0 || n <= 0 {
		return 0
	}
	if n > stride || len(v) < (runs-1)*stride+n {
		panic("vec: OrBitsRuns out of range")
	}
	if n >= orBitsMin && orBitsAsm {
		return orBitsRunsAVX(&v[0], n, stride, runs)
	}
	for r := 0; r < runs; r++ {
		if a := orBitsGeneric(v[r*stride : r*stride+n]); a != 0 {
			return a
		}
	}
	return 0
}

// orBitsGeneric is OrBitsRuns' Go loop over one run.
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
