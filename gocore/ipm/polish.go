package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/rangeqp"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// polishTries bounds the active-set systems one polish factors: the guess
// from the interior-point iterate and, when its solution has a clearly
// wrong sign (a negative multiplier on an active row, a negative slack on
// an inactive one), up to two corrected guesses with those rows flipped.
const polishTries = 3

// polishClip is the relative size of a wrong-signed multiplier or slack
// that polish clips to zero (rounding on a row with both zero) instead of
// flipping the row.
const polishClip = 1e-11

// When no guess from the stopping iterate works, polish continues the
// interior-point iteration for at most polishExtraIters steps towards
// tolerances polishTighten times tighter and guesses again from there,
// polishExtraRounds times (each round continuing from the previous one; a
// rejected polish returns the stopping iterate).
const (
	polishExtraIters  = 4
	polishTighten     = 1e-5
	polishExtraRounds = 3
)

// Early polish (earlyPolish): once the iterate's residuals and gap are
// within earlyPolishFactor times the tolerances, the active set guessed from
// it is usually already right, and its exact solution passes the
// termination tests several interior-point iterations before the iterate
// would. At most earlyPolishTries such attempts per solve; a variable, not
// a constant, so that tests can switch it off (0) and compare. 3e6 since
// the QP polish's range-space solve and its z̃ > 0.2·s̃ guess made an
// attempt cheaper (1e6 before): over 64 LPGD-benchmark QPs 359 instead of
// 382 iterations for 183 instead of 139 active-set systems; iterations per
// solve on ipm's BenchmarkFamilies qp10/50/200 7.7/6.05/6.95 → 7.1/5.55/6.6,
// boxqp100 6.0 → 5.45, cvxqp128 6.1 → 5.45, LPs unchanged.
var earlyPolishFactor = 3e6

const earlyPolishTries = 2

// earlyPolishSystems bounds the active-set systems one earlyPolish attempt
// factors: the guess and its corrected guesses (polishTries after
// convergence). On the BPQP study's ε-ridge LPs (P = 10⁻⁶I, n = 500, k =
// 100) the first guess at the early iterate misses 8–38 of ~165 active
// rows, the correction that turns them on overshoots (up to 25 rows turned
// off again), and 5 of 8 first attempts ran out of systems with one more
// correction of 1–5 rows pending; the next attempt, an iteration later,
// needed 2–3 systems again. With 4, every attempt of those ends with the
// same active set, so the same polished point bit for bit (every family
// below): iterations per solve 4.625 → 4.0 and systems 4.5 → 3.625 at
// 500×100, 3.167 → 3.0 and 2.417 → 2.375 at 100×20 (24 instances; 10×5
// and 50×10 unchanged); qp200 6.708 → 6.625 iterations, 2.833 → 2.792
// systems; boxlp100 one system more in 24 solves; qp10, qp50, boxqp100,
// cvxqp128 and the BPQP QPs unchanged. 5, 6 and 8 changed nothing more.
// The systems past polishTries run only while the corrections at least
// halve (each flips at most half the rows of the one before: 31, 27, 4 on
// those LPs): on a box QP whose P has rank 2 (not strictly convex) the
// early attempts fail with corrections that do not shrink (32, 49, 56 rows;
// 36, 65, 62), and an unconditional fourth
// system cost +32 % systems (+21 % CPU) for the same points. A variable so
// that tests can compare.
var earlyPolishSystems = 4

// earlyFeasibleGapFactor replaces earlyPolishFactor in the early polish's
// gap test once the iterate's primal and dual residuals already meet the
// tolerances (only the gap is left to close). The homogeneous iteration
// of a small strictly convex QP often reaches that point with the gap
// still at the size of the objective (the BPQP study's QP 10×5 and the
// dense QP layer's n = 10 problem: residuals 1e-12…1e-14 at iteration 8
// of 9, relative gap 5e-2; Clarabel follows the same path for 12
// iterations), and its active-set guess is then already right. 1e8 (a
// relative gap up to 1 at the default tolerances): iterations per solve
// on BPQP 10×5 6.79 → 6.00, qp10 5.58 → 5.25, qp50 5.50 → 5.42, cvxqp128
// 6.00 → 5.92 (24 instances each), early-polish attempts unchanged,
// boxqp100, qp200, bpqp 50×10 and 100×20 and the LPs unchanged, every
// solution bit for bit the same. A variable so that tests can compare.
var earlyFeasibleGapFactor = 1e8

