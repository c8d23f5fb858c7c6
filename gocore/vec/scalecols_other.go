//go:build !amd64

package vec

func scaleAbsMaxCols(a []float64, ncols, len0, dlen int, s, d, rn, cn []float64) {
	scaleAbsMaxColsGeneric(a, ncols, len0, dlen, s, d, rn, cn)
}
