package cone

import "math"

// Small dense linear algebra for the PSD cone, on row-major d×d matrices
// held in []float64. None of these functions allocate.

// cholLower overwrites the lower triangle of a (row-major d×d, symmetric)
// with its Cholesky factor L (a = LLᵀ) and zeroes the strict upper
// triangle. It returns false when a pivot is not positive (a is not
// positive definite in floating point); a is then garbage.
func cholLower(a []float64, d int) bool {
	for j := 0; j < d; j++ {
		s := a[j*d+j]
		for k := 0; k < j; k++ {
			s -= a[j*d+k] * a[j*d+k]
		}
		if !(s > 0) {
			return false
		}
		ljj := math.Sqrt(s)
		a[j*d+j] = ljj
		for i := j + 1; i < d; i++ {
			t := a[i*d+j]
			for k := 0; k < j; k++ {
				t -= a[i*d+k] * a[j*d+k]
			}
			a[i*d+j] = t / ljj
		}
		for i := 0; i < j; i++ {
			a[i*d+j] = 0
		}
	}
	return true
}

// symEigen computes the eigen-decomposition a = Q diag(w) Qᵀ of the
// symmetric row-major d×d matrix a (lower triangle read): Householder
// reduction to tridiagonal form with the transformations accumulated in q,
// then the implicit QL method with Wilkinson shifts (EISPACK's tred2 and
// tql2, as in JAMA). Eigenvalues are accurate to ε‖a‖ and the eigenvectors
// orthonormal to rounding, as with the cyclic Jacobi method it replaced
// (symEigenJacobi in the tests), at about a third of its cost for d ≈ 10
// (no sweeps over all pairs, and contiguous row updates). a is destroyed
// (its first d entries are scratch); q receives the eigenvectors as
// columns and w the eigenvalues (ascending, but callers must not rely on
// an order).
func symEigen(a, q, w []float64, d int) {
	copy(q[:d*d], a[:d*d])
	e := a[:d]
	tred2(q, w, e, d)
	tql2(q, w, e, d)
}

// tred2 reduces the symmetric row-major d×d matrix v (lower triangle) to
// tridiagonal form: on return v holds the orthogonal Q of the reduction,
// diag its diagonal and off[1:] its subdiagonal (off[0] = 0).
func tred2(v, diag, off []float64, d int) {
	for j := 0; j < d; j++ {
		diag[j] = v[(d-1)*d+j]
	}
	for i := d - 1; i > 0; i-- {
		var scale, h float64
		for k := 0; k < i; k++ {
			scale += math.Abs(diag[k])
		}
		if scale == 0 {
			off[i] = diag[i-1]
			for j := 0; j < i; j++ {
				diag[j] = v[(i-1)*d+j]
				v[i*d+j] = 0
				v[j*d+i] = 0
			}
		} else {
			for k := 0; k < i; k++ {
				diag[k] /= scale
				h += diag[k] * diag[k]
			}
			f := diag[i-1]
			g := math.Sqrt(h)
			if f > 0 {
				g = -g
			}
			off[i] = scale * g
			h -= f * g
			diag[i-1] = f - g
			for j := 0; j < i; j++ {
				off[j] = 0
			}
			for j := 0; j < i; j++ {
				f = diag[j]
				v[j*d+i] = f
				g = off[j] + v[j*d+j]*f
				for k := j + 1; k <= i-1; k++ {
					g += v[k*d+j] * diag[k]
					off[k] += v[k*d+j] * f
				}
				off[j] = g
			}
			f = 0
			for j := 0; j < i; j++ {
				off[j] /= h
				f += off[j] * diag[j]
			}
			hh := f / (h + h)
			for j := 0; j < i; j++ {
				off[j] -= hh * diag[j]
			}
			for j := 0; j < i; j++ {
				f, g = diag[j], off[j]
				for k := j; k <= i-1; k++ {
					v[k*d+j] -= f*off[k] + g*diag[k]
				}
				diag[j] = v[(i-1)*d+j]
				v[i*d+j] = 0
			}
		}
		diag[i] = h
	}
	// Accumulate the transformations.
	for i := 0; i < d-1; i++ {
		v[(d-1)*d+i] = v[i*d+i]
		v[i*d+i] = 1
		if h := diag[i+1]; h != 0 {
			for k := 0; k <= i; k++ {
				diag[k] = v[k*d+i+1] / h
			}
			for j := 0; j <= i; j++ {
				var g float64
				for k := 0; k <= i; k++ {
					g += v[k*d+i+1] * v[k*d+j]
				}
				for k := 0; k <= i; k++ {
					v[k*d+j] -= g * diag[k]
				}
			}
		}
		for k := 0; k <= i; k++ {
			v[k*d+i+1] = 0
		}
	}
	for j := 0; j < d; j++ {
		diag[j] = v[(d-1)*d+j]
		v[(d-1)*d+j] = 0
	}
	v[(d-1)*d+d-1] = 1
	off[0] = 0
}