// earlyGuessQP is the early polish's guess of a QP's active set: the rows
// whose scaled multiplier exceeds earlyGuessQP times their scaled slack.
// Within earlyPolishFactor of the tolerances the iterate's slacks and
// multipliers on the rows that end active are not yet far apart, and the
// plain z̃ > s̃ takes too few of them: on the LPGD benchmark's QPs (n = 100,
// 64 instances, BenchmarkLPGDBox) z̃ > s̃ needed 199 active-set systems in
// 64 solves (357 rows added by corrections, 58 dropped) and 399
// interior-point iterations, z̃ > 0.2·s̃ 139 systems (105 added, 64
// dropped) and 382 iterations (0.5: 165 and 388). LPs keep z̃ > s̃
// (their early polish requires exactly n active rows).
const earlyGuessQP = 0.2

// polishReduced enables the polish's range-space solve (polishReducedSolve)
// for QPs whose solve writes no factor record (a variable, not a constant,
// so that tests can switch it off and compare).
var polishReduced = true

// polishMinFixed: the range-space solve applies when the active bound rows
// fix at least n/polishMinFixed columns. Without fixed columns it is the
// KKT system's x-eliminated form without that form's reuse of P's
// factorization, and slower: the dense QP layer's family (BenchmarkQPLayer,
// no bound rows) at n = 200 took 6.7 instead of 5.5 ms per solve with it;
// the LPGD benchmark's QPs fix 25–31 of 100 columns.
const polishMinFixed = 8

// polishReducedTol is the relative residual ‖r − K s‖∞ / max(1, ‖r‖∞) the
// range-space solve must reach after its refinement step; above it the
// polish factors the active-set system by the KKT system instead.
const polishReducedTol = 1e-12

// polishWork is the polish's preallocated memory.
type polishWork struct {
	ok         bool      // every cone is polyhedral (polish applies)
	isZero     []bool    // equality row (always active)
	flips      int       // rows the last polishExtract flipped
	active     []bool    // guessed active set
	x, z, s    []float64 // the stopping iterate, restored on a rejection
	tau, kappa float64
	// polishContinue's iterate (cx, cz, cs, ctau, ckappa) and the
	// multipliers and slacks before its last steps (pz, ps).
	cx, cz, cs   []float64
	ctau, ckappa float64
	pz, ps       []float64
	// base is the round's interior-point iterate (x/τ, z/τ), start the
	// refinement's starting point (base with the inactive rows'
	// multipliers zeroed), csol the first guess's solution from it and
	// act0 that guess, candOK whether csol was computed: see polishSolve.
	base, start, csol []float64
	act0              []bool
	candOK            bool
	// degenerate: csol is an exact solution (see polishRound); rounds
	// counts the extra rounds of the last polish.
	degenerate bool
	rounds     int
	// rows is the solve's equilibrated A by rows and bound the range-space
	// form of the active-set system (polishReducedSolve); rowsOK: rows is
	// built for this solve's data and the reduced solve may be tried.
	// reduced and full count the active-set systems solved each way
	// (for the tests).
	rows          rangeqp.Rows
	bound         rangeqp.Bound
	rowsOK        bool
	reduced, full int
}

func newPolishWork(st *problem.Structure, cones *cone.Composite) *polishWork {
	n, m := st.N, st.M
	p := &polishWork{ok: cones.Polyhedral(), isZero: make([]bool, m), active: make([]bool, m),
		x: make([]float64, n), z: make([]float64, m), s: make([]float64, m),
		cx: make([]float64, n), cz: make([]float64, m), cs: make([]float64, m),
		pz: make([]float64, m), ps: make([]float64, m),
		base: make([]float64, n+m), start: make([]float64, n+m), csol: make([]float64, n+m),
		act0: make([]bool, m)}
	class := make([]cone.RowClass, m)
	cones.RowClasses(class)
	for i, c := range class {
		p.isZero[i] = c == cone.RowsEquality
	}
	return p
}

