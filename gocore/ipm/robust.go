package ipm

import "math"

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
}

func (t *stallTracker) reset(iter int) { t.ref, t.iter = math.Inf(1), iter }

// progress returns the progress measure of info: 1 means every tolerance is
// met.
func (w *Solver) progress(info *Info) float64 {
	gap := math.Min(info.GapAbs/w.set.TolGapAbs, info.GapRel/w.set.TolGapRel)
	p := math.Max(math.Max(info.ResPrimal, info.ResDual)/w.set.TolFeas, gap)
	if math.IsNaN(p) {
		return math.Inf(1)
	}
	return p
}

// stalled updates the tracker with the measures of iteration iter and
// reports whether the iteration has stopped making progress.
func (w *Solver) stalled(info *Info, iter int) bool {
	p := w.progress(info)
	if p <= stallFactor*w.stall.ref || math.IsInf(w.stall.ref, 1) {
		w.stall.ref, w.stall.iter, w.stall.tau, w.stall.kt = p, iter, w.tau, w.kappa/w.tau
		return false
	}
	return iter-w.stall.iter >= stallWindow && w.tau < w.stall.tau &&
		w.kappa/w.tau <= stallKTGrowth*math.Max(1, w.stall.kt)
}

// restart starts the iteration again from the initial point with the next
// shorter step fraction. It returns false when there is none left (or the
// initialization fails).
func (w *Solver) restart(iter int) bool {
	for w.attempt < len(restartFractions) {
		f := restartFractions[w.attempt]
		w.attempt++
		if f < w.stepFrac {
			w.stepFrac = f
			w.restarts++
			w.stall.reset(iter)
			return w.initialize()
		}
	}
	return false
}

// resetAttempts prepares the first attempt of a solve.
func (w *Solver) resetAttempts() {
	w.stepFrac = w.set.MaxStepFraction
	w.attempt, w.restarts = 0, 0
	w.stall.reset(0)
}
