package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// Tangent Newton refinement of solves with non-symmetric (exponential or
// power) cones, and the polish of converged solves with second-order cones
// (refineSOC) or PSD cones (refinePSD).
//
// At an interior-point solution with gap μ, the slack and multiplier of an
// active non-symmetric cone are off the boundary by O(μ), but the point on
// the boundary they stand for is off the solution's by O(√μ) along the
// boundary's curvature, so x is only ~√μ accurate (1e-5…1e-6 at the default
// 1e-8, as Clarabel's at 1e-10). The dense Newton refinement of newton.go
// needs a Jacobian of the complementarity product, which the exponential
// and power cones do not have in Jordan form, and a dense LU. tangentRefine instead
// takes Newton steps on the KKT conditions with complementarity expressed
// by the complementarity set C = {(s, y) : s ∈ K, y ∈ K*, sᵀy = 0}: each
// step maps (s, y) to a nearby point (ŝ, ŷ) of C (cone.Composite.NewtonPair:
// the Moreau decomposition for the symmetric and power cones, the boundary
// point and its normal ray for the exponential cone) and solves
//
//	[ P̃   Ãᵀ ] [dx]   [ −r_d                ]
//	[ Ã   −H ] [dy] = [ e + H f − r_p       ]
//
// with r_d = P̃x + Ãᵀy + c̃, r_p = Ãx + s − b̃, e = s − ŝ, f = y − ŷ and H the
// tangent space of C at (ŝ, ŷ) (ds = −H dy; ProjectionH), then
// ds = −r_p − Ã dx: the new point satisfies the linear KKT rows and lies on
// the tangent plane of C at (ŝ, ŷ), an error of second order in the
// distance. It is the system of the interior-point step and of the kkt
// backward pass, so it is factored by the same sparse or dense LDLᵀ (one
// factorization per step, like one interior-point iteration). After each
// step (s, y) is moved onto C (its pair), and the point is kept only when it
// passes the termination tests with a smaller Newton measure (the larger of
// the relative residuals, the gap and the pair distance) than the best so
// far, which starts at the interior-point solution's.

const (
	// refineSteps bounds the tangent Newton steps.
	refineSteps = 4
	// refineContract: a step whose point does not pass the termination
	// tests must reduce the measure by at least this factor, or the
	// refinement stops (it converges quadratically where it converges).
	refineContract = 0.5
	// refineMeasureFloor: the refinement stops once its measure is below
	// it (rounding level).
	refineMeasureFloor = 1e-15
	// psdTangentDone: a PSD problem's tangent refinement that ends with
	// a larger measure is finished by the dense Newton polish.
	psdTangentDone = 1e-13
)

type refineWork struct {
	x, y, s    []float64 // the current point (τ = 1)
	sh, yh     []float64 // its complementary pair
	hf, ad     []float64 // H f, Ã dx
	bx, by, bs []float64 // the starting iterate, restored on a rejection
	px, py, ps []float64 // the best accepted point
}

// refineNonsym reports whether the tangent Newton refinement applies: it is
// enabled (Settings.Polish, which gates both of its uses: the rescue of a
// failed or stalled solve and the polish of a converged one, like the dense
// Newton refinement of second-order cone problems), the problem has a
// non-symmetric (exponential or power) cone and every block has
// complementary pairs.
func (w *Solver) refineNonsym() bool {
	return w.set.Polish && !w.cones.Symmetric() && w.cones.PairSupported()
}

// refineSOC reports whether a converged solve of a problem with
// second-order cones (and no PSD or non-symmetric ones, which polishNewton
// and refineNonsym serve) gets the tangent Newton refinement as its polish:
// Settings.Polish, the active-set polish did not apply, and every block has
// complementary pairs. An interior point stopped at the default tolerances
// leaves the multipliers of nearly inactive rows and the slacks of nearly
// active ones smeared (s·y ≈ μ), which the kkt backward would differentiate
// as they are (gradients off by up to ~1e-2 on such samples); the refined
// point separates them.
func (w *Solver) refineSOC(info *Info) bool {
	return w.set.Polish && !info.Polished && w.hasSOC() && w.cones.Symmetric() &&
		!w.an.St.HasKind(cone.KindPSD) && w.cones.PairSupported()
}

