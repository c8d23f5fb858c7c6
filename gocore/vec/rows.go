package vec

// Dot4Rows is Dot4 over ng groups of four consecutive rows of a (stride
// lda): out[4g+r] = Σ_{k<n} a[(4g+r)·lda + k]·x[k], each group bit for bit
// Dot4(row 4g, …, row 4g+3, x, n) — in one call (at the BPQP study's
// orders, 10…100, the per-group calls and slicing cost as much as the
// arithmetic). It panics if a, x or out is too short.
func Dot4Rows(a []float64, lda, ng int, x []float64, n int, out []float64) {
	if ng <= 0 {
		return
	}
	rowsCheck(a, lda, ng, x, n, out)
	x, out = x[:n], out[:4*ng]
	if useRowsAsm && n > 0 {
		dot4RowsAVX(&a[0], lda, ng, &x[0], n, &out[0])
		return
	}
	var s [4]float64
	for g := 0; g < ng; g++ {
		o := 4 * g * lda
		Dot4(a[o:], a[o+lda:], a[o+2*lda:], a[o+3*lda:], x, n, &s)
		copy(out[4*g:4*g+4], s[:])
	}
}

// Axpy4Rows is Axpy4 over ng groups of four consecutive rows of a (stride
// lda), in order: for g = 0, 1, …, y[:n] += c[4g]·row 4g + … +
// c[4g+3]·row 4g+3, each group bit for bit Axpy4(c[4g:4g+4], rows, y, n),
// in one call. It panics if a, c or y is too short.
func Axpy4Rows(c, a []float64, lda, ng int, y []float64, n int) {
	if ng <= 0 {
		return
	}
	rowsCheck(a, lda, ng, y, n, c)
	c, y = c[:4*ng], y[:n]
	if useRowsAsm && n >= 4 {
		axpy4RowsAVX(&c[0], &a[0], lda, ng, &y[0], n)
		return
	}
	for g := 0; g < ng; g++ {
		o := 4 * g * lda
		Axpy4((*[4]float64)(c[4*g:4*g+4]), a[o:], a[o+lda:], a[o+2*lda:], a[o+3*lda:], y, n)
	}
}

// rowsCheck panics unless the 4·ng rows (ng > 0) of stride lda ≥ n hold
// n entries each in a, x holds n and c 4·ng: ng is bounded by len(c)/4
// before 4·ng is formed, and the rows' extent is checked without overflow
// (blockFits), so no absurd count or stride reaches the assembly.
func rowsCheck(a []float64, lda, ng int, x []float64, n int, c []float64) {
	if n < 0 || lda < n || n > len(x) || ng > len(c)/4 || !blockFits(4*ng, lda, n, len(a)) {
		panic("vec: Dot4Rows/Axpy4Rows: slice shorter than the rows")
	}
}

// DotRows sets out[r] = Dot(row r of a, x[:n]) for r < nrows consecutive
// rows of a (stride lda), each bit for bit the Dot call, in one call: the
// rows left over by Dot4Rows' groups of four (at the QP 10×5's order 10,
// two of every ten rows). It panics if a, x or out is too short.
func DotRows(a []float64, lda, nrows int, x []float64, n int, out []float64) {
	if nrows <= 0 {
		return
	}
	if n < 0 || lda < n || n > len(x) || nrows > len(out) || !blockFits(nrows, lda, n, len(a)) {
		panic("vec: DotRows: slice shorter than the rows")
	}
	x, out = x[:n], out[:nrows]
	if useRowsAsm && n >= 8 { // Dot's assembly from simdMin = 8
		dotRowsAVX(&a[0], lda, nrows, &x[0], n, &out[0])
		return
	}
	for r := range out {
		out[r] = Dot(a[r*lda:r*lda+n], x)
	}
}

// AxpyRows adds c[r]·(row r of a) to y[:n] for the nrows consecutive rows
// of a (stride lda), in order, skipping each row whose c[r] is zero (±0;
// a NaN is not skipped): bit for bit Axpy(c[r], row r, y) for each of
// those rows, in one call. Where Axpy4's arithmetic is Axpy's (both in
// assembly, n ≥ 8), each four consecutive rows with nonzero coefficients
// are one Axpy4Rows group, and a run of such groups one call: the column
// loop of a dense A's product (problem.Structure.MulA) in a fraction of
// its calls. It panics if a, c or y is too short.
func AxpyRows(c, a []float64, lda, nrows int, y []float64, n int) {
	if nrows <= 0 {
		return
	}
	if n < 0 || lda < n || n > len(y) || nrows > len(c) || !blockFits(nrows, lda, n, len(a)) {
		panic("vec: AxpyRows: slice shorter than the rows")
	}
	y, c = y[:n], c[:nrows]
	group := useRowsAsm && n >= 8 // Axpy's assembly from simdMin = 8
	for r := 0; r < nrows; r++ {
		if group {
			e := r
			for e+4 <= nrows && c[e] != 0 && c[e+1] != 0 && c[e+2] != 0 && c[e+3] != 0 {
				e += 4
			}
			if e > r {
				axpy4RowsAVX(&c[r], &a[r*lda], lda, (e-r)/4, &y[0], n)
				r = e - 1
				continue
			}
		}
		if c[r] != 0 {
			Axpy(c[r], a[r*lda:r*lda+n], y)
		}
	}
}
