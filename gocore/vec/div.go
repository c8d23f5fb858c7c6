package vec

// Div sets dst[k] = a[k] / d[k] for k < len(dst) (dst may be a itself;
// len(a), len(d) ≥ len(dst)). SubDiv sets y[k] −= g[k] / d[k] for
// k < len(y) (len(g), len(d) ≥ len(y)). Each quotient is rounded, then
// subtracted (SubDiv), as Go's y[k] −= g[k]/d[k]: from divMin entries
// four quotients an instruction in assembly where there is one, bit for
// bit the Go loops (IEEE division and subtraction round each entry alike
// in either form). The dense dual factorization's solves divide by the x
// block's and the row block's pivots on every vector (and formC every row
// of W): at the BPQP study's small sizes these scalar divisions, a Go
// loop of bounds checks around each, were a tenth of a solve.
func Div(dst, a, d []float64) {
	n := len(dst)
	a, d = a[:n], d[:n]
	if divAsm && n >= divMin {
		divAVX(&dst[0], &a[0], &d[0], n)
		return
	}
	for k := range dst {
		dst[k] = a[k] / d[k]
	}
}

// SubDiv sets y[k] −= g[k] / d[k] for k < len(y) (see Div).
func SubDiv(y, g, d []float64) {
	n := len(y)
	g, d = g[:n], d[:n]
	if divAsm && n >= divMin {
		subDivAVX(&y[0], &g[0], &d[0], n)
		return
	}
	for k := range y {
		y[k] -= g[k] / d[k]
	}
}

// divMin is the length from which Div and SubDiv take their assembly
// loops.
const divMin = 4
