package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// WarmMaxChanges bounds the active-set changes (rows added or dropped; a
// simplex-like swap counts two) of one warm-started perturbed LPGD solve
// with the reduced KKT factorization (QPs, or ρ > 0); past it the perturbed
// problem is re-solved by the interior point. At an LP vertex (the basis
// LU) the bound is max(WarmMaxChanges, 4n): there the basis is refactored
// every warmRefactorFlips updated rows, so a change costs the same however
// many came before.
const WarmMaxChanges = 48

// warmRefactorFlips is the number of rows whose state differs from the
// base factorization's at which the basis-LU path refactors the basis of
// the current active set (and drops the capacitance update). A variable
// for the tests only.
var warmRefactorFlips = 24

// warmPivotTol is the relative size below which a pivot of the capacitance
// matrix is taken as zero (the updated active set has dependent rows).
const warmPivotTol = 1e-11

// warmResTol is the relative residual of stationarity and of the active
// rows with which a warm-started solution is accepted.
const warmResTol = 1e-9

// Stats are per-sample statistics of the last LPGD backward pass of a
// Workspace (zero for the other methods).
type Stats struct {
	// Changes counts the active-set changes (rows added or dropped) of the
	// warm-started perturbed solves, over both sides.
	Changes int
	// WarmSolves counts the perturbed solves finished by a warm start:
	// the active-set method (polyhedral cones) or the tangent Newton
	// refinement from the forward's solution (other cones); 0, 1 or 2 per
	// attempt.
	WarmSolves int
	// IPMSolves counts the perturbed solves done by the interior point
	// (warm start off, not applicable, or given up).
	IPMSolves int
	// ConeFallbacks counts the perturbed solves of problems with
	// non-polyhedral cones whose warm start (the tangent Newton refinement
	// from the forward's solution, counted in WarmSolves when accepted)
	// was rejected and which the interior point solved instead (Go only,
	// not a C ABI column).
	ConeFallbacks int
	// RefineSteps counts the tangent Newton steps (one KKT factorization
	// each) of those warm starts, accepted or not (Go only).
	RefineSteps int
	// FactorSolves counts the solves with the base factorization K₀ of the
	// warm start (its cost beyond the factorization, both sides together).
	FactorSolves int
	// Refactors counts the refactorizations of the LP basis on long
	// warm-started paths (every warmRefactorFlips updated rows; Go only,
	// not a C ABI column).
	Refactors int
	// Tau is the τ of the finite difference (Options.Tau, tau auto's choice
	// — on a QP after the movement cap and rescale — or what the
	// smaller_tau fallback left).
	Tau float64
	// Rho is the proximal weight ρ of the perturbed problems (Options.Rho
	// or AutoRho's choice; Go only, not a C ABI column).
	Rho float64
}

// warmWork is the memory of the warm-started active-set solves: the base
// point (the unperturbed problem's solution on the forward's active set),
// the current point of one side, and the Schur-complement (capacitance)
// update of the base factorization.
//
// The base KKT matrix K₀ = [P + ρI, A_W₀ᵀ; A_W₀, 0] (inactive rows
// decoupled, kkt.System.SetActiveRows) is factored once per sample and
// shared by both sides. A row whose state differs from W₀ ("flip") changes
// K₀ by a symmetric rank-two term U_k S_k U_kᵀ with U_k = [a_i, e_i] (a_i
// the row of A in the x block, e_i the row's unit vector) and
// S_k = ±[0 1; 1 1] (+ for an added row, − for a dropped one). Solves with
// K = K₀ + U S Uᵀ use K₀'s factorization and the small capacitance matrix
// C = S⁻¹ + Uᵀ K₀⁻¹ U (Sherman–Morrison–Woodbury, the Schur-complement
// active-set method of Gill, Murray, Saunders and Wright): a change costs
// two solves with K₀ and a factorization of C, never a refactorization of
// K₀.
type warmWork struct {
	acol   []int     // column of every A entry
	x0, y0 []float64 // base point
	act    []bool    // current active set
	x, y   []float64 // current point
	s      []float64 // current slacks b(t) − A x
	dx     []float64 // direction per unit t (x block)
	dy     []float64 // direction per unit t (rows)
	ds     []float64 // slack direction per unit t
	dc, db []float64 // perturbation of c and b
	r, z   []float64 // right-hand side and solution, length n + m
	zk     []float64 // K₀⁻¹ rhs before the update
	pre    []float64 // K₀⁻¹e_preRow, kept by warmDrop for warmFlip
	preRow int
	flips  []int  // flipped rows, in order
	added  []bool // per flip: added (true) or dropped (false)
	cols   [][]float64
	unit   []int       // per column: the index of its only nonzero (±1), or −1
	arows  [][]float64 // per flip: its row a_i of A, dense (length n)
	c      []float64   // capacitance matrix, row-major, 2F × 2F
	lu     []float64   // its LU factors (row stride 2F): row k is row perm[k] of C
	perm   []int
	facQ   int     // rows and columns of C the factors cover (warmFactorC)
	cmax   float64 // largest |entry| of C's factored block
	// bordered counts warmFactorC's bordered updates of the current
	// sample (tests).
	bordered int
	g, g2    []float64
	pscale   float64 // largest |entry| of P + ρI (0: zero curvature)
	// u = K₀⁻¹[−gx; −gy_W₀] (gy on the rows of W₀, 0 elsewhere), solved
	// once per sample and shared by both sides and every τ: the
	// perturbation's right-hand side on W₀ is στ times it, so K₀⁻¹ of
	// every direction and end-point right-hand side of the path is
	// assembled from u, the base point and the update columns without a
	// further solve with K₀ (warmRHS).
	u      []float64
	uReady bool
	zr, dr []float64 // warmRefineK's scratch, length n + m
	// Solves counts the solves with K₀'s factorization of the current
	// sample (the base point's included).
	solves int
	// basis solves with K₀ at an LP vertex (P + ρI = 0, n active rows) by
	// an LU of the square basis A_W instead of K₀'s LDLᵀ (useBasis).
	basis    basisLU
	useBasis bool
	// qp solves with K₀ of a QP by the range space of the variables its
	// active bound rows leave free (qpBound) instead of K₀'s LDLᵀ (useQP).
	qp    qpBound
	useQP bool
	// The factorization the current updates are relative to: basis (the
	// forward's active set W₀) or, after a refactorization on a long path,
	// basis2 of the active set bact = act2, with u2 = K⁻¹[−gx; −gy_bact]
	// and z2 = K⁻¹[−c; b_bact] in place of u and the base point.
	fac        *basisLU
	bact       []bool
	refactored bool
	basis2     basisLU
	act2       []bool
	u2, z2     []float64
	refactors  int
	// rowsA is the sample's A by rows (bound rows and dense general
	// rows), gathered by warmBase for both sides.
	rowsA aRows
	// sx is the parametric simplex path's state (warmSimplexSolve: LP
	// vertices, in place of the capacitance update).
	sx simplexWork
}

