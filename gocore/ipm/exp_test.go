package ipm

import (
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// expProblem builds min cᵀx s.t. b − Ax ∈ K from dense A and a cone list.
func expProblem(t *testing.T, n int, cones []cone.Spec, P, c, A, b []float64) (*problem.Structure, *problem.Values) {
	t.Helper()
	m := len(b)
	st, err := problem.New(n, m, cones, problem.UpperPattern(n), problem.DensePattern(m, n))
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	if P != nil {
		st.GatherDenseP(v.P, P)
	}
	st.GatherDenseA(v.A, A)
	return st, v
}

// max t s.t. exp(t) ≤ 2, written as (t, 1, 2) ∈ K_exp: t = log 2, and the
// multiplier of the cone is y = (−1, log 2 − 1, 1/2) (the normal of the
// boundary at (log 2, 1, 2), scaled to match c).
func TestExpConeLogTwo(t *testing.T) {
	exp := []cone.Spec{{Kind: cone.KindExp, Dim: 3}}
	st, v := expProblem(t, 1, exp, nil, []float64{-1}, []float64{-1, 0, 0}, []float64{0, 1, 2})
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-10, 1e-10, 1e-10
		set.LinearSolver = ls.ls
		res := solve(t, st, v, set)
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v (%+v)", ls.name, res.Info.Status, res.Info)
		}
		if math.Abs(res.X[0]-math.Log(2)) > 1e-8 {
			t.Errorf("%s: x = %v, want log 2", ls.name, res.X[0])
		}
		want := []float64{1, 1 - math.Log(2), -0.5}
		for i := range want {
			if math.Abs(-res.Y[i]-want[i]) > 1e-5 {
				t.Errorf("%s: y = %v, want %v", ls.name, res.Y, want)
				break
			}
		}
		t.Logf("%s: iter %d x %v y %v", ls.name, res.Info.Iter, res.X, res.Y)
	}
}
