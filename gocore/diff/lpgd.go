package diff

import (
	"errors"
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// feasTol is the relative tolerance with which the LPGD fast path accepts a
// reduced (active-set) solution as primal and dual feasible.
const feasTol = 1e-9

// lpgdBackward computes LPGD gradients as finite differences of the
// Lagrangian gradients ∇_c L = x, ∇_b L = −y, ∇_A L = y xᵀ, ∇_P L = ½ x xᵀ
// between the solution and the solutions of the perturbed problems
//
//	P + ρI,  c + σ τ gx − ρ x*,  b − σ τ gy    (σ = +1 right, −1 left).
func (w *Workspace) lpgdBackward(v *problem.Values, sol Solution, opt *Options, g *Grad) (Flags, error) {
	defer func() { w.pert.P, w.pert.A = nil, nil }() // aliases of v, not kept
	var flags Flags
	w.reducedReady, w.reducedTried = false, false
	fast := opt.FastPath && w.kkt.Cones().Polyhedral()
	coneWarm := opt.FastPath && !fast && w.kkt.Cones().PairSupported()
	if fast {
		w.activeSet(sol, opt)
	}
	tau := opt.Tau
	if opt.TauAuto {
		tau = w.AutoTau(v, opt.TauTarget)
	}
	rho := opt.Rho
	if opt.RhoAuto {
		// Once per sample, from the data rule's τ: the warm start's base
		// factorization (K₀ with P + ρI) is shared by every attempt.
		rho = w.AutoRho(v, sol, tau, opt.RhoTarget)
	}
	autoQP := opt.TauAuto && hasCurvature(v.P) // a QP's τ is capped by its movement
	if autoQP && w.kkt.Cones().Polyhedral() {
		// A QP: cap τ by the movement of the perturbed solution on the
		// forward's active set (AutoTauCurvature).
		if !fast {
			w.activeSet(sol, opt)
		}
		w.reducedTried = true
		w.reducedReady = w.warmBase(v, sol, rho)
		if w.reducedReady {
			tau = math.Min(tau, w.AutoTauCurvature(v, sol, opt.TauTarget))
		}
	}
	w.stats.Rho = rho
	side := opt.Side
	allFast := true
	for attempt := 0; ; attempt++ {
		fp, fm, errP, errM, err := w.perturbedSides(v, sol, side, tau, rho, fast, coneWarm)
		if err != nil {
			return flags, err // no fallback: the caller asked to stop
		}
		if errP == nil && errM == nil {
			if (side != SideLeft && !fp) || (side != SideRight && !fm) {
				allFast = false
			}
			break
		}
		switch {
		case opt.Fallback == FallbackOtherSide && side == SideCentral && (errP == nil) != (errM == nil):
			// One side worked: use it alone.
			if errP == nil {
				side = SideRight
			} else {
				side = SideLeft
			}
			flags |= FlagFallbackUsed
			if (side == SideRight && !fp) || (side == SideLeft && !fm) {
				allFast = false
			}
		case opt.Fallback == FallbackOtherSide && side != SideCentral && attempt == 0:
			if side == SideRight {
				side = SideLeft
			} else {
				side = SideRight
			}
			flags |= FlagFallbackUsed
			continue
		case opt.Fallback == FallbackSmallerTau && attempt < opt.MaxHalvings:
			tau /= 2
			flags |= FlagFallbackUsed
			continue
		default:
			err := errP
			if err == nil {
				err = errM
			}
			return flags, &BackwardError{fmt.Sprintf("lpgd: %v (tau=%g); try a smaller tau, side=\"right\" or side=\"left\", or LPGD(fallback=...)", err, tau)}
		}
		break
	}
	if autoQP {
		t1, fast1, rescaled, err := w.autoTauRescale(v, sol, side, tau, rho, fast, coneWarm, opt.TauTarget)
		if err != nil {
			return flags, err // stopped
		}
		if rescaled {
			tau, allFast = t1, fast1
		}
	}
	if allFast && fast {
		flags |= FlagFastPath
	}
	w.stats.Tau = tau
	if w.warm != nil && w.reducedTried {
		w.stats.FactorSolves = w.warm.solves
		w.stats.Refactors = w.warm.refactors
	}
	// Differences of Lagrangian gradients. A one-sided difference whose
	// perturbed point came from the active-set method is taken against the
	// same method's unperturbed solution (the base point: the polished
	// x*, y* on the forward's active set), not against the interior-point
	// solution: their difference (≈ the solver tolerance) would otherwise
	// be divided by τ.
	baseX, baseY := sol.X, sol.Y
	if side != SideCentral && allFast && fast {
		baseX, baseY = w.warm.x0, w.warm.y0
	}
	var xa, ya, xb, yb []float64
	var den float64
	switch side {
	case SideRight:
		xa, ya, xb, yb, den = w.xp, w.yp, baseX, baseY, tau
	case SideLeft:
		xa, ya, xb, yb, den = baseX, baseY, w.xm, w.ym, tau
	default:
		xa, ya, xb, yb, den = w.xp, w.yp, w.xm, w.ym, 2*tau
	}
	w.lagrangianDiff(xa, ya, xb, yb, den, g)
	return flags, nil
}

// Bounds of the adaptive τ (AutoTau).
const (
	autoTauMin = 1e-12
	autoTauMax = 1e12
)

// AutoTau is the adaptive LPGD step for the incoming gradients of the last
// Backward call (the effective gx, with the slack gradient folded in, and
// gy): the τ that makes the largest entry of each perturbation the fraction
// κ = target of the largest entry of the data it perturbs,
//
//	τ = κ · min(s_c / ‖gx‖∞, s_b / ‖gy‖∞),   s_c = ‖c‖∞,  s_b = ‖b‖∞,
//
// over the terms whose incoming gradient is nonzero, clipped to
// [1e-12, 1e12]. The perturbed problem (c + τgx, b − τgy) then differs
// from the forward one entrywise by at most κ times the data's largest
// entry, whatever the units of the data and of the loss: scaling c and b by
// α scales τ by α, scaling the loss by β scales τ by 1/β (so the perturbed
// problems, and LPGD's gradient up to the factor β, are unchanged).
//
// Entrywise (∞-norm) rather than Euclidean sizes keep the perturbation
// large enough where the data are sparse: on an LP whose cost is nonzero
// on a few variables only (Sudoku's one-hot givens), ‖c‖₂/‖gx‖₂ shrinks
// with the number of variables the loss touches and the perturbed LP
// stays at the forward vertex (a zero gradient); with ∞-norms τ·|gx_j| can
// reach κ·max|c_i| on every variable, enough to move the vertex.
//
// Fallbacks: a zero part of the data borrows the other part's scale
// (s_c = s_b when c = 0, and vice versa), and both are 1 when c and b are
// zero. When gx and gy are both zero (Backward returns early with
// FlagZeroGrad before calling AutoTau) the perturbation is zero for every
// τ, and AutoTau returns κ.
//
// This is the whole rule on LPs. On QPs (P ≠ 0) it is the data term: the
// τ used is capped by the perturbed solution's movement, first on the
// forward's active set (AutoTauCurvature, polyhedral cones), then as
// measured (autoTauRescale, any cones).
func (w *Workspace) AutoTau(v *problem.Values, target float64) float64 {
	sc, sb := normInf(v.C), normInf(v.B)
	switch {
	case sc == 0 && sb == 0:
		sc, sb = 1, 1
	case sc == 0:
		sc = sb
	case sb == 0:
		sb = sc
	}
	tau := math.Inf(1)
	if g := normInf(w.gx); g > 0 {
		tau = math.Min(tau, target*sc/g)
	}
	if g := normInf(w.gy); g > 0 {
		tau = math.Min(tau, target*sb/g)
	}
	if math.IsInf(tau, 1) {
		return target
	}
	return math.Min(math.Max(tau, autoTauMin), autoTauMax)
}

// autoTauMove is the fraction of the solution's scale ‖x*‖∞ by which
// AutoTauCurvature lets the perturbed solution of a QP move (at
// tau_target 1), along the forward active set's linearization.
const autoTauMove = 0.1

// hasCurvature reports whether P (the values of its pattern) has a nonzero
// entry: the problem is a QP, not an LP.
func hasCurvature(p []float64) bool {
	for _, pv := range p {
		if pv != 0 {
			return true
		}
	}
	return false
}

// AutoTauCurvature is the cap of the adaptive τ on a QP (polyhedral cones,
// P ≠ 0), taken when the forward's active set W₀ gives a nonsingular
// reduced KKT system K₀ = [P + ρI, A_W₀ᵀ; A_W₀, 0] (the warm start's base
// factorization, warmBase; the caller falls back to AutoTau alone
// otherwise):
//
//	τ_curv = κ · θ · d / v,   v = ‖u_x‖∞,  u = K₀⁻¹[−gx; −gy_W₀],
//	d = ‖x*‖∞,  θ = 0.1 (autoTauMove),  κ = target,
//
// and τ = min(AutoTau, τ_curv). u_x is the velocity dx/dτ of the
// right-perturbed solution while the active set stays W₀: for small τ the
// perturbed solution is x* + τu_x exactly (x(τ) is piecewise affine in τ),
// so τ_curv is the τ at which that affine move reaches the fraction κθ of
// the solution's scale. The reasoning:
//
//   - On a QP the LPGD gradient tends to the exact one as τ → 0 (the
//     perturbed solution moves linearly: a finite difference of an affine
//     function is its derivative). AutoTau sizes the perturbation against
//     the cost only and ignores P; on the Markowitz QP (bench_tau) it moved
//     x by about its whole scale, crossed many active-set changes and
//     over-smoothed the gradient (cosine 0.82 with the exact one at the
//     first step, τ = 1e-3's 0.98; training utility 17 % short of the best
//     fixed τ). Measuring the movement instead keeps the perturbed problem
//     in the neighbourhood of x* where its active-set structure is
//     informative, while θ = 0.1 leaves room for a few active-set changes
//     (the kinks of an ℓ₁ trading cost: LPGD's smoothing across them is
//     what makes τ ≈ 1e-2 train better than τ → 0 there).
//   - On an LP vertex (or where the active rows pin the variables the loss
//     moves) u_x = 0: the perturbed solution does not move for small τ, the
//     exact gradient is zero, and τ_curv = ∞ leaves AutoTau's τ, which is
//     large enough to reach another vertex. LPs (P = 0) skip the cap
//     altogether (no extra work, the same τ as before): their perturbed
//     solution is piecewise constant in τ, there is no linear regime to
//     measure. A QP is capped only as far as it actually moves.
//   - The velocity is measured, not estimated from P's diagonal: a cap from
//     P alone ignores the constraints (on a simplex with P = εI it makes
//     τ ~ ε, under which the vertex never moves: a zero gradient), while
//     u_x includes them (there u_x = 0, no cap).
//
// u is the warm start's first solve (shared by both sides and every τ), so
// the cap costs nothing more on the fast path; with FastPath off it costs
// K₀'s factorization. With ρ > 0 the proximal term's curvature counts in
// K₀ as it does in the perturbed problems. Scale laws as AutoTau's: c and
// b × α (x* × α, u unchanged) ⇒ τ × α; loss × β ⇒ τ / β; P and c × α
// with gy = 0 (x* unchanged, u / α) ⇒ τ × α. A solution at the origin
// takes the feasible set's scale as d (as AutoRho). Returns +Inf when
// u_x = 0 or the solve fails. Where the active set changes before τ_curv
// (or u_x = 0 and AutoTau's τ moves x across kinks), autoTauRescale
// measures the move and rescales once.
func (w *Workspace) AutoTauCurvature(v *problem.Values, sol Solution, target float64) float64 {
	if !w.warmU() {
		return math.Inf(1)
	}
	vel := normInf(w.warm.u[:w.an.St.N])
	if !(vel > 0) {
		return math.Inf(1)
	}
	d := w.solutionScale(v, sol)
	return math.Max(target*autoTauMove*d/vel, autoTauMin)
}

// autoTauRescaleSlack is how far past the target move (κθ‖x*‖∞) the
// perturbed solution of a QP may have moved before autoTauRescale solves
// once more at a smaller τ: the affine moves AutoTauCurvature sized land
// on the target and are not solved twice.
const autoTauRescaleSlack = 2

// autoTauRescale is the last step of tau auto on a QP (P ≠ 0), after the
// perturbed solves at τ (AutoTau's data term, capped by AutoTauCurvature
// where the forward's active set gives it): it measures how far they
// actually moved, Δ = max over the sides solved of ‖x_± − x*‖∞, and where
// Δ exceeds autoTauRescaleSlack times the target move D = κθ‖x*‖∞ (θ =
// autoTauMove) it solves them once more at τ₁ = τ·D/Δ (one extra solve
// per side at most). τ₁ is kept when its perturbed solutions move at all
// (Δ₁ > 1e-6‖x*‖∞); otherwise the first solves and τ stay.
//
// Why: AutoTauCurvature sees only the velocity on the forward's active
// set, and where that is zero (x* pinned by its active rows, e.g. at the
// kinks of an ℓ₁ trading cost: no trade in most assets) or small, τ stays
// AutoTau's, whose perturbation (the cost's whole scale) carries the QP
// across many active-set changes, a gradient of a much smoothed problem
// (Markowitz in bench_tau: about half its samples). The measured move
// rescales those to the same target as the affine ones; where the QP is
// pinned until a larger τ (no move at τ₁: LP-like, the exact gradient is
// zero), AutoTau's τ is kept, as on an LP. LPs skip this step: their
// perturbed solutions jump between vertices, every move is the vertex
// distance, and a smaller τ either makes the same jump or none.
//
// It reports whether it rescaled, and then τ₁ (the τ of the solutions now
// in w.xp, w.yp, w.xm, w.ym) and whether their solves were all
// warm-started (fast path); the error only when the caller asked to stop.
func (w *Workspace) autoTauRescale(v *problem.Values, sol Solution, side Side, tau, rho float64, fast, coneWarm bool, target float64) (t1 float64, allFast, rescaled bool, err error) {
	n, m := w.an.St.N, w.an.St.M
	d := w.solutionScale(v, sol)
	goal := target * autoTauMove * d
	moved := w.perturbedMove(sol, side)
	if !(moved > autoTauRescaleSlack*goal) {
		return tau, false, false, nil
	}
	if w.keep == nil {
		w.keep = make([]float64, 2*(n+m))
	}
	k := w.keep
	copy(k[:n], w.xp)
	copy(k[n:n+m], w.yp)
	copy(k[n+m:2*n+m], w.xm)
	copy(k[2*n+m:], w.ym)
	restore := func() {
		copy(w.xp, k[:n])
		copy(w.yp, k[n:n+m])
		copy(w.xm, k[n+m:2*n+m])
		copy(w.ym, k[2*n+m:])
	}
	t1 = tau * goal / moved
	fp, fm, errP, errM, err := w.perturbedSides(v, sol, side, t1, rho, fast, coneWarm)
	if err != nil {
		return tau, false, false, err
	}
	// Whether they moved at all is measured on the difference the gradient
	// takes (its base point: the warm start's x₀ when every one-sided solve
	// was warm), not against sol.X: an unpolished or loose x* would
	// otherwise pass its own error (> 1e-6‖x*‖∞) for a move, and τ₁ would be
	// kept with a zero gradient.
	if errP != nil || errM != nil || !(w.differenceMove(sol, side, fast && fp && fm) > 1e-6*d) {
		restore()
		return tau, false, false, nil
	}
	return t1, fp && fm, true, nil
}

// perturbedSides solves the perturbed problems of the sides side asks for
// at τ into w.xp, w.yp (+) and w.xm, w.ym (−): whether each was
// warm-started (true for a side not solved), each side's error, and
// ErrStopped when the caller asked to stop.
func (w *Workspace) perturbedSides(v *problem.Values, sol Solution, side Side, tau, rho float64, fast, coneWarm bool) (fp, fm bool, errP, errM, stop error) {
	fp, fm = true, true
	if side == SideRight || side == SideCentral {
		fp, errP = w.perturbed(v, sol, +1, tau, rho, fast, coneWarm, w.xp, w.yp)
	}
	if side == SideLeft || side == SideCentral {
		fm, errM = w.perturbed(v, sol, -1, tau, rho, fast, coneWarm, w.xm, w.ym)
	}
	for _, e := range []error{errP, errM} {
		if errors.Is(e, ErrStopped) {
			return fp, fm, errP, errM, e
		}
	}
	return fp, fm, errP, errM, nil
}

// perturbedMove is the largest ‖x_± − x*‖∞ over the sides solved.
func (w *Workspace) perturbedMove(sol Solution, side Side) float64 {
	moved := 0.0
	for j := 0; j < w.an.St.N; j++ {
		if side != SideLeft {
			moved = math.Max(moved, math.Abs(w.xp[j]-sol.X[j]))
		}
		if side != SideRight {
			moved = math.Max(moved, math.Abs(w.xm[j]-sol.X[j]))
		}
	}
	return moved
}

// differenceMove is the size of the x difference LPGD's gradient divides
// by τ: ‖x₊ − x₋‖∞/2 for central, else ‖x_± − base‖∞ with base the warm
// start's x₀ when warmBase (every solve warm: the difference's base point,
// as in Backward) and x* otherwise.
func (w *Workspace) differenceMove(sol Solution, side Side, warmBase bool) float64 {
	base := sol.X
	if warmBase && w.warm != nil {
		base = w.warm.x0
	}
	moved := 0.0
	for j := 0; j < w.an.St.N; j++ {
		switch side {
		case SideCentral:
			moved = math.Max(moved, 0.5*math.Abs(w.xp[j]-w.xm[j]))
		case SideRight:
			moved = math.Max(moved, math.Abs(w.xp[j]-base[j]))
		default:
			moved = math.Max(moved, math.Abs(w.xm[j]-base[j]))
		}
	}
	return moved
}

// solutionScale is ‖x*‖∞, or the feasible set's scale
// f = ‖b‖∞ / max(1, ‖A‖max) (1 when b = 0) where ‖x*‖∞ is below 1e-8 f
// (a solution at the origin, as an interior point returns it: ~1e-24).
func (w *Workspace) solutionScale(v *problem.Values, sol Solution) float64 {
	d := normInf(sol.X[:w.an.St.N])
	f := normInf(v.B) / math.Max(1, normInf(v.A))
	if f == 0 {
		f = 1
	}
	if !(d > 1e-8*f) {
		d = f
	}
	return d
}

// Bound of the adaptive ρ (AutoRho).
const autoRhoMax = 1e12

// AutoRho is the adaptive proximal weight of LPGD's perturbed problems
// for the sample's solution x* and step τ (AutoTau's data term when both
// are adaptive: ρ enters K₀, from which a QP's cap on τ is computed):
//
//	ρ = ϱ · s / d,   s = max(‖c‖∞, τ‖gx‖∞),   d = ‖x*‖∞,
//
// ϱ = target, clipped to at most 1e12. s is the largest entry of the
// cost and of its perturbation (the linear terms of the perturbed
// problems), d the solution's scale, so ρ has the units of a curvature
// (cost per squared x) and follows the data: c × α ⇒ ρ × α; x* × α (b × α
// on an LP) ⇒ ρ / α; loss × β at a fixed τ ⇒ ρ × β when the perturbation
// dominates (the proximal term keeps its weight against it).
//
// The reasoning: the proximal term ½ρ‖x − x*‖² makes the perturbed
// problems strongly convex, so a degenerate LP (a perturbed cost
// orthogonal to a face) gets a unique perturbed solution — the one
// nearest x* — instead of whichever point of the face the interior point
// ends at. It should regularize without dominating: a linear term of
// entries up to s moves an unconstrained x by at most s/ρ = d/ϱ under the
// proximal term alone, so with ϱ = 0.1 the term caps moves only beyond ten
// times the solution's scale (beyond the feasible set on bounded LPs) and
// tie-breaks within it; ϱ → 0 is the ρ = 0 limit (plain LPGD). P's own
// curvature adds to ρ: where P is large against ρ the term changes little.
//
// A solution at the origin (as an interior point returns it: ~1e-24,
// never the exact 0) would make ρ huge and pin the perturbed solutions to
// x* (zero gradients; min qᵀx over the box [0, 1]³ had ‖x*‖∞ = 1.7e-24,
// TestAutoRhoSolutionAtOrigin): where ‖x*‖∞ is below 1e-8 of the feasible
// set's scale f = ‖b‖∞ / max(1, ‖A‖max) (of 1 when b = 0: a cone), d is
// that scale instead. Only then: f counts every row, and one loose row
// (x₀ + x₁ ≤ 1e6) would otherwise make ρ negligible wherever it is given.
//
// Fallbacks: s = 1 when c and τgx are zero (only b is perturbed).
func (w *Workspace) AutoRho(v *problem.Values, sol Solution, tau, target float64) float64 {
	s := math.Max(normInf(v.C), tau*normInf(w.gx))
	if s == 0 {
		s = 1
	}
	return math.Min(target*s/w.solutionScale(v, sol), autoRhoMax)
}

// lagrangianDiff writes (∇L(a) − ∇L(b)) / den into g.
func (w *Workspace) lagrangianDiff(xa, ya, xb, yb []float64, den float64, g *Grad) {
	st := w.an.St
	if g.C != nil {
		for j := range g.C {
			g.C[j] = (xa[j] - xb[j]) / den
		}
	}
	if g.B != nil {
		for i := range g.B {
			g.B[i] = -(ya[i] - yb[i]) / den
		}
	}
	if g.A != nil {
		// Rows with ya_i = yb_i = 0 (inactive on both sides: most rows of
		// an LP) get 0 without the product and division; in a dense column
		// (all m rows stored) only the other rows are visited.
		if cap(w.lagRows) < st.M {
			w.lagRows = make([]int, 0, st.M)
		}
		rows := w.lagRows[:0]
		for i := 0; i < st.M; i++ {
			if ya[i] != 0 || yb[i] != 0 {
				rows = append(rows, i)
			}
		}
		for j := 0; j < st.N; j++ {
			lo, hi := st.A.Colptr[j], st.A.Colptr[j+1]
			ga := g.A[lo:hi]
			if hi-lo == st.M {
				clear(ga)
				for _, i := range rows {
					ga[i] = (ya[i]*xa[j] - yb[i]*xb[j]) / den
				}
				continue
			}
			for k, i := range st.A.Rowval[lo:hi] {
				if ya[i] == 0 && yb[i] == 0 {
					ga[k] = 0
					continue
				}
				ga[k] = (ya[i]*xa[j] - yb[i]*xb[j]) / den
			}
		}
	}
	if g.P != nil {
		for j := 0; j < st.N; j++ {
			for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
				i := st.P.Rowval[k]
				if i == j {
					g.P[k] = 0.5 * (xa[i]*xa[i] - xb[i]*xb[i]) / den
				} else {
					g.P[k] = (xa[i]*xa[j] - xb[i]*xb[j]) / den
				}
			}
		}
	}
	w.lagrangianDense(xa, ya, xb, yb, den, g)
}