func newWarmWork(n, m int, st *problem.Structure) *warmWork {
	vec := func(k int) []float64 { return make([]float64, k) }
	F := 2 * (WarmMaxChanges + 2)
	w := &warmWork{
		acol: make([]int, st.A.Nnz()),
		x0:   vec(n), y0: vec(m), act: make([]bool, m),
		x: vec(n), y: vec(m), s: vec(m), dx: vec(n), dy: vec(m), ds: vec(m),
		dc: vec(n), db: vec(m), r: vec(n + m), z: vec(n + m), zk: vec(n + m),
		pre: vec(n + m), preRow: -1, u: vec(n + m),
		act2: make([]bool, m), u2: vec(n + m), z2: vec(n + m),
		flips: make([]int, 0, F/2), added: make([]bool, 0, F/2),
		cols: make([][]float64, 0, F), unit: make([]int, F), arows: make([][]float64, F/2),
		c: vec(F * F), lu: vec(F * F), perm: make([]int, F), g: vec(F), g2: vec(F),
	}
	for j := 0; j < n; j++ {
		for e := st.A.Colptr[j]; e < st.A.Colptr[j+1]; e++ {
			w.acol[e] = j
		}
	}
	return w
}

// warmBase factors the base system K₀ on the active set w.active (with
// proximal weight rho) and solves the unperturbed problem (cost c − ρx*) on
// it. It reports false when K₀ needs regularized pivots (dependent active
// rows) or the base point is not optimal: the warm start does not apply.
func (w *Workspace) warmBase(v *problem.Values, sol Solution, rho float64) bool {
	if w.warm == nil {
		w.warm = newWarmWork(w.an.St.N, w.an.St.M, w.an.St)
	}
	ww := w.warm
	if warmRowForm {
		ww.rowsA.Build(w.an.St, v.A)
	} else {
		ww.rowsA.OK = false
	}
	ww.uReady, ww.solves, ww.refactors, ww.bordered = false, 0, 0, 0
	ww.sx.dualPivots = 0
	ww.fac, ww.bact, ww.refactored = &ww.basis, w.active, false
	ww.pscale = rho
	for _, pv := range v.P {
		ww.pscale = max(ww.pscale, math.Abs(pv)+rho)
	}
	// An LP vertex: solve with the basis; otherwise (or when the basis is
	// not square and nonsingular) factor K₀.
	ww.useBasis = ww.pscale == 0 && ww.basis.factor(w.an.St.N, w.active, w.an.St.A.Colptr, w.an.St.A.Rowval, v.A, &ww.rowsA)
	ww.useQP = !ww.useBasis && ww.pscale > 0 && warmQPBound && ww.qp.Factor(w.an.St, v.P, rho, nil, w.active, &ww.rowsA)
	if !ww.useBasis && !ww.useQP {
		if err := w.setReduced(v, rho); err != nil || w.kkt.Regularized() != 0 {
			return false
		}
	}
	p := &w.pert
	p.P, p.A = v.P, v.A // not perturbed: the caller's values, never written
	for j := range p.C {
		p.C[j] = v.C[j] - rho*sol.X[j]
	}
	copy(p.B, v.B)
	ww.solves++
	if !ww.useBasis && !ww.useQP {
		return w.reducedSolve(p, ww.x0, ww.y0)
	}
	n, m := w.an.St.N, w.an.St.M
	activeRHS(w.rhs, p.C[:n], p.B, w.active[:m], 1)
	res := 0.0
	if ww.useQP {
		res = ww.qp.Solve(w.rhs, w.sol, true)
	} else {
		res = ww.basis.solveK0(w.rhs, w.sol, m, true)
	}
	if !(res <= 1e-9) || !finite(w.sol) {
		return false
	}
	return w.reducedAccept(p, ww.x0, ww.y0)
}