// polish tries to replace a converged interior-point iterate by the exact
// solution of its active set, as OSQP's polish does. The active set is
// guessed from the iterate (zero-cone rows, and nonnegative rows whose
// scaled multiplier exceeds their scaled slack), the equality-constrained
// problem
//
//	minimize ½xᵀP̃x + c̃ᵀx  subject to  Ã_act x = b̃_act
//
// is solved by one factorization of the active-set KKT system
// (kkt.System.SetActiveRows: regularized for dependent rows, iterative
// refinement against the unregularized matrix) — for a QP whose active
// bound rows fix enough columns, by the range space of the free columns
// instead (polishReducedSolve) — and the result — slack
// exactly 0 on active rows, multiplier exactly 0 on inactive rows — is
// accepted when it meets the termination tolerances (primal and dual
// residuals and gap, on the unscaled problem) and its objective is not
// worse than the iterate's by more than the gap tolerance. A guess whose
// solution has clearly wrong signs is corrected (those rows flipped) and
// retried, polishTries systems in all. When that fails, a few more
// interior-point steps (polishContinue) and a scale-free guess from them
// get polishExtraRounds more chances — unless the first guess's solution
// nearest the interior point is exact (a degenerate active set, see
// polishRound): more steps do not make a degenerate solution
// non-degenerate. Otherwise the stopping iterate is restored and polish
// reports false. It applies to zero and nonnegative
// cones only (with second-order cones the active face is not a linear
// constraint). info is updated to describe the returned point.
func (w *Solver) polish(info *Info) bool {
	p := w.pol
	if !p.ok || !(w.tau > 0) {
		return false
	}
	w.saveStop()
	ipmInfo := *info
	p.rounds = 0
	w.polishRows()
	for round := 0; round <= polishExtraRounds; round++ {
		if round > 0 && (p.degenerate || !w.polishContinue(round == 1)) {
			break
		}
		p.rounds = round
		if w.polishRound(info, ipmInfo, round > 0) {
			info.Polished = true
			return true
		}
	}
	w.restoreStop()
	*info = ipmInfo
	return false
}

// saveStop keeps the iterate (x, z, s, τ, κ) in the polish's memory
// before a polish replaces it; restoreStop puts it back.
func (w *Solver) saveStop() {
	p := w.pol
	copy(p.x, w.x)
	copy(p.z, w.z)
	copy(p.s, w.s)
	p.tau, p.kappa = w.tau, w.kappa
}

// restoreStop puts back the iterate saveStop kept.
func (w *Solver) restoreStop() {
	p := w.pol
	copy(w.x, p.x)
	copy(w.z, p.z)
	copy(w.s, p.s)
	w.tau, w.kappa = p.tau, p.kappa
}

// polishRound guesses the active set and tries up to polishTries corrected
// guesses; on success the iterate is the polished point and info describes
// it. The first guess (from the stopping iterate) takes the rows whose
// multiplier exceeds their slack. After polishContinue (tapia) it takes
// the rows whose slack shrank more than their multiplier over the extra
// steps — Tapia's indicators, which do not depend on the rows' scales: as
// μ → 0 an active row's slack and an inactive row's multiplier go to zero
// with μ while the other stays, however small both are.
//
// When every corrected guess fails, p.degenerate records whether the first
// guess's solution nearest the interior point (p.csol, see polishSolve)
// passes the same tests: then the guess is a correct active set whose rows
// are dependent (a degenerate vertex: the multipliers are not unique), and
// polish skips its extra rounds. That solution is not returned: at an LP's
// degenerate vertex a polished point with a dependent active set pins
// LPGD's warm-started perturbed solutions at the vertex (their active set
// keeps a valid multiplier), and the shortest-path training through LPGD
// stopped learning; the interior point, the centre of the optimal face,
// is returned as before. The sparse QP family of cvxpylayers (A x = b
// fixes x, all of G x ≤ h is active, 2n rows for n variables) spent 73 %
// of its solve time in such polishes: 3 active-set systems each and 3
// extra rounds of 4 interior-point steps and 3 systems, all rejected; the
// extra rounds are now skipped (solve time 370 → 165 ms at n = 1024).
func (w *Solver) polishRound(info *Info, ipmInfo Info, tapia bool) bool {
	p := w.pol
	n := w.an.St.N
	for j, v := range w.x {
		p.base[j] = v / w.tau
	}
	for i, v := range w.z {
		p.base[n+i] = v / w.tau
	}
	for i := range p.active {
		if tapia {
			// s_new/s_old < z_new/z_old (τ cancels).
			p.active[i] = p.isZero[i] || p.cs[i]*p.pz[i] < p.cz[i]*p.ps[i]
		} else {
			p.active[i] = p.isZero[i] || w.z[i] > w.s[i]
		}
	}
	p.candOK, p.degenerate = false, false
	for try := 0; try < polishTries; try++ {
		flipped, ok := w.polishSolve(try == 0)
		if !ok {
			break
		}
		if flipped {
			continue
		}
		if w.polishAccept(info, ipmInfo) {
			return true
		}
		break
	}
	if p.candOK {
		// The first guess's solution nearest the interior point
		// (polishSolve): an exact solution with a degenerate active set.
		copy(p.active, p.act0)
		p.degenerate = !w.polishExtract(p.csol) && w.polishAccept(info, ipmInfo)
	}
	return false
}

