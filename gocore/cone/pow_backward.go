package cone

import "math"

// ProjectionH implements Cone for the power cone: the H with ds = −H dy
// that linearizes complementarity at a solution (s, y), s ∈ K, y ∈ K*,
// sᵀy = 0, as the derivative of the projection does (the construction of
// Exp.ProjectionH, H = D(I − D)⁻¹ on the eigenvectors of D = DΠ_K(s − y)):
//
//   - y = 0 (s interior): H = ∞ (derivBig) on every direction, dy = 0;
//   - s = 0 (y interior): H = 0, ds = 0;
//   - both on the boundary: along the ray ŝ, D = 1 and H = ∞ (expDerivBig);
//     along t̂ = n̂ × ŝ (n̂ = −y/‖y‖ the outward normal) D = 1/(1 + ‖y‖κ)
//     with κ the normal curvature of the boundary |s₂| = s₀^α·s₁^(1−α) in
//     direction t̂, so H = 1/(‖y‖κ); along n̂, H = 0. On the edges of K
//     (s₂ = 0 and s₀ = 0 or s₁ = 0) the boundary is the graph of a power
//     |s₂|^e with e = 1/α or 1/(1−α): κ = 0 for e > 2 (H = ∞ along t̂), κ = ∞
//     for e < 2 (H = 0), the parabola's for e = 2.
func (c *Pow) ProjectionH(h, s, y []float64) { powDerivativeH(h, s, y, c.alpha) }

func powDerivativeH(h, s, y []float64, a float64) {
	for i := range h[:9] {
		h[i] = 0
	}
	sv := [3]float64{s[0], s[1], s[2]}
	yv := [3]float64{y[0], y[1], y[2]}
	ns, ny := math.Sqrt(dot3(sv, sv)), math.Sqrt(dot3(yv, yv))
	switch {
	case ny == 0 || ny <= expZeroRel*ns && powPrimalMargin(sv, a) > expZeroRel:
		h[0], h[4], h[8] = derivBig, derivBig, derivBig
		return
	case ns == 0 || ns <= expZeroRel*ny && powDualMargin(yv, a) > expZeroRel:
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
	ht := powTangentH(sv, t, ny, nsh, a)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			h[3*i+j] = expDerivBig*sh[i]*sh[j] + ht*t[i]*t[j]
		}
	}
}

// powEdgeRel is the relative size of s₀ or s₁ (to ‖s‖) below which the
// boundary point s is taken to be on an edge of K (and s₂ with it).
const powEdgeRel = 1e-9

// powTangentH returns 1/(‖y‖κ) (capped at expDerivBig) for the unit
// tangent t orthogonal to the ray at the boundary point s.
func powTangentH(s, t [3]float64, ny, ns, a float64) float64 {
	tiny := powEdgeRel * ns
	switch {
	case s[0] > tiny && s[1] > tiny:
		g := powGeo(s[0], s[1], a)
		sg := 1.0
		if s[2] < 0 {
			sg = -1
		}
		grad := [3]float64{-a * g / s[0], -(1 - a) * g / s[1], sg}
		w := t[0]/s[0] - t[1]/s[1]
		kappa := a * (1 - a) * g * w * w / math.Sqrt(dot3(grad, grad))
		if v := 1 / (ny * kappa); v < expDerivBig {
			return v
		}
		return expDerivBig
	case s[0] <= tiny && s[1] <= tiny:
		return 0 // the apex: handled as s = 0 by the caller's margins
	}
	// An edge: the ray along axis r (s_r > 0), the other axis o.
	e, x := 1/(1-a), s[0] // s₁ = (|s₂|/s₀^α)^(1/(1−α)) near the ray along s₀
	if s[1] > tiny {
		e, x = 1/a, s[1]
	}
	switch {
	case math.Abs(e-2) < 1e-12: // α = ½: s_o = s₂²/x, curvature 2/x
		return x / (2 * ny)
	case e > 2:
		return expDerivBig
	default:
		return 0
	}
}

// powPrimalMargin is (s₀^α·s₁^(1−α) − |s₂|)/‖s‖, ≤ 0 off the interior.
func powPrimalMargin(s [3]float64, a float64) float64 {
	if !(s[0] > 0 && s[1] > 0) {
		return 0
	}
	return (powGeo(s[0], s[1], a) - math.Abs(s[2])) / math.Sqrt(dot3(s, s))
}

// powDualMargin is ((y₀/α)^α·(y₁/(1−α))^(1−α) − |y₂|)/‖y‖, ≤ 0 off the
// interior of K*.
func powDualMargin(y [3]float64, a float64) float64 {
	if !(y[0] > 0 && y[1] > 0) {
		return 0
	}
	return (powGeo(y[0]/a, y[1]/(1-a), a) - math.Abs(y[2])) / math.Sqrt(dot3(y, y))
}
