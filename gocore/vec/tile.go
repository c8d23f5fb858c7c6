package vec

// dot4x4Generic computes out[4r+c] = Σ_{k<n} a[r·lda+k]·b[c·ldb+k] for
// r, c < 4: the sixteen dot products of four rows of a with four rows of b.
func dot4x4Generic(a []float64, lda int, b []float64, ldb int, n int, out *[16]float64) {
	a0, a1, a2, a3 := a[:n], a[lda:lda+n], a[2*lda:2*lda+n], a[3*lda:3*lda+n]
	b0, b1, b2, b3 := b[:n], b[ldb:ldb+n], b[2*ldb:2*ldb+n], b[3*ldb:3*ldb+n]
	var s [16]float64
	for k := 0; k < n; k++ {
		x0, x1, x2, x3 := a0[k], a1[k], a2[k], a3[k]
		y0, y1, y2, y3 := b0[k], b1[k], b2[k], b3[k]
		s[0] += x0 * y0
		s[1] += x0 * y1
		s[2] += x0 * y2
		s[3] += x0 * y3
		s[4] += x1 * y0
		s[5] += x1 * y1
		s[6] += x1 * y2
		s[7] += x1 * y3
		s[8] += x2 * y0
		s[9] += x2 * y1
		s[10] += x2 * y2
		s[11] += x2 * y3
		s[12] += x3 * y0
		s[13] += x3 * y1
		s[14] += x3 * y2
		s[15] += x3 * y3
	}
	*out = s
}

// addTail4x4 adds the products of columns [k0, n) to out (the part the
// vector kernel leaves).
func addTail4x4(a []float64, lda int, b []float64, ldb int, k0, n int, out *[16]float64) {
	for k := k0; k < n; k++ {
		for r := 0; r < 4; r++ {
			x := a[r*lda+k]
			for c := 0; c < 4; c++ {
				out[4*r+c] += x * b[c*ldb+k]
			}
		}
	}
}

// check4x4 panics unless a and b hold four rows of length n at strides
// lda and ldb.
func check4x4(a []float64, lda int, b []float64, ldb int, n int) {
	if n < 0 || lda < n || ldb < n || len(a) < 3*lda+n || len(b) < 3*ldb+n {
		panic("vec: Dot4x4 operands too short")
	}
}