// earlyVertexStrict is the relative margin of strictVertex: multipliers
// of active inequality rows and slacks of inactive ones must exceed it
// times the largest of each (at least 1).
const earlyVertexStrict = 1e-6

// strictVertex reports whether the polished point (polishExtract) is a
// strictly complementary vertex: exactly n active rows (equalities
// included), every active inequality's multiplier and every inactive
// row's slack positive by the margin earlyVertexStrict. An LP's
// solution with these properties is unique (positive multipliers on the
// active rows: the dual is nondegenerate; positive slacks elsewhere and n
// active rows: the primal is), which is what lets earlyPolish accept it
// for an LP.
func (w *Solver) strictVertex() bool {
	p := w.pol
	zt := earlyVertexStrict * math.Max(1, normInf(w.z))
	st := earlyVertexStrict * math.Max(1, normInf(w.s))
	count := 0
	for i, act := range p.active {
		if act {
			count++
		}
		if p.isZero[i] {
			continue
		}
		if (act && !(w.z[i] > zt)) || (!act && !(w.s[i] > st)) {
			return false
		}
	}
	return count == w.an.St.N
}

// polishAccept sets τ = 1, κ = 0 for the polished iterate and reports
// whether it meets the termination tests with an objective not worse than
// the interior point's by more than the gap tolerance; info describes it.
func (w *Solver) polishAccept(info *Info, ipmInfo Info) bool {
	w.tau, w.kappa = 1, 0
	return w.converged(info) &&
		info.PObj <= ipmInfo.PObj+math.Max(w.set.TolGapAbs, w.set.TolGapRel*math.Max(1, math.Abs(ipmInfo.PObj)))
}

// earlyAccept is earlyPolish's test of the polished point: the
// termination tests (and for an LP strictVertex), without polishAccept's
// bound on the objective by the iterate's. That bound guards the polish
// after convergence, where the iterate is a solution; before it the
// iterate is still infeasible and its primal objective can lie below the
// optimum by more than the gap tolerance, while the polished point, an
// exact solution of its active set with multipliers and slacks of the
// right signs that passes the termination tests, is a solution. The BPQP
// study's ε-ridge LPs (P = 10⁻⁶I) failed only that bound at two thirds of
// their first early attempts, and the next attempt, an iteration later,
// returned the point of the same active set.
func (w *Solver) earlyAccept(info *Info, ipmInfo Info, lp bool) bool {
	if earlyObjectiveBound {
		return w.polishAccept(info, ipmInfo) && (!lp || w.strictVertex())
	}
	w.tau, w.kappa = 1, 0
	return w.converged(info) && (!lp || w.strictVertex())
}

// earlyObjectiveBound makes earlyAccept bound the polished objective by
// the iterate's as polishAccept does (tests compare).
var earlyObjectiveBound = false