// lagrangianDense is lagrangianDiff for g's dense outputs, row by row:
// ∂A's row i is (ya_i xa − yb_i xb) / den (zero where ya_i = yb_i = 0),
// ∂P's entry (i, j) ½ (xa_i xa_j − xb_i xb_j) / den — the values
// ScatterDenseA and ScatterDenseP make of the pattern form, to the bit
// (the pattern form's products in the same order, the stored value
// halved).
func (w *Workspace) lagrangianDense(xa, ya, xb, yb []float64, den float64, g *Grad) {
	n := w.an.St.N
	xa, xb = xa[:n], xb[:n]
	denseRows(g, n, func(i int, row []float64) {
		yai, ybi := ya[i], yb[i]
		if yai == 0 && ybi == 0 {
			clear(row)
			return
		}
		for j := range row {
			row[j] = (yai*xa[j] - ybi*xb[j]) / den
		}
	})
	if p := g.DenseP; p != nil {
		for i := 0; i < n; i++ {
			ai, bi := xa[i], xb[i]
			row := p[i*n : i*n+n]
			for j := range row[:i] { // the stored (j, i)
				row[j] = 0.5 * ((xa[j]*ai - xb[j]*bi) / den)
			}
			row[i] = 0.5 * (ai*ai - bi*bi) / den
			for j := i + 1; j < n; j++ { // the stored (i, j)
				row[j] = 0.5 * ((ai*xa[j] - bi*xb[j]) / den)
			}
		}
	}
	w.denseDone = true
}

