package diff

import (
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// kktBackward: implicit differentiation with the complementarity
// linearized at the solution, ds = −H dy, H from cone.Cone.ProjectionH:
// the NT scaling W² = diag(s/y) for the nonnegative cone (as in OptNet),
// the derivative of the projection for a second-order or PSD cone.
func (w *Workspace) kktBackward(v *problem.Values, sol Solution, g *Grad) (Flags, error) {
	if flags, ok := w.polishedActiveSet(sol); ok {
		return w.kktPolished(v, sol, flags, g)
	}
	n := w.an.St.N
	w.kkt.SetData(v.P, v.A, 0)
	w.kkt.SetProjectionH(sol.S, sol.Y)
	if err := w.kkt.Factor(); err != nil {
		return 0, &BackwardError{"kkt: factorization of the KKT system at the solution failed"}
	}
	var flags Flags
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	copy(w.rhs[:n], w.gx)
	copy(w.rhs[n:], w.gy)
	if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"kkt: adjoint solve produced non-finite values"}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
	return flags, nil
}