// tql2 diagonalizes the symmetric tridiagonal matrix (diag, off[1:]) left
// by tred2 by the implicit QL method, accumulating the rotations into v:
// on return diag holds the eigenvalues (ascending order is not guaranteed
// after a non-converged block) and v's columns the eigenvectors. A block
// that has not converged after 60 QL steps (NaN input) is left as is.
func tql2(v, diag, off []float64, d int) {
	for i := 1; i < d; i++ {
		off[i-1] = off[i]
	}
	off[d-1] = 0
	var f, tst1 float64
	for l := 0; l < d; l++ {
		tst1 = math.Max(tst1, math.Abs(diag[l])+math.Abs(off[l]))
		m := l
		for m < d-1 && !(math.Abs(off[m]) <= machEps*tst1) {
			m++
		}
		if m > l {
			for iter := 0; iter < 60; iter++ {
				g := diag[l]
				p := (diag[l+1] - g) / (2 * off[l])
				r := math.Hypot(p, 1)
				if p < 0 {
					r = -r
				}
				diag[l] = off[l] / (p + r)
				diag[l+1] = off[l] * (p + r)
				dl1 := diag[l+1]
				h := g - diag[l]
				for i := l + 2; i < d; i++ {
					diag[i] -= h
				}
				f += h
				p = diag[m]
				c, c2, c3 := 1.0, 1.0, 1.0
				el1 := off[l+1]
				var s, s2 float64
				for i := m - 1; i >= l; i-- {
					c3, c2, s2 = c2, c, s
					g = c * off[i]
					h = c * p
					r = math.Hypot(p, off[i])
					off[i+1] = s * r
					s = off[i] / r
					c = p / r
					p = c*diag[i] - s*g
					diag[i+1] = h + s*(c*g+s*diag[i])
					for k := 0; k < d; k++ {
						row := v[k*d : k*d+d]
						h = row[i+1]
						row[i+1] = s*row[i] + c*h
						row[i] = c*row[i] - s*h
					}
				}
				p = -s * s2 * c3 * el1 * off[l] / dl1
				off[l] = s * p
				diag[l] = c * p
				if !(math.Abs(off[l]) > machEps*tst1) {
					break
				}
			}
		}
		diag[l] += f
		off[l] = 0
	}
}