// polishContinue takes up to polishExtraIters more interior-point steps
// from the stopping iterate (first) or from where the previous call ended,
// until the gap and residuals are polishTighten times below the
// tolerances: far enough for the iterate to tell the active rows apart
// (s·y ≈ μ makes a small multiplier and a small slack look alike at the
// stopping tolerance). The iterate before and after the steps is kept in
// (ps, pz) and (cx, cz, cs, ctau, ckappa). It reports false if no step
// could be taken.
func (w *Solver) polishContinue(first bool) bool {
	p := w.pol
	if first {
		copy(p.cx, p.x)
		copy(p.cz, p.z)
		copy(p.cs, p.s)
		p.ctau, p.ckappa = p.tau, p.kappa
	}
	copy(w.x, p.cx)
	copy(w.z, p.cz)
	copy(w.s, p.cs)
	w.tau, w.kappa = p.ctau, p.ckappa
	copy(p.pz, w.z)
	copy(p.ps, w.s)
	w.resetKKT()
	set := w.set
	defer func() { w.set = set }()
	w.set.TolFeas *= polishTighten
	w.set.TolGapAbs *= polishTighten
	w.set.TolGapRel *= polishTighten
	var scratch Info
	took := false
	for k := 0; k < polishExtraIters; k++ {
		if w.residualsConverged(&scratch) || !w.step() {
			break
		}
		took = true
	}
	copy(p.cx, w.x)
	copy(p.cz, w.z)
	copy(p.cs, w.s)
	p.ctau, p.ckappa = w.tau, w.kappa
	return took
}

// polishSolve factors and solves the active-set system of the current guess
// into the iterate (x, z, s) with τ = 1 (polishExtract). It reports whether
// rows were flipped because of a clearly wrong sign (the caller retries)
// and whether the solve worked at all.
//
// With cand (the round's first guess), when rows were flipped, it also
// solves the guess's system a second time, with the same factorization,
// refining from the round's
// interior-point iterate (p.base, inactive rows' multipliers zeroed;
// kkt.System.SolveFrom), into p.csol (see polishRound). With more active
// rows than the rank of their matrix the multipliers are not unique: the
// solve from zero returns the minimum-norm ones, whose wrong signs the
// flips correct towards a basis-sized active set, often not within
// polishTries; the solve from the interior point returns those nearest
// the interior point's, which lie near the relative interior of the
// optimal multiplier set and are nonnegative.
func (w *Solver) polishSolve(cand bool) (flipped, ok bool) {
	p := w.pol
	st := w.an.St
	n, m := st.N, st.M
	for j := 0; j < n; j++ {
		w.rhs[j] = -w.cv[j]
	}
	for i := 0; i < m; i++ {
		if p.active[i] {
			w.rhs[n+i] = w.bv[i]
		} else {
			w.rhs[n+i] = 0
		}
	}
	if w.polishReducedSolve() {
		p.reduced++
		if cand {
			copy(p.act0, p.active)
		}
		flipped = w.polishExtract(w.sol)
		if cand && flipped {
			// The active rows have full rank (rangeqp.Bound factors
			// only then): the solution is unique, the one nearest the
			// interior point is this one.
			copy(p.csol, w.sol)
			p.candOK = true
		}
		return flipped, true
	}
	p.full++
	w.resetKKT()
	w.kkt.SetActiveRowsSameData(w.av, p.active)
	if w.kkt.Factor() != nil {
		return false, false
	}
	if !w.kkt.Solve(w.rhs, w.sol) {
		return false, false
	}
	if cand {
		copy(p.act0, p.active)
	}
	flipped = w.polishExtract(w.sol)
	if cand && flipped {
		copy(p.start[:n], p.base[:n])
		for i, act := range p.act0 {
			if act {
				p.start[n+i] = p.base[n+i]
			} else {
				p.start[n+i] = 0
			}
		}
		p.candOK = w.kkt.SolveFrom(w.rhs, p.csol, p.start)
	}
	return flipped, true
}

// polishRows builds the row form of the solve's equilibrated A for the
// range-space solve (p.rowsOK) when it may apply: polishReduced, a
// quadratic term (an LP's P_UU = 0 has no Cholesky factor unless every
// column is fixed), no factor record requested (exportPolish exports the
// KKT system's factorization of the accepted active set). Called once per
// solve before its first polish: Ã does not change during a solve.
func (w *Solver) polishRows() {
	p := w.pol
	p.rowsOK = polishReduced && w.sink == nil && w.hasQuadratic() && p.rows.Build(w.an.St, w.av)
}

