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
	w.kkt.SetActiveRows(v.A, w.active)
	return w.kkt.Factor()
}

// requirePolyhedral reports ErrUnsupported unless every cone is polyhedral
// (the active-set methods need rows that are equalities or sign
// constraints).
func (w *Workspace) requirePolyhedral(method string) error {
	if !w.kkt.Cones().Polyhedral() {
		return fmt.Errorf("%w: %s supports zero and nonnegative cones only; use backward=\"kkt\" or LPGD for second-order cones and PSD cones", ErrUnsupported, method)
	}
	return nil
}

// bpqpBackward solves the backward QP min ½zᵀPz + gxᵀz s.t. A_act z = 0
// (and A_act z = −gy_act for dual gradients) on the active set, directly or
// by ADMM. Inactive rows have y = 0 and get zero gradients.
func (w *Workspace) bpqpBackward(v *problem.Values, sol Solution, opt *Options, g *Grad) (Flags, error) {
	if err := w.requirePolyhedral("BPQP"); err != nil {
		return 0, err
	}
	n, m := w.an.St.N, w.an.St.M
	flags := w.activeSet(sol, opt)
	if err := w.setReduced(v, 0); err != nil {
		return flags, &BackwardError{"bpqp: factorization of the reduced KKT system failed"}
	}
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	copy(w.rhs[:n], w.gx)
	for i := 0; i < m; i++ {
		if w.active[i] {
			w.rhs[n+i] = w.gy[i]
		} else {
			w.rhs[n+i] = 0
		}
	}
	if opt.BPQPSolver == BPQPADMM {
		if err := w.admmSolve(v, opt); err != nil {
			return flags, err
		}
	} else if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"bpqp: adjoint solve produced non-finite values"}
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
