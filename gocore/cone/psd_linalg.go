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
// symmetric row-major d×d matrix a by the cyclic Jacobi method, which is
// accurate for small matrices. a is destroyed; q receives the eigenvectors
// as columns and w the eigenvalues (unsorted).
func symEigen(a, q, w []float64, d int) {
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			q[i*d+j] = 0
		}
		q[i*d+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := 0; i < d; i++ {
			diag += a[i*d+i] * a[i*d+i]
			for j := i + 1; j < d; j++ {
				off += a[i*d+j] * a[i*d+j]
			}
		}
		if off <= 1e-32*diag || off == 0 {
			break
		}
		for p := 0; p < d; p++ {
			for r := p + 1; r < d; r++ {
				apr := a[p*d+r]
				if apr == 0 {
					continue
				}
				app, arr := a[p*d+p], a[r*d+r]
				theta := (arr - app) / (2 * apr)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				// a ← Jᵀ a J with J the rotation in the (p, r) plane.
				for k := 0; k < d; k++ {
					akp, akr := a[k*d+p], a[k*d+r]
					a[k*d+p] = c*akp - s*akr
					a[k*d+r] = s*akp + c*akr
				}
				for k := 0; k < d; k++ {
					apk, ark := a[p*d+k], a[r*d+k]
					a[p*d+k] = c*apk - s*ark
					a[r*d+k] = s*apk + c*ark
				}
				a[p*d+r], a[r*d+p] = 0, 0
				for k := 0; k < d; k++ {
					qkp, qkr := q[k*d+p], q[k*d+r]
					q[k*d+p] = c*qkp - s*qkr
					q[k*d+r] = s*qkp + c*qkr
				}
			}
		}
	}
	for i := 0; i < d; i++ {
		w[i] = a[i*d+i]
	}
}

// svdJacobi computes the singular value decomposition a = U diag(σ) Vᵀ of
// the row-major d×d matrix a by one-sided (Hestenes) Jacobi rotations,
// which determine even small singular values to high relative accuracy.
// a is overwritten by U (columns of unit norm; a column whose σ is zero is
// left zero), v receives V and sig the singular values.
func svdJacobi(a, v, sig []float64, d int) {
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			v[i*d+j] = 0
		}
		v[i*d+i] = 1
	}
	const tol = 1e-15
	for sweep := 0; sweep < 100; sweep++ {
		rotated := false
		for p := 0; p < d; p++ {
			for r := p + 1; r < d; r++ {
				var alpha, beta, gamma float64
				for k := 0; k < d; k++ {
					x, y := a[k*d+p], a[k*d+r]
					alpha += x * x
					beta += y * y
					gamma += x * y
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
				for k := 0; k < d; k++ {
					x, y := a[k*d+p], a[k*d+r]
					a[k*d+p] = c*x - s*y
					a[k*d+r] = s*x + c*y
					x, y = v[k*d+p], v[k*d+r]
					v[k*d+p] = c*x - s*y
					v[k*d+r] = s*x + c*y
				}
			}
		}
		if !rotated {
			break
		}
	}
	for j := 0; j < d; j++ {
		var nrm float64
		for k := 0; k < d; k++ {
			nrm += a[k*d+j] * a[k*d+j]
		}
		nrm = math.Sqrt(nrm)
		sig[j] = nrm
		if nrm > 0 {
			for k := 0; k < d; k++ {
				a[k*d+j] /= nrm
			}
		}
	}
}

// matMul writes out = op(a)·op(b) for row-major d×d matrices, with op the
// transpose where ta (tb) is set. out must not alias a or b.
func matMul(out, a, b []float64, d int, ta, tb bool) {
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			var acc float64
			for k := 0; k < d; k++ {
				var x, y float64
				if ta {
					x = a[k*d+i]
				} else {
					x = a[i*d+k]
				}
				if tb {
					y = b[j*d+k]
				} else {
					y = b[k*d+j]
				}
				acc += x * y
			}
			out[i*d+j] = acc
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