// polishReducedSolve solves the active-set system of the current guess,
//
//	[P̃ + ρD̃  Ã_actᵀ] [x]   [−c̃    ]
//	[Ã_act     0   ] [z] = [ b̃_act]
//
// (z = 0 on the inactive rows), from w.rhs into w.sol by the range space
// of the variables its active bound rows leave free (rangeqp.Bound: a
// Cholesky factorization of P̃ on the free columns and one of the active
// general rows' Schur complement, instead of the KKT system's LDLᵀ of the
// variables and all active rows; on the LPGD benchmark's QP ~70 + 30
// unknowns instead of ~170), with one step of iterative refinement
// against the exact system. It reports false — the caller factors the KKT
// system — when the form does not apply (p.rowsOK; two active bound rows
// on one column, dependent active general rows, P̃ not positive definite
// on the free columns, fewer than n/polishMinFixed active bound rows: see
// rangeqp.Bound.Factor) or the refined residual
// exceeds polishReducedTol.
func (w *Solver) polishReducedSolve() bool {
	p := w.pol
	if !p.rowsOK {
		return false
	}
	var dx []float64
	if w.prox != 0 {
		dx = w.proxS
	}
	p.bound.MinFixed = (w.an.St.N + polishMinFixed - 1) / polishMinFixed
	if !p.bound.Factor(w.an.St, w.pv, 0, dx, p.active, &p.rows) {
		return false
	}
	res := p.bound.Solve(w.rhs, w.sol, true)
	return res <= polishReducedTol && finite(w.sol)
}

// polishExtract writes the iterate (x, z, s) from the active-set solution
// sol of the current guess: slack exactly 0 and the multiplier from sol on
// active rows, multiplier exactly 0 and the slack b̃ − Ãx on inactive ones.
// Rows with a clearly wrong sign are flipped in the guess (reported true);
// sign errors within polishClip (rounding on a degenerate row) are clipped
// to zero instead.
func (w *Solver) polishExtract(sol []float64) (flipped bool) {
	p := w.pol
	st := w.an.St
	n, m := st.N, st.M
	p.flips = 0
	copy(w.x, sol[:n])
	// Slacks s̃ = b̃ − Ãx on inactive rows, 0 on active ones.
	copy(w.s, w.bv)
	st.MulA(w.s, w.av, w.x, -1)
	zmax := 0.0
	for i := 0; i < m; i++ {
		if p.active[i] {
			w.z[i] = sol[n+i]
			w.s[i] = 0
			zmax = vec.Max(zmax, math.Abs(w.z[i]))
		} else {
			w.z[i] = 0
		}
	}
	ztol := polishClip * vec.Max(1, zmax)
	stol := polishClip * math.Max(1, normInf(w.bv))
	for i := 0; i < m; i++ {
		if p.isZero[i] {
			continue
		}
		switch {
		case p.active[i] && w.z[i] < -ztol:
			p.active[i] = false
			flipped = true
			p.flips++
		case !p.active[i] && w.s[i] < -stol:
			p.active[i] = true
			flipped = true
			p.flips++
		case w.z[i] < 0:
			w.z[i] = 0
		case w.s[i] < 0:
			w.s[i] = 0
		}
	}
	return flipped
}

