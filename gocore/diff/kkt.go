package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// interiorFloor keeps s and y strictly inside their cones when the KKT
// derivative builds the NT scaling at the solution (an exactly zero entry
// would give an infinite scaling).
const interiorFloor = 1e-30

// interior copies s and y into sIn, yIn, nudged strictly inside their cones.
func (w *Workspace) interior(sol Solution) {
	copy(w.sIn, sol.S)
	copy(w.yIn, sol.Y)
	for ci, c := range w.kkt.Cones() {
		o, d := w.an.ConeOff[ci], w.an.ConeDim[ci]
		switch c := c.(type) {
		case *cone.Zero:
			for i := o; i < o+d; i++ {
				w.sIn[i] = 0
			}
		case *cone.Nonneg:
			for i := o; i < o+d; i++ {
				w.sIn[i] = math.Max(w.sIn[i], interiorFloor)
				w.yIn[i] = math.Max(w.yIn[i], interiorFloor)
			}
		case *cone.SOC:
			c.PushInterior(w.sIn[o:o+d], interiorFloor)
			c.PushInterior(w.yIn[o:o+d], interiorFloor)
		}
	}
}

// kktBackward: implicit differentiation with the complementarity
// linearized by the NT scaling at the solution, ds = −W²dy (for the
// nonnegative cone W² = diag(s/y), as in OptNet).
func (w *Workspace) kktBackward(v *problem.Values, sol Solution, g *Grad) (Flags, error) {
	if flags, ok := w.polishedActiveSet(sol); ok {
		return w.kktPolished(v, sol, flags, g)
	}
	n := w.an.St.N
	w.interior(sol)
	w.kkt.SetData(v.P, v.A, 0)
	w.kkt.SetScaling(w.sIn, w.yIn)
	// Second-order cones: replace W² by the limit taken through the
	// derivative of the projection (see cone.SOC.ProjectionH).
	for ci, c := range w.kkt.Cones() {
		if c.Diagonal() {
			continue
		}
		o, d := w.an.ConeOff[ci], w.an.ConeDim[ci]
		if len(w.hBlock) < d*d {
			w.hBlock = make([]float64, d*d)
		}
		c.(*cone.SOC).ProjectionH(w.hBlock[:d*d], sol.S[o:o+d], sol.Y[o:o+d])
		w.kkt.SetBlockH(ci, w.hBlock[:d*d])
	}
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
