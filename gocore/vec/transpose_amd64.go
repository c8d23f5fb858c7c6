package vec

// transposeAsm: TransposeRows8 runs in assembly.
var transposeAsm = useAVX

// transposeRows8AVX is TransposeRows8 on AVX2 for the first 4·nq ≥ 4
// columns, by blocks of four.
//
//go:noescape
func transposeRows8AVX(sum *[4]float64, dst *float64, ld int, src *float64, cols, nq int)
