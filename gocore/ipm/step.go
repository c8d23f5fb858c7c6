package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// direction holds the search directions of one predictor–corrector step
// and the solution of the constant KKT system shared by its solves.
type direction struct {
	dx, dz, ds   []float64
	dtau, dkappa float64
	x1, z1       []float64 // K [x1; z1] = [−c̃; b̃]
	dsh, dsRHS   []float64 // Wᵀ(λ \ ds) and the ds right-hand side
	hz           []float64 // H z1
	denConst     float64   // denominator of Δτ
}

func newDirection(n, m int) direction {
	v := func(k int) []float64 { return make([]float64, k) }
	return direction{dx: v(n), dz: v(m), ds: v(m), x1: v(n), z1: v(m),
		dsh: v(m), dsRHS: v(m), hz: v(m)}
}

// step performs one predictor–corrector iteration. It returns false on a
// numerical failure.
func (w *Solver) step() bool {
	n := w.an.St.N
	sz := w.cones.Complementarity(w.s, w.z)
	mu := (sz + w.tau*w.kappa) / float64(w.degree+1)
	w.cones.SetScalingStrategy(w.dualScaling, mu)
	w.kkt.SetScaling(w.s, w.z)
	if !w.factor() {
		return w.switchToDualScaling()
	}
	// Constant system K [x1; z1] = [−c̃; b̃], solved with the predictor's
	// system (whose right-hand side does not depend on x1, z1): one pass
	// over the factor for both (kkt.System.SolvePair; the predictor's
	// solve is completed by SolveSecond, bit for bit the solve it was).
	{
		rhs, cv := w.rhs[:n], w.cv[:n] // locals: no reloads, no bounds checks
		for i, v := range cv {
			rhs[i] = -v
		}
	}
	copy(w.rhs[n:], w.bv)
	if noPairSolve {
		if !w.solveKKT() {
			return false
		}
	} else {
		w.cones.LambdaSquare(w.dsRHS)
		w.stepRHS(1, w.dsRHS, w.rhs2)
		if !w.kkt.SolvePair(w.rhs, w.sol, w.rhs2, w.sol2) {
			return false
		}
	}
	copy(w.z1, w.sol[n:])
	// Denominator of Δτ: −(κ/τ + z1ᵀHz1 + (x1−ξ)ᵀP(x1−ξ)), ξ = x/τ.
	// x1 is copied out in the loop that forms x1 − ξ (tmpN); ξ itself is
	// not kept. mulP overwrites dx (no clearing first).
	{
		x1, x, tmp, sol, tau := w.x1[:n], w.x[:n], w.tmpN[:n], w.sol[:n], w.tau
		for i, v := range sol {
			x1[i] = v
			tmp[i] = v - x[i]/tau
		}
	}
	w.mulP(w.dx, w.tmpN)
	// The explicit H matches the matrix the solves used; near the cone
	// boundary its large entries can cancel to a non-negative value, and
	// then the quadratic form is taken through W instead. The two dot
	// products in one loop (dots2: each its own sum, in the same order);
	// a diagonal H's product H z1 inside it (dotsH: MulH's h·z1, not
	// stored).
	var zhz, tpt float64
	if h := w.kkt.HDiagonal(); h != nil && !noFusedDs {
		zhz, tpt = dotsH(w.z1, h, w.tmpN, w.dx)
	} else {
		w.kkt.MulH(w.hz, w.z1)
		zhz, tpt = dots2(w.z1, w.hz, w.tmpN, w.dx)
	}
	w.denConst = -(w.kappa/w.tau + zhz + tpt)
	if !(w.denConst < 0) {
		w.denConst = -(w.kappa/w.tau + w.kkt.QuadH(w.z1) + tpt)
	}
	if !(w.denConst < 0) {
		return w.switchToDualScaling()
	}

	// Affine (predictor) step.
	if noPairSolve {
		w.cones.LambdaSquare(w.dsRHS)
		if !w.solveStep(1, w.dsRHS, w.tau*w.kappa) {
			return false
		}
	} else if !w.kkt.SolveSecond(w.rhs2, w.sol2) || !w.finishStep(1, w.tau*w.kappa, w.sol2) {
		return false
	}
	alphaA := w.stepLength(1)
	sigma := cube(1 - alphaA)
	dtauA, dkappaA := w.dtau, w.dkappa

	// Combined (corrector) step. The affine Δz, Δs are read by
	// CombinedShift alone, before the corrector's solveStep overwrites dz
	// and ds: no copies of them are kept.
	sm := sigma * mu
	w.cones.LambdaSquare(w.dsRHS)
	w.cones.CombinedShift(w.dsRHS, w.dz, w.ds, sm)
	if !w.solveStep(1-sigma, w.dsRHS, w.tau*w.kappa+dtauA*dkappaA-sm) {
		return w.switchToDualScaling()
	}
	alpha := w.stepLength(1) * w.stepFrac
	if !w.cones.Symmetric() {
		// Clarabel's strategy for non-symmetric cones: a short
		// primal–dual-scaled step switches to the dual scaling (the
		// iterate is kept and the step recomputed); dual-scaled steps are
		// shortened until the iterate stays near the central path.
		if !w.dualScaling && alpha < minSwitchStep {
			w.dualScaling = true
			return true
		}
		if w.dualScaling {
			alpha = w.backtrackToBarrier(alpha)
		}
	}
	if alpha < minStep {
		return false
	}
	w.advance(alpha, &w.direction)
	return true
}