// refinePSD reports whether a converged solve of a problem with PSD cones
// (and only symmetric ones) gets the tangent Newton refinement as its
// polish, before the dense Newton polish of newton.go (polishNewton), which
// stays the fallback: Settings.Polish and every block has complementary
// pairs. The tangent step solves the interior point's quasidefinite KKT
// system (sparse or dense LDLᵀ) where the Newton polish factors a dense LU
// of order n + m: on the nearest-correlation family (n + m = 320) the
// polish went from ~45 % of the solve to ~30 %. When the tangent
// refinement stops above psdTangentDone or finds no better point, the
// Newton polish runs from where it left off. (On the largest-eigenvalue
// LMI every solve used to: its PSD pair was complementary only to
// ~ε‖ŝ‖²n, a gap of 3e-12 that held the measure at 3e-13; see
// PSD.moreau and TestPSDPolishRounds.)
func (w *Solver) refinePSD() bool {
	return w.set.Polish && w.cones.Symmetric() && w.an.St.HasKind(cone.KindPSD) && w.cones.PairSupported()
}

// tangentRefine runs the tangent Newton refinement (see above) from the
// current iterate (callers check refineNonsym first). The argument polish
// is not Settings.Polish but the purpose: to finish a failed or stalled
// solve (polish false) any point that passes the termination tests is
// accepted; to polish a converged one (polish true) it must also improve on
// the iterate's measure. It reports
// whether a point was accepted; info then describes it. Otherwise the
// iterate and info are restored.
func (w *Solver) tangentRefine(info *Info, polish bool) bool {
	// A PSD polish stops at psdTangentDone, the level at which it skips
	// the LU Newton polish: a step below it leaves x and y as they were
	// to rounding (nearest correlation: 3e-15 → 3e-15) for one more
	// factorization and eigen-decomposition per block.
	done := refineMeasureFloor
	if polish && w.refinePSD() {
		done = psdTangentDone
	}
	return w.tangentRefineTo(info, polish, done)
}

// tangentRefineTo is tangentRefine stopping once the measure of an
// accepted point is at most done.
func (w *Solver) tangentRefineTo(info *Info, polish bool, done float64) bool {
	return w.tangentRefineSteps(info, polish, done, refineSteps)
}

