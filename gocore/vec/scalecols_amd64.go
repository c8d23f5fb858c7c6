package vec

//go:noescape
func scaleAbsMaxColsAVX(a *float64, ncols, len0, dlen int, s, d, rn, cn *float64)

// scaleColsAsm: ScaleAbsMaxCols runs in assembly (tests switch it off).
var scaleColsAsm = useAVX

func scaleAbsMaxCols(a []float64, ncols, len0, dlen int, s, d, rn, cn []float64) {
	if !scaleColsAsm || len(a) == 0 {
		scaleAbsMaxColsGeneric(a, ncols, len0, dlen, s, d, rn, cn)
		return
	}
	var sp, dp *float64
	if s != nil {
		// len(a) > 0: the longest column, and so s, is not empty.
		sp, dp = &s[0], &d[0]
	}
	scaleAbsMaxColsAVX(&a[0], ncols, len0, dlen, sp, dp, &rn[0], &cn[0])
}