// svdJacobi computes the singular value decomposition a = U diag(σ) Vᵀ of
// the row-major d×d matrix a by one-sided (Hestenes) Jacobi rotations,
// which determine even small singular values to high relative accuracy.
// a is overwritten by U (columns of unit norm; a column whose σ is zero is
// left zero), v receives V and sig the singular values. The rotations work
// on aᵀ and Vᵀ (columns as contiguous rows; transposed in place before and
// after), with the same arithmetic as on the columns.
//
// nrm (len ≥ d) is scratch for the squared column norms: they are computed
// at the start of every sweep and then updated by each rotation (α − tγ,
// β + tγ, exact in exact arithmetic), a norm that falls below a quarter of
// its old value (cancellation) recomputed; only the inner product γ is
// formed per pair (forming all three per pair was two thirds of the
// decomposition's inner products, and the decomposition a tenth of the
// largest-eigenvalue LMI's solve). The tracked norms (relative error a few
// ulps) steer the rotation angles and the convergence test; the singular
// values are the final exact column norms (TestSVDJacobiGraded).
func svdJacobi(a, v, sig, nrm []float64, d int) {
	transposeSquare(a, d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			v[i*d+j] = 0
		}
		v[i*d+i] = 1
	}
	nrm = nrm[:d]
	const tol = 1e-15
	for sweep := 0; sweep < 100; sweep++ {
		for p := range nrm {
			nrm[p] = sqNorm(a[p*d : (p+1)*d])
		}
		rotated := false
		for p := 0; p < d; p++ {
			ap, vp := a[p*d:(p+1)*d], v[p*d:(p+1)*d]
			for r := p + 1; r < d; r++ {
				ar, vr := a[r*d:(r+1)*d], v[r*d:(r+1)*d]
				alpha, beta := nrm[p], nrm[r]
				var gamma float64
				for k, x := range ap {
					gamma += x * ar[k]
				}
				if gamma == 0 || math.Abs(gamma) <= tol*math.Sqrt(alpha*beta) {
					continue
				}
				rotated = true
				zeta := (beta - alpha) / (2 * gamma)
				t := 1 / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
				if zeta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(1+t*t)
				s := c * t
				for k, x := range ap {
					y := ar[k]
					ap[k] = c*x - s*y
					ar[k] = s*x + c*y
				}
				for k, x := range vp {
					y := vr[k]
					vp[k] = c*x - s*y
					vr[k] = s*x + c*y
				}
				np, nr := alpha-t*gamma, beta+t*gamma
				if !(np > 0.25*alpha) {
					np = sqNorm(ap)
				}
				if !(nr > 0.25*beta) {
					nr = sqNorm(ar)
				}
				nrm[p], nrm[r] = np, nr
			}
		}
		if !rotated {
			break
		}
	}
	for j := 0; j < d; j++ {
		row := a[j*d : (j+1)*d]
		var nrm float64
		for _, x := range row {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		sig[j] = nrm
		if nrm > 0 {
			for k := range row {
				row[k] /= nrm
			}
		}
	}
	transposeSquare(a, d)
	transposeSquare(v, d)
}

// sqNorm returns Σ x².
func sqNorm(x []float64) float64 {
	var acc float64
	for _, v := range x {
		acc += v * v
	}
	return acc
}

// transposeSquare transposes the row-major d×d matrix a in place.
func transposeSquare(a []float64, d int) {
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			a[i*d+j], a[j*d+i] = a[j*d+i], a[i*d+j]
		}
	}
}

// matMul writes out = op(a)·op(b) for row-major d×d matrices, with op the
// transpose where ta (tb) is set. out must not alias a or b. Each entry is
// summed over k in increasing order in every case; the loops are ordered
// for contiguous access.
func matMul(out, a, b []float64, d int, ta, tb bool) {
	switch {
	case !tb:
		// out[i,:] = Σ_k op(a)[i,k]·b[k,:].
		for i := 0; i < d; i++ {
			row := out[i*d : (i+1)*d]
			clear(row)
			for k := 0; k < d; k++ {
				var x float64
				if ta {
					x = a[k*d+i]
				} else {
					x = a[i*d+k]
				}
				bk := b[k*d : (k+1)*d]
				for j, y := range bk {
					row[j] += x * y
				}
			}
		}
	case !ta:
		// out[i,j] = a[i,:]·b[j,:].
		for i := 0; i < d; i++ {
			ai := a[i*d : (i+1)*d]
			for j := 0; j < d; j++ {
				bj := b[j*d : (j+1)*d]
				var acc float64
				for k, x := range ai {
					acc += x * bj[k]
				}
				out[i*d+j] = acc
			}
		}
	default:
		// out[i,j] = Σ_k a[k,i]·b[j,k].
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				bj := b[j*d : (j+1)*d]
				var acc float64
				for k, y := range bj {
					acc += a[k*d+i] * y
				}
				out[i*d+j] = acc
			}
		}
	}
}

// solveLower overwrites the columns of b with L⁻¹b (L lower triangular,
// row-major d×d).
func solveLower(l, b []float64, d int) {
	for j := 0; j < d; j++ {
		for i := 0; i < d; i++ {
			t := b[i*d+j]
			for k := 0; k < i; k++ {
				t -= l[i*d+k] * b[k*d+j]
			}
			b[i*d+j] = t / l[i*d+i]
		}
	}
}

