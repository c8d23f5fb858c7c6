package diff

import (
	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// polishedActiveSet classifies the rows of a solution with exact
// complementarity — every nonnegative row has its slack or its multiplier
// exactly zero and neither negative, as the solver's polish returns
// (ipm.Info.Polished) — into w.active: zero-cone rows and rows with s = 0,
// y > 0 are active, rows with y = 0, s > 0 inactive. A row with s = y = 0
// is weakly active: it is marked in w.weak, kept in w.active, and
// FlagWeaklyActive is returned. It reports false (and the interior-point
// linearization is used) when a cone is not diagonal or some row has
// s·y ≠ 0.
func (w *Workspace) polishedActiveSet(sol Solution) (Flags, bool) {
	if !w.kkt.Cones().Polyhedral() {
		return 0, false
	}
	var flags Flags
	for i := range w.active {
		w.weak[i] = false
		switch {
		case w.rows[i] == cone.RowsEquality:
			w.active[i] = true
		case w.rows[i] != cone.RowsInequality:
			return 0, false
		case sol.S[i] < 0 || sol.Y[i] < 0 || (sol.S[i] != 0 && sol.Y[i] != 0):
			return 0, false
		case sol.S[i] == 0 && sol.Y[i] == 0:
			w.active[i], w.weak[i] = true, true
			flags |= FlagWeaklyActive
		default:
			w.active[i] = sol.S[i] == 0
		}
	}
	return flags, true
}

// kktPolished is the kkt backward pass at a polished solution. Its active
// set is exact, so complementarity linearizes to ds = 0 on active rows
// (H = 0) and dy = 0 on inactive rows (row decoupled, its adjoint zero):
// the system BPQP solves, so kkt and BPQP agree to rounding on polished
// samples, instead of the smeared W² = s/y of an interior-point iterate.
// A weakly active row (s = y = 0) keeps its A row with H = 1, the limit the
// interior-point linearization takes there (both floored to the interior).
func (w *Workspace) kktPolished(v *problem.Values, sol Solution, flags Flags, g *Grad) (Flags, error) {
	n, m := w.an.St.N, w.an.St.M
	if flags&FlagWeaklyActive == 0 && w.reusePolish(v, sol) {
		w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
		return flags | FlagFactorReused, nil
	}
	w.kkt.SetData(v.P, v.A, 0)
	w.setActiveRows(v)
	if flags&FlagWeaklyActive != 0 {
		for i := 0; i < m; i++ {
			if w.active[i] && !w.weak[i] {
				w.h[i] = 0
			} else {
				w.h[i] = 1
			}
		}
		w.kkt.SetDiagH(w.h)
	}
	if err := w.kkt.Factor(); err != nil {
		return flags, &BackwardError{"kkt: factorization of the active-set KKT system at the polished solution failed"}
	}
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	w.setActiveRHS()
	if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"kkt: adjoint solve produced non-finite values"}
	}
	for i := 0; i < m; i++ {
		if !w.active[i] {
			w.sol[n+i] = 0
		}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
	return flags, nil
}
