package vec

// ScaleAbsMaxCols is ScaleAbsMax over ncols consecutive columns of a, in
// one call: column j is the next len0 + j·dlen entries of a (a dense
// matrix's columns of m rows: len0 = m, dlen = 0; the packed upper
// triangle of a dense symmetric matrix, rows 0…j in column j: len0 = 1,
// dlen = 1). With s non-nil it scales entry i of column j by s[i]·d[j];
// then it raises rn[i] to |a_ij| and cn[j] to the column's max |a_ij|.
// Bit for bit the calls cn[j] = ScaleAbsMax(col_j, s, d[j], rn, cn[j]) for
// j = 0, 1, … (data without NaN; rn and cn may be the same slice: a column
// norm raised by its own rows, as for the triangle, ends the same, since
// every update is a maximum). The per-column calls cost more than their
// arithmetic at the Ruiz passes' column lengths (issue 16: 10–50 rows); it
// panics if a, s, d, rn or cn is too short.
func ScaleAbsMaxCols(a []float64, ncols, len0, dlen int, s, d, rn, cn []float64) {
	if ncols <= 0 {
		return
	}
	if len0 < 0 || dlen < 0 {
		panic("vec: ScaleAbsMaxCols: negative column length")
	}
	last := len0 + (ncols-1)*dlen // longest column (dlen ≥ 0)
	total := ncols*len0 + dlen*(ncols*(ncols-1)/2)
	if len(a) < total || len(rn) < last || len(cn) < ncols || s != nil && (len(s) < last || len(d) < ncols) {
		panic("vec: ScaleAbsMaxCols: slice shorter than the columns")
	}
	a, rn, cn = a[:total], rn[:last], cn[:ncols]
	if s != nil {
		s, d = s[:last], d[:ncols]
	}
	scaleAbsMaxCols(a, ncols, len0, dlen, s, d, rn, cn)
}

// scaleAbsMaxColsGeneric is ScaleAbsMaxCols by ScaleAbsMax's Go loop, one
// column at a time.
func scaleAbsMaxColsGeneric(a []float64, ncols, len0, dlen int, s, d, rn, cn []float64) {
	off, l := 0, len0
	for j := 0; j < ncols; j++ {
		dj := 1.0
		if s != nil {
			dj = d[j]
		}
		cn[j] = scaleAbsMaxGeneric(a[off:off+l], s, dj, rn, cn[j])
		off += l
		l += dlen
	}
}
