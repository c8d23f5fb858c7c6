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
	w     []float64 // row workspace
	nreg  int
}

// NewDense returns a dense factorizer for the upper pattern pat with the
// expected pivot signs (+1/−1).
func NewDense(pat *Pattern, signs []float64) *Dense {
	n := pat.N
	return &Dense{pat: pat, signs: signs, n: n, l: make([]float64, n*n), a: make([]float64, n*n), d: make([]float64, n), w: make([]float64, n)}
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
	f.nreg = 0
	d, w := f.d, f.w
	for i := 0; i < n; i++ {
		row := l[i*n : i*n+n]
		// Off-diagonal entries L[i][j] for j < i.
		for j := 0; j < i; j++ {
			rj := l[j*n : j*n+j]
			s := row[j] - dot(w[:j], rj)
			w[j] = s // = L[i][j]·D[j]
			row[j] = s / d[j]
		}
		// Diagonal: D[i] = a_ii − Σ L[i][k]² D[k] = a_ii − Σ L[i][k] w[k].
		di := row[i] - dot(row[:i], w[:i])
		sg := f.signs[i]
		if math.IsNaN(di) || math.IsInf(di, 0) {
			return ErrSingular
		}
		if sg*di < DynamicEps {
			di = sg * DynamicDelta
			f.nreg++
		}
		d[i] = di
	}
	return nil
}

// Solve implements Factorizer.
func (f *Dense) Solve(b []float64) {
	n := f.n
	l := f.l
	// L y = b
	for i := 0; i < n; i++ {
		b[i] -= dot(l[i*n:i*n+i], b[:i])
	}
	for i := 0; i < n; i++ {
		b[i] /= f.d[i]
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
