package ipm

import (
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
)

// max t s.t. (2, 3, t) ∈ K_pow(α): t = 2^α·3^(1−α), and the cone's
// multiplier is the boundary normal y = (α t/2, (1−α) t/3, −1) (scaled to
// match c = −1), for both signs' sides of the cone and both linear solvers.
func TestPowConeGeoMean(t *testing.T) {
	for _, a := range []float64{0.2, 0.5, 0.85} {
		pow := []cone.Spec{{Kind: cone.KindPow, Dim: 3, Param: a}}
		for _, sg := range []float64{1, -1} {
			st, v := expProblem(t, 1, pow, nil, []float64{-sg}, []float64{0, 0, -1}, []float64{2, 3, 0})
			for _, ls := range linearSolvers {
				set := DefaultSettings()
				set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-10, 1e-10, 1e-10
				set.LinearSolver = ls.ls
				res := solve(t, st, v, set)
				if res.Info.Status != StatusSolved {
					t.Fatalf("α=%g %s: status %v (%+v)", a, ls.name, res.Info.Status, res.Info)
				}
				tt := math.Pow(2, a) * math.Pow(3, 1-a)
				if math.Abs(res.X[0]-sg*tt) > 1e-8 {
					t.Errorf("α=%g %s: x = %v, want %v", a, ls.name, res.X[0], sg*tt)
				}
				want := []float64{a * tt / 2, (1 - a) * tt / 3, -sg}
				for i := range want {
					if math.Abs(res.Y[i]-want[i]) > 1e-6 {
						t.Errorf("α=%g %s: y = %v, want %v", a, ls.name, res.Y, want)
						break
					}
				}
				t.Logf("α=%g sign %g %s: iter %d", a, sg, ls.name, res.Info.Iter)
			}
		}
	}
}

// (−1, 1, v) ∈ K_pow has no solution (x < 0): primal infeasible; min −t
// s.t. (x, x + 1, t) ∈ K_pow has the improving ray x = t → ∞: dual
// infeasible.
func TestPowConeInfeasible(t *testing.T) {
	pow := []cone.Spec{{Kind: cone.KindPow, Dim: 3, Param: 0.4}}
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.LinearSolver = ls.ls
		st, v := expProblem(t, 1, pow, nil, []float64{1}, []float64{0, 0, -1}, []float64{-1, 1, 0})
		if res := solve(t, st, v, set); res.Info.Status != StatusPrimalInfeasible {
			t.Errorf("%s: status %v, want primal infeasible (%+v)", ls.name, res.Info.Status, res.Info)
		}
		st, v = expProblem(t, 2, pow, nil, []float64{0, -1}, []float64{-1, 0, -1, 0, 0, -1}, []float64{0, 1, 0})
		if res := solve(t, st, v, set); res.Info.Status != StatusDualInfeasible {
			t.Errorf("%s: status %v, want dual infeasible (%+v)", ls.name, res.Info.Status, res.Info)
		}
	}
}

// At the default tolerance the tangent Newton refinement leaves the
// solution of TestPowConeGeoMean's problem, fixed by the cone's curvature,
// exact to rounding (the interior point alone: ~√gap).
func TestPowConeRefined(t *testing.T) {
	a := 0.35
	pow := []cone.Spec{{Kind: cone.KindPow, Dim: 3, Param: a}}
	st, v := expProblem(t, 1, pow, nil, []float64{-1}, []float64{0, 0, -1}, []float64{2, 3, 0})
	tt := math.Pow(2, a) * math.Pow(3, 1-a)
	want := []float64{a * tt / 2, (1 - a) * tt / 3, -1}
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.LinearSolver = ls.ls
		res := solve(t, st, v, set)
		if res.Info.Status != StatusSolved || math.Abs(res.X[0]-tt) > 1e-13 {
			t.Fatalf("%s: status %v x %v, want %v", ls.name, res.Info.Status, res.X[0], tt)
		}
		for i := range want {
			if math.Abs(res.Y[i]-want[i]) > 1e-13 {
				t.Fatalf("%s: y = %v, want %v", ls.name, res.Y, want)
			}
		}
	}
}
