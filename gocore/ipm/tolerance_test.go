package ipm

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestToleranceAndAccepts: Info.Tolerance says which tolerances the
// returned point meets (full for solved, reduced for almost_solved, none for
// a certificate or a failure), and Settings.Accepts is the status policy.
func TestToleranceAndAccepts(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	n, m := 6, 8
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1
	}
	c, A, b := make([]float64, n), make([]float64, m*n), make([]float64, m)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = 1
	}
	st, v := denseProblem(t, n, P, c, A, b, problem.Cones{Nonneg: m})
	loose := DefaultSettings()
	loose.MaxIter, loose.ReducedTolGap, loose.ReducedTolFeas, loose.Polish = 2, 1e3, 1e3, false
	few := DefaultSettings()
	few.MaxIter, few.Polish = 1, false
	ist, iv := denseProblem(t, 1, nil, []float64{1}, []float64{1, -1}, []float64{-1, 0}, problem.Cones{Nonneg: 2})
	tests := []struct {
		name   string
		st     *problem.Structure
		v      *problem.Values
		set    Settings
		status Status
		tol    Tolerance
	}{
		{"solved", st, v, DefaultSettings(), StatusSolved, TolFull},
		{"almost", st, v, loose, StatusAlmostSolved, TolReduced},
		{"max-iter", st, v, few, StatusMaxIterations, TolNone},
		{"infeasible", ist, iv, DefaultSettings(), StatusPrimalInfeasible, TolNone},
	}
	for _, tc := range tests {
		res := solve(t, tc.st, tc.v, tc.set)
		if res.Info.Status != tc.status || res.Info.Tolerance != tc.tol {
			t.Errorf("%s: status %v tolerance %v, want %v %v", tc.name, res.Info.Status, res.Info.Tolerance, tc.status, tc.tol)
		}
	}
	set := DefaultSettings()
	for _, s := range []Status{StatusUnsolved, StatusSolved, StatusPrimalInfeasible, StatusMaxIterations, StatusAlmostSolved, StatusTimeLimit, StatusInterrupted} {
		for _, accept := range []bool{true, false} {
			set.AcceptAlmostSolved = accept
			want := s == StatusSolved || s == StatusAlmostSolved && accept
			if set.Accepts(s) != want {
				t.Errorf("Accepts(%v) with AcceptAlmostSolved=%v = %v", s, accept, !want)
			}
		}
	}
	if !DefaultSettings().AcceptAlmostSolved {
		t.Error("AcceptAlmostSolved must default to true")
	}
	if TolNone.String() != "none" || TolReduced.String() != "reduced" || TolFull.String() != "full" {
		t.Error("Tolerance names")
	}
}
