package cone

import "math"

// Complementary pairs near an interior-point solution, for the solver's
// tangent Newton refinement (gocore/ipm/refine.go).
//
// The complementarity set C = {(s, y) : s ∈ K, y ∈ K*, sᵀy = 0} is, per
// block and at a strictly complementary point, a manifold of dimension
// Dim whose tangent space at (ŝ, ŷ) is {(ds, dy) : ds = −H dy} with H the
// block's ProjectionH at (ŝ, ŷ) (zero, finite and infinite eigenvalues).
// NewtonPair maps an iterate (s, y) near C to a point (ŝ, ŷ) of C at a
// distance of the order of the iterate's distance from C, and writes that
// H: a Newton step that keeps the linear KKT rows and moves (s, y) onto the
// tangent plane of C at (ŝ, ŷ) has an error of second order, and it is a
// symmetric quasidefinite KKT solve (K = [P Aᵀ; A −H]) that the sparse and
// dense factorizations already handle.

// pairMaxIter bounds the Newton steps of the projection onto the boundary
// of the exponential cone (each one halves the number of wrong digits;
// the starting point is an interior-point iterate close to the boundary).
const pairMaxIter = 20

// NewtonPair writes into (sh, yh) a complementary pair near (s, y) and into
// hs (packed as HLen) the H of the tangent space of the complementarity
// set there (see above); with hs nil only the pair (the H of a PSD block
// costs an eigen-decomposition and an n×n product). It reports false when a block has no pair it can
// trust: an exponential-cone block whose slack is near the flat face
// {s₀ ≤ 0, s₁ = 0} (where the boundary is not smooth) or far from the
// boundary, or a kind without pairs.
//
// Per block: the zero cone takes ŝ = 0, ŷ = y (H = 0); the nonnegative,
// second-order and PSD cones the Moreau decomposition of v = s − y
// (ŝ = Π_K(v), ŷ = ŝ − v); the exponential cone the same where v is inside
// K (ŝ = v, ŷ = 0: the cone is inactive) or inside −K* (ŝ = 0, ŷ = −v),
// and otherwise moves s onto the boundary along the boundary normal and
// takes for ŷ the projection of y on the normal ray there (clipped at 0);
// the power cone the Moreau decomposition (powPair).
func (k *Composite) NewtonPair(s, y, sh, yh, hs []float64) bool {
	withH := hs != nil
	for b, c := range k.cones {
		sb, yb := k.rows(s, b), k.rows(y, b)
		shb, yhb := k.rows(sh, b), k.rows(yh, b)
		var h []float64
		if withH {
			h = k.hblock(hs, b)
		}
		switch c := c.(type) {
		case *Zero:
			for i := range sb {
				shb[i], yhb[i] = 0, yb[i]
			}
			for i := range h {
				h[i] = 0
			}
		case *Nonneg:
			for i := range sb {
				v := sb[i] - yb[i]
				shb[i], yhb[i] = math.Max(v, 0), math.Max(-v, 0)
				if !withH {
					continue
				}
				switch {
				case v > 0:
					h[i] = derivBig
				case v < 0:
					h[i] = 0
				default:
					h[i] = 1 // s = y = 0: not strictly complementary
				}
			}
		case *SOC:
			socMoreau(sb, yb, shb, yhb)
			if withH {
				socDerivativeH(h, shb, yhb, c.splitScratch(), derivBig)
			}
		case *PSD:
			c.moreau(sb, yb, shb, yhb)
			if withH {
				c.moreauH(h)
			}
		case *Exp:
			if !expPair(sb, yb, shb, yhb) {
				return false
			}
			if withH {
				expDerivativeH(h, shb, yhb)
			}
		case *Pow:
			powPair(sb, yb, shb, yhb, c.alpha)
			if withH {
				powDerivativeH(h, shb, yhb, c.alpha)
			}
		default:
			return false
		}
	}
	return true
}

