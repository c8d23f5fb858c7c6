package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Dense is an LDLᵀ factorization stored as a dense lower triangle. It is the
// fast path for small or dense KKT systems: the pattern is scattered into a
// row-major matrix and factored by a row-oriented (Crout) algorithm whose
// inner loop is a contiguous dot product.
type Dense struct {
	pat   *Pattern
	signs []float64 // in factorization order
	n     int
	perm  []int     // perm[k] = original index of the k-th pivot (nil: natural)
	dst   []int     // value index → position in l (lower, permuted)
	dstA  [2][]int  // value index → positions in a (−1: none)
	l     []float64 // row-major n×n, strictly lower part holds L, diagonal unused
	a     []float64 // row-major n×n full symmetric copy (permuted) of the factored matrix
	d     []float64
	wb    []float64  // 4×n row-major workspace: w_r[k] = L[r][k]·D[k] for a block of four rows
	xp    []float64  // permuted vector workspace
	bw    *blockWork // blocked LDLᵀ workspace (nil below blockMin)
	nreg  int
}

// NewDense returns a dense factorizer for the upper pattern pat with the
// expected pivot signs (+1/−1), pivoting in natural order.
func NewDense(pat *Pattern, signs []float64) *Dense { return NewDensePerm(pat, signs, nil) }

// NewDensePerm is NewDense with a pivot order (perm[k] = original index of
// the k-th pivot, e.g. an AMD ordering; nil means natural order). The order
// matters for stability when the leading block is nearly singular, as the
// x block of an LP is.
func NewDensePerm(pat *Pattern, signs []float64, perm []int) *Dense {
	n := pat.N
	f := &Dense{pat: pat, n: n, l: make([]float64, n*n), a: make([]float64, n*n), d: make([]float64, n), xp: make([]float64, n)}
	pinv := make([]int, n)
	for i := range pinv {
		pinv[i] = i
	}
	if perm != nil {
		f.perm = append([]int(nil), perm...)
		for k, i := range perm {
			pinv[i] = k
		}
	}
	f.signs = make([]float64, n)
	for i, sg := range signs {
		f.signs[pinv[i]] = sg
	}
	nnz := pat.Colptr[n]
	f.dst = make([]int, nnz)
	f.dstA[0], f.dstA[1] = make([]int, nnz), make([]int, nnz)
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			if pat.Rowval[k] > j {
				// Below the diagonal: not part of an upper pattern (ignored,
				// as SparseLDL does).
				f.dst[k], f.dstA[0][k], f.dstA[1][k] = -1, -1, -1
				continue
			}
			pi, pj := pinv[pat.Rowval[k]], pinv[j]
			if pi < pj {
				pi, pj = pj, pi
			}
			f.dst[k] = pi*n + pj
			f.dstA[0][k] = pi*n + pj
			f.dstA[1][k] = -1
			if pi != pj {
				f.dstA[1][k] = pj*n + pi
			}
		}
	}
	f.wb = make([]float64, 4*n)
	if n >= blockMin {
		f.bw = newBlockWork(n)
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
	l, a := f.l, f.a
	clear(l)
	clear(a)
	a0, a1 := f.dstA[0], f.dstA[1]
	for k, v := range values[:len(f.dst)] {
		if f.dst[k] < 0 {
			continue
		}
		l[f.dst[k]] += v
		a[a0[k]] += v
		if p := a1[k]; p >= 0 {
			a[p] += v
		}
	}
	nreg, err := denseLDL(l, n, f.signs, f.d, f.wb, f.bw)
	f.nreg = nreg
	return err
}

// Solve implements Factorizer.
func (f *Dense) Solve(b []float64) {
	if f.perm == nil {
		denseSolve(f.l, f.d, f.n, b)
		return
	}
	for k, i := range f.perm {
		f.xp[k] = b[i]
	}
	denseSolve(f.l, f.d, f.n, f.xp)
	for k, i := range f.perm {
		b[i] = f.xp[k]
	}
}

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
	if f.perm == nil {
		for i := 0; i < n; i++ {
			y[i] = dot(f.a[i*n:i*n+n], x)
		}
		return
	}
	for k, i := range f.perm {
		f.xp[k] = x[i]
	}
	for k, i := range f.perm {
		y[i] = dot(f.a[k*n:k*n+n], f.xp)
	}
}