// warmUnrefinedK0 lets the update columns of the reduced-KKT path (QPs,
// ρ > 0) skip iterative refinement (a variable for the tests).
var warmUnrefinedK0 = true

// warmK0Solve writes z = K₀⁻¹r with the base factorization (the basis LU
// or K₀'s LDLᵀ). With refine false the solve skips iterative refinement
// (the basis LU's one step, the KKT solve's refinement loop): the update
// columns and directions of the path need no more than the factorization's
// backward stability, and the end point is checked (warmAccept) and
// re-solved with refinement when it misses.
func (w *Workspace) warmK0Solve(r, z []float64, refine bool) bool {
	ww := w.warm
	ww.solves++
	if ww.useBasis {
		ww.fac.solveK0(r, z, w.an.St.M, refine)
		return finite(z)
	}
	if ww.useQP {
		ww.qp.Solve(r, z, refine)
		return finite(z)
	}
	if !refine && warmUnrefinedK0 {
		return w.kkt.SolveUnrefined(r, z)
	}
	return w.kkt.Solve(r, z)
}

// warmRefactor factors the basis of the current active set (basis-LU
// path, after warmRefactorFlips updated rows) and makes it the base of the
// following updates: the update list is emptied and the path's
// right-hand-side vectors u2 = K⁻¹[−gx; −gy_W] and z2 = K⁻¹[−c; b_W] are
// solved on it. The forward's basis, u and the base point stay for the
// other side and the one-sided difference. It reports false when the basis
// is not square or singular.
func (w *Workspace) warmRefactor(v *problem.Values) bool {
	n, m := w.an.St.N, w.an.St.M
	ww := w.warm
	copy(ww.act2, ww.act)
	if !ww.basis2.factor(n, ww.act2, w.an.St.A.Colptr, w.an.St.A.Rowval, v.A, &ww.rowsA) {
		return false
	}
	ww.fac, ww.bact, ww.refactored = &ww.basis2, ww.act2, true
	ww.flips, ww.added, ww.cols, ww.facQ = ww.flips[:0], ww.added[:0], ww.cols[:0], 0
	ww.preRow = -1
	ww.refactors++
	activeRHS(ww.r, w.gx[:w.an.St.N], w.gy, ww.act2[:w.an.St.M], -1)
	if !w.warmK0Solve(ww.r, ww.u2, true) {
		return false
	}
	for j := 0; j < n; j++ {
		ww.r[j] = -v.C[j] // ρ = 0 on this path
	}
	for i := 0; i < m; i++ {
		if ww.act2[i] {
			ww.r[n+i] = v.B[i]
		} else {
			ww.r[n+i] = 0
		}
	}
	return w.warmK0Solve(ww.r, ww.z2, true)
}