// PairSupported reports whether NewtonPair handles every block's kind.
func (k *Composite) PairSupported() bool {
	for _, c := range k.cones {
		switch c.(type) {
		case *Zero, *Nonneg, *SOC, *PSD, *Exp, *Pow:
		default:
			return false
		}
	}
	return true
}

// HasExp reports whether the product has an exponential-cone block.
func (k *Composite) HasExp() bool {
	for _, c := range k.cones {
		if _, ok := c.(*Exp); ok {
			return true
		}
	}
	return false
}

// socMoreau writes ŝ = Π_K(v) and ŷ = Π_K(−v) = ŝ − v for v = s − y (K the
// second-order cone; on its boundary both in closed form).
func socMoreau(s, y, sh, yh []float64) {
	d := len(s)
	t := s[0] - y[0]
	var nx float64
	for i := 1; i < d; i++ {
		u := s[i] - y[i]
		nx += u * u
	}
	nx = math.Sqrt(nx)
	switch {
	case nx <= t: // v ∈ K
		for i := range s {
			sh[i] = s[i] - y[i]
		}
	case nx <= -t: // v ∈ −K
		for i := range s {
			sh[i] = 0
		}
	default:
		// ŝ = ½(t + ‖x‖)(1, x/‖x‖) and ŷ = Π_K(−v) = ½(‖x‖ − t)(1, −x/‖x‖)
		// in closed form, not as ŝ − v: the difference carries ŝ's rounding
		// (ε‖ŝ‖ per entry) into ŷ, so that ŝᵀŷ was ~ε‖ŝ‖² instead of
		// ~ε‖ŝ‖‖ŷ‖ (as the PSD pair's, see PSD.moreau).
		a, b := 0.5*(t+nx), 0.5*(nx-t)
		sh[0], yh[0] = a, b
		for i := 1; i < d; i++ {
			u := (s[i] - y[i]) / nx
			sh[i], yh[i] = a*u, -b*u
		}
		return
	}
	for i := range s {
		yh[i] = sh[i] - (s[i] - y[i])
	}
}

// moreau writes ŝ = Π_K(v) and ŷ = ŝ − v for v = s − y (K the PSD cone,
// svec coordinates): the eigenvalues of smat(v) clipped at zero. It leaves
// the eigen-decomposition of smat(v) in m2 (vectors) and w1 (values) for
// moreauH.
//
// A pair (s, y) that is bit for bit the last call's output (ŝ, ŷ) is its
// own pair: ŝ − ŷ is v to rounding, so its decomposition is v's. The
// tangent refinement moves each step's point onto C (NewtonPair without
// H) and the next step asks for the pair and H of that very point
// (SetNewtonPairH): the second symEigen of every step is replaced by a
// copy of the first one's decomposition (pairQ, pairW).
func (c *PSD) moreau(s, y, sh, yh []float64) {
	d := c.d
	if c.pairValid && bitsEqual(s, c.pairS) && bitsEqual(y, c.pairY) {
		copy(sh, s)
		copy(yh, y)
		copy(c.m2, c.pairQ)
		copy(c.w1, c.pairW)
		return
	}
	c.pairValid = false
	for k := range s {
		yh[k] = s[k] - y[k] // v, for now
	}
	a, q, x, w := c.m1, c.m2, c.m3, c.w1
	c.smat(a, yh)
	symEigen(a, q, w, d)
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
	c.svec(sh, x)
	// ŷ from the negative eigenvalues, not as ŝ − v: the difference carries
	// ŝ's rounding (ε‖ŝ‖ per entry) into ŷ along ŝ's range, so that ŝᵀŷ was
	// ~ε‖ŝ‖²·n instead of ~0 (2.8e-12 on a 12×12 LMI with ‖ŝ‖ ≈ 30: the
	// refined point's gap, which stopped the tangent refinement at a
	// measure of 3e-13 and sent the solve on to the LU Newton polish).
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			var acc float64
			for k := 0; k < d; k++ {
				if w[k] < 0 {
					acc -= q[i*d+k] * w[k] * q[j*d+k]
				}
			}
			x[i*d+j], x[j*d+i] = acc, acc
		}
	}
	c.svec(yh, x)
	if c.pairS == nil {
		c.pairS, c.pairY = make([]float64, c.n), make([]float64, c.n)
		c.pairQ, c.pairW = make([]float64, d*d), make([]float64, d)
	}
	copy(c.pairS, sh)
	copy(c.pairY, yh)
	copy(c.pairQ, q)
	copy(c.pairW, w)
	c.pairValid = true
}