// earlyPolish tries the polish's first round (the guess z̃ > s̃ — for QPs
// z̃ > earlyGuessQP·s̃ — and corrected guesses, earlyPolishSystems systems in all,
// those past polishTries only while the corrections at least halve;
// polishRound without its degenerate-vertex bookkeeping) at an iterate that
// does not meet the tolerances yet but is within earlyPolishFactor of them
// in primal and dual residual and gap (the gap within
// earlyFeasibleGapFactor of its tolerance once both residuals meet
// theirs). A polished point is accepted by the
// termination tests (converged: relative primal and dual residuals and
// the gap; an LP's point also strictVertex), without the objective bound
// polishAccept applies after convergence (the iterate is still infeasible
// here, its objective can lie below the optimum), so an accepted point is
// an exact solution of an active set that meets the tolerances: feasible,
// sign-correct and exactly complementary, hence optimal. For a strictly convex QP that
// solution is unique, so it agrees with what the polish after convergence
// (guess z̃ > s̃) would return to about polishClip; at a degenerate point
// the multipliers may differ. On the dense QP layer's family
// (diff.BenchmarkQPLayer) the guess was right from residuals ~1e-2 on
// (measured with the z̃ > s̃ guess: the returned point was bit for bit the
// later polish's), after 7.8 / 6.1 / 7.0 iterations instead of 11.4 / 9.9 /
// 11.4 at n = 10 / 50 / 200, at the price of more active-set systems when
// the first guess needs corrections (1.1 / 1.6 / 3.4 per solve instead of
// one; at n = 200 one costs about an iteration). On a rejection the
// iterate, info and the KKT data are restored and the iteration goes on; at
// most earlyPolishTries attempts per solve. An LP (no quadratic term) is
// polished early only at a vertex that is the LP's unique solution: a guess
// of exactly n active rows whose polished point is strictly complementary
// (strictVertex). At a degenerate vertex or an optimal face the polish
// after convergence deliberately returns the interior point (see
// polishRound), and an early guess could land on another vertex; at a
// nondegenerate, strictly complementary vertex the solution is unique, so
// the interior point converges to it and the polish after convergence
// returns it from the same active set. On the LPGD benchmark's LPs (n =
// 100, 260 rows) this ends the solve at iteration ~8 of 12.
func (w *Solver) earlyPolish(info *Info) bool {
	p := w.pol
	f := earlyPolishFactor
	if !w.set.Polish || !p.ok || !(w.tau > 0) || w.kappa >= w.tau || w.earlyTries >= earlyPolishTries || !(f > 0) {
		return false
	}
	fg := f // the gap test's factor
	if info.ResPrimal <= w.set.TolFeas && info.ResDual <= w.set.TolFeas {
		fg = math.Max(f, earlyFeasibleGapFactor)
	}
	if !(info.ResPrimal <= f*w.set.TolFeas && info.ResDual <= f*w.set.TolFeas &&
		(info.GapAbs <= fg*w.set.TolGapAbs || info.GapRel <= fg*w.set.TolGapRel)) {
		return false
	}
	lp := !w.hasQuadratic()
	// The guessed active set: more active rows than variables cannot be a
	// nondegenerate vertex (its multipliers are not unique), and the polish
	// on such a set costs several factorizations without finishing the solve
	// early (cvxpylayers' sparse family: 2,048 active rows for 1,024
	// variables, forward 2.0 → 3.5 s per batch with the early polish). Leave
	// those to the polish after convergence, which recognizes them.
	// (The polish after convergence sets p.active afresh.)
	theta := 1.0
	if !lp {
		theta = earlyGuessQP
	}
	nActive := 0
	for i := range p.active {
		p.active[i] = p.isZero[i] || w.z[i] > theta*w.s[i]
		if p.active[i] {
			nActive++
		}
	}
	if nActive > w.an.St.N || (lp && nActive != w.an.St.N) {
		return false
	}
	if w.earlyTries == 0 {
		w.polishRows() // the solve's first polish
	}
	w.earlyTries++
	w.saveStop()
	ipmInfo := *info
	prevFlips := math.MaxInt
	for try := 0; try < earlyPolishSystems; try++ {
		flipped, ok := w.polishSolve(false)
		if !ok {
			break
		}
		if flipped {
			// Past polishTries systems only while the corrections at
			// least halve.
			if try+1 >= polishTries && 2*w.pol.flips > prevFlips {
				break
			}
			prevFlips = w.pol.flips
			continue
		}
		if w.earlyAccept(info, ipmInfo, lp) {
			info.Polished = true
			return true
		}
		break
	}
	w.restoreStop()
	// The polish refactored the KKT system with the active rows only:
	// restore it. (converged overwrote the unscaled iterate and its
	// products too, but every reader writes them first: converged,
	// certificates and writeResult unscale the iterate they test.)
	w.resetKKT()
	*info = ipmInfo
	return false
}

// resetKKT makes the KKT matrix that of the solve's data again (SetData of
// the equilibrated P and A, and the proximal term), as the interior-point
// iterations and the polish's active-set systems start from: by
// kkt.System.ResetTo, which rewrites only the rows an active-set system
// decoupled (pv, av and proxS do not change during a solve).
func (w *Solver) resetKKT() {
	var dx []float64
	if w.prox != 0 {
		dx = w.proxS
	}
	w.kkt.ResetTo(w.pv, w.av, 0, dx)
}