// cube is math.Pow(x, 3) bit for bit: x·(x·x) where x² and x³ are
// normal and finite (|x| in [2⁻³⁴⁰, 2³⁴⁰]), else math.Pow itself. Pow
// takes x's mantissa x₁ ∈ [½, 1) and exponent e (math.Frexp) and returns
// round(x₁·round(x₁²))·2^3e (its repeated squaring for y = 3; the
// renormalizations are exact doublings), which is round(x·round(x·x))
// when no product leaves the normal range: scaling by a power of two
// commutes with rounding there. The centering σ = (1 − α)³ of every
// step took Pow's special-case tests, Modf, Frexp and Ldexp (~200
// instructions; ~1.2 k of a BPQP QP 10×5 forward).
func cube(x float64) float64 {
	if a := math.Abs(x); a >= 0x1p-340 && a <= 0x1p340 {
		return x * (x * x)
	}
	return math.Pow(x, 3)
}

// noFusedDs: tests; finishStep takes Δs, and step z1ᵀHz1, through MulH
// and loops of their own also for a diagonal H.
var noFusedDs bool

// noPairSolve: tests; step solves the constant and the affine systems
// one after the other (Solve, solveStep) instead of as a pair.
var noPairSolve bool

// minSwitchStep is the combined step length below which the non-symmetric
// cones switch from the primal–dual to the dual scaling (Clarabel's
// min_switch_step_length).
const minSwitchStep = 0.1

// switchToDualScaling handles a numerical failure of a step: with
// non-symmetric cones still on the primal–dual scaling it switches to the
// dual scaling and reports success (the iteration retries from the same
// iterate); otherwise it reports the failure.
func (w *Solver) switchToDualScaling() bool {
	if w.cones.Symmetric() || w.dualScaling {
		return false
	}
	w.dualScaling = true
	return true
}

// backtrackToBarrier shortens α (factor 0.8, at most 50 times) until the
// barrier of the homogeneous embedding at the new iterate,
// (ν+1)·log μ − log τ − log κ + Σ f(s) + f*(z), is below 1 (Clarabel's
// centrality check for dual-scaled steps; it is −3 per exponential cone on
// the central path).
func (w *Solver) backtrackToBarrier(alpha float64) float64 {
	nu := float64(w.degree + 1)
	for k := 0; k < 50; k++ {
		tau := w.tau + alpha*w.dtau
		kappa := w.kappa + alpha*w.dkappa
		var sz float64
		for i := range w.s {
			sz += (w.s[i] + alpha*w.ds[i]) * (w.z[i] + alpha*w.dz[i])
		}
		mu := (sz + tau*kappa) / nu
		b := nu*math.Log(mu) - math.Log(tau) - math.Log(kappa) + w.cones.Barrier(w.s, w.z, w.ds, w.dz, alpha)
		if b < 1 {
			return alpha
		}
		alpha *= 0.8
	}
	return alpha
}

// solveStep computes the search direction for right-hand sides
// (f·rx, f·rz, f·rτ, ds, dκ) into dx, dz, ds, dtau, dkappa.
func (w *Solver) solveStep(f float64, dsIn []float64, dkappaIn float64) bool {
	w.stepRHS(f, dsIn, w.rhs)
	if !w.solveKKT() {
		return false
	}
	return w.finishStep(f, dkappaIn, w.sol)
}