// denseLDL factors the n×n symmetric matrix whose lower triangle is in the
// row-major array l (overwritten by the unit lower factor L) into L D Lᵀ,
// writing D into dst, with dynamic pivot regularization by the expected
// signs. From order blockMin, with a workspace bw, it is the blocked
// right-looking factorization (blocked.go); below, the row-oriented one.
// It returns the number of regularized pivots.
func denseLDL(l []float64, n int, signs, dst []float64, wb []float64, bw *blockWork) (int, error) {
	if n >= blockMin && bw != nil {
		return bw.ldl(l, n, n, signs, dst)
	}
	return denseLDLRows(l, n, n, signs, dst, wb)
}

// denseLDLRows is denseLDL's row-oriented (Crout) form on rows of stride
// ld ≥ n. Rows are processed four at a time (wb, len ≥ 4n, holds their
// w_r[k] = L[r][k]·D[k] at stride n); the columns left of the block are
// taken four at a time by the 4×4 tile kernel vec.Dot4x4, so each loaded
// element of L feeds four multiply–adds. It returns the number of
// regularized pivots.
func denseLDLRows(l []float64, ld, n int, signs, dst []float64, wb []float64) (int, error) {
	d := dst
	nreg := 0
	wb = wb[:4*n]
	var t [16]float64
	for i0 := 0; i0 < n; i0 += 4 {
		nb := n - i0
		if nb > 4 {
			nb = 4
		}
		// Columns left of the block (i0 is a multiple of four).
		if nb == 4 && n >= tileMin {
			for j0 := 0; j0 < i0; j0 += 4 {
				// t[4r+c] = Σ_{k<j0} w_r[k]·L[j0+c][k].
				tile4x4(wb, n, l[j0*ld:], ld, j0, &t)
				for c := 0; c < 4; c++ {
					j := j0 + c
					lj := l[j*ld+j0 : j*ld+j]
					dj := d[j]
					for r := 0; r < 4; r++ {
						w := wb[r*n : r*n+n]
						s := l[(i0+r)*ld+j] - t[4*r+c]
						for k, v := range lj {
							s -= w[j0+k] * v
						}
						w[j] = s
						l[(i0+r)*ld+j] = s / dj
					}
				}
			}
		} else if nb == 4 && i0 > 0 && ldlAsm() {
			// The same loop in one assembly call (the Dot4 calls, their
			// slicing and the updates cost twice the multiply–adds at the
			// row block orders of the BPQP study's dense QPs, 20…100).
			if (i0+3)*ld+i0 > len(l) || i0 > len(d) || n < i0 {
				panic("linsys: denseLDLRows: slice shorter than the block")
			}
			ldlLeft4AVX(&wb[0], n, &l[0], ld, i0, &d[0])
		} else if nb == 4 {
			w0, w1, w2, w3 := wb[:n], wb[n:2*n], wb[2*n:3*n], wb[3*n:4*n]
			r0, r1, r2, r3 := l[i0*ld:], l[(i0+1)*ld:], l[(i0+2)*ld:], l[(i0+3)*ld:]
			var sums [4]float64
			for j := 0; j < i0; j++ {
				dot4(w0, w1, w2, w3, l[j*ld:j*ld+j], j, &sums)
				dj := d[j]
				s0, s1, s2, s3 := r0[j]-sums[0], r1[j]-sums[1], r2[j]-sums[2], r3[j]-sums[3]
				w0[j], w1[j], w2[j], w3[j] = s0, s1, s2, s3
				r0[j], r1[j], r2[j], r3[j] = s0/dj, s1/dj, s2/dj, s3/dj
			}
		} else if nb < 4 && i0 > dotAsmMin && ldlAsm() {
			ldlTail(l, ld, n, i0, nb, d, wb)
		} else {
			for r := i0; r < i0+nb; r++ {
				row, w := l[r*ld:r*ld+n], wb[(r-i0)*n:(r-i0)*n+n]
				for j := 0; j < i0; j++ {
					s := row[j] - dot(w[:j], l[j*ld:j*ld+j])
					w[j] = s
					row[j] = s / d[j]
				}
			}
		}
		// Inside the block, row by row, then the pivot.
		if i0 >= dotAsmMin && ldlAsm() {
			// In one assembly call: every dot has at least vec.Dot's
			// assembly length, whose instructions the kernel repeats.
			if (i0+nb-1)*ld+i0+nb > len(l) || i0+nb > len(d) || i0+nb > len(signs) || n < i0+nb {
				panic("linsys: denseLDLRows: slice shorter than the block")
			}
			k, bad := ldlBlock4AVX(&wb[0], n, &l[0], ld, i0, nb, &d[0], &signs[0], DynamicEps, DynamicDelta)
			nreg += k
			if bad != 0 {
				return nreg, ErrSingular
			}
			continue
		}
		// Every dot below has fewer than dotAsmMin entries in the first
		// rows: dotShort, Dot bit for bit in one call.
		short := i0+nb <= dotAsmMin
		for r := i0; r < i0+nb; r++ {
			row, w := l[r*ld:r*ld+n], wb[(r-i0)*n:(r-i0)*n+n]
			for j := i0; j < r; j++ {
				var p float64
				if short {
					p = dotShort(w[:j], l[j*ld:j*ld+j])
				} else {
					p = dot(w[:j], l[j*ld:j*ld+j])
				}
				s := row[j] - p
				w[j] = s
				row[j] = s / d[j]
			}
			// D[r] = a_rr − Σ L[r][k]² D[k] = a_rr − Σ L[r][k] w[k].
			var p float64
			if short {
				p = dotShort(row[:r], w[:r])
			} else {
				p = dot(row[:r], w[:r])
			}
			dr := row[r] - p
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

// ldlTail is denseLDLRows' loop over the columns left of its last block of
// nb < 4 rows (i0 > dotAsmMin): for each row r and j < i0,
// w_r[j] = L[r][j] − Dot(w_r[:j], L[j][:j]) and L[r][j] = w_r[j]/d[j].
// With w_r first a copy of L[r][:i0] that is w_r[j] −= Dot(L[j][:j],
// w_r[:j]), the forward substitution vec.ForwardRows4 runs four rows at a
// time (the same Dot arithmetic; the rows of wb past nb are zeroed and
// ignored): the loop's columns below dotAsmMin, its calls from there on
// in one call, then the divisions — bit for bit the loop but for a NaN's
// payload (ForwardRows4's FMAs take their factors in the other order).
// At the BPQP study's QP 50×10 (x block of order 50: two tail rows) these
// were ~100 Dot calls per factorization. Without the assembly kernel (or
// with noTriAsm) the columns from dotAsmMin on run as the loop's Dot
// calls.
func ldlTail(l []float64, ld, n, i0, nb int, d, wb []float64) {
	for r := 0; r < 4; r++ {
		w := wb[r*n : r*n+i0]
		if r >= nb {
			clear(w)
			continue
		}
		copy(w, l[(i0+r)*ld:(i0+r)*ld+i0])
		for j := 0; j < dotAsmMin; j++ {
			w[j] -= dotShort(w[:j], l[j*ld:j*ld+j])
		}
	}
	if noTriAsm || !vec.ForwardRows4(l, ld, dotAsmMin, i0, wb, n) {
		for r := 0; r < nb; r++ {
			w := wb[r*n : r*n+i0]
			for j := dotAsmMin; j < i0; j++ {
				w[j] -= dot(w[:j], l[j*ld:j*ld+j])
			}
		}
	}
	d = d[:i0]
	for r := 0; r < nb; r++ {
		vec.Div(l[(i0+r)*ld:(i0+r)*ld+i0], wb[r*n:r*n+i0], d)
	}
}
