package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// SolveUnrefined solves an active-set system with the current
// factorization alone: on well-conditioned systems (dense and sparse,
// full and x-eliminated forms) it agrees with the refined Solve to the
// static regularization's effect (δ = 1e-8 relative), its residual is
// small, and it leaves the factorization usable by Solve.
func TestSolveUnrefined(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	n, m := 6, 5
	for _, ls := range linearSolvers {
		for _, diagX := range []bool{false, true} {
			P := make([]float64, n*n)
			for i := 0; i < n; i++ {
				P[i*n+i] = 1 + rng.Float64()
				if !diagX {
					for j := 0; j < i; j++ {
						v := 0.1 * rng.NormFloat64()
						P[i*n+j], P[j*n+i] = v, v
					}
				}
			}
			A := make([]float64, m*n)
			for i := range A {
				A[i] = rng.NormFloat64()
			}
			st, v := denseProblem(t, n, P, make([]float64, n), A, make([]float64, m), problem.Cones{Zero: 1, Nonneg: m - 1})
			k := newSystem(t, st, ls.ls)
			active := []bool{true, true, false, true, false}
			k.SetData(v.P, v.A, 0)
			if diagX {
				k.SetActiveRowsDiagonalX(v.A, active)
			} else {
				k.SetActiveRows(v.A, active)
			}
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, n+m)
			for i := range want {
				want[i] = rng.NormFloat64()
			}
			rhs := make([]float64, n+m)
			k.mul(want, rhs)
			got := make([]float64, n+m)
			if !k.SolveUnrefined(rhs, got) {
				t.Fatalf("%s diagX=%v: not finite", ls.name, diagX)
			}
			r := make([]float64, n+m)
			k.mul(got, r)
			for i := range r {
				if d := math.Abs(got[i] - want[i]); d > 1e-6 {
					t.Errorf("%s diagX=%v: entry %d: %g, want %g", ls.name, diagX, i, got[i], want[i])
				}
				if d := math.Abs(r[i] - rhs[i]); d > 1e-6 {
					t.Errorf("%s diagX=%v: residual %g in row %d", ls.name, diagX, d, i)
				}
			}
			refined := make([]float64, n+m)
			if !k.Solve(rhs, refined) || k.Residual() > 1e-11 {
				t.Errorf("%s diagX=%v: Solve after SolveUnrefined: residual %g", ls.name, diagX, k.Residual())
			}
		}
	}
}

// SolveUnrefined through the reduced form (a dense system dominated by PSD
// rows, factored with the cones' explicit H inverse) agrees with Solve.
func TestSolveUnrefinedReduced(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	n, m := 2, 21
	st, err := problem.New(n, m, []cone.Spec{{Kind: cone.KindPSD, Dim: m}}, problem.UpperPattern(n), problem.DensePattern(m, n))
	if err != nil {
		t.Fatal(err)
	}
	pv := make([]float64, st.P.Nnz())
	st.GatherDenseP(pv, []float64{2, 0, 0, 1.5})
	A := make([]float64, m*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	av := make([]float64, st.A.Nnz())
	st.GatherDenseA(av, A)
	an, err := Analyse(st, LinearDense)
	if err != nil {
		t.Fatal(err)
	}
	k := mustNew(t, an)
	k.SetData(pv, av, 0)
	k.SetIdentityH()
	if err := k.Factor(); err != nil {
		t.Fatal(err)
	}
	if !k.redUsed {
		t.Fatal("the reduced form was not used")
	}
	rhs := make([]float64, n+m)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	ref, got := make([]float64, n+m), make([]float64, n+m)
	if !k.Solve(rhs, ref) || !k.SolveUnrefined(rhs, got) {
		t.Fatal("solve failed")
	}
	for i := range got {
		if d := math.Abs(got[i] - ref[i]); d > 1e-6*math.Max(1, maxAbs(ref)) {
			t.Fatalf("entry %d: unrefined %g, refined %g", i, got[i], ref[i])
		}
	}
}
