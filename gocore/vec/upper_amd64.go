package vec

// upperAsm: UpperCols4 runs in assembly.
var upperAsm = useAVX

// upperCols4AVX is UpperCols4 from column j0 ∉ {1, 2, 3}: per group one
// pass over the common rows (Axpy4's fused updates of y and Dot4's
// accumulators and reduction, their tails as Axpy4's fused and Dot4's
// rounded ones), then the triangle with rounded products.
//
//go:noescape
func upperCols4AVX(c, x, y *float64, alpha float64, j0, ng int)
