package kkt

import (
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestKeepDeltaBad: a δ below keepDeltaBad reached by the large-residual
// trigger serves only the solve that asked for it. K = [p a; a −1] (one
// nonnegative row, H = 1) with p = 1e-13…1e-12 and a = 1e-7…1e-6 has its x
// block's Schur complement p + a² at 1e-14…2e-12, far below δ = 1e-8: the
// refinement contracts by δ/(δ + p + a²) and the relative residual stays
// above refineBad at δ = 1e-8 and 1e-10. Solve lowers δ to 1e-10 (kept:
// at keepDeltaBad) and to 1e-12 (better, but below keepDeltaBad: not
// kept), so the solve ends at δ = 1e-12 and the next factorization starts
// from 1e-10 again. Both the dense accurate form and the sparse path.
func TestKeepDeltaBad(t *testing.T) {
	for _, ls := range linearSolvers {
		for _, pa := range [][2]float64{{1e-13, 1e-7}, {1e-12, 1e-6}} {
			st, v := denseProblem(t, 1, []float64{pa[0]}, []float64{0}, []float64{pa[1]}, []float64{0}, problem.Cones{Nonneg: 1})
			k := newSystem(t, st, ls.ls)
			k.SetFastAllowed(false) // DenseDual factors K without δ: nothing to lower
			k.SetData(v.P, v.A, 0)
			k.SetScaling([]float64{1}, []float64{1})
			rhs := []float64{1, 0}
			sol := make([]float64, 2)
			// The trigger: at δ = 1e-10 the relative residual is above
			// refineBad (the refinement cannot contract).
			if err := k.factorAt(keepDeltaBad); err != nil {
				t.Fatal(err)
			}
			k.solveRefined(rhs, sol, nil)
			if !(k.rel > refineBad) {
				t.Fatalf("%s %v: relative residual %g at δ = 1e-10, not above refineBad", ls.name, pa, k.rel)
			}
			relKept := k.rel
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			if !k.Solve(rhs, sol) {
				t.Fatalf("%s %v: solve failed", ls.name, pa)
			}
			if k.dUsed != 1e-12 || k.dCur != keepDeltaBad {
				t.Fatalf("%s %v: δ used %g, next %g; want 1e-12 used and 1e-10 kept", ls.name, pa, k.dUsed, k.dCur)
			}
			if !(k.rel < relKept) {
				t.Errorf("%s %v: relative residual %g at δ = 1e-12, not below %g at 1e-10", ls.name, pa, k.rel, relKept)
			}
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			if k.dUsed != keepDeltaBad {
				t.Errorf("%s %v: next factorization at δ = %g, want %g", ls.name, pa, k.dUsed, keepDeltaBad)
			}
		}
	}
}