// bitsEqual reports whether a and b (of equal length) hold the same
// float64 values bit for bit.
func bitsEqual(a, b []float64) bool {
	for i, v := range a {
		if math.Float64bits(v) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// expPair writes the complementary pair of an exponential-cone block (see
// NewtonPair); false when it has none it can trust.
func expPair(s, y, sh, yh []float64) bool {
	sv := [3]float64{s[0], s[1], s[2]}
	yv := [3]float64{y[0], y[1], y[2]}
	v := [3]float64{s[0] - y[0], s[1] - y[1], s[2] - y[2]}
	switch {
	case expPrimalInterior(v[:]): // Π_K(v) = v: the cone is inactive
		copy(sh, v[:])
		yh[0], yh[1], yh[2] = 0, 0, 0
		return true
	case expDualInterior([]float64{-v[0], -v[1], -v[2]}): // Π_K(v) = 0
		sh[0], sh[1], sh[2] = 0, 0, 0
		yh[0], yh[1], yh[2] = -v[0], -v[1], -v[2]
		return true
	}
	p, ok := expBoundaryPoint(sv)
	if !ok {
		return false
	}
	copy(sh, p[:])
	// The normal ray of K at p: y ∝ u = (−e^ρ, (ρ − 1)e^ρ, 1), ρ = p₀/p₁;
	// a multiplier pointing away from it stands for y = 0 (a weakly
	// active cone: s on the boundary, y vanishing).
	rho := p[0] / p[1]
	er := math.Exp(rho)
	u := [3]float64{-er, (rho - 1) * er, 1}
	t := dot3(yv, u) / dot3(u, u)
	if math.IsInf(t, 0) || math.IsNaN(t) {
		return false
	}
	t = math.Max(t, 0)
	for i := range u {
		yh[i] = t * u[i]
	}
	return true
}

// expBoundaryPoint returns a point of the boundary of K_exp near s
// (s₁ > 0): Newton steps on g(p) = p₁·exp(p₀/p₁) − p₂ along ∇g, the
// Gauss–Newton projection onto the surface g = 0. False when s₁ ≤ 0 (the
// flat face, where the boundary is not smooth) or the steps fail.
func expBoundaryPoint(s [3]float64) ([3]float64, bool) {
	p := s
	scale := math.Sqrt(dot3(s, s))
	for it := 0; it < pairMaxIter; it++ {
		if !(p[1] > 0) {
			return p, false
		}
		rho := p[0] / p[1]
		er := math.Exp(rho)
		g := p[1]*er - p[2]
		if math.IsInf(er, 0) || math.IsNaN(g) {
			return p, false
		}
		if math.Abs(g) <= 4e-16*math.Max(math.Abs(p[2]), p[1]*er) {
			return p, true
		}
		grad := [3]float64{er, er * (1 - rho), -1}
		f := g / dot3(grad, grad)
		for i := range p {
			p[i] -= f * grad[i]
		}
		if math.Sqrt(dot3([3]float64{p[0] - s[0], p[1] - s[1], p[2] - s[2]}, [3]float64{p[0] - s[0], p[1] - s[1], p[2] - s[2]})) > 0.5*scale {
			return p, false // not near the boundary
		}
	}
	if !(p[1] > 0) {
		return p, false
	}
	g := p[1]*math.Exp(p[0]/p[1]) - p[2]
	return p, math.Abs(g) <= 1e-14*math.Max(1, math.Abs(p[2]))
}
