package vec

//go:noescape
func lowerSolve4AVX(l *float64, ld, nb int, x *float64)

//go:noescape
func lowerTSolve4AVX(l *float64, ld, nb int, x *float64)

// triAsm: the triangular block kernels run (AVX2 and FMA).
var triAsm = useAVX