// warmSolve moves from the base point to the optimum of the σ-perturbed
// problem (cost c − ρx* + στgx, right-hand side b − στgy, P + ρI) by a
// parametric active-set method: the data move along t ∈ [0, 1], the
// solution follows the piecewise-affine path of the current active set,
// and at each breakpoint one row is added (its slack reaches 0) or dropped
// (its multiplier reaches 0; with zero curvature along the freed edge, as in
// an LP, the drop is paired with the row that blocks that edge, a simplex
// pivot). The result is accepted only after a final solve on the last
// active set passes the stationarity, primal-feasibility and dual-sign
// checks, so it is the perturbed problem's optimum. It returns the number
// of active-set changes and false when it gave up (more than
// WarmMaxChanges changes, a dependent row, an unbounded edge, a failed
// check); the caller then re-solves by the interior point.
func (w *Workspace) warmSolve(v *problem.Values, sol Solution, sigma, tau, rho float64, x, y []float64) (int, bool) {
	ww := w.warm
	if ww.useBasis && warmSimplex {
		return w.warmSimplexSolve(v, sigma, tau, x, y)
	}
	st := w.an.St
	n, m := st.N, st.M
	copy(ww.act, w.active)
	copy(ww.x, ww.x0)
	copy(ww.y, ww.y0)
	ww.fac, ww.bact, ww.refactored, ww.preRow = &ww.basis, w.active, false, -1
	maxChanges := WarmMaxChanges
	if ww.useBasis {
		maxChanges = max(WarmMaxChanges, 4*n)
	}
	ww.flips, ww.added, ww.cols, ww.facQ = ww.flips[:0], ww.added[:0], ww.cols[:0], 0
	for j := 0; j < n; j++ {
		ww.dc[j] = sigma * tau * w.gx[j]
	}
	for i := 0; i < m; i++ {
		ww.db[i] = -sigma * tau * w.gy[i]
	}
	// Slacks at t = 0.
	copy(ww.s, v.B)
	w.warmMulA(v, ww.s, ww.x, -1)
	dscale := math.Max(normInf(ww.dc), normInf(ww.db))
	changes := 0
	t := 0.0
	for t < 1 {
		if ww.useBasis && len(ww.flips) >= warmRefactorFlips && !w.warmRefactor(v) {
			return changes, false
		}
		// Direction per unit t: K [dx; dy] = [−Δc; Δb_W].
		if !w.warmRHS(v, sigma*tau, false) || !w.warmCorrect(v) {
			return changes, false
		}
		copy(ww.dx, ww.z[:n])
		for i := 0; i < m; i++ {
			if ww.act[i] {
				ww.dy[i] = ww.z[n+i]
			} else {
				ww.dy[i] = 0
			}
		}
		copy(ww.ds, ww.db)
		w.warmMulA(v, ww.ds, ww.dx, -1)
		eps := 1e-12 * math.Max(dscale, math.Max(normInf(ww.dx), normInf(ww.dy)))
		// Ratio test: the first row to reach its bound.
		step, row, drop := 1-t, -1, false
		for i := 0; i < m; i++ {
			if w.rows[i] != cone.RowsInequality {
				continue
			}
			if ww.act[i] {
				if ww.dy[i] < -eps {
					if a := max(ww.y[i], 0) / -ww.dy[i]; a < step {
						step, row, drop = a, i, true
					}
				}
			} else if ww.ds[i] < -eps {
				if a := max(ww.s[i], 0) / -ww.ds[i]; a < step {
					step, row, drop = a, i, false
				}
			}
		}
		t += step
		for j := 0; j < n; j++ {
			ww.x[j] += step * ww.dx[j]
		}
		for i := 0; i < m; i++ {
			ww.y[i] += step * ww.dy[i]
			ww.s[i] += step * ww.ds[i]
		}
		if row < 0 {
			break
		}
		if changes >= maxChanges {
			return changes, false
		}
		if drop {
			ww.y[row] = 0
			k, ok := w.warmDrop(v, row)
			if !ok {
				return changes, false
			}
			changes += k
		} else {
			ww.s[row] = 0
			if !w.warmFlip(v, row, true) {
				return changes, false
			}
			changes++
		}
	}
	// The end point: the perturbed data's solution on the last active set,
	// assembled from the base point, u and the update columns; if it
	// misses the acceptance tests, once more by a refined solve with K₀.
	p := &w.pert
	for j := 0; j < n; j++ {
		p.C[j] = v.C[j] - rho*sol.X[j] + ww.dc[j]
	}
	for i := 0; i < m; i++ {
		p.B[i] = v.B[i] + ww.db[i]
	}
	setRHS := func() { activeRHS(ww.r, p.C[:n], p.B, ww.act[:m], 1) }
	if w.warmRHS(v, sigma*tau, true) && w.warmCorrect(v) {
		// Assembled from unrefined update columns: refine it against K.
		refined := true
		if len(ww.flips) > 0 && warmUnrefinedK0 && !ww.useBasis {
			setRHS()
			refined = w.warmRefineK(v, rho)
		}
		if refined && w.warmEnd(v, rho, x, y) {
			return changes, true
		}
	}
	setRHS()
	if !w.warmKSolve(v) || !w.warmRefineK(v, rho) {
		return changes, false
	}
	return changes, w.warmEnd(v, rho, x, y)
}

// warmRefineSteps bounds warmRefineK's steps.
const warmRefineSteps = 3