// machEps is the float64 machine epsilon 2⁻⁵².
const machEps = 2.220446049250313e-16

// tridiagonalize reduces the symmetric row-major d×d matrix a to a
// symmetric tridiagonal matrix with the same eigenvalues by Householder
// similarity transformations (values only: the transformations are not
// kept). a is destroyed; diag receives the d diagonal entries and off the
// d−1 off-diagonal ones.
func tridiagonalize(a, diag, off []float64, d int) {
	for k := 0; k+2 < d; k++ {
		// v = x − αe₁ for x = a[k+1:, k], α = −sign(x₀)‖x‖ (stored in column k).
		var nrm float64
		for i := k + 1; i < d; i++ {
			nrm = math.Hypot(nrm, a[i*d+k])
		}
		diag[k] = a[k*d+k]
		if nrm == 0 {
			off[k] = 0
			continue
		}
		alpha := -nrm
		if a[(k+1)*d+k] < 0 {
			alpha = nrm
		}
		a[(k+1)*d+k] -= alpha
		var vtv float64
		for i := k + 1; i < d; i++ {
			vtv += a[i*d+k] * a[i*d+k]
		}
		off[k] = alpha
		if vtv == 0 {
			continue
		}
		beta := 2 / vtv
		// p = βA₂₂v (into row k, columns k+1…, free now), K = β vᵀp / 2,
		// q = p − Kv, A₂₂ ← A₂₂ − vqᵀ − qvᵀ (lower and upper alike).
		p := a[k*d : (k+1)*d]
		var vtp float64
		for i := k + 1; i < d; i++ {
			var acc float64
			for j := k + 1; j < d; j++ {
				acc += a[i*d+j] * a[j*d+k]
			}
			p[i] = beta * acc
			vtp += a[i*d+k] * p[i]
		}
		kk := beta * vtp / 2
		for i := k + 1; i < d; i++ {
			p[i] -= kk * a[i*d+k]
		}
		for i := k + 1; i < d; i++ {
			vi, qi := a[i*d+k], p[i]
			row := a[i*d : (i+1)*d]
			for j := k + 1; j < d; j++ {
				row[j] -= vi*p[j] + qi*a[j*d+k]
			}
		}
	}
	if d >= 2 {
		diag[d-2] = a[(d-2)*d+d-2]
		off[d-2] = a[(d-1)*d+d-2]
	}
	diag[d-1] = a[(d-1)*d+d-1]
}

// sturmCount returns the number of eigenvalues below x of the symmetric
// tridiagonal matrix (diag, off) (the negative pivots of its LDLᵀ
// factorization shifted by x).
func sturmCount(diag, off []float64, x float64) int {
	count := 0
	q := diag[0] - x
	for i := 0; ; i++ {
		if q == 0 {
			q = -minNormal // a zero pivot counts as a tiny negative one
		}
		if q < 0 {
			count++
		}
		if i+1 == len(diag) {
			return count
		}
		q = diag[i+1] - x - off[i]*off[i]/q
	}
}

// tridiagMinEig returns the smallest eigenvalue of the symmetric
// tridiagonal matrix (diag, off) when it is below floor, by bisection on
// the Sturm count to about the rounding level of the matrix's norm, and
// floor itself when no eigenvalue is below floor (floor finite).
func tridiagMinEig(diag, off []float64, floor float64) float64 {
	if sturmCount(diag, off, floor) == 0 {
		return floor
	}
	// Gershgorin lower bound.
	lo, scale := math.Inf(1), 0.0
	for i, v := range diag {
		r := 0.0
		if i > 0 {
			r += math.Abs(off[i-1])
		}
		if i+1 < len(diag) {
			r += math.Abs(off[i])
		}
		lo = math.Min(lo, v-r)
		scale = math.Max(scale, math.Abs(v)+r)
	}
	hi := floor
	tol := 4 * machEps * math.Max(scale, minNormal)
	for it := 0; it < 200 && hi-lo > tol; it++ {
		mid := lo + (hi-lo)/2
		if sturmCount(diag, off, mid) == 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}
