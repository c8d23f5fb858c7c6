package vec

import "math/bits"

// ScaleAbsMaxCols is ScaleAbsMax over ncols consecutive columns of a, in
// one call: column j is the next len0 + j·dlen entries of a (a dense
// matrix's columns of m rows: len0 = m, dlen = 0; the packed upper
// triangle of a dense symmetric matrix, rows 0…j in column j: len0 = 1,
// dlen = 1). With s non-nil it scales entry i of column j by s[i]·d[j];
// then it raises rn[i] to |a_ij| and cn[j] to the column's max |a_ij|.
// Bit for bit the calls cn[j] = ScaleAbsMax(col_j, s, d[j], rn, cn[j]) for
// j = 0, 1, …, NaNs included (a NaN |a_ij| raises nothing, as there; rn
// and cn may be the same slice: a column norm raised by its own rows, as
// for the triangle, ends the same, since every update is a maximum). The
// per-column calls cost more than their arithmetic at the Ruiz passes'
// column lengths (issue 16: 10–50 rows); it panics if a, s, d, rn or cn is
// too short.
func ScaleAbsMaxCols(a []float64, ncols, len0, dlen int, s, d, rn, cn []float64) {
	if ncols <= 0 {
		return
	}
	if len0 < 0 || dlen < 0 {
		panic("vec: ScaleAbsMaxCols: negative column length")
	}
	// The longest column, len0 + (ncols−1)·dlen (dlen ≥ 0), must fit rn
	// (and s): checked without overflow, as is the total, ncols·(len0 +
	// last)/2 (an arithmetic series, formed in 128 bits), so that absurd
	// counts cannot wrap into lengths that pass.
	if ncols > len(cn) || !blockFits(ncols, dlen, len0, len(rn)) ||
		s != nil && (ncols > len(d) || !blockFits(ncols, dlen, len0, len(s))) {
		panic("vec: ScaleAbsMaxCols: slice shorter than the columns")
	}
	last := len0 + (ncols-1)*dlen // ≤ len(rn)
	hi, twice := bits.Mul64(uint64(ncols), uint64(len0)+uint64(last))
	if hi != 0 || twice > 2*uint64(len(a)) {
		panic("vec: ScaleAbsMaxCols: slice shorter than the columns")
	}
	total := int(twice / 2)
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