// tangentRefineSteps is tangentRefineTo with at most steps steps.
func (w *Solver) tangentRefineSteps(info *Info, polish bool, done float64, steps int) bool {
	st := w.an.St
	n, m := st.N, st.M
	if !(w.tau > 0) {
		return false
	}
	if w.refine == nil {
		vec := func(k int) []float64 { return make([]float64, k) }
		w.refine = &refineWork{x: vec(n), y: vec(m), s: vec(m), sh: vec(m), yh: vec(m),
			hf: vec(m), ad: vec(m),
			bx: vec(n), by: vec(m), bs: vec(m), px: vec(n), py: vec(m), ps: vec(m)}
	}
	rw := w.refine
	tau0, kappa0 := w.tau, w.kappa
	saved := *info
	w.saveIterate(rw.bx, rw.by, rw.bs, rw.x, rw.y, rw.s)
	best := math.Inf(1)
	if polish {
		d, ok := w.pairDistance()
		if !ok {
			return false
		}
		best = refineMeasure(info, d)
	}
	// The matrix: P̃ (+ prox) and Ã as the solve set them (polish may have
	// changed A rows of polyhedral problems; refresh them). SetData resets
	// the factorization's adaptive state (δ, form) that the interior-point
	// iteration built up; a rejection gives it back (below).
	fs := w.kkt.FactorState()
	w.kkt.SetData(w.pv, w.av, 0)
	if w.prox != 0 {
		w.kkt.AddDiagX(w.proxS)
	}
	var bestInfo Info
	found := false
	// last: the measure of the previous step's point, which a later step
	// whose point is not accepted must reduce by refineContract. (Not the
	// starting iterate's: moving it onto C can raise its residuals, and
	// the first step from the power-cone projection's iterate at 1e7 ×
	// the tolerances took the measure from 1e-2 only to 6e-3, the second
	// to 1e-10.)
	last := math.Inf(1)
	for it := 0; it < steps; it++ {
		w.refineSteps++
		if !w.refineStep() {
			break
		}
		// Move (s, y) onto C: its pair (a second-order change).
		if !w.cones.NewtonPair(rw.s, rw.y, rw.sh, rw.yh, nil) {
			break
		}
		copy(rw.s, rw.sh)
		copy(rw.y, rw.yh)
		w.setIterate(rw.x, rw.y, rw.s, 1, 0)
		cv := w.converged(info)
		measure := refineMeasure(info, 0)
		if !cv {
			// Outside Newton's region of fast convergence (an attempt
			// from an iterate that has not yet found the solution's
			// active set): give up now rather than after refineSteps.
			if !(measure <= refineContract*last) {
				break
			}
			last = measure
			continue
		}
		last = measure
		if !(measure < best) {
			break
		}
		prev := best
		best, bestInfo, found = measure, *info, true
		copy(rw.px, rw.x)
		copy(rw.py, rw.y)
		copy(rw.ps, rw.s)
		if measure > 0.1*prev || measure <= done {
			break
		}
	}
	if found {
		w.setIterate(rw.px, rw.py, rw.ps, 1, 0)
		*info = bestInfo
		return true
	}
	// Rejected: restore the iterate, info and the KKT system's adaptive
	// factorization state, so that a restart or further iterations behave
	// as without the attempt. The matrix's H block and the factorization
	// are still the refinement's; every later use sets its own H and
	// factors first (step: SetScaling; the kkt backward, polish, LPGD and
	// the next Solve: SetData), so none can solve with them.
	w.kkt.RestoreFactorState(fs)
	w.setIterate(rw.bx, rw.by, rw.bs, tau0, kappa0)
	*info = saved
	return false
}

// Early refinement (earlyRefine): the tangent Newton refinement converges
// quadratically from iterates far less accurate than the termination
// tolerances, and each step costs about one interior-point iteration. So a
// problem that gets the refinement after convergence (PSD cones:
// refinePSD; exponential or power cones: refineNonsym) tries it once
// before, at the first iterate within earlyRefineFactor of the tolerances
// in primal and dual residual and gap. Measured with the tolerances set to
// 1e-3…1e-8 on the bench families (bench_cone.py): from an iterate at 1e-3
// the largest-eigenvalue LMI (d = 12) and the nearest correlation matrix
// (d = 10) reach a measure of ~1e-15 in two or three steps, the power-cone
// projection (k = 100) in its presolved form too; with the early
// refinement the LMI takes 3 iterations and 2 steps instead of 6 and 1,
// the nearest correlation matrix 3–4 and 2–4 instead of 7 and 2, the
// power-cone projection 6 iterations instead of 14 (CPU per solve −30 %,
// −30 %, −55 %). A point is accepted only when it passes the termination
// tests at the requested tolerances with its pair (ŝ, ŷ) in the
// complementarity set, i.e. it is a solution; a rejection restores the
// iterate (tangentRefine) and the iteration goes on, with the refinement
// after convergence as before. A variable, not a constant, so that tests
// can turn it off (0).
//
// The first attempt is at 1e7 (it was 1e5): BenchmarkFamilies CPU per
// solve lmi12 465 → 345 µs (3 → 2 iterations), ncm10 898 → 669 µs
// (4.1 → 2), pow100 1.18 → 0.94 ms (6.25 → 4.25). Earlier first
// attempts are rejected on the LMI (1e8: 6 iterations), so a rejected
// attempt is retried once at earlyRefineRetry times the level (1e5, the
// former single attempt): a rejection at 1e7 costs its refinement steps
// (at most refineSteps) and leaves the attempt the solve had before.
var earlyRefineFactor = 1e7