// warmRefineK improves ww.z, a solution of K z = ww.r on the current
// active set (K = [P + ρI, A_Wᵀ; A_W, 0], −1 on the inactive rows), by
// iterative refinement against K itself with the updated factorization
// (K₀'s and the capacitance correction) as the approximate inverse: the
// update columns are unrefined solves (warmUnrefinedK0), so the corrected
// solution is only as accurate as they are. Stops when the residual
// reaches warmResTol/10 relative to ‖r‖∞, stops decreasing, or after
// warmRefineSteps steps; reports false when the solution is not finite.
func (w *Workspace) warmRefineK(v *problem.Values, rho float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	ww := w.warm
	if ww.zr == nil {
		ww.zr, ww.dr = make([]float64, n+m), make([]float64, n+m)
	}
	tol := 0.1 * warmResTol * math.Max(1, normInf(ww.r))
	prev := math.Inf(1)
	for step := 0; ; step++ {
		// dr = r − K z.
		z, d := ww.z, ww.dr
		copy(d, ww.r)
		st.MulP(d[:n], v.P, z[:n], -1)
		if rho != 0 {
			vec.Axpy(-rho, z[:n], d[:n])
		}
		for i := 0; i < m; i++ {
			if ww.act[i] {
				ww.zr[i] = z[n+i]
			} else {
				ww.zr[i] = 0
				d[n+i] += z[n+i]
			}
		}
		w.warmMulAT(v, d[:n], ww.zr[:m], -1)
		clear(ww.zr[:m])
		w.warmMulA(v, ww.zr[:m], z[:n], 1)
		for i := 0; i < m; i++ {
			if ww.act[i] {
				d[n+i] -= ww.zr[i]
			}
		}
		res := normInf(d)
		if res <= tol || res >= 0.5*prev || step == warmRefineSteps {
			return finite(z)
		}
		prev = res
		copy(ww.zr, z)
		if !w.warmK0Solve(d, ww.zk, false) || !w.warmCorrect(v) {
			return false
		}
		vec.Axpy(1, ww.zr, ww.z)
	}
}

// warmEnd copies the solution ww.z on the current active set into (x, y)
// and checks it (warmAccept).
func (w *Workspace) warmEnd(v *problem.Values, rho float64, x, y []float64) bool {
	n, m := w.an.St.N, w.an.St.M
	ww := w.warm
	copy(x, ww.z[:n])
	for i := 0; i < m; i++ {
		if ww.act[i] {
			y[i] = ww.z[n+i]
		} else {
			y[i] = 0
		}
	}
	return w.warmAccept(v, rho, x, y)
}

// warmRHS writes into ww.zk the product K₀⁻¹r for the path's right-hand
// side on the current active set W: r = [−Δc; Δb_W] (end false, the
// direction per unit t) or r = [−(c − ρx* + Δc); (b + Δb)_W] (end true,
// the end point), with Δc = στgx, Δb = −στgy and st = στ. Without a solve
// with K₀: r differs from st·[−gx; −gy_W₀] (and from the base point's
// right-hand side, K₀⁻¹ of which is [x₀; y₀]) only in the rows whose state
// differs from W₀, and K₀⁻¹e_i for such a row is the second column of its
// update (−e_i for an added row, a solved column for a dropped one). u is
// solved on first use in the sample.
func (w *Workspace) warmRHS(v *problem.Values, st float64, end bool) bool {
	n, m := w.an.St.N, w.an.St.M
	ww := w.warm
	if !w.warmU() {
		return false
	}
	if ww.refactored {
		for k := range ww.zk {
			ww.zk[k] = st * ww.u2[k]
		}
		if end {
			vec.Axpy(1, ww.z2, ww.zk)
		}
	} else {
		for k := range ww.zk {
			ww.zk[k] = st * ww.u[k]
		}
		if end {
			for j := 0; j < n; j++ {
				ww.zk[j] += ww.x0[j]
			}
			for i := 0; i < m; i++ {
				if w.active[i] {
					ww.zk[n+i] += ww.y0[i]
				}
			}
		}
	}
	for k, i := range ww.flips {
		bi := ww.db[i]
		if end {
			bi += v.B[i]
		}
		if bi == 0 {
			continue
		}
		if !ww.added[k] {
			bi = -bi // a dropped row leaves the right-hand side
		}
		ww.addCol(bi, 2*k+1, ww.zk)
	}
	return true
}

// warmDrop drops active row j, whose multiplier reached zero. With positive
// curvature along the edge it frees, the row is simply dropped; with zero
// curvature (an LP vertex: the reduced system would become singular) the
// point moves along the edge to the first blocking row, which is added in
// the same change (a simplex pivot). It returns the number of changes.
func (w *Workspace) warmDrop(v *problem.Values, j int) (int, bool) {
	st := w.an.St
	n, m := st.N, st.M
	ww := w.warm
	// Edge direction d: A_W d = −e_j (row j's slack grows), (P + ρI) d + A_Wᵀ u = 0;
	// its curvature dᵀ(P + ρI)d = u_j.
	// K₀⁻¹e_j is also the column that dropping a row active in W₀ needs
	// (warmFlip): solve it once and keep it in ww.pre.
	if ww.bact[j] {
		for i := range ww.r {
			ww.r[i] = 0
		}
		ww.r[n+j] = 1
		if !w.warmK0Solve(ww.r, ww.pre, false) {
			return 0, false
		}
	} else {
		// Added on the path: K₀'s row n+j is −e_j, so K₀⁻¹e_j = −e_j.
		for i := range ww.pre {
			ww.pre[i] = 0
		}
		ww.pre[n+j] = -1
	}
	ww.preRow = j // a later drop of another row replaces it
	for i := range ww.zk {
		ww.zk[i] = -ww.pre[i]
	}
	if !w.warmCorrect(v) {
		return 0, false
	}
	d := ww.z[:n]
	dd := 0.0
	for _, di := range d {
		dd += di * di
	}
	if ww.pscale > 0 && ww.z[n+j] > 1e-10*ww.pscale*dd {
		return 1, w.warmFlip(v, j, true)
	}
	// Zero curvature: ratio test along d over the inactive inequality rows.
	copy(ww.dx, d)
	for i := range ww.ds {
		ww.ds[i] = 0
	}
	w.warmMulA(v, ww.ds, ww.dx, -1)
	eps := 1e-12 * math.Max(1, normInf(ww.dx))
	step, row := math.Inf(1), -1
	for i := 0; i < m; i++ {
		if ww.act[i] || w.rows[i] != cone.RowsInequality || ww.ds[i] >= -eps {
			continue
		}
		if a := max(ww.s[i], 0) / -ww.ds[i]; a < step {
			step, row = a, i
		}
	}
	if row < 0 {
		return 0, false // unbounded edge
	}
	for k := 0; k < n; k++ {
		ww.x[k] += step * ww.dx[k]
	}
	for i := 0; i < m; i++ {
		ww.s[i] += step * ww.ds[i]
	}
	ww.s[row] = 0
	if !w.warmFlip(v, j, false) || !w.warmFlip(v, row, true) {
		return 1, false
	}
	return 2, true
}

