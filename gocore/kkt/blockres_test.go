package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestSolveBlockResidual: an LP's KKT system [0 Aᵀ; A −H] at an iterate
// of an LP whose right-hand side is scaled by β (slacks s ~ β, duals
// z ~ 1, so H = diag(s/z) ~ β and the x block's Schur complement AᵀH⁻¹A
// ~ 1/β) with a right-hand side [−c; b] of the same scales. Each block of
// the equations must be solved to its own scale: ‖r_x‖∞ small against
// ‖c‖∞ ~ 1 (to 1e-9 of it: refineLoose), not against ‖rhs‖∞ ~ β. Judged against ‖rhs‖∞, the sparse
// path's refinement left ‖r_x‖∞ ~ 0.1–10 at β = 1e9 (δ = 1e-8 the size of
// AᵀH⁻¹A, refinement barely contracting) and the interior-point method
// did not converge.
func TestSolveBlockResidual(t *testing.T) {
	const n, m = 10, 15
	for _, ls := range linearSolvers {
		for _, beta := range []float64{1, 1e6, 1e9} {
			rng := rand.New(rand.NewSource(3))
			A := make([]float64, m*n)
			for i := range A {
				A[i] = rng.NormFloat64()
			}
			b := make([]float64, m)
			s, z := make([]float64, m), make([]float64, m)
			for i := range b {
				b[i] = beta * rng.NormFloat64()
				s[i] = beta * (0.1 + rng.Float64())
				z[i] = 0.1 + rng.Float64()
			}
			c := make([]float64, n)
			for j := range c {
				c[j] = rng.NormFloat64()
			}
			st, v := denseProblem(t, n, nil, c, A, b, problem.Cones{Nonneg: m})
			k := newSystem(t, st, ls.ls)
			k.SetFastAllowed(false) // the regularized factorization
			k.SetData(v.P, v.A, 0)
			k.SetScaling(s, z)
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			rhs := make([]float64, n+m)
			for j := range c {
				rhs[j] = -c[j]
			}
			copy(rhs[n:], b)
			sol := make([]float64, n+m)
			if !k.Solve(rhs, sol) {
				t.Fatalf("%s, β = %g: Solve failed", ls.name, beta)
			}
			// Residuals of K = [0 Aᵀ; A −diag(s/z)] from the data.
			var rx, rz float64
			for j := 0; j < n; j++ {
				r := rhs[j]
				for i := 0; i < m; i++ {
					r -= A[i*n+j] * sol[n+i]
				}
				rx = math.Max(rx, math.Abs(r))
			}
			for i := 0; i < m; i++ {
				r := rhs[n+i] + s[i]/z[i]*sol[n+i]
				for j := 0; j < n; j++ {
					r -= A[i*n+j] * sol[j]
				}
				rz = math.Max(rz, math.Abs(r))
			}
			cmax := 0.0
			for _, cj := range c {
				cmax = math.Max(cmax, math.Abs(cj))
			}
			if rx > 1e-9*math.Max(1, cmax) || rz > 1e-12*beta*10 {
				t.Errorf("%s, β = %g: ‖r_x‖∞ = %.3g (‖c‖∞ = %.3g), ‖r_z‖∞ = %.3g (‖b‖∞ ~ %g), δ %g",
					ls.name, beta, rx, cmax, rz, beta, k.dUsed)
			}
		}
	}
}

// newSystem analyses st for the linear solver ls and returns a System with
// the default regularization (mustNew: δ = 1e-8, 10 refinement steps).
func newSystem(t *testing.T, st *problem.Structure, ls LinearSolver) *System {
	t.Helper()
	an, err := Analyse(st, ls)
	if err != nil {
		t.Fatal(err)
	}
	return mustNew(t, an)
}
