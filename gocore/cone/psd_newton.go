package cone

import "math"

// Newton linearization of the PSD cone's complementarity (used by the
// solver's Newton refinement, gocore/ipm/newton.go, through
// Composite.NewtonComplementarity and Composite.ProjectNear).

// newtonComplementarity writes r = svec(S∘Y), S∘Y = (SY + YS)/2 (the
// symmetrized complementarity of Alizadeh, Haeberly and Overton, whose
// Jacobian is nonsingular at a strictly complementary, nondegenerate
// solution), and calls visit(k, l, a, b) with ∂r_k/∂s_l = a and
// ∂r_k/∂y_l = b for every nonzero pair, rows and columns numbered from off.
// Column l of ∂r/∂s is svec(E_l∘Y) with E_l the svec basis matrix of entry
// l (smat of the unit vector), and of ∂r/∂y it is svec(E_l∘S). A nil
// visit skips the Jacobian (O(n²) per block).
func (c *PSD) newtonComplementarity(s, y, r []float64, off int, visit func(i, j int, a, b float64)) {
	d := c.d
	sm, ym, x := c.m1, c.m2, c.m3
	c.smat(sm, s)
	c.smat(ym, y)
	matMul(x, sm, ym, d, false, false)
	c.svec(r, x) // the svec of the symmetric part of SY is svec(S∘Y)
	if visit == nil {
		return
	}
	for k := range r {
		for l := range r {
			a := c.basisJordan(ym, l, k)
			b := c.basisJordan(sm, l, k)
			if a != 0 || b != 0 {
				visit(off+k, off+l, a, b)
			}
		}
	}
}

// basisJordan returns entry k of svec(E_l∘M) for the symmetric row-major
// matrix m, where E_l is the svec basis matrix of entry l: e_pe_pᵀ on the
// diagonal, (e_pe_qᵀ + e_qe_pᵀ)/√2 off it.
func (c *PSD) basisJordan(m []float64, l, k int) float64 {
	i, j := c.ii[k], c.jj[k]
	// X = E_l M: row p of X is f·(row q of M), row q is f·(row p of M).
	x := func(a, b int) float64 {
		p, q := c.ii[l], c.jj[l]
		if p == q {
			if a == p {
				return m[p*c.d+b]
			}
			return 0
		}
		var v float64
		if a == p {
			v += m[q*c.d+b]
		}
		if a == q {
			v += m[p*c.d+b]
		}
		return v / math.Sqrt2
	}
	if i == j {
		return x(i, i)
	}
	return (x(i, j) + x(j, i)) / math.Sqrt2
}

// projectNear moves smat(v) onto the PSD cone (negative eigenvalues set
// to zero) when its smallest eigenvalue is at least −tol·max(1, |λ|max),
// and reports false (v possibly unchanged) otherwise.
func (c *PSD) projectNear(v []float64, tol float64) bool {
	d := c.d
	a, q, x, w := c.m1, c.m2, c.m3, c.w1
	c.smat(a, v)
	symEigen(a, q, w, d)
	mn, scale := math.Inf(1), 1.0
	for _, e := range w {
		mn = math.Min(mn, e)
		scale = math.Max(scale, math.Abs(e))
	}
	if !(mn >= -tol*scale) {
		return false
	}
	if mn >= 0 {
		return true
	}
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var acc float64
			for k := 0; k < d; k++ {
				if w[k] > 0 {
					acc += q[i*d+k] * w[k] * q[j*d+k]
				}
			}
			x[i*d+j], x[j*d+i] = acc, acc
		}
	}
	c.svec(v, x)
	return true
}

// violation returns max(0, −λmin(smat(v)))/max(1, |λ|max), the relative
// distance of v from the cone measured by eigenvalues.
func (c *PSD) violation(v []float64) float64 {
	d := c.d
	a, q, w := c.m1, c.m2, c.w1
	c.smat(a, v)
	symEigen(a, q, w, d)
	mn, scale := math.Inf(1), 1.0
	for _, e := range w {
		mn = math.Min(mn, e)
		scale = math.Max(scale, math.Abs(e))
	}
	return math.Max(0, -mn) / scale
}
