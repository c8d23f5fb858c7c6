package cone

import "math"

// This file holds the parts of Clarabel's primal–dual scaling that do not
// depend on which 3-d non-symmetric cone they scale (used by Exp and Pow): given the
// iterate (s, z), the primal barrier's gradient ∇f(s) and the dual
// barrier's gradient ∇f*(z) and Hessian ∇²f*(z), the scaling Hs and a
// factor F with Hs = FᵀF.

// nonsymScaling3 writes the primal–dual scaling Hs (row-major) at (s, z)
// and its factor F: Hs = s sᵀ/(sᵀz) + δs δsᵀ/(δsᵀδz) + t·a aᵀ with
// δs = s + μ∇f*(z), δz = z + μ∇f(s), μ = sᵀz/3, a = z × ∇f(s) normalized
// and t = μ‖∇²f*(z) − st stᵀ/3 − b bᵀ/de₂‖_F (b = μ̃ st − ∇²f*(z)∇f(s),
// st = ∇f*(z)), so that Hs z = s and Hs ∇f(s) = ∇f*(z). zt is ∇f(s), st
// is ∇f*(z) and hd is ∇²f*(z). It reports false where the scaling is not
// defined or not numerically meaningful (on or near the central path, where
// the dual scaling μ∇²f*(z) is the same matrix); hs and wf are then
// unspecified.
func nonsymScaling3(s, z, zt, st [3]float64, hd, hs, wf *[9]float64) bool {
	sz := dot3(s, z)
	mu := sz / 3
	mut := dot3(st, zt) / 3
	var ds, dz [3]float64
	for i := 0; i < 3; i++ {
		ds[i] = s[i] + mu*st[i]
		dz[i] = z[i] + mu*zt[i]
	}
	dsz := dot3(ds, dz)
	hzt := mul3(hd, zt)
	de1 := mu*mut - 1
	de2 := dot3(zt, hzt) - 3*mut*mut
	if !(math.Abs(de1) > sqrtEps && math.Abs(de2) > 2.220446049250313e-16 && sz > 0 && dsz > 0) {
		return false
	}
	var b [3]float64
	for i := 0; i < 3; i++ {
		b[i] = mut*st[i] - hzt[i]
	}
	var fro float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			v := hd[3*i+j] - st[i]*st[j]/3 - b[i]*b[j]/de2
			fro += v * v
		}
	}
	t := mu * math.Sqrt(fro)
	ax := [3]float64{z[1]*zt[2] - z[2]*zt[1], z[2]*zt[0] - z[0]*zt[2], z[0]*zt[1] - z[1]*zt[0]}
	na := math.Sqrt(dot3(ax, ax))
	if !(na > 0) || math.IsInf(na, 0) {
		return false
	}
	for i := range ax {
		ax[i] /= na
	}
	for i := 0; i < 3; i++ {
		for j := i; j < 3; j++ {
			v := s[i]*s[j]/sz + ds[i]*ds[j]/dsz + t*ax[i]*ax[j]
			hs[3*i+j], hs[3*j+i] = v, v
		}
	}
	for _, v := range hs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	fa, fb, fr := 1/math.Sqrt(sz), 1/math.Sqrt(dsz), math.Sqrt(t)
	*wf = [9]float64{fa * s[0], fa * s[1], fa * s[2], fb * ds[0], fb * ds[1], fb * ds[2], fr * ax[0], fr * ax[1], fr * ax[2]}
	return true
}

// nonsymDualFactor returns F = √μ·Lᵀ from the Cholesky factor
// hd = LLᵀ, so that μ·hd = FᵀF (F = 0 where hd is not numerically positive
// definite: QuadH then reports 0 and the solver's other Δτ forms take over).
func nonsymDualFactor(h *[9]float64, mu float64) [9]float64 {
	if !(h[0] > 0) {
		return [9]float64{}
	}
	l00 := math.Sqrt(h[0])
	l10, l20 := h[3]/l00, h[6]/l00
	d1 := h[4] - l10*l10
	if !(d1 > 0) {
		return [9]float64{}
	}
	l11 := math.Sqrt(d1)
	l21 := (h[7] - l20*l10) / l11
	d2 := h[8] - l20*l20 - l21*l21
	if !(d2 > 0) {
		return [9]float64{}
	}
	l22 := math.Sqrt(d2)
	r := math.Sqrt(mu)
	return [9]float64{r * l00, r * l10, r * l20, 0, r * l11, r * l21, 0, 0, r * l22}
}

// nonsym3 is the scaling state of a 3-d non-symmetric cone block (Exp, Pow)
// and the Cone methods that do not depend on which cone it is; the cones
// embed it.
type nonsym3 struct {
	s, z [3]float64 // the point of the last UpdateScaling
	grad [3]float64 // ∇f*(z)
	hd   [9]float64 // ∇²f*(z), row-major
	hs   [9]float64 // the scaling matrix Hs, row-major
	wf   [9]float64 // a factor F with Hs = FᵀF (row-major), for QuadH
	mu   float64    // μ of the iterate, for dual scaling
	dual bool       // dual scaling requested by the solver
	// trial is the step length's trial point (a field, not a local: passed
	// to the interior test, a local array would escape to the heap).
	trial [3]float64
}

// Dim implements Cone.
func (c *nonsym3) Dim() int { return 3 }

// Degree implements Cone: the barrier parameter ν = 3.
func (c *nonsym3) Degree() int { return 3 }

// Diagonal implements Cone: Hs is a dense 3×3 block.
func (c *nonsym3) Diagonal() bool { return false }

// SetScalingStrategy implements NonSymmetric.
func (c *nonsym3) SetScalingStrategy(dual bool, mu float64) { c.dual, c.mu = dual, mu }

// HBlock implements Cone: Hs as a row-major 3×3 matrix.
func (c *nonsym3) HBlock(dst []float64) { copy(dst, c.hs[:]) }

// LambdaSquare implements Cone: the affine right-hand side ds = s of a
// non-symmetric cone (s of the last UpdateScaling).
func (c *nonsym3) LambdaSquare(ds []float64) { copy(ds, c.s[:]) }

// DsHat implements Cone: for a non-symmetric cone Δs = −ds − Hs Δz.
func (c *nonsym3) DsHat(out, ds []float64) { copy(out, ds) }

// Complementarity implements Cone.
func (c *nonsym3) Complementarity(s, z []float64) float64 {
	return s[0]*z[0] + s[1]*z[1] + s[2]*z[2]
}

// QuadH implements Cone: vᵀHs v = ‖Fv‖² through the factor F of Hs (three
// rank-one terms of the primal–dual scaling, or √μ·Lᵀ of the dual one), so
// that it is ≥ 0 where the explicit product cancels.
func (c *nonsym3) QuadH(v []float64) float64 {
	f := mul3(&c.wf, [3]float64{v[0], v[1], v[2]})
	return dot3(f, f)
}

// SetIdentityScaling implements Cone: Hs = I.
func (c *nonsym3) SetIdentityScaling() {
	c.hs = [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	c.wf = c.hs
}

// RectifyScaling implements Cone: the exponential and power cones are
// invariant only under a uniform positive scaling of their rows (the
// smallest is taken).
func (c *nonsym3) RectifyScaling(e []float64) {
	mn := math.Min(e[0], math.Min(e[1], e[2]))
	e[0], e[1], e[2] = mn, mn, mn
}

// Rows implements Cone: the cone is not polyhedral.
func (c *nonsym3) Rows() RowClass { return RowsNonPolyhedral }