// stepRHS sets dsh = Wᵀ(λ \ ds) and rhs = [−f·rx; −f·rz + dsh], the KKT
// right-hand side of solveStep.
func (w *Solver) stepRHS(f float64, dsIn, rhs []float64) {
	st := w.an.St
	n, m := st.N, st.M
	w.cones.DsHat(w.dsh, dsIn)
	// (Resliced locals: the loops below run without bounds checks.)
	rx, rz, dsh := w.rx[:n], w.rz[:m], w.dsh[:m]
	rhsX, rhsZ := rhs[:n], rhs[n:n+m]
	// Four entries a pass, then the rest (the same operations).
	g := -f
	i := 0
	for ; i+4 <= len(rhsX); i += 4 {
		d, x := rhsX[i:i+4:i+4], rx[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = g*x[0], g*x[1], g*x[2], g*x[3]
	}
	for ; i < len(rhsX); i++ {
		rhsX[i] = g * rx[i]
	}
	i = 0
	for ; i+4 <= len(rhsZ); i += 4 {
		d, z, h := rhsZ[i:i+4:i+4], rz[i:i+4:i+4], dsh[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = g*z[0]+h[0], g*z[1]+h[1], g*z[2]+h[2], g*z[3]+h[3]
	}
	for ; i < len(rhsZ); i++ {
		rhsZ[i] = g*rz[i] + dsh[i]
	}
}

// finishStep forms solveStep's direction from the KKT solution sol of
// stepRHS's right-hand side (dsh as stepRHS left it).
func (w *Solver) finishStep(f, dkappaIn float64, sol []float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	dsh := w.dsh[:m]
	x2, z2 := sol[:n], sol[n:n+m]
	// Numerator: −dτ + dκ/τ − (c̃ + 2P̃ξ)ᵀx2 − b̃ᵀz2, with P̃ξ = px/τ.
	cx2, px2, bz2 := dots3(w.cv, w.px, x2, w.bv, z2)
	num := -f*w.rtau + dkappaIn/w.tau - cx2 - 2*px2/w.tau - bz2
	dtau := num / w.denConst
	dx, x1 := w.dx[:n], w.x1[:n]
	for i := range dx {
		dx[i] = x2[i] + dtau*x1[i]
	}
	dz, z1, ds := w.dz[:m], w.z1[:m], w.ds[:m]
	if h := w.kkt.HDiagonal(); h != nil && !noFusedDs {
		// A diagonal H (zero, nonnegative cones): Δz, HΔz and
		// Δs = −HΔz − dsh in one loop, the operations of the three
		// below (MulH's h·Δz, rounded before the subtraction as
		// MulH stores it: the conversion keeps arm64 from fusing it).
		h, z2 := h[:m], z2[:m]
		for i := range dz {
			d := z2[i] + dtau*z1[i]
			dz[i] = d
			ds[i] = -float64(h[i]*d) - dsh[i]
		}
	} else {
		for i := range dz {
			dz[i] = z2[i] + dtau*z1[i]
		}
		w.kkt.MulH(w.ds, w.dz)
		for i := range ds {
			ds[i] = -ds[i] - dsh[i]
		}
	}
	w.dtau = dtau
	w.dkappa = -(dkappaIn + w.kappa*dtau) / w.tau
	return !math.IsNaN(dtau) && !math.IsInf(dtau, 0)
}

// stepLength returns the largest α ≤ amax keeping (s, z, τ, κ) interior.
func (w *Solver) stepLength(amax float64) float64 {
	a := amax
	if w.dtau < 0 {
		a = vec.Min(a, -w.tau/w.dtau)
	}
	if w.dkappa < 0 {
		a = vec.Min(a, -w.kappa/w.dkappa)
	}
	if w.nnRows != nil {
		return w.nonnegStepLength(a)
	}
	return w.cones.StepLength(w.dz, w.ds, w.z, w.s, a)
}

// nonnegStepLength is cones.StepLength for cones that are all zero or
// nonnegative (nnRows: the nonnegative rows' ranges): the smallest of a
// and the ratios −z/Δz, −s/Δs over the rows whose direction is negative,
// as the cones compute it (a NaN ratio gives NaN), in one loop without
// the per-cone calls.
func (w *Solver) nonnegStepLength(a float64) float64 {
	for _, rg := range w.nnRows {
		dz, ds := w.dz[rg[0]:rg[1]], w.ds[rg[0]:rg[1]]
		z, s := w.z[rg[0]:rg[1]], w.s[rg[0]:rg[1]]
		z, s, ds = z[:len(dz)], s[:len(dz)], ds[:len(dz)]
		for i, d := range dz {
			if d < 0 {
				a = vec.Min(a, -z[i]/d)
			}
			if e := ds[i]; e < 0 {
				a = vec.Min(a, -s[i]/e)
			}
		}
	}
	return a
}

// nonnegRowRanges returns the row ranges of the nonnegative cones when
// every cone is a zero or nonnegative cone (nil otherwise: stepLength
// asks the cones).
func nonnegRowRanges(specs []cone.Spec) [][2]int {
	rows := [][2]int{}
	off := 0
	for _, c := range specs {
		switch c.Kind {
		case cone.KindZero:
		case cone.KindNonneg:
			rows = append(rows, [2]int{off, off + c.Dim})
		default:
			return nil
		}
		off += c.Dim
	}
	return rows
}