// earlyRefinePow multiplies earlyRefineFactor for problems with power
// cones (and no exponential or PSD ones): their first attempt is at 1e9 × the
// tolerances, the retry at 1e7. Measured on the power-cone projection
// (k = 100, 8 samples): at 1e9 the attempt starts 1.9 iterations earlier
// (iterations 4.25 → 2.4) and is accepted on every sample, taking 4
// steps instead of 3.6 (the measure from ~5e-2 to ~1e-15): 6.4
// factorizations per solve instead of 7.9. Not for the exponential cone:
// logistic regression (bench_cone.py, batch 32) took 67 → 72 ms at 1e9.
// Nor for PSD cones: the λmax LMI's attempt from its first iterate
// diverges (measure 0.4 → 3 → 4e9; since refineContract it costs two
// steps before the retry).
const earlyRefinePow = 100

// earlyRefineRetry is the factor of the level of the second (last) early
// refinement attempt after a rejected first one.
const earlyRefineRetry = 1e-2

// earlyRefineDone: the early refinement of a problem with PSD cones stops
// once its measure is at most this. At psdTangentDone (the PSD polish's
// level) the nearest correlation matrix stopped after its second step from
// 1e-3 with x 5e-14 from the exact solution (5e-15 refined after
// convergence); at refineMeasureFloor most solves paid a fourth step to
// find that the third no longer improved tenfold. Problems with
// exponential or power cones refine to refineMeasureFloor, as after
// convergence (at 1e-14 the power-cone projection ended 1.6e-14 from the
// exact projection instead of 2e-15, for no measurable time).
const earlyRefineDone = 1e-14

// earlyRefine tries the early refinement (see earlyRefineFactor) and
// reports whether it was accepted (info then describes the refined point).
func (w *Solver) earlyRefine(info *Info) bool {
	f := earlyRefineFactor
	if st := w.an.St; st.HasKind(cone.KindPow) && !st.HasKind(cone.KindExp) && !st.HasKind(cone.KindPSD) {
		f *= earlyRefinePow
	}
	if w.earlyRefined {
		f *= earlyRefineRetry
	}
	if w.earlyRetried || !(f > 0) || !(w.refinePSD() || w.refineNonsym()) || !(w.tau > 0) || w.kappa >= w.tau {
		return false
	}
	if !(info.ResPrimal <= f*w.set.TolFeas && info.ResDual <= f*w.set.TolFeas &&
		(info.GapAbs <= f*w.set.TolGapAbs || info.GapRel <= f*w.set.TolGapRel)) {
		return false
	}
	w.earlyRetried = w.earlyRefined
	w.earlyRefined = true
	done := earlyRefineDone
	if !w.cones.Symmetric() {
		done = refineMeasureFloor
	}
	w.earlyAccepted = w.tangentRefineTo(info, false, done)
	return w.earlyAccepted
}

// refineMeasure is the Newton measure of a point with termination
// quantities info and relative pair distance d.
func refineMeasure(info *Info, d float64) float64 {
	return math.Max(math.Max(math.Max(info.ResPrimal, info.ResDual), math.Min(info.GapAbs, info.GapRel)), d)
}

// pairDistance returns max‖(s, y) − (ŝ, ŷ)‖∞ / max(1, ‖s‖∞, ‖y‖∞) of the
// current refinement point (rw.s, rw.y) and its pair; false if it has none.
func (w *Solver) pairDistance() (float64, bool) {
	rw := w.refine
	if !w.cones.NewtonPair(rw.s, rw.y, rw.sh, rw.yh, nil) {
		return 0, false
	}
	d, scale := 0.0, 1.0
	for i := range rw.s {
		d = math.Max(d, math.Max(math.Abs(rw.s[i]-rw.sh[i]), math.Abs(rw.y[i]-rw.yh[i])))
		scale = math.Max(scale, math.Max(math.Abs(rw.s[i]), math.Abs(rw.y[i])))
	}
	return d / scale, true
}

