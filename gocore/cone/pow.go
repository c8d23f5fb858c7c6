package cone

import "math"

// Pow is the 3-d power cone with exponent α ∈ (0, 1) on three consecutive
// rows (x, y, z), in cvxpy's (PowCone3D), SCS's and Clarabel's convention:
//
//	K_pow(α)  = {(x, y, z) : x^α·y^(1−α) ≥ |z|, x ≥ 0, y ≥ 0},
//	K_pow(α)* = {(u, v, w) : (u/α)^α·(v/(1−α))^(1−α) ≥ |w|, u ≥ 0, v ≥ 0}.
//
// Like Exp it is not self-scaled; the solver treats it exactly as the
// exponential cone (see NonSymmetric and Exp): Clarabel's primal–dual
// scaling Hs on the logarithmically homogeneous dual barrier (ν = 3)
//
//	f*(z) = −log ψ(z) − (1−α)·log z₀ − α·log z₁,
//	ψ(z)  = (z₀/α)^(2α)·(z₁/(1−α))^(2(1−α)) − z₂²,
//
// the third-order correction ½∇³f*(z)[∇²f*(z)⁻¹Δs_a, Δz_a], backtracking
// step lengths, and the dual scaling μ∇²f*(z) near the central path. The
// primal barrier f is the conjugate of f*, which has no closed form: ∇f(s)
// is −ẑ for the ẑ with −∇f*(ẑ) = s, found by safeguarded Newton on a
// one-dimensional equation (powConjugate), and f(s) = −3 − f*(ẑ).
type Pow struct {
	nonsym3         // the iterate's scaling state and the methods shared with Exp
	alpha   float64 // α
	lc      float64 // powLogConst(α), for powConjugateC
	// phi, psi: Φ and ψ at the z of the last UpdateScaling, which the
	// third-order correction of the same step reuses (a third of its cost
	// was recomputing them: two logarithms and an exponential per cone).
	phi, psi float64
}

// NewPow returns a power-cone block with exponent alpha ∈ (0, 1).
func NewPow(alpha float64) *Pow { return &Pow{alpha: alpha, lc: powLogConst(alpha)} }

// Alpha returns the cone's exponent α.
func (c *Pow) Alpha() float64 { return c.alpha }

// central returns the point on the central ray, s = z = −∇f*(z):
// (√(1+α), √(2−α), 0) (Clarabel's unit initialization).
func (c *Pow) central() [3]float64 {
	return [3]float64{math.Sqrt(1 + c.alpha), math.Sqrt(2 - c.alpha), 0}
}

// UnitInit implements Cone: s = z = the central-ray point.
func (c *Pow) UnitInit(s, z []float64) {
	p := c.central()
	copy(s, p[:])
	copy(z, p[:])
}

// ShiftToCone implements Cone: a point not strictly inside the cone (the
// dual cone when isDual) is replaced by the central-ray point.
func (c *Pow) ShiftToCone(v []float64, isDual bool) {
	in := powPrimalInterior(v, c.alpha)
	if isDual {
		in = powDualInterior(v, c.alpha)
	}
	if !in {
		p := c.central()
		copy(v, p[:])
	}
}

// UpdateScaling implements Cone: ∇f*(z), ∇²f*(z) and Hs at (s, z).
func (c *Pow) UpdateScaling(s, z []float64) {
	copy(c.s[:], s)
	copy(c.z[:], z)
	c.phi, c.psi = powPhi(c.z, c.alpha)
	powDualGradHessPhi(&c.grad, &c.hd, c.z, c.alpha, c.phi, c.psi)
	if !c.dual {
		if zh, ok := powConjugateC(c.s, c.alpha, c.lc); ok {
			zt := [3]float64{-zh[0], -zh[1], -zh[2]} // ∇f(s)
			if nonsymScaling3(c.s, c.z, zt, c.grad, &c.hd, &c.hs, &c.wf) {
				return
			}
		}
	}
	mu := c.mu
	if !c.dual || !(mu > 0) {
		mu = dot3(c.s, c.z) / 3
	}
	for i := range c.hs {
		c.hs[i] = mu * c.hd[i]
	}
	c.wf = nonsymDualFactor(&c.hd, mu)
}

// CombinedShift implements Cone: ds += σμ∇f*(z) − η with the third-order
// correction η = ½∇³f*(z)[∇²f*(z)⁻¹Δs_a, Δz_a].
func (c *Pow) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	eta := c.thirdOrder(dsA, dz)
	for i := 0; i < 3; i++ {
		ds[i] += sigmaMu*c.grad[i] - eta[i]
	}
}