// perturbed solves the σ-perturbed problem into (x, y). It first tries the
// warm-started active-set method (warmSolve: from the unperturbed problem's
// solution on the forward's active set, whose KKT factorization is made
// once per sample and shared by both sides, to the perturbed optimum by
// active-set changes that update that factorization; accepted only when
// the result is primal and dual feasible, hence optimal) and falls back to
// a full interior-point solve. With non-polyhedral cones (coneWarm) the
// perturbed problem is instead first solved by the tangent Newton
// refinement started from the forward's solution (ipm.Solver.RefineFrom),
// falling back to the interior point when it does not converge. It reports
// whether a warm start was used.
func (w *Workspace) perturbed(v *problem.Values, sol Solution, sigma, tau, rho float64, fast, coneWarm bool, x, y []float64) (bool, error) {
	st := w.an.St
	n, m := st.N, st.M
	p := &w.pert
	if err := w.stopped(); err != nil {
		return false, err
	}
	if fast {
		if !w.reducedTried {
			w.reducedTried = true
			w.reducedReady = w.warmBase(v, sol, rho)
		}
		if w.reducedReady {
			changes, ok := w.warmSolve(v, sol, sigma, tau, rho, x, y)
			w.stats.Changes += changes
			if ok {
				w.stats.WarmSolves++
				return true, nil
			}
		}
	}
	// The warm start uses w.pert as scratch: set the perturbed data here
	// (P and A are not perturbed: the caller's values, never written).
	p.P, p.A = v.P, v.A
	for j := 0; j < n; j++ {
		p.C[j] = v.C[j] + sigma*tau*w.gx[j] - rho*sol.X[j]
	}
	for i := 0; i < m; i++ {
		p.B[i] = v.B[i] - sigma*tau*w.gy[i]
	}
	if w.ipm == nil {
		s, err := ipm.NewSolver(w.an, w.set)
		if err != nil {
			return false, err
		}
		w.ipm = s
	}
	w.ipm.SetProx(rho)
	w.ipm.SetInterrupt(w.cur)
	w.res.X, w.res.Y, w.res.S = x, y, w.sp
	if coneWarm && sol.S != nil {
		// Non-polyhedral cones: the tangent Newton refinement from the
		// forward's solution (both sides start there), kept only when it
		// passes the termination tests at the requested tolerances.
		ok := w.ipm.RefineFrom(p, sol.X, sol.Y, sol.S, &w.res)
		w.stats.RefineSteps += w.ipm.RefineSteps()
		if ok {
			w.ipm.SetInterrupt(ipm.Interrupt{})
			w.stats.WarmSolves++
			return true, nil
		}
		w.stats.ConeFallbacks++
	}
	w.stats.IPMSolves++
	w.ipm.Solve(p, &w.res)
	w.ipm.SetInterrupt(ipm.Interrupt{})
	if s := w.res.Info.Status; s == ipm.StatusInterrupted || s == ipm.StatusTimeLimit {
		return false, &StoppedError{Status: s}
	}
	if !w.set.Accepts(w.res.Info.Status) {
		return false, fmt.Errorf("perturbed solve (%s side) ended with status %s", sideName(sigma), w.res.Info.Status)
	}
	return false, nil
}