// refineStep takes one tangent Newton step from (rw.x, rw.y, rw.s).
func (w *Solver) refineStep() bool {
	st := w.an.St
	n := st.N
	rw := w.refine
	rd, r2 := w.rhs[:n], w.rhs[n:]
	// r_d = P̃x + Ãᵀy + c̃ (rd holds −r_d below); r_p = Ãx + s − b̃ in tmpM.
	for i := range rd {
		rd[i] = 0
	}
	w.mulP(rd, rw.x)
	for j := range rd {
		rd[j] += w.cv[j]
	}
	st.MulAT(rd, w.av, rw.y, 1)
	for j := range rd {
		rd[j] = -rd[j]
	}
	rp := w.tmpM
	for i := range rp {
		rp[i] = rw.s[i] - w.bv[i]
	}
	st.MulA(rp, w.av, rw.x, 1)
	if !w.kkt.SetNewtonPairH(rw.s, rw.y, rw.sh, rw.yh) {
		return false
	}
	// e + H f − r_p with e = s − ŝ, f = y − ŷ.
	f := rw.ad
	for i := range f {
		f[i] = rw.y[i] - rw.yh[i]
	}
	w.kkt.MulH(rw.hf, f)
	for i := range r2 {
		r2[i] = rw.s[i] - rw.sh[i] + rw.hf[i] - rp[i]
	}
	if !w.factor() || !w.solveKKT() {
		return false
	}
	dx, dy := w.sol[:n], w.sol[n:]
	ad := rw.ad
	for i := range ad {
		ad[i] = 0
	}
	st.MulA(ad, w.av, dx, 1)
	for j := range rw.x {
		rw.x[j] += dx[j]
	}
	for i := range rw.y {
		rw.y[i] += dy[i]
		rw.s[i] -= rp[i] + ad[i]
	}
	return finite(rw.x) && finite(rw.y) && finite(rw.s)
}

// refineFromSteps bounds the tangent Newton steps of RefineFrom: its start
// (the solution of a nearby problem) is farther from the solution than a
// converged iterate, and a step that does not contract stops it early
// (refineContract), so a rejected start costs few of them.
const refineFromSteps = 8

// RefineFrom solves the problem with values v (validated by the caller)
// by the tangent Newton refinement started from the point (x, y, s) of
// the caller's problem (typically the solution of a nearby problem: LPGD's
// perturbed re-solves start from the forward's solution), with the
// proximal weight of SetProx. It reports whether the refinement reached a
// point that passes the termination tests at the solver's tolerances; res
// then holds it (StatusSolved, Iter 0), refined as far as a converged
// solve's polish would (to rounding level; problems with PSD cones get the
// dense Newton polish when the refinement stopped above its level).
// Otherwise res is not written and the caller solves from scratch (Solve).
// It runs only with Settings.Polish (the refinement is part of the polish:
// without it Solve returns the unrefined interior point) and when every
// cone has complementary pairs (cone.Composite.PairSupported); false
// otherwise.
func (w *Solver) RefineFrom(v *problem.Values, x, y, s []float64, res *Result) bool {
	if !w.set.Polish || !w.cones.PairSupported() {
		return false
	}
	w.markSink()
	w.startClock()
	w.loadData(v)
	w.newtonTries, w.refineSteps = 0, 0
	// The scaled iterate with τ = 1, κ = 0 (the inverse of unscale).
	for j := range w.x {
		w.x[j] = x[j] / w.dScale[j]
	}
	for i := range w.z {
		w.z[i] = y[i] * w.cScale / w.eScale[i]
		w.s[i] = s[i] * w.eScale[i]
	}
	w.tau, w.kappa = 1, 0
	if !finite(w.x) || !finite(w.z) || !finite(w.s) {
		return false
	}
	// The level at which the refinement stops, as an early refinement's:
	// PSD problems at earlyRefineDone, the others at rounding.
	done := refineMeasureFloor
	if w.refinePSD() {
		done = earlyRefineDone
	}
	var info Info
	if !w.tangentRefineSteps(&info, false, done, refineFromSteps) {
		return false
	}
	if w.refinePSD() && refineMeasure(&info, 0) > psdTangentDone {
		w.polishNewton(&info)
	}
	info.Status = StatusSolved
	info.Tolerance = w.set.tolerance(&info)
	res.Info = info
	w.writeResult(res)
	return true
}

// RefineSteps returns the tangent Newton steps (one KKT factorization
// each) of the last Solve or RefineFrom.
func (w *Solver) RefineSteps() int { return w.refineSteps }