// warmFlip changes the state of row i (active ↔ inactive) in the current
// active set: it removes the row's update when that returns it to its base
// state, or appends the update's two columns K₀⁻¹U_k and their rows and
// columns of C, and refactors C (unless factor is false: a swap refactors
// once, after its second flip). It reports false when the updated system
// is singular. One of the two columns is known without a solve: column
// n+i of K₀ is [a_i; 0] for a row active in W₀ (so K₀⁻¹[a_i; 0] = e_i) and
// −e_i for an inactive one (so K₀⁻¹e_i = −e_i).
func (w *Workspace) warmFlip(v *problem.Values, i int, factor bool) bool {
	st := w.an.St
	n := st.N
	ww := w.warm
	F := cap(ww.cols)
	ww.act[i] = !ww.act[i]
	if !ww.act[i] {
		ww.y[i] = 0
	}
	found := -1
	for k, r := range ww.flips {
		if r == i {
			found = k
		}
	}
	if found >= 0 {
		last := len(ww.flips) - 1
		q := 2 * len(ww.flips)
		ww.flips[found], ww.added[found] = ww.flips[last], ww.added[last]
		// Move the last update into the freed slot: columns (their memory
		// stays in the slice for reuse), then C's rows and columns.
		for c := 0; c < 2; c++ {
			a, b := 2*found+c, 2*last+c
			ww.cols[a], ww.cols[b] = ww.cols[b], ww.cols[a]
			ww.unit[a], ww.unit[b] = ww.unit[b], ww.unit[a]
			copy(ww.c[a*F:a*F+q], ww.c[b*F:b*F+q])
		}
		for c := 0; c < 2; c++ {
			a, b := 2*found+c, 2*last+c
			for r := 0; r < q; r++ {
				ww.c[r*F+a] = ww.c[r*F+b]
			}
		}
		ww.arows[found], ww.arows[last] = ww.arows[last], ww.arows[found]
		ww.flips, ww.added, ww.cols = ww.flips[:last], ww.added[:last], ww.cols[:2*last]
		ww.facQ = 0 // rows moved: refactor
		return !factor || w.warmFactorC()
	}
	if len(ww.flips) == cap(ww.flips) {
		return false
	}
	k := len(ww.flips)
	ww.flips = append(ww.flips, i)
	ww.added = append(ww.added, ww.act[i])
	if ww.arows[k] == nil {
		ww.arows[k] = make([]float64, n)
	}
	arow := ww.arows[k]
	if ww.rowsA.OK {
		ww.rowsA.Row(i, arow)
	} else {
		for q := range arow {
			arow[q] = 0
		}
		for _, e := range w.rowEntries[i] {
			arow[ww.acol[e]] = v.A[e]
		}
	}
	for c := 0; c < 2; c++ {
		idx := 2*k + c
		ww.cols = ww.cols[:idx+1]
		if ww.cols[idx] == nil {
			ww.cols[idx] = make([]float64, len(ww.r))
		}
		col := ww.cols[idx]
		ww.unit[idx] = -1
		switch {
		case c == 0 && !ww.act[i]: // dropped: K₀⁻¹[a_i; 0] = e_i
			for q := range col {
				col[q] = 0
			}
			col[n+i] = 1
			ww.unit[idx] = n + i
		case c == 1 && ww.act[i]: // added: K₀⁻¹e_i = −e_i
			for q := range col {
				col[q] = 0
			}
			col[n+i] = -1
			ww.unit[idx] = n + i
		default:
			for q := range ww.r {
				ww.r[q] = 0
			}
			if c == 1 && ww.preRow == i {
				copy(col, ww.pre) // K₀⁻¹e_i, solved by warmDrop
				break
			}
			if c == 0 {
				copy(ww.r[:n], arow)
			} else {
				ww.r[n+i] = 1
			}
			if !w.warmK0Solve(ww.r, col, false) {
				return false
			}
		}
	}
	// New rows and columns of C = S⁻¹ + UᵀK₀⁻¹U.
	q := 2 * len(ww.flips)
	for c := 0; c < 2; c++ {
		a := 2*k + c
		for b := 0; b < q; b++ {
			ww.c[a*F+b] = w.uDot(v, a, ww.cols[b])
			ww.c[b*F+a] = w.uDot(v, b, ww.cols[a])
		}
	}
	// S⁻¹ = [−1 1; 1 0] for an added row, [1 −1; −1 0] for a dropped one.
	sg := 1.0
	if !ww.act[i] {
		sg = -1
	}
	a := 2 * k
	ww.c[a*F+a] -= sg
	ww.c[a*F+a+1] += sg
	ww.c[(a+1)*F+a] += sg
	return !factor || w.warmFactorC()
}