func sideName(sigma float64) string {
	if sigma > 0 {
		return "right"
	}
	return "left"
}

// reducedSolve solves [P + ρI, A_actᵀ; A_act, 0][x; y] = [−c; b_act] with
// the factorization prepared by setReduced and checks optimality.
func (w *Workspace) reducedSolve(p *problem.Values, x, y []float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	activeRHS(w.rhs, p.C[:n], p.B, w.active[:m], 1)
	if !w.kkt.Solve(w.rhs, w.sol) {
		return false
	}
	if w.kkt.Residual() > 1e-9*math.Max(1, normInf(w.rhs)) {
		return false
	}
	return w.reducedAccept(p, x, y)
}

// reducedAccept copies the reduced solution w.sol into (x, y) and checks
// its dual feasibility (nonnegative multipliers of the inequality rows) and
// the primal feasibility of the inactive rows.
func (w *Workspace) reducedAccept(p *problem.Values, x, y []float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	copy(x, w.sol[:n])
	ymax := 0.0
	for i := 0; i < m; i++ {
		if w.active[i] {
			y[i] = w.sol[n+i]
		} else {
			y[i] = 0
		}
		ymax = math.Max(ymax, math.Abs(y[i]))
	}
	// Dual feasibility of nonnegative rows.
	for i := 0; i < m; i++ {
		if w.rows[i] == cone.RowsInequality && y[i] < -feasTol*math.Max(1, ymax) {
			return false
		}
	}
	// Primal feasibility of inactive rows: s = b − Ax ≥ 0.
	s := w.sp
	copy(s, p.B)
	w.warmMulA(p, s, x, -1)
	bmax := math.Max(1, normInf(p.B))
	for i := 0; i < m; i++ {
		if !w.active[i] && w.rows[i] == cone.RowsInequality && s[i] < -feasTol*bmax {
			return false
		}
	}
	return true
}
