package cone

import "math"

// Exp is the exponential cone in cvxpy's and SCS's convention, on three
// consecutive rows (x, y, z):
//
//	K_exp  = closure{(x, y, z) : y > 0, y·exp(x/y) ≤ z},
//	K_exp* = closure{(u, v, w) : u < 0, −u·exp(v/u) ≤ e·w}.
//
// It is not self-scaled, so it has no Nesterov–Todd scaling. The solver
// uses the primal–dual scaling of Clarabel (Chen & Goulart, "An efficient
// interior-point method for nonsymmetric cones", after Dahl & Andersen) on
// the logarithmically homogeneous dual barrier
//
//	f*(z) = −log(z₁ − z₀ − z₀·log(−z₂/z₀)) − log(−z₀) − log(z₂)   (ν = 3):
//
// Hs is a symmetric positive definite 3×3 matrix with Hs z = s and
// Hs ∇f(s) = ∇f*(z) (a rank-3 BFGS-type update of μ∇²f*(z), f the primal
// barrier), or μ∇²f*(z) itself ("dual scaling") near the central path or
// when the solver asks for it. In the interior-point step the roles of the
// symmetric-cone terms are taken as follows (see NonSymmetric):
//
//   - affine right-hand side: ds = s (LambdaSquare writes the stored s);
//   - combined: ds = s + σμ∇f*(z) − ½∇³f*(z)[∇²f*(z)⁻¹Δs_a, Δz_a]
//     (CombinedShift adds the last two terms: the centring term and the
//     third-order correction η of Dahl & Andersen);
//   - Δs = −ds − Hs Δz (DsHat is the identity).
//
// The step length backtracks (factor 0.8) until both iterates are strictly
// inside their cones.
type Exp struct {
	nonsym3 // the iterate's scaling state and the methods shared with Pow
}

// NewExp returns an exponential cone block.
func NewExp() *Exp { return &Exp{} }

// expCentral is the point on the central ray of the exponential cone:
// s = −∇f*(s) with s = z (Clarabel's unit initialization; the point where
// the primal and dual iterates coincide and μ = 1).
var expCentral = [3]float64{-1.051383945322714, 0.556409619469370, 1.258967884768947}

// Symmetric implements NonSymmetric's marker (always false).
func (c *Exp) Symmetric() bool { return false }

// UnitInit implements Cone: s = z = the central-ray point.
func (c *Exp) UnitInit(s, z []float64) {
	copy(s, expCentral[:])
	copy(z, expCentral[:])
}

// ShiftToCone implements Cone: a point not strictly inside the cone (the
// primal cone, or the dual cone when isDual) is replaced by the central-ray
// point. The solver starts problems with exponential cones from UnitInit.
func (c *Exp) ShiftToCone(v []float64, isDual bool) {
	in := expPrimalInterior(v)
	if isDual {
		in = expDualInterior(v)
	}
	if !in {
		copy(v, expCentral[:])
	}
}

// UpdateScaling implements Cone: ∇f*(z), ∇²f*(z) and Hs at (s, z).
func (c *Exp) UpdateScaling(s, z []float64) {
	copy(c.s[:], s)
	copy(c.z[:], z)
	expDualGradHess(&c.grad, &c.hd, c.z)
	if c.dual || !c.primalDualScaling() {
		mu := c.mu
		if !c.dual || !(mu > 0) {
			mu = dot3(c.s, c.z) / 3
		}
		for i := range c.hs {
			c.hs[i] = mu * c.hd[i]
		}
		c.factorDual(mu)
	}
}

// factorDual sets F = √μ·Lᵀ from the Cholesky factor ∇²f*(z) = LLᵀ
// (nonsymDualFactor).
func (c *Exp) factorDual(mu float64) { c.wf = nonsymDualFactor(&c.hd, mu) }

// primalDualScaling sets Hs (and its factor F) to the primal–dual scaling at
// (s, z) (nonsymScaling3 with ∇f(s) of the exponential cone); it reports
// false where that scaling is not defined or not numerically meaningful (on
// or near the central path, where the dual scaling μ∇²f*(z) is the same
// matrix).
func (c *Exp) primalDualScaling() bool {
	return nonsymScaling3(c.s, c.z, expPrimalGrad(c.s), c.grad, &c.hd, &c.hs, &c.wf)
}

// CombinedShift implements Cone: ds += σμ∇f*(z) − η with the third-order
// correction η = ½∇³f*(z)[∇²f*(z)⁻¹Δs_a, Δz_a].
func (c *Exp) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	eta := c.thirdOrder(dsA, dz)
	for i := 0; i < 3; i++ {
		ds[i] += sigmaMu*c.grad[i] - eta[i]
	}
}

