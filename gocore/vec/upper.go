package vec

import "math/bits"

// UpperCols4 adds alpha times the product with the full upper columns
// j0 … j0+4ng−1 of a symmetric matrix S to y, in ng groups of four:
// column j holds S's rows 0…j (j+1 entries) and the columns are stored one
// after another in c from column j0 on (the packed upper triangle of a
// dense P, or a run of full columns in a sparse one). Each column j adds
// alpha·x_j·S[i,j] to y_i for its rows i < j and alpha·Σ_{i≤j} S[i,j]·x_i
// to y_j. Per group the numbers are bit for bit those of vec.Axpy4 and
// vec.Dot4 over the group's common rows 0…j0'−1 (j0' the group's first
// column), then its 4×4 triangle entry by entry in Go's order with every
// product rounded (upperCols4Go, the loop this replaces in
// problem.Structure.MulP), in one call that reads each stored entry once.
// y must not overlap c or x. It panics if c, x or y is too short.
func UpperCols4(c, x, y []float64, alpha float64, j0, ng int) {
	if ng <= 0 {
		return
	}
	if j0 < 0 || ng > len(y)/4 || j0 > len(y)-4*ng || j0+4*ng > len(x) {
		panic("vec: UpperCols4: x or y shorter than the columns")
	}
	// The columns hold Σ_{j=j0}^{j0+k−1} (j+1) = (k/2)(2·j0 + k + 1)
	// entries (k = 4·ng), tested without overflow.
	k := 4 * ng
	if hi, lo := bits.Mul64(uint64(k/2), uint64(2*j0+k+1)); hi != 0 || lo > uint64(len(c)) {
		panic("vec: UpperCols4: c shorter than the columns")
	}
	// The groups in one assembly call, but one from column 1…3 in Go:
	// its common rows are fewer than Axpy4's assembly takes (Go's loop
	// runs them, fused where the compiler fuses).
	off := 0
	for g := 0; g < ng; g++ {
		j := j0 + 4*g
		if upperAsm && (j == 0 || j >= 4) {
			upperCols4AVX(&c[off], &x[0], &y[0], alpha, j, ng-g)
			return
		}
		n := 4*j + 10
		upperCols4Go(c[off:off+n], x, y, alpha, j)
		off += n
	}
}

// upperCols4Go is one group of UpperCols4: the four full upper columns
// j0 … j0+3 stored one after the other in c (column j0+r has the j0+r+1
// entries of rows 0…j0+r).
func upperCols4Go(c, x, y []float64, alpha float64, j0 int) {
	var cols [4][]float64
	off := 0
	for r := range cols {
		cols[r] = c[off : off+j0+r+1]
		off += j0 + r + 1
	}
	a := [4]float64{alpha * x[j0], alpha * x[j0+1], alpha * x[j0+2], alpha * x[j0+3]}
	Axpy4(&a, cols[0], cols[1], cols[2], cols[3], y, j0)
	var s [4]float64
	Dot4(cols[0], cols[1], cols[2], cols[3], x, j0, &s)
	// The triangle with its products rounded (float64): a build that
	// fuses multiply–adds (GOAMD64=v3, arm64) computes the assembly's
	// numbers too.
	for r, col := range cols {
		j := j0 + r
		acc := s[r]
		for i := j0; i < j; i++ {
			y[i] += float64(a[r] * col[i])
			acc += float64(col[i] * x[i])
		}
		y[j] += float64(alpha * (acc + float64(col[j]*x[j])))
	}
}
