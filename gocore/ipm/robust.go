package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Stall detection and restarts (issue 14).
//
// The failure this guards against: on a few strictly feasible, strictly
// convex QPs the Mehrotra iteration with a 0.99 step fraction falls into a
// period-two cycle (a predictor blocked at α ≈ 0.08 by one complementary
// pair that sits at ~10⁻³μ, then a long corrector step), and every step
// mostly shrinks the homogeneous ray (also without the cycle: a fixed
// α ≈ 0.94 step with κ/τ ≈ 2): τ and κ go to zero like √μ, μ/τ² stays
// constant, so the normalized iterate x/τ stops moving. The residuals
// are already at 1e-16 but the duality gap stays at its value (0.1–1) until
// MaxIter. Starting again with a shorter step fraction keeps the pairs away
// from the boundary and converges in ~10 iterations on every case found.
//
// The rule: when the progress measure (the largest of the residuals and the
// gap, each relative to its tolerance) has not halved over stallWindow
// iterations while τ shrank and κ/τ stayed bounded (the signature above,
// and not an iteration heading for an infeasibility certificate, whose κ/τ
// grows without bound), or when a step fails, the iteration restarts from the initial point with
// the next step fraction of restartFractions. The restarts share the
// iteration budget MaxIter; Info.Restarts counts them.
//
// A window that expires while κ/τ fell by more than stallKTShrink is not
// that signature but slow convergence: on degenerate QPs (Maros–Mészáros
// LISWET1, 7, 8, 10, 11; convex regression with third-difference
// constraints) κ goes to 0 a hundred times faster per step than τ (κ/τ
// falls by 10¹³–10⁴⁰ over the window, κ reaches 1e-90) while the gap and
// the residuals fall ~0.6× per 20 iterations. Restarting from the initial
// point there threw the progress away and ran into the same slow descent
// with fewer iterations left (LISWET8: gap 1.2e-6 after 200 iterations,
// 4.1e-7 without restarts). The step fraction is shortened in place
// instead: the iterate is kept and the next steps stay further from the
// boundary (LISWET8: 4.9e-7; the convex regression of
// TestSlowConvergenceShortensInPlace solves, where a restart ended
// max_iterations and no shortening almost_solved). Over
// the 400,000 problems of the sweep (TestSweepRandomQPs, seeds 1–4) no
// restarting window lowers κ/τ by more than 18×.

const (
	// stallWindow is the number of iterations without the progress measure
	// halving after which the iteration counts as stalled.
	stallWindow = 20
	// stallFactor is the progress (ratio of the progress measure) that
	// resets the stall window.
	stallFactor = 0.5
	// stallKTGrowth bounds the growth of κ/τ over a stalled window: an
	// iteration heading for an infeasibility certificate has κ/τ growing
	// without bound, a stalled one keeps it constant.
	stallKTGrowth = 10
	// stallKTShrink bounds the fall of κ/τ (its smallest value over the
	// window against its value at the start) of a stalled window; a larger
	// fall marks slow convergence, whose step fraction is shortened in
	// place.
	stallKTShrink = 100
)

// stallAction is what the iteration does about its progress.
type stallAction int

const (
	// stallNone: the iteration goes on.
	stallNone stallAction = iota
	// stallRestart: stalled (the cycle above); restart from the initial
	// point with a shorter step fraction.
	stallRestart
	// stallShorten: slowly converging with κ/τ collapsing; shorten the step
	// fraction and keep the iterate.
	stallShorten
)

// restartFractions are the step fractions of the restarts, used when below
// Settings.MaxStepFraction.
var restartFractions = [...]float64{0.9, 0.7}

// stallTracker follows the progress measure of one attempt.
type stallTracker struct {
	ref  float64 // progress measure when the window started
	iter int     // iteration at which the window started
	tau  float64 // τ when the window started
	kt   float64 // κ/τ when the window started
	ktLo float64 // the smallest κ/τ of the window
}

func (t *stallTracker) reset(iter int) { t.ref, t.iter = math.Inf(1), iter }

// progress returns the progress measure of info: 1 means every tolerance is
// met.
func (w *Solver) progress(info *Info) float64 {
	gap := vec.Min(info.GapAbs/w.set.TolGapAbs, info.GapRel/w.set.TolGapRel)
	p := vec.Max(vec.Max(info.ResPrimal, info.ResDual)/w.set.TolFeas, gap)
	if math.IsNaN(p) {
		return math.Inf(1)
	}
	return p
}

// stalled updates the tracker with the measures of iteration iter and
// reports what to do about a window without progress.
func (w *Solver) stalled(info *Info, iter int) stallAction {
	p := w.progress(info)
	kt := w.kappa / w.tau
	if p <= stallFactor*w.stall.ref || math.IsInf(w.stall.ref, 1) {
		w.stall.ref, w.stall.iter, w.stall.tau = p, iter, w.tau
		w.stall.kt, w.stall.ktLo = kt, kt
		return stallNone
	}
	if kt < w.stall.ktLo { // a NaN κ/τ (κ = τ = 0) is left out, not taken as a collapse
		w.stall.ktLo = kt
	}
	if iter-w.stall.iter < stallWindow || !(w.tau < w.stall.tau) ||
		!(kt <= stallKTGrowth*math.Max(1, w.stall.kt)) {
		return stallNone
	}
	if w.stall.ktLo > 0 && w.stall.ktLo*stallKTShrink >= w.stall.kt {
		return stallRestart
	}
	return stallShorten
}

// shorterFraction moves to the next step fraction of restartFractions below
// the current one and starts a new stall window. It returns false when
// there is none left.
func (w *Solver) shorterFraction(iter int) bool {
	for w.attempt < len(restartFractions) {
		f := restartFractions[w.attempt]
		w.attempt++
		if f < w.stepFrac {
			w.stepFrac = f
			w.restarts++
			w.stall.reset(iter)
			return true
		}
	}
	return false
}

// restart starts the iteration again from the initial point with the next
// shorter step fraction. It returns false when there is none left (or the
// initialization fails).
func (w *Solver) restart(iter int) bool {
	return w.shorterFraction(iter) && w.initialize()
}

// resetAttempts prepares the first attempt of a solve.
func (w *Solver) resetAttempts() {
	w.stepFrac = w.set.MaxStepFraction
	w.attempt, w.restarts = 0, 0
	w.stall.reset(0)
}