// thirdOrder returns ½∇³f*(z)[u, v] with u = ∇²f*(z)⁻¹Δs and v = Δz (zero
// when ∇²f*(z) is not numerically positive definite).
func (c *Pow) thirdOrder(dsA, dzA []float64) [3]float64 {
	var eta [3]float64
	u, ok := solveSPD3(&c.hd, [3]float64{dsA[0], dsA[1], dsA[2]})
	if !ok {
		return eta
	}
	v := [3]float64{dzA[0], dzA[1], dzA[2]}
	eta = powDualThirdPhi(c.z, c.alpha, c.phi, c.psi, u, v)
	for i := range eta {
		eta[i] *= 0.5
		if math.IsNaN(eta[i]) || math.IsInf(eta[i], 0) {
			return [3]float64{}
		}
	}
	return eta
}

// StepLength implements Cone by backtracking from alphaMax and bisecting
// (as Exp does) until the primal and the dual iterate are strictly inside
// their cones.
func (c *Pow) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	a := c.alpha
	az := expBacktrackStep(c.trial[:], dz, z, alphaMax, func(v []float64) bool { return powDualInterior(v, a) })
	as := expBacktrackStep(c.trial[:], ds, s, alphaMax, func(v []float64) bool { return powPrimalInterior(v, a) })
	return az, as
}

// Barrier implements NonSymmetric: f(s) + f*(z), +Inf outside the cones.
func (c *Pow) Barrier(s, z []float64) float64 {
	a := c.alpha
	if !powPrimalInterior(s, a) || !powDualInterior(z, a) {
		return math.Inf(1)
	}
	zh, ok := powConjugateC([3]float64{s[0], s[1], s[2]}, a, c.lc)
	if !ok {
		return math.Inf(1)
	}
	return -3 - powDualBarrier(zh, a) + powDualBarrier([3]float64{z[0], z[1], z[2]}, a)
}

// powGeo returns x^α·y^(1−α) for x, y > 0.
func powGeo(x, y, a float64) float64 {
	return math.Exp(a*math.Log(x) + (1-a)*math.Log(y))
}

// powPrimalInterior reports whether s is strictly inside K_pow(α).
func powPrimalInterior(s []float64, a float64) bool {
	return s[0] > 0 && s[1] > 0 && powGeoAbove(s[0], s[1], a, math.Abs(s[2]))
}

// powDualInterior reports whether z is strictly inside K_pow(α)*.
func powDualInterior(z []float64, a float64) bool {
	return z[0] > 0 && z[1] > 0 && powGeoAbove(z[0]/a, z[1]/(1-a), a, math.Abs(z[2]))
}

// powGeoAbove reports powGeo(x, y, α) > r for x, y > 0. The weighted
// geometric mean lies between min(x, y) and max(x, y), so r below the one
// or at or above the other decides without logarithms: the step length's
// backtracking tests most trial points that way (a third of the power
// family's cone arithmetic was these tests' exp and logs).
func powGeoAbove(x, y, a, r float64) bool {
	lo, hi := x, y
	if lo > hi {
		lo, hi = hi, lo
	}
	if r < lo {
		return true
	}
	if r >= hi {
		return false
	}
	return powGeo(x, y, a) > r
}

// powGeoAtLeast reports powGeo(x, y, α) ≥ r for x, y ≥ 0 (the closed
// cone's membership test of powProject): like powGeoAbove, r at most the
// smaller or above the larger of x and y decides without logarithms (a
// zero x or y has geometric mean 0). It replaced two math.Pow calls per
// projection, a twentieth of the power-cone family's solve.
func powGeoAtLeast(x, y, a, r float64) bool {
	lo, hi := x, y
	if lo > hi {
		lo, hi = hi, lo
	}
	if r <= lo {
		return true
	}
	if r > hi || lo == 0 {
		return false
	}
	return powGeo(x, y, a) >= r
}

// powPhi returns Φ = (z₀/α)^(2α)·(z₁/(1−α))^(2(1−α)) and ψ = Φ − z₂².
func powPhi(z [3]float64, a float64) (phi, psi float64) {
	g := powGeo(z[0]/a, z[1]/(1-a), a)
	phi = g * g
	return phi, (g - z[2]) * (g + z[2])
}

// powDualBarrier is f*(z) (NaN or ±Inf outside the dual cone).
func powDualBarrier(z [3]float64, a float64) float64 {
	_, psi := powPhi(z, a)
	return -math.Log(psi) - (1-a)*math.Log(z[0]) - a*math.Log(z[1])
}

// powDualGradHess writes ∇f*(z) and ∇²f*(z) (row-major).
func powDualGradHess(g *[3]float64, h *[9]float64, z [3]float64, a float64) {
	phi, psi := powPhi(z, a)
	powDualGradHessPhi(g, h, z, a, phi, psi)
}

