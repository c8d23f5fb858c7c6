package vec

// TransposeRows8 writes the transpose of the eight rows of src (row r at
// src[r·cols:], cols entries) into dst: dst[j·ld + r] = src[r·cols + j] for
// j < cols, r < 8 (column j of a column-major matrix with leading dimension
// ld ≥ 8, from its row 0 at dst[0]), and adds the 8·cols entries to sum's
// lanes, in an order of its own (only the finiteness of their total is
// meant: problem.TransposeFinite's test). dst must not overlap src. It
// panics if ld < 8 or src or dst is too short.
func TransposeRows8(sum *[4]float64, dst []float64, ld int, src []float64, cols int) {
	if cols <= 0 {
		return
	}
	if ld < 8 || !blockFits(8, cols, cols, len(src)) || !blockFits(cols, ld, 8, len(dst)) {
		panic("vec: TransposeRows8: ld < 8 or src or dst shorter than the rows")
	}
	j := 0
	if nq := cols / 4; transposeAsm && nq > 0 {
		transposeRows8AVX(sum, &dst[0], ld, &src[0], cols, nq)
		j = 4 * nq
	}
	var t float64
	for ; j < cols; j++ {
		d := dst[j*ld : j*ld+8]
		for r := range d {
			x := src[r*cols+j]
			d[r] = x
			t += x
		}
	}
	sum[0] += t
}