// uDot is U_pᵀ z for update column p (a_i in the x block, or e_i).
func (w *Workspace) uDot(v *problem.Values, p int, z []float64) float64 {
	ww := w.warm
	if p%2 == 1 {
		return z[w.an.St.N+ww.flips[p/2]]
	}
	return vec.Dot(ww.arows[p/2], z)
}

// addCol adds alpha times update column p to z.
func (ww *warmWork) addCol(alpha float64, p int, z []float64) {
	if alpha == 0 {
		return
	}
	if u := ww.unit[p]; u >= 0 {
		z[u] += alpha * ww.cols[p][u]
		return
	}
	vec.Axpy(alpha, ww.cols[p], z)
}

// warmGrowthMax bounds the multipliers of the rows that warmFactorC
// appends to an existing factorization of C without pivoting them against
// the factored rows; a larger one (the factored block is nearly singular
// along the new rows) refactors C with full partial pivoting instead.
const warmGrowthMax = 1e3

// warmBorderC enables warmFactorC's bordered updates (a variable for the
// tests, which compare with refactoring every time).
var warmBorderC = true

// warmFactorC factors the capacitance matrix C by LU with partial pivoting
// (row k of the factors is row perm[k] of C); it reports false when a
// pivot is negligible. The rows and columns appended since the last call
// (an added update; two for a simplex swap) border the existing factors:
// the new rows are eliminated against the factored pivots and only their
// Schur complement is pivoted and factored, O(q²) per change instead of
// the O(q³) of a refactorization. A removed update (its rows move) leaves
// the factors void: then, or when a bordered multiplier exceeds
// warmGrowthMax or a bordered pivot fails the test, C is refactored from
// scratch, which decides singularity as before.
func (w *Workspace) warmFactorC() bool {
	ww := w.warm
	q := 2 * len(ww.flips)
	if q == 0 {
		ww.facQ = 0
		return true
	}
	if ww.facQ == q {
		return true
	}
	if warmBorderC && ww.facQ > 0 && ww.facQ < q && ww.factorCFrom(ww.facQ) {
		ww.bordered++
		return true
	}
	return ww.factorCFrom(0)
}

// factorCFrom extends the LU factors of C's leading p × p block (p = 0:
// none) to all q = 2·len(flips) rows and columns. It reports false when a
// pivot is negligible against C's largest entry or, for p > 0, a bordered
// multiplier exceeds warmGrowthMax.
func (ww *warmWork) factorCFrom(p int) bool {
	F := cap(ww.cols)
	q := 2 * len(ww.flips)
	lu, c := ww.lu, ww.c
	ww.facQ = 0 // void until this succeeds
	cmax := 0.0
	if p > 0 {
		cmax = ww.cmax
	}
	// New rows (all columns), new columns of the factored rows.
	for r := p; r < q; r++ {
		ww.perm[r] = r
		row := c[r*F : r*F+q]
		copy(lu[r*F:r*F+q], row)
		for _, v := range row {
			cmax = max(cmax, math.Abs(v))
		}
	}
	for k := 0; k < p; k++ {
		src := ww.perm[k] * F
		for cc := p; cc < q; cc++ {
			v := c[src+cc]
			lu[k*F+cc] = v
			cmax = max(cmax, math.Abs(v))
		}
	}
	// Elimination steps of the factored pivots applied to the new columns
	// of the factored rows and to the new rows (no pivoting across them).
	for l := 0; l < p; l++ {
		urow := lu[l*F : l*F+q]
		for k := l + 1; k < p; k++ {
			if f := lu[k*F+l]; f != 0 {
				for cc := p; cc < q; cc++ {
					lu[k*F+cc] -= f * urow[cc]
				}
			}
		}
		inv := 1 / urow[l]
		for r := p; r < q; r++ {
			f := lu[r*F+l] * inv
			if !(math.Abs(f) <= warmGrowthMax) {
				return false
			}
			lu[r*F+l] = f
			if f != 0 {
				for cc := l + 1; cc < q; cc++ {
					lu[r*F+cc] -= f * urow[cc]
				}
			}
		}
	}
	// Partial pivoting on the rest.
	for k := p; k < q; k++ {
		piv := k
		for r := k + 1; r < q; r++ {
			if math.Abs(lu[r*F+k]) > math.Abs(lu[piv*F+k]) {
				piv = r
			}
		}
		if math.Abs(lu[piv*F+k]) <= warmPivotTol*cmax {
			return false
		}
		if piv != k {
			for cc := 0; cc < q; cc++ {
				lu[k*F+cc], lu[piv*F+cc] = lu[piv*F+cc], lu[k*F+cc]
			}
			ww.perm[k], ww.perm[piv] = ww.perm[piv], ww.perm[k]
		}
		inv := 1 / lu[k*F+k]
		for r := k + 1; r < q; r++ {
			f := lu[r*F+k] * inv
			lu[r*F+k] = f
			if f != 0 {
				for cc := k + 1; cc < q; cc++ {
					lu[r*F+cc] -= f * lu[k*F+cc]
				}
			}
		}
	}
	ww.facQ, ww.cmax = q, cmax
	return true
}