// powDualGradHessPhi is powDualGradHess with (Φ, ψ) = powPhi(z, a) given.
func powDualGradHessPhi(g *[3]float64, h *[9]float64, z [3]float64, a, phi, psi float64) {
	p, q := 2*a, 2*(1-a)
	gp := [3]float64{p * phi / z[0], q * phi / z[1], -2 * z[2]} // ∇ψ
	g[0] = -gp[0]/psi - (1-a)/z[0]
	g[1] = -gp[1]/psi - a/z[1]
	g[2] = -gp[2] / psi
	// ∇²ψ: [p(p−1)Φ/z₀², pqΦ/(z₀z₁), 0; ·, q(q−1)Φ/z₁², 0; 0, 0, −2].
	hp := [9]float64{
		p * (p - 1) * phi / (z[0] * z[0]), p * q * phi / (z[0] * z[1]), 0,
		p * q * phi / (z[0] * z[1]), q * (q - 1) * phi / (z[1] * z[1]), 0,
		0, 0, -2,
	}
	p2 := psi * psi
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			h[3*i+j] = -hp[3*i+j]/psi + gp[i]*gp[j]/p2
		}
	}
	h[0] += (1 - a) / (z[0] * z[0])
	h[4] += a / (z[1] * z[1])
}

// powDualThird returns ∇³f*(z)[u, v].
func powDualThird(z [3]float64, a float64, u, v [3]float64) [3]float64 {
	phi, psi := powPhi(z, a)
	return powDualThirdPhi(z, a, phi, psi, u, v)
}

// powDualThirdPhi is powDualThird with (Φ, ψ) = powPhi(z, a) given.
func powDualThirdPhi(z [3]float64, a, phi, psi float64, u, v [3]float64) [3]float64 {
	p, q := 2*a, 2*(1-a)
	z0, z1 := z[0], z[1]
	gp := [3]float64{p * phi / z0, q * phi / z1, -2 * z[2]}
	hp := [9]float64{
		p * (p - 1) * phi / (z0 * z0), p * q * phi / (z0 * z1), 0,
		p * q * phi / (z0 * z1), q * (q - 1) * phi / (z1 * z1), 0,
		0, 0, -2,
	}
	// ∇³ψ[u, v] (only Φ has third derivatives).
	c000 := p * (p - 1) * (p - 2) * phi / (z0 * z0 * z0)
	c001 := p * (p - 1) * q * phi / (z0 * z0 * z1)
	c011 := p * q * (q - 1) * phi / (z0 * z1 * z1)
	c111 := q * (q - 1) * (q - 2) * phi / (z1 * z1 * z1)
	t3 := [3]float64{
		c000*u[0]*v[0] + c001*(u[0]*v[1]+u[1]*v[0]) + c011*u[1]*v[1],
		c001*u[0]*v[0] + c011*(u[0]*v[1]+u[1]*v[0]) + c111*u[1]*v[1],
		0,
	}
	hu, hv := mul3(&hp, u), mul3(&hp, v)
	uhv := dot3(u, hv)
	pu, pv := dot3(gp, u), dot3(gp, v)
	p2, p3 := psi*psi, psi*psi*psi
	var eta [3]float64
	for i := 0; i < 3; i++ {
		// ∇³(−log ψ)[u, v].
		eta[i] = -t3[i]/psi + (uhv*gp[i]+hu[i]*pv+hv[i]*pu)/p2 - 2*pu*pv*gp[i]/p3
	}
	// ∇³ of −(1−α)·log z₀ and −α·log z₁.
	eta[0] += -2 * (1 - a) * u[0] * v[0] / (z0 * z0 * z0)
	eta[1] += -2 * a * u[1] * v[1] / (z1 * z1 * z1)
	return eta
}

// powConjugate returns ẑ ∈ int K* with −∇f*(ẑ) = s for s ∈ int K, so that
// ∇f(s) = −ẑ for the conjugate primal barrier f.
//
// The three equations reduce to one in x = |ẑ₂|: with Φ/ψ = 1 + x|s₂|/2
// (from ẑ₂ = −s₂ψ/2 and Φ = ψ + ẑ₂²) the first two give
//
//	ẑ₀ = (α·x|s₂| + 1 + α)/s₀,  ẑ₁ = ((1−α)·x|s₂| + 2 − α)/s₁,
//
// and ψ(ẑ) = 2x/|s₂| leaves, in logarithms,
//
//	h(x) = 2α·log(α x|s₂| + 1 + α) + 2(1−α)·log((1−α) x|s₂| + 2 − α)
//	       − log(x² + 2x/|s₂|) − log(s₀^(2α) s₁^(2(1−α))) − c = 0,
//
// c = 2α·log α + 2(1−α)·log(1−α). h decreases from +∞ (x → 0) to
// log(s₂²/(s₀^(2α) s₁^(2(1−α)))) < 0 (x → ∞). Newton's method starts
// from Clarabel's point x₀ = −1/|s₂| + (2|s₂| + √(φ²/s₂² + 3φ))/(φ − s₂²),
// φ = s₀^(2α) s₁^(2(1−α)), the root of the equation without c (which
// moves the root right, so h(x₀) > 0), and is safeguarded by the bracket
// of the signs seen so far (bisection in log x once both ends are known,
// else a factor-8 move), until a Newton step is below 1e-8 relative or
// |h(x)| is below the rounding error of its terms (near the boundary h is
// flat and the root only known to that): typically three or four
// evaluations of h, three logarithms each (the bracketing search it
// replaced paid ten to twelve).
// For s₂ = 0 the solution is x = 0. It reports false when s is not
// strictly inside K or the iteration does not converge.
func powConjugate(s [3]float64, a float64) ([3]float64, bool) {
	return powConjugateC(s, a, powLogConst(a))
}