// thirdOrder returns ½∇³f*(z)[u, v] with u = ∇²f*(z)⁻¹Δs and v = Δz (zero
// when ∇²f*(z) is not numerically positive definite).
func (c *Exp) thirdOrder(dsA, dzA []float64) [3]float64 {
	var eta [3]float64
	u, ok := solveSPD3(&c.hd, [3]float64{dsA[0], dsA[1], dsA[2]})
	if !ok {
		return eta
	}
	v := [3]float64{dzA[0], dzA[1], dzA[2]}
	z := c.z
	// f* = −log ψ − log(−z₀) − log z₂, ψ = z₁ − z₀ − z₀·log(−z₂/z₀).
	l := math.Log(-z[2] / z[0])
	psi := z[1] - z[0] - z[0]*l
	gp := [3]float64{-l, 1, -z[0] / z[2]} // ∇ψ
	// ∇²ψ = [1/z₀, 0, −1/z₂; 0, 0, 0; −1/z₂, 0, z₀/z₂²].
	hpsi := [9]float64{1 / z[0], 0, -1 / z[2], 0, 0, 0, -1 / z[2], 0, z[0] / (z[2] * z[2])}
	hu, hv := mul3(&hpsi, u), mul3(&hpsi, v)
	uhv := dot3(u, hv)
	pu, pv := dot3(gp, u), dot3(gp, v)
	z0s, z2s := z[0]*z[0], z[2]*z[2]
	// ∇³ψ[u, v].
	t3 := [3]float64{
		-u[0]*v[0]/z0s + u[2]*v[2]/z2s,
		0,
		(u[0]*v[2]+u[2]*v[0])/z2s - 2*z[0]*u[2]*v[2]/(z2s*z[2]),
	}
	p2, p3 := psi*psi, psi*psi*psi
	for i := 0; i < 3; i++ {
		// ∇³(−log ψ)[u, v].
		eta[i] = -t3[i]/psi + (uhv*gp[i]+hu[i]*pv+hv[i]*pu)/p2 - 2*pu*pv*gp[i]/p3
	}
	// ∇³ of −log(−z₀) and −log z₂.
	eta[0] += -2 * u[0] * v[0] / (z0s * z[0])
	eta[2] += -2 * u[2] * v[2] / (z2s * z[2])
	for i := range eta {
		eta[i] *= 0.5
		if math.IsNaN(eta[i]) || math.IsInf(eta[i], 0) {
			return [3]float64{}
		}
	}
	return eta
}

// expBacktrack is the backtracking factor of the step length and
// expMinStep the step below which it gives up (returns 0), Clarabel's
// linesearch_backtrack_step and min_terminate_step_length. expBisect is
// the number of bisections between the first interior trial α and the
// exterior α/0.8 before it (issue 15): a step 0.8^k short of the boundary
// made the predictor's σ = (1 − α_a)³ too large and the corrector short;
// two bisections (α within 5 % of the boundary) cut the logistic family's
// iterations 21 → 16 and the power family's 16.9 → 14.5 (one: 18.9, 15.3;
// three: 17.1, 14.6 — more is not monotonically better).
const (
	expBacktrack = 0.8
	expMinStep   = 1e-4
	expBisect    = 2
)

// StepLength implements Cone by backtracking from alphaMax until the
// primal and the dual iterate are strictly inside their cones, then
// bisecting towards the boundary (expBacktrackStep).
func (c *Exp) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	az := expBacktrackStep(c.trial[:], dz, z, alphaMax, expDualInterior)
	as := expBacktrackStep(c.trial[:], ds, s, alphaMax, expPrimalInterior)
	return az, as
}

// expBacktrackStep returns the largest α ≤ a of the form a·0.8^k with
// v + αd interior (in), refined by expBisect bisections between it and
// α/0.8; 0 below expMinStep. w (len 3) is the trial point's scratch.
func expBacktrackStep(w, d, v []float64, a float64, in func([]float64) bool) float64 {
	a0 := a
	for a > 0 {
		for i := range w {
			w[i] = v[i] + a*d[i]
		}
		if in(w) {
			if a == a0 {
				return a
			}
			// Bisect between the feasible a and the infeasible a/0.8.
			lo, hi := a, a/expBacktrack
			for k := 0; k < expBisect; k++ {
				mid := 0.5 * (lo + hi)
				for i := range w {
					w[i] = v[i] + mid*d[i]
				}
				if in(w) {
					lo = mid
				} else {
					hi = mid
				}
			}
			return lo
		}
		a *= expBacktrack
		if a < expMinStep {
			return 0
		}
	}
	return 0
}

// Barrier implements NonSymmetric: f(s) + f*(z), +Inf outside the cones.
func (c *Exp) Barrier(s, z []float64) float64 {
	if !expPrimalInterior(s) || !expDualInterior(z) {
		return math.Inf(1)
	}
	return expPrimalBarrier(s) + expDualBarrier(z)
}

// expPrimalInterior reports whether s is strictly inside K_exp.
func expPrimalInterior(s []float64) bool {
	if !(s[1] > 0 && s[2] > 0) {
		return false
	}
	return s[1]*math.Log(s[2]/s[1])-s[0] > 0
}

