package cone

import "math"

// expDerivBig stands for an infinite eigenvalue of a boundary block of H:
// the block is dense, so (as for the PSD cone, psdDerivBig) rounding in
// big·ŝŝᵀ pollutes its O(1) entries by big·ε; 1/√ε balances that against
// the 1/big left in dy. The diagonal y = 0 case keeps derivBig.
const expDerivBig = psdDerivBig

// expZeroRel is the ratio ‖y‖/‖s‖ (or ‖s‖/‖y‖) below which ProjectionH
// takes the smaller of the pair for zero: an interior-point solution at
// tolerance 1e-8 leaves the multiplier of an inactive cone (or the slack of
// a cone whose dual is interior) at ~μ/‖s‖, many orders below this.
const expZeroRel = 1e-6

// ProjectionH implements Cone for the exponential cone: the H with
// ds = −H dy that linearizes complementarity at a solution (s, y), s ∈ K,
// y ∈ K*, sᵀy = 0, as the derivative of the projection does. With
// v = s − y, s = Π_K(v) and dv = ds − dy, the derivative D = DΠ_K(v) gives
// ds = −D(I − D)⁻¹ dy: H = D(I − D)⁻¹ on D's eigenvectors.
//
//   - y = 0 (s interior, the cone inactive): D = I, H = ∞ (derivBig) on
//     every direction, dy = 0;
//   - s = 0 (y interior): D = 0, H = 0, ds = 0;
//   - both on the boundary: the tangent plane of K at s is spanned by ŝ
//     (along the ray, D = 1, H = ∞: expDerivBig) and t̂ = n̂ × ŝ
//     (n̂ = −y/‖y‖ the outward normal), where D = 1/(1 + ‖y‖κ) for the
//     normal curvature κ of the boundary g(s) = s₁·exp(s₀/s₁) − s₂ = 0 in
//     direction t̂, so
//     H = 1/(‖y‖κ) there; along n̂, D = 0 and H = 0. On the flat face
//     {s₀ ≤ 0, s₁ = 0, s₂ ≥ 0} κ = 0 and H = ∞ on the whole face.
func (c *Exp) ProjectionH(h, s, y []float64) { expDerivativeH(h, s, y) }

func expDerivativeH(h, s, y []float64) {
	for i := range h[:9] {
		h[i] = 0
	}
	sv := [3]float64{s[0], s[1], s[2]}
	yv := [3]float64{y[0], y[1], y[2]}
	ns, ny := math.Sqrt(dot3(sv, sv)), math.Sqrt(dot3(yv, yv))
	// A small y (s) is taken for zero only when s (y) is strictly inside
	// its cone by a relative margin: an active cone with a tiny multiplier
	// (a weakly active one) keeps its s on the boundary to first order.
	switch {
	case ny == 0 || ny <= expZeroRel*ns && expPrimalMargin(sv) > expZeroRel:
		h[0], h[4], h[8] = derivBig, derivBig, derivBig
		return
	case ns == 0 || ns <= expZeroRel*ny && expDualMargin(yv) > expZeroRel:
		return
	}
	n := [3]float64{-yv[0] / ny, -yv[1] / ny, -yv[2] / ny}
	sn := dot3(sv, n)
	sh := [3]float64{sv[0] - sn*n[0], sv[1] - sn*n[1], sv[2] - sn*n[2]}
	nsh := math.Sqrt(dot3(sh, sh))
	if !(nsh > 0) {
		return
	}
	for i := range sh {
		sh[i] /= nsh
	}
	t := [3]float64{n[1]*sh[2] - n[2]*sh[1], n[2]*sh[0] - n[0]*sh[2], n[0]*sh[1] - n[1]*sh[0]}
	ht := expDerivBig
	if s[1] > 0 {
		rho := s[0] / s[1]
		er := math.Exp(rho)
		g := [3]float64{er, er * (1 - rho), -1}
		wt := t[0] - rho*t[1]
		kappa := er / s[1] * wt * wt / math.Sqrt(dot3(g, g))
		if v := 1 / (ny * kappa); v < expDerivBig {
			ht = v
		}
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			h[3*i+j] = expDerivBig*sh[i]*sh[j] + ht*t[i]*t[j]
		}
	}
}

// expPrimalMargin is (s₂ − s₁·exp(s₀/s₁))/‖s‖, ≤ 0 off the interior.
func expPrimalMargin(s [3]float64) float64 {
	if !(s[1] > 0) {
		return 0
	}
	return (s[2] - s[1]*math.Exp(s[0]/s[1])) / math.Sqrt(dot3(s, s))
}

// expDualMargin is (e·y₂ + y₀·exp(y₁/y₀))/‖y‖, ≤ 0 off the interior of K*.
func expDualMargin(y [3]float64) float64 {
	if !(y[0] < 0) {
		return 0
	}
	return (math.E*y[2] + y[0]*math.Exp(y[1]/y[0])) / math.Sqrt(dot3(y, y))
}