// solveC writes h = C⁻¹g with warmFactorC's factors (q = len(g)).
func (ww *warmWork) solveC(g, h []float64) {
	F := cap(ww.cols)
	q := len(g)
	for k := 0; k < q; k++ {
		h[k] = g[ww.perm[k]]
	}
	for k := 0; k < q; k++ {
		for r := k + 1; r < q; r++ {
			h[r] -= ww.lu[r*F+k] * h[k]
		}
	}
	for k := q - 1; k >= 0; k-- {
		s := h[k]
		for c := k + 1; c < q; c++ {
			s -= ww.lu[k*F+c] * h[c]
		}
		h[k] = s / ww.lu[k*F+k]
	}
}

// warmKSolve solves K z = r for the current active set (K₀'s factorization
// and the capacitance update) into ww.z.
func (w *Workspace) warmKSolve(v *problem.Values) bool {
	ww := w.warm
	if !w.warmK0Solve(ww.r, ww.zk, true) {
		return false
	}
	return w.warmCorrect(v)
}

// warmCorrect turns ww.zk = K₀⁻¹r into ww.z = K⁻¹r (the capacitance
// correction).
func (w *Workspace) warmCorrect(v *problem.Values) bool {
	ww := w.warm
	copy(ww.z, ww.zk)
	q := 2 * len(ww.flips)
	if q == 0 {
		return true
	}
	// g = Uᵀ K₀⁻¹ r; solve C g' = g; z = K₀⁻¹ r − Z g'.
	g := ww.g[:q]
	for a := 0; a < q; a++ {
		g[a] = w.uDot(v, a, ww.zk)
	}
	h := ww.g2[:q]
	ww.solveC(g, h)
	for a := 0; a < q; a++ {
		ww.addCol(-h[a], a, ww.z)
	}
	return finite(ww.z)
}

// warmAccept checks the candidate (x, y) on the active set w.warm.act
// against the perturbed problem w.pert (P + ρI): stationarity
// (P + ρI)x + c + Aᵀy = 0 and the active rows A_i x = b_i to warmResTol,
// nonnegative multipliers and slacks of the inequality rows to feasTol.
func (w *Workspace) warmAccept(v *problem.Values, rho float64, x, y []float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	ww := w.warm
	p := &w.pert
	r := ww.r[:n]
	copy(r, p.C)
	st.MulP(r, v.P, x, 1)
	for j := 0; j < n; j++ {
		r[j] += rho * x[j]
	}
	w.warmMulAT(v, r, y, 1)
	scale := math.Max(1, normInf(p.C))
	if normInf(r) > warmResTol*scale*math.Max(1, normInf(x)) {
		return false
	}
	s := ww.s
	copy(s, p.B)
	w.warmMulA(v, s, x, -1)
	bmax := math.Max(1, normInf(p.B))
	ymax := math.Max(1, normInf(y))
	stol := warmResTol * bmax * math.Max(1, normInf(x))
	for i := 0; i < m; i++ {
		switch {
		case ww.act[i] && math.Abs(s[i]) > stol:
			return false
		case w.rows[i] != cone.RowsInequality:
		case ww.act[i] && y[i] < -feasTol*ymax:
			return false
		case !ww.act[i] && s[i] < -feasTol*bmax:
			return false
		}
	}
	return true
}

func finite(v []float64) bool {
	for _, x := range v {
		if x-x != 0 { // NaN or ±Inf: one comparison instead of two tests
			return false
		}
	}
	return true
}

// activeRHS writes an active-set right-hand side into dst: −top in the x
// block (len(top) entries), s·bot on the rows active in act, 0 on the
// others.
func activeRHS(dst, top, bot []float64, act []bool, s float64) {
	n := len(top)
	for j, t := range top {
		dst[j] = -t
	}
	for i, a := range act {
		if a {
			dst[n+i] = s * bot[i]
		} else {
			dst[n+i] = 0
		}
	}
}