// expDualInterior reports whether z is strictly inside K_exp*.
func expDualInterior(z []float64) bool {
	if !(z[0] < 0 && z[2] > 0) {
		return false
	}
	return z[1]-z[0]-z[0]*math.Log(-z[2]/z[0]) > 0
}

// expDualBarrier is f*(z).
func expDualBarrier(z []float64) float64 {
	l := math.Log(-z[2] / z[0])
	return -math.Log(-z[0]*z[2]) - math.Log(z[1]-z[0]-z[0]*l)
}

// expPrimalBarrier is the primal barrier conjugate to f*,
// f(s) = −log((1−ω)²/ω) − 2·log s₁ − log s₂ − 3 with
// ω = ω(1 − s₀/s₁ − log(s₁/s₂)) (ω the Wright omega function), so that
// f(−∇f*(z)) + f*(z) = −3 (on the central path s = −μ∇f*(z):
// f(s) + f*(z) = −3 − 3·log μ).
func expPrimalBarrier(s []float64) float64 {
	w := wrightOmega(1 - s[0]/s[1] - math.Log(s[1]/s[2]))
	return -math.Log((w-1)*(w-1)/w) - 2*math.Log(s[1]) - math.Log(s[2]) - 3
}

// expPrimalGrad returns ∇f(s) of the primal barrier.
func expPrimalGrad(s [3]float64) [3]float64 {
	w := wrightOmega(1 - s[0]/s[1] - math.Log(s[1]/s[2]))
	var g [3]float64
	g[0] = 1 / ((w - 1) * s[1])
	g[1] = g[0] + g[0]*math.Log(w*s[1]/s[2]) - 1/s[1]
	g[2] = w / ((1 - w) * s[2])
	return g
}

// expDualGradHess writes ∇f*(z) and ∇²f*(z) (row-major).
func expDualGradHess(g *[3]float64, h *[9]float64, z [3]float64) {
	l := math.Log(-z[2] / z[0])
	r := z[1] - z[0] - z[0]*l // ψ
	c2 := 1 / r
	g[0] = c2*l - 1/z[0]
	g[1] = -c2
	g[2] = (c2*z[0] - 1) / z[2]
	r2 := r * r
	h00 := (r2 - z[0]*r + l*l*z[0]*z[0]) / (r2 * z[0] * z[0])
	h01 := -l / r2
	h11 := 1 / r2
	h02 := (z[1] - z[0]) / (r2 * z[2])
	h12 := -z[0] / (r2 * z[2])
	h22 := (r2 - z[0]*r + z[0]*z[0]) / (r2 * z[2] * z[2])
	*h = [9]float64{h00, h01, h02, h01, h11, h12, h02, h12, h22}
}

// wrightOmega returns ω(x), the solution w of w + log w = x, for x ≥ 1
// (w ≥ 1): Newton's method from an asymptotic initial guess; the function
// is increasing and concave in log w, and Newton converges in a few steps.
func wrightOmega(x float64) float64 {
	var w float64
	if x < 2 {
		w = 1 + (x-1)/2
	} else {
		lx := math.Log(x)
		w = x - lx + lx/x
	}
	for k := 0; k < 50; k++ {
		f := w + math.Log(w) - x
		dw := f / (1 + 1/w)
		w -= dw
		if w <= 0 {
			w = 1e-300
		}
		if math.Abs(dw) <= 1e-16*w {
			break
		}
	}
	return w
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func mul3(m *[9]float64, v [3]float64) [3]float64 {
	return [3]float64{
		m[0]*v[0] + m[1]*v[1] + m[2]*v[2],
		m[3]*v[0] + m[4]*v[1] + m[5]*v[2],
		m[6]*v[0] + m[7]*v[1] + m[8]*v[2],
	}
}

// solveSPD3 solves M u = b for a symmetric positive definite 3×3 M by
// Cholesky; it reports false when M is not numerically positive definite.
func solveSPD3(m *[9]float64, b [3]float64) ([3]float64, bool) {
	l00 := m[0]
	if !(l00 > 0) {
		return b, false
	}
	l00 = math.Sqrt(l00)
	l10 := m[3] / l00
	l20 := m[6] / l00
	d1 := m[4] - l10*l10
	if !(d1 > 0) {
		return b, false
	}
	l11 := math.Sqrt(d1)
	l21 := (m[7] - l20*l10) / l11
	d2 := m[8] - l20*l20 - l21*l21
	if !(d2 > 0) {
		return b, false
	}
	l22 := math.Sqrt(d2)
	y0 := b[0] / l00
	y1 := (b[1] - l10*y0) / l11
	y2 := (b[2] - l20*y0 - l21*y1) / l22
	x2 := y2 / l22
	x1 := (y1 - l21*x2) / l11
	x0 := (y0 - l10*x1 - l20*x2) / l00
	return [3]float64{x0, x1, x2}, true
}
