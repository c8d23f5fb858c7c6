package linsys

import "math"

// Dense is an LDLᵀ factorization stored as a dense lower triangle. It is the
// fast path for small or dense KKT systems: the pattern is scattered into a
// row-major matrix and factored by a row-oriented (Crout) algorithm whose
// inner loop is a contiguous dot product.
type Dense struct {
	pat   *Pattern
	signs []float64
	n     int
	l     []float64 // row-major n×n, strictly lower part holds L, diagonal unused
	a     []float64 // row-major n×n full symmetric copy of the factored matrix
	d     []float64
	wb    [4][]float64 // per-row workspaces w[k] = L[r][k]·D[k] of a block of four rows
	nreg  int
}

// NewDense returns a dense factorizer for the upper pattern pat with the
// expected pivot signs (+1/−1).
func NewDense(pat *Pattern, signs []float64) *Dense {
	n := pat.N
	f := &Dense{pat: pat, signs: signs, n: n, l: make([]float64, n*n), a: make([]float64, n*n), d: make([]float64, n)}
	for r := range f.wb {
		f.wb[r] = make([]float64, n)
	}
	return f
}

// Dim implements Factorizer.
func (f *Dense) Dim() int { return f.n }

// Regularized implements Factorizer.
func (f *Dense) Regularized() int { return f.nreg }

// Factor implements Factorizer.
func (f *Dense) Factor(values []float64) error {
	n := f.n
	l := f.l
	for i := range l {
		l[i] = 0
	}
	// Scatter the upper triangle (i ≤ j) into the lower triangle l[j][i]
	// and into the full copy a.
	a := f.a
	for i := range a {
		a[i] = 0
	}
	for j := 0; j < n; j++ {
		for k := f.pat.Colptr[j]; k < f.pat.Colptr[j+1]; k++ {
			i := f.pat.Rowval[k]
			l[j*n+i] += values[k]
			a[j*n+i] += values[k]
			if i != j {
				a[i*n+j] += values[k]
			}
		}
	}
	nreg, err := denseLDL(l, n, f.signs, f.d, &f.wb)
	f.nreg = nreg
	return err
}

// Solve implements Factorizer.
func (f *Dense) Solve(b []float64) { denseSolve(f.l, f.d, f.n, b) }

// denseSolve overwrites b with (L D Lᵀ)⁻¹ b for a factor from denseLDL.
func denseSolve(l, d []float64, n int, b []float64) {
	// L y = b
	for i := 0; i < n; i++ {
		b[i] -= dot(l[i*n:i*n+i], b[:i])
	}
	for i := 0; i < n; i++ {
		b[i] /= d[i]
	}
	// Lᵀ x = y
	for i := n - 1; i >= 0; i-- {
		bi := b[i]
		if bi == 0 {
			continue
		}
		axpy(-bi, l[i*n:i*n+i], b[:i])
	}
}

// MulVec computes y = K x for the matrix passed to the last Factor (with
// whatever regularization the caller added, before dynamic pivot
// replacement).
func (f *Dense) MulVec(x, y []float64) {
	n := f.n
	for i := 0; i < n; i++ {
		y[i] = dot(f.a[i*n:i*n+n], x)
	}
}

// denseLDL factors the n×n symmetric matrix whose lower triangle is in the
// row-major array l (overwritten by the unit lower factor L) into L D Lᵀ,
// writing D into dst, with dynamic pivot regularization by the expected
// signs. Rows are processed four at a time so that each row of L is loaded
// once for four dot products. It returns the number of regularized pivots.
func denseLDL(l []float64, n int, signs, dst []float64, wb *[4][]float64) (int, error) {
	d := dst
	nreg := 0
	var sums [4]float64
	for i0 := 0; i0 < n; i0 += 4 {
		nb := n - i0
		if nb > 4 {
			nb = 4
		}
		// Columns left of the block: four rows at a time share each L row.
		if nb == 4 {
			w0, w1, w2, w3 := wb[0], wb[1], wb[2], wb[3]
			r0, r1, r2, r3 := l[i0*n:], l[(i0+1)*n:], l[(i0+2)*n:], l[(i0+3)*n:]
			for j := 0; j < i0; j++ {
				dot4(w0, w1, w2, w3, l[j*n:j*n+j], j, &sums)
				dj := d[j]
				s0, s1, s2, s3 := r0[j]-sums[0], r1[j]-sums[1], r2[j]-sums[2], r3[j]-sums[3]
				w0[j], w1[j], w2[j], w3[j] = s0, s1, s2, s3
				r0[j], r1[j], r2[j], r3[j] = s0/dj, s1/dj, s2/dj, s3/dj
			}
		} else {
			for r := i0; r < i0+nb; r++ {
				row, w := l[r*n:r*n+n], wb[r-i0]
				for j := 0; j < i0; j++ {
					s := row[j] - dot(w[:j], l[j*n:j*n+j])
					w[j] = s
					row[j] = s / d[j]
				}
			}
		}
		// Inside the block, row by row, then the pivot.
		for r := i0; r < i0+nb; r++ {
			row, w := l[r*n:r*n+n], wb[r-i0]
			for j := i0; j < r; j++ {
				s := row[j] - dot(w[:j], l[j*n:j*n+j])
				w[j] = s
				row[j] = s / d[j]
			}
			// D[r] = a_rr − Σ L[r][k]² D[k] = a_rr − Σ L[r][k] w[k].
			dr := row[r] - dot(row[:r], w[:r])
			sg := signs[r]
			if math.IsNaN(dr) || math.IsInf(dr, 0) {
				return nreg, ErrSingular
			}
			if sg*dr < DynamicEps {
				dr = sg * DynamicDelta
				nreg++
			}
			d[r] = dr
		}
	}
	return nreg, nil
}
