package diff

import (
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// activeSet classifies the rows: equality (zero-cone) rows are always
// active; an inequality (nonnegative) row is active when y_i > s_i. It returns the weakly-active flag.
func (w *Workspace) activeSet(sol Solution, opt *Options) Flags {
	var flags Flags
	ymax := math.Max(1, normInf(sol.Y))
	for i := range w.active {
		switch {
		case w.rows[i] == cone.RowsEquality:
			w.active[i] = true
		case w.rows[i] == cone.RowsInequality:
			w.active[i] = sol.Y[i] > sol.S[i]
			if w.active[i] && sol.Y[i] <= opt.ActiveTol*ymax {
				flags |= FlagWeaklyActive
			}
		}
	}
	return flags
}

// setReduced writes the reduced KKT [P + ρI, A_actᵀ; A_act, 0] with
// inactive rows decoupled (zero row, H = 1) and factors it.
func (w *Workspace) setReduced(v *problem.Values, rho float64) error {
	w.kkt.SetData(v.P, v.A, rho)
	w.setActiveRows(v)
	return w.kkt.Factor()
}

// setActiveRows writes the active set w.active into the system set by
// SetData: by kkt.System.SetActiveRowsDiagonalX when P's values are
// diagonal (the x-eliminated form then factors only the active rows),
// else by SetActiveRows.
func (w *Workspace) setActiveRows(v *problem.Values) {
	if !w.noDiagX && w.diagonalP(v) {
		w.kkt.SetActiveRowsDiagonalX(v.A, w.active)
		return
	}
	w.kkt.SetActiveRows(v.A, w.active)
}

// diagonalP reports whether the structure has P entries and every
// off-diagonal value of P is zero. A structure without P (an LP) is not
// diagonal here: its x block is zero, which the x-eliminated form refuses
// after scanning it, and the reuse check's looser backward-error test is
// for a diagonal P's ~1/ε solutions only.
func (w *Workspace) diagonalP(v *problem.Values) bool {
	p := &w.an.St.P
	if len(p.Rowval) == 0 {
		return false
	}
	if w.pDiag {
		return true // the caller's declaration (SetPDiagonal)
	}
	// The rows of a column increase and end at most at the diagonal
	// (problem.New checks it): the diagonal entry, when present, is the
	// column's last, and the others are read without their rows. Their
	// bits are or-ed (four accumulators, no branch per value: the
	// ε-ridge LPs' dense P = εI has n²/2 zeros to read) and the column is
	// off-diagonal-free when the result is at most the sign bit (±0).
	for j := 0; j+1 < len(p.Colptr); j++ {
		lo, hi := p.Colptr[j], p.Colptr[j+1]
		if hi > lo && p.Rowval[hi-1] == j {
			hi--
		}
		vals := v.P[lo:hi]
		var a0, a1, a2, a3 uint64
		for len(vals) >= 4 {
			a0 |= math.Float64bits(vals[0])
			a1 |= math.Float64bits(vals[1])
			a2 |= math.Float64bits(vals[2])
			a3 |= math.Float64bits(vals[3])
			vals = vals[4:]
		}
		for _, x := range vals {
			a0 |= math.Float64bits(x)
		}
		if (a0|a1|a2|a3)<<1 != 0 {
			return false
		}
	}
	return true
}

// bpqpCones is CheckCones for the workspace's structure.
func (w *Workspace) bpqpCones(opt *Options) error { return opt.CheckCones(w.an.St.Cones) }

// CheckCones reports (wrapping ErrUnsupported) whether the method does not
// apply to a cone list: BPQP handles zero, nonnegative and second-order
// cones (their curvature term) with the direct solver, and only the
// polyhedral cones with ADMM; kkt and LPGD handle every cone.
func (o *Options) CheckCones(cones []cone.Spec) error {
	if o.Method != MethodBPQP {
		return nil
	}
	for _, c := range cones {
		switch c.Kind {
		case cone.KindZero, cone.KindNonneg:
		case cone.KindSOC:
			if o.BPQPSolver == BPQPADMM {
				return fmt.Errorf("%w: BPQP with solver=\"admm\" supports zero and nonnegative cones only; use solver=\"direct\" for second-order cones", ErrUnsupported)
			}
		default:
			return fmt.Errorf("%w: BPQP supports zero, nonnegative and second-order cones; use backward=\"kkt\" or LPGD for %s cones", ErrUnsupported, c.Kind)
		}
	}
	return nil
}

// bpqpBackward solves the backward QP min ½zᵀPz + gxᵀz s.t. A_act z = 0
// (and A_act z = −gy_act for dual gradients) on the active set, directly or
// by ADMM. Inactive rows have y = 0 and get zero gradients. With
// second-order cones the QP's Hessian of the Lagrangian gains each cone's
// curvature term (bpqpSetSOC).
func (w *Workspace) bpqpBackward(v *problem.Values, sol Solution, opt *Options, g *Grad) (Flags, error) {
	if err := w.bpqpCones(opt); err != nil {
		return 0, err
	}
	n, m := w.an.St.N, w.an.St.M
	flags := w.activeSet(sol, opt)
	if opt.BPQPSolver != BPQPADMM && w.bpqpReuse(v, sol) {
		flags |= FlagFactorReused
	} else if err := w.bpqpSolve(v, sol, opt, &flags); err != nil {
		return flags, err
	}
	for i := 0; i < m; i++ {
		if w.active[i] {
			w.yIn[i] = sol.Y[i]
		} else {
			w.yIn[i] = 0
			w.sol[n+i] = 0
		}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, w.yIn, g)
	return flags, nil
}

// bpqpSolve factors BPQP's backward system on the active set w.active and
// solves it into w.sol, directly or by ADMM.
func (w *Workspace) bpqpSolve(v *problem.Values, sol Solution, opt *Options, flags *Flags) error {
	var err error
	if w.kkt.Cones().Polyhedral() {
		err = w.setReduced(v, 0)
	} else {
		err = w.bpqpSetSOC(v, sol)
	}
	if err != nil {
		return &BackwardError{"bpqp: factorization of the reduced KKT system failed"}
	}
	if w.kkt.Regularized() > 0 {
		*flags |= FlagRegularized
	}
	w.setActiveRHS()
	if opt.BPQPSolver == BPQPADMM {
		return w.admmSolve(v, opt)
	}
	if !w.kkt.Solve(w.rhs, w.sol) {
		return &BackwardError{"bpqp: adjoint solve produced non-finite values"}
	}
	return nil
}

// bpqpReuse solves BPQP's backward system with the forward polish's
// factorization (sol.Factor, reusePolish) into w.sol when the solution is
// polished without weakly active rows: its active set (s = 0) is then
// BPQP's (y > s) and the system is the one kkt solves there (kktPolished).
// It reports false, with w.active BPQP's set, when there is no record, the
// solution is not polished, a row is weakly active or the record's
// refinement misses the tolerances (the caller factors).
func (w *Workspace) bpqpReuse(v *problem.Values, sol Solution) bool {
	if sol.Factor == nil {
		return false
	}
	if w.bpqpAct == nil {
		w.bpqpAct = make([]bool, len(w.active))
	}
	copy(w.bpqpAct, w.active) // BPQP's set (polishedActiveSet overwrites it)
	pf, ok := w.polishedActiveSet(sol)
	same := ok && pf&FlagWeaklyActive == 0
	for i := range w.active {
		same = same && w.active[i] == w.bpqpAct[i]
	}
	if !same || !w.reusePolish(v, sol) {
		copy(w.active, w.bpqpAct)
		return false
	}
	return true
}

// bpqpSetSOC writes and factors the backward QP's KKT system for a problem
// with second-order cones: polyhedral rows as in the active-set system
// (active: H = 0; inactive: row decoupled, H = 1) and, for each
// second-order cone, the block −H_k with H_k the cone's ProjectionH at
// (s_k, y_k). At a solution on a cone's boundary (s_k, y_k ≠ 0, s_kᵀy_k = 0)
// that block is the curvature of the cone — the Hessian of the Lagrangian's
// term y_k₀/s_k₀ on the tangent space of the boundary — and with the
// rank-one normal direction eliminated it is the backward QP of BPQP with
// that curvature in its objective; an inactive cone (y_k = 0) decouples
// like an inactive row, one in the interior of the dual cone (s_k = 0)
// becomes an equality block. The system equals kkt's at the same solution
// whenever the polyhedral rows are strictly complementary.
func (w *Workspace) bpqpSetSOC(v *problem.Values, sol Solution) error {
	m := w.an.St.M
	if w.sSOC == nil {
		w.sSOC, w.ySOC = make([]float64, m), make([]float64, m)
	}
	copy(w.sSOC, sol.S)
	copy(w.ySOC, sol.Y)
	for i := 0; i < m; i++ {
		switch w.rows[i] {
		case cone.RowsEquality:
			w.active[i] = true
		case cone.RowsInequality:
			// ProjectionH of the nonnegative cone is s/y (floored at 1e-30).
			if w.active[i] {
				w.sSOC[i], w.ySOC[i] = 0, 1
			} else {
				w.sSOC[i], w.ySOC[i] = 1, 1
			}
		default:
			w.active[i] = true // multiplier and adjoint kept
		}
	}
	w.kkt.SetData(v.P, v.A, 0)
	w.kkt.SetProjectionH(w.sSOC, w.ySOC)
	for i := 0; i < m; i++ {
		if w.rows[i] == cone.RowsInequality && !w.active[i] {
			w.kkt.SetARow(i, v.A, 0, w.rowEntries[i])
		}
	}
	return w.kkt.Factor()
}

// setActiveRHS writes the adjoint right-hand side of an active-set system
// (BPQP's, and kkt's at a polished solution): [gx; gy on active rows, 0 on
// inactive rows, whose equations are decoupled].
func (w *Workspace) setActiveRHS() {
	n := w.an.St.N
	copy(w.rhs[:n], w.gx)
	for i, a := range w.active {
		if a {
			w.rhs[n+i] = w.gy[i]
		} else {
			w.rhs[n+i] = 0
		}
	}
}
