package ipm

import (
	"math"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// minStep is the step length below which the iteration is declared stuck.
const minStep = 1e-8

// Result receives a solution. X (len N), Y and S (len M) are caller-owned.
type Result struct {
	X, Y, S []float64
	Info    Info
}

// Solver is a per-worker interior-point workspace for one Analysis. All
// memory is allocated by NewSolver; Solve does not allocate. A Solver is not
// safe for concurrent use; make one per goroutine.
type Solver struct {
	an    *kkt.Analysis
	set   Settings
	kkt   *kkt.System
	cones *cone.Composite

	// prox is the proximal weight ρ (the solved problem has P + ρI).
	prox float64

	scaledData // equilibrated problem data and its scalings (equilibrate.go)
	iterate    // (x, z, s, τ, κ) of the homogeneous embedding (iterate.go)
	direction  // search directions (step.go)
	residuals  // residuals of the scaled problem (residuals.go)
	unscaled   // the iterate mapped back to the caller's problem (termination.go)

	orig       *problem.Values // the caller's values (termination on them)
	cert       certScale       // the certificate tests' data scales (termination.go)
	rhs, sol   []float64       // KKT right-hand side and solution
	rhs2, sol2 []float64       // the predictor's, solved with the constant system (step)
	tmpN, tmpM []float64
	// noSharedP: tests; pv is never the KKT system's P values (loadData).
	noSharedP bool
	degree    int // barrier degree ν of K
	// dualScaling: the non-symmetric cones use the dual scaling μ∇²f*(z)
	// (after a short or failed primal–dual step; see step).
	dualScaling bool
	// nnRows: the nonnegative cones' row ranges when every cone is a
	// zero or nonnegative cone (nil otherwise; stepLength).
	nnRows     [][2]int
	pol        *polishWork
	das        *dualActive // the dual active-set start's memory (dualas.go); nil: not applicable
	earlyTries int         // earlyPolish attempts in this solve
	// earlyRefined: earlyRefine has run in this solve; earlyRetried: it
	// has run twice (the retry after a rejection: no more attempts);
	// earlyAccepted: it returned a solution.
	earlyRefined, earlyRetried, earlyAccepted bool

	// Restarts (robust.go): the step fraction of the current attempt.
	stepFrac          float64
	attempt, restarts int
	stall             stallTracker
	// Equality-certificate scratch (equality.go), allocated on first use.
	eqA, eqP []float64
	// eqRow: the equality rows (zero cones' rows, equalityRows), built
	// with the Solver; hasEq: there are any. The termination tests zero
	// these rows' unscaled slacks (unscaleSlack, convergedScaled) and the
	// equality certificate takes them alone.
	eqRow []bool
	hasEq bool

	// Interrupts (interrupt.go).
	intr        Interrupt
	deadline    time.Time
	newton      *newtonWork // lazily allocated by newtonRefine
	newtonTries int         // newtonRefine calls in this solve
	refine      *refineWork // lazily allocated by tangentRefine (refine.go)
	refineSteps int         // tangent Newton steps (one factorization each) in this solve
	pre         *presolved  // the reduced problem (presolve.go); nil: none
	// The polish factor record's buffer and the structure's fingerprint
	// (factorsink.go; nil: none).
	sink      []float64
	sinkFP    float64
	sinkFPSet bool
	// xcheck: the next Solve's check after its first factorization
	// (SetXBlockCheck; nil: none).
	xcheck XBlockChecker
	gate   xblockGate // the check's hook during the first factorization
}

// NewSolver allocates a workspace for an analysed structure.
func NewSolver(an *kkt.Analysis, set Settings) (*Solver, error) {
	return newSolver(an, set, true)
}

// newSolver is NewSolver; presolve false makes a solver without the
// reduced problem (presolve.go's inner solver).
func newSolver(an *kkt.Analysis, set Settings, presolve bool) (*Solver, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	st := an.St
	n, m := st.N, st.M
	w := &Solver{an: an, set: set}
	sys, err := kkt.New(an, set.StaticReg, set.IterRefineMax)
	if err != nil {
		return nil, err
	}
	w.kkt = sys
	w.cones = sys.Cones()
	w.degree = w.cones.Degree()
	w.nnRows = nonnegRowRanges(st.Cones)
	dim := n + m
	w.scaledData = newScaledData(st)
	w.iterate = newIterate(n, m)
	w.direction = newDirection(n, m)
	w.residuals = newResiduals(n, m)
	w.unscaled = newUnscaled(n, m)
	w.eqRow, w.hasEq = equalityRows(w.cones)
	w.rhs, w.sol = make([]float64, dim), make([]float64, dim)
	w.rhs2, w.sol2 = make([]float64, dim), make([]float64, dim)
	w.tmpN, w.tmpM = make([]float64, n), make([]float64, m)
	w.pol = newPolishWork(st, w.cones)
	w.das = newDualActive(st, w.pol.ok)
	if presolve {
		if w.pre, err = newPresolved(an, set); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Analysis returns the structure analysis the solver was made for.
func (w *Solver) Analysis() *kkt.Analysis { return w.an }

// Settings returns the solver settings.
func (w *Solver) Settings() Settings { return w.set }

// SetSettings replaces the settings (validated).
func (w *Solver) SetSettings(set Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	w.set = set
	w.kkt.SetRegularization(set.StaticReg, set.IterRefineMax)
	if w.pre != nil {
		if set.LinearSolver != w.pre.ls {
			pre, err := newPresolved(w.an, set)
			if err != nil {
				return err
			}
			w.pre = pre
		} else if err := w.pre.inner.SetSettings(set); err != nil {
			return err
		}
	}
	return nil
}

// KKT returns the solver's KKT system. A backward workspace of the same
// worker may share it (diff.NewWorkspaceOn): every Solve assembles it anew,
// so only concurrent use is excluded.
func (w *Solver) KKT() *kkt.System { return w.kkt }

// SetProx sets the proximal weight ρ ≥ 0: subsequent solves minimize
// ½xᵀ(P + ρI)x + cᵀx (used by LPGD's proximal perturbation).
func (w *Solver) SetProx(rho float64) { w.prox = rho }

// Solve solves the problem with values v (validated by the caller with
// Structure.CheckValues) and writes the solution into res.
func (w *Solver) Solve(v *problem.Values, res *Result) {
	xcheck := w.xcheck
	w.xcheck = nil
	w.markSink()
	if w.pre != nil && w.prox == 0 && w.pre.reduce(v) {
		w.pre.inner.intr = w.intr
		w.pre.inner.Solve(&w.pre.vals, &w.pre.res)
		w.pre.postsolve(v, res)
		return
	}
	w.startClock()
	w.loadData(v)

	info := &res.Info
	w.newtonTries, w.refineSteps = 0, 0
	*info = Info{Status: StatusUnsolved}
	if ok, stopped := w.initializeChecked(xcheck); stopped || !ok {
		if !stopped {
			info.Status = StatusNumericalError
		} // else stopped by the caller's check (SetXBlockCheck): StatusUnsolved
		w.writeResult(res)
		if stopped {
			// No iterate of this solve: not the previous solve's point.
			for _, out := range [][]float64{res.X, res.Y, res.S} {
				for i := range out {
					out[i] = math.NaN()
				}
			}
		}
		return
	}
	status := StatusMaxIterations
	iter := 0
	w.resetAttempts()
	newtonDone := false
	early := false
	w.earlyTries = 0
	w.earlyRefined, w.earlyRetried, w.earlyAccepted = false, false, false
	for ; ; iter++ {
		if w.residualsConverged(info) {
			status = StatusSolved
			break
		}
		if iter == 0 && w.dualActiveStart(info) {
			// The exact solution of the active set the dual active-set
			// method found, meeting the tolerances (dualas.go).
			status = StatusSolved
			early = true
			w.exportPolish()
			break
		}
		if w.earlyPolish(info) {
			// An exact active-set solution that meets the tolerances
			// (polish.go); the polish below would return the same point.
			status = StatusSolved
			early = true
			w.exportPolish()
			break
		}
		if w.earlyRefine(info) {
			// A solution from the tangent Newton refinement (refine.go);
			// the refinement after convergence runs again only if it
			// stopped above psdTangentDone.
			status = StatusSolved
			newtonDone = refineMeasure(info, 0) <= psdTangentDone
			break
		}
		if st := w.stopRequested(); st != StatusUnsolved {
			status = st
			break
		}
		if w.tryNewton(info) {
			status = StatusSolved
			newtonDone = true
			break
		}
		switch w.stalled(info, iter) {
		case stallRestart:
			if iter < w.set.MaxIter && w.restart(iter) {
				continue
			}
		case stallShorten:
			if iter < w.set.MaxIter && !w.shorterFraction(iter) {
				w.stall.reset(iter) // no shorter fraction left: a new window
			}
		}
		// Certificates are only tested once κ/τ > 1, i.e. when the
		// homogeneous iteration is heading for τ → 0 (Clarabel's ktratio
		// test): a feasible problem with large duals can otherwise pass for
		// an approximate Farkas certificate.
		if w.kappa >= w.tau {
			// The unscaled direction's certificate tests (certificates:
			// unscale(1), primalCertificate, dualCertificate).
			if st := w.certificates(); st != StatusUnsolved {
				status = st
				break
			}
		}
		if iter >= w.set.MaxIter {
			status = StatusMaxIterations
			break
		}
		ok := w.step()
		if !ok && w.kappa < w.tau && w.refineNonsym() && w.tangentRefine(info, false) {
			// A step of a problem with non-symmetric cones failed close to
			// the solution (the backtracking is limited by the boundary's
			// curvature there): the tangent Newton refinement finishes it
			// from this iterate when it reaches a point that passes the
			// termination tests; otherwise restart as before.
			status = StatusSolved
			newtonDone = true
			break
		}
		if !ok {
			// A failed step: the certificate tests, before a restart or a
			// numerical error. An objective unbounded along a direction d
			// that no row limits (Pd = 0, Ad = 0: a column empty in P and
			// A, a null vector of the rows) makes the KKT system singular
			// along d. The iterate's tests (skipped above while κ < τ)
			// pass when it has moved along d (its homogeneous iterate
			// grows with τ, so κ/τ stays small); when the step length
			// underflowed at once the last solves' x1 and Δx, dominated
			// by d, are tested instead (directionCertificate). Clarabel
			// reports such problems dual_infeasible.
			if w.kappa < w.tau {
				if st := w.certificates(); st != StatusUnsolved {
					status = st
					break
				}
			}
			if w.directionCertificate() {
				status = StatusDualInfeasible
				break
			}
		}
		if !ok && w.restart(iter) {
			continue
		}
		if !ok {
			status = StatusNumericalError
			w.residualsConverged(info)
			break
		}
	}
	info.Iter = iter
	info.Restarts = w.restarts
	if (status == StatusMaxIterations || status == StatusNumericalError) && !w.reducedMet(info) &&
		w.equalityCertificate() {
		status = StatusPrimalInfeasible
	}
	if (status == StatusMaxIterations || status == StatusNumericalError) && w.reducedMet(info) {
		status = StatusAlmostSolved
	}
	if w.set.Polish && status.OK() && !early && w.polish(info) {
		status = StatusSolved
		w.exportPolish()
	}
	stuck := status == StatusAlmostSolved || status == StatusNumericalError || status == StatusMaxIterations
	if w.set.Polish && stuck && w.hasSOC() && w.newtonTries < newtonMaxTries && w.newtonRefine(info, false) {
		status = StatusSolved
		newtonDone = true
	}
	if stuck && w.refineNonsym() && w.tangentRefine(info, false) {
		status = StatusSolved
		newtonDone = true
	}
	if status == StatusSolved && !newtonDone {
		switch {
		case w.refineNonsym():
			w.tangentRefine(info, true)
		case w.refinePSD():
			// PSD problems: the tangent refinement factors the
			// quasidefinite KKT by LDLᵀ; the dense LU Newton polish
			// finishes when it did not reach rounding level.
			if !w.tangentRefine(info, true) || refineMeasure(info, 0) > psdTangentDone {
				w.polishNewton(info)
			}
		case w.polishNewton(info):
		case w.refineSOC(info):
			w.tangentRefine(info, true)
		}
	}
	info.Status = status
	info.Tolerance = w.set.tolerance(info)
	w.writeResult(res)
}

// factor factors the regularized KKT matrix.
func (w *Solver) factor() bool { return w.kkt.Factor() == nil }

// solveKKT solves K [x; z] = rhs into sol with iterative refinement.
func (w *Solver) solveKKT() bool { return w.kkt.Solve(w.rhs, w.sol) }

func (w *Solver) hasQuadratic() bool {
	if w.prox != 0 {
		return true
	}
	for _, v := range w.pv {
		if v != 0 {
			return true
		}
	}
	return false
}

// loadData makes v the problem being solved: its data copied, equilibrated
// and set as the KKT system's static entries (P, A and the proximal
// diagonal); computeResiduals' products, of the previous data, are dropped.
//
// Without a proximal term, P's working copy pv is the KKT system's P
// values when they are one run (kkt.System.PValues: no column without
// its diagonal between two of P's entries, as in a dense P): copied
// and equilibrated there, it is what SetData would have copied, and
// nothing but Factor (which restores it) writes there until the next
// SetData, which only the equality certificate makes with other values
// (it moves pv to its own storage first: ownP). One copy of P fewer per
// solve (10 KiB at the BPQP study's n = 50).
func (w *Solver) loadData(v *problem.Values) {
	w.orig = v
	w.prodOK = false
	w.cert.ok = false
	w.normsOK = false
	w.pv = w.pvOwn
	if w.prox == 0 && !w.noSharedP {
		if kp := w.kkt.PValues(); kp != nil {
			w.pv = kp
		}
	}
	copy(w.pv, v.P)
	copy(w.cv, v.C)
	copy(w.av, v.A)
	copy(w.bv, v.B)
	w.equilibrate()
	w.diagP = w.pDiagonal()
	w.origDiagP = w.diagP && (!w.set.Equilibrate || w.compactP)
	w.kkt.SetData(w.pv, w.av, 0)
	if w.prox != 0 {
		w.kkt.AddDiagX(w.proxS)
	}
}

// sharedP reports whether pv is the KKT system's P values (loadData).
func (w *Solver) sharedP() bool {
	return len(w.pv) > 0 && &w.pv[0] != &w.pvOwn[0]
}

// ownP moves pv to its own storage when it is the KKT system's P values,
// before a SetData with other values (equalityCertificate).
func (w *Solver) ownP() {
	if w.sharedP() {
		copy(w.pvOwn, w.pv)
		w.pv = w.pvOwn
	}
}