// powLogConst is c = 2α·log α + 2(1−α)·log(1−α) of powConjugate.
func powLogConst(a float64) float64 {
	return 2*a*math.Log(a) + 2*(1-a)*math.Log(1-a)
}

// powConjugateC is powConjugate with c = powLogConst(a) given.
func powConjugateC(s [3]float64, a, c float64) ([3]float64, bool) {
	if !(s[0] > 0 && s[1] > 0) {
		return s, false
	}
	r := math.Abs(s[2])
	lphi := 2*a*math.Log(s[0]) + 2*(1-a)*math.Log(s[1]) // log φ
	if r == 0 {
		if math.IsInf(lphi, 0) || math.IsNaN(lphi) {
			return s, false
		}
		return [3]float64{(1 + a) / s[0], (2 - a) / s[1], 0}, true
	}
	lr2 := 2 * math.Log(r)
	if !(lphi > lr2) || math.IsInf(lphi, 0) { // not strictly inside (or NaN)
		return s, false
	}
	k := lphi + c
	ir := 1 / r
	// h(x), h'(x) and the rounding error of h(x) (8ε times its terms).
	h := func(x float64) (f, df, noise float64) {
		p0, p1, q := a*x*r+1+a, (1-a)*x*r+2-a, x*(x+2*ir)
		l0, l1, lq := 2*a*math.Log(p0), 2*(1-a)*math.Log(p1), math.Log(q)
		f = l0 + l1 - lq - k
		df = 2*a*a*r/p0 + 2*(1-a)*(1-a)*r/p1 - 2*(x+ir)/q
		noise = 8 * machEps * (math.Abs(l0) + math.Abs(l1) + math.Abs(lq) + math.Abs(k))
		return f, df, noise
	}
	// Clarabel's start, in a form that does not overflow for large φ/s₂²:
	// with t = s₂²/φ < 1, x₀ = −1/r + (2r/φ + √(1/r² + 3/φ))/(1 − t).
	phiInv := math.Exp(-lphi)
	t := math.Exp(lr2 - lphi)
	x := -ir + (2*r*phiInv+math.Sqrt(ir*ir+3*phiInv))/(1-t)
	if !(x > 0) || math.IsInf(x, 0) {
		x = ir
	}
	lo, hi := 0.0, math.Inf(1)
	ok := false
	for it := 0; it < 200; it++ {
		f, df, noise := h(x)
		xn := x - f/df
		if math.Abs(f) <= noise {
			// A root to the accuracy h can be evaluated with (near the
			// boundary h is flat and further Newton steps would only
			// follow the rounding noise): one last step, kept if it
			// stays in the bracket.
			if xn > lo && xn < hi {
				x = xn
			}
			ok = true
			break
		}
		if f > 0 {
			lo = x
		} else {
			hi = x
		}
		if xn > lo && xn < hi {
			// A Newton step of relative size ≤ 1e-8 leaves an error of
			// its square: converged.
			if math.Abs(xn-x) <= 1e-8*x {
				x, ok = xn, true
				break
			}
		} else {
			switch {
			case lo > 0 && !math.IsInf(hi, 0):
				xn = math.Sqrt(lo) * math.Sqrt(hi) // bisection in log x
			case lo > 0:
				xn = 8 * lo
			default:
				xn = 0.125 * hi
			}
			if hi-lo <= 4e-16*hi {
				x, ok = xn, true
				break
			}
		}
		if !(xn > 0) || math.IsInf(xn, 0) {
			break
		}
		x = xn
	}
	if !ok {
		return s, false
	}
	g := [3]float64{(a*x*r + 1 + a) / s[0], ((1-a)*x*r + 2 - a) / s[1], -x}
	if s[2] < 0 {
		g[2] = x
	}
	return g, true
}

var (
	_ Cone         = (*Pow)(nil)
	_ NonSymmetric = (*Pow)(nil)
)
