package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

var linearSolvers = []struct {
	name string
	ls   LinearSolver
}{{"dense", LinearDense}, {"sparse", LinearSparse}}

// denseProblem builds structure and values from dense row-major data.
func denseProblem(t testing.TB, n int, P, c, A, b []float64, cones problem.Cones) (*problem.Structure, *problem.Values) {
	t.Helper()
	m := len(b)
	st, err := problem.NewDenseStructure(n, m, cones, P != nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	if P != nil {
		st.GatherDenseP(v.P, P)
	}
	st.GatherDenseA(v.A, A)
	if err := st.CheckValues(v); err != nil {
		t.Fatal(err)
	}
	return st, v
}

// TestKKTLowersDeltaWhenRefinementStalls: with P = 1e-9·I the KKT
// matrix [P Aᵀ; A 0] has eigenvalues ~1e-9 on the null space of A, so the
// static regularization δ = 1e-8 is a 10× perturbation there and
// iterative refinement cannot contract. Solve must notice, refactor with a
// smaller δ and return an accurate solution (and keep that δ). In AMD order
// (the sparse path) the smaller δ makes the elimination unstable instead
// (a regularized pivot): Solve must then go back to δ = 1e-8 and not try
// again.
func TestKKTLowersDeltaWhenRefinementStalls(t *testing.T) {
	n := 4
	for _, ls := range linearSolvers {
		st, v := denseProblem(t, n, []float64{
			1e-9, 0, 0, 0,
			0, 1e-9, 0, 0,
			0, 0, 1e-9, 0,
			0, 0, 0, 1e-9,
		}, make([]float64, n), []float64{1, 1, 1, 1, 1, -1, 0, 0}, []float64{0, 0}, problem.Cones{Zero: 2})
		k := newSystem(t, st, ls.ls)
		rhs := []float64{1, -2, 3, 0.5, 1, 2}
		sol := make([]float64, len(rhs))
		if k.regFree != nil {
			// The dense path's first form (DenseDual) factors K itself,
			// without δ: nothing to lower. The forms behind it must
			// still lower δ.
			k.SetData(v.P, v.A, 0)
			k.SetScaling(make([]float64, 2), make([]float64, 2))
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			if !k.Solve(rhs, sol) || !k.fastUsed() || k.dUsed != 0 || k.Residual() > 1e-12 {
				t.Fatalf("%s: DenseDual: fast %v, δ %g, residual %g", ls.name, k.fastUsed(), k.dUsed, k.Residual())
			}
			k.SetFastAllowed(false)
		}
		k.SetData(v.P, v.A, 0)
		k.SetScaling(make([]float64, 2), make([]float64, 2))
		if err := k.Factor(); err != nil {
			t.Fatal(err)
		}
		if !k.Solve(rhs, sol) {
			t.Fatalf("%s: solve failed", ls.name)
		}
		if ls.ls == LinearSparse {
			if k.dUsed != 1e-8 || k.dCur != 1e-8 || !k.noLow {
				t.Fatalf("sparse: δ used %g, next %g, noLow %v; want 1e-8 restored", k.dUsed, k.dCur, k.noLow)
			}
			plain := make([]float64, len(rhs))
			k.solveRefined(rhs, plain, nil)
			for i := range plain {
				if plain[i] != sol[i] {
					t.Fatalf("sparse: solution differs from the δ = 1e-8 one at %d", i)
				}
			}
			continue
		}
		if rel := k.Residual() / 3; rel > refineBad {
			t.Fatalf("%s: relative residual %g after Solve (δ used %g)", ls.name, rel, k.dUsed)
		}
		if !(k.dUsed < 1e-8) || k.dCur != k.dUsed {
			t.Fatalf("%s: δ used %g, next %g; want a lowered δ kept", ls.name, k.dUsed, k.dCur)
		}
		// Independent check of the residual.
		y := make([]float64, len(rhs))
		k.mul(sol, y)
		for i := range y {
			if math.Abs(y[i]-rhs[i]) > 1e-8 {
				t.Fatalf("%s: residual[%d] = %g", ls.name, i, y[i]-rhs[i])
			}
		}
	}
}

// TestSolveFrom: on an active-set system with dependent rows (row 3 is
// row 1 + row 2, the right-hand side consistent) the multipliers are not
// unique. Solve returns the solution without a null-space component;
// SolveFrom returns the one whose null-space component is its start's,
// i.e. the solution nearest the start (the null space of K is spanned by
// (0, v), v = (1, 1, −1), orthogonal to every correction; rounding in the
// residuals moves along it by ~ε/δ, 1e-7 here). With independent rows both
// agree to rounding. Both paths, seeded random data.
func TestSolveFrom(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	n := 5
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1 + rng.Float64()
	}
	A := make([]float64, 4*n)
	for i := 0; i < 2*n; i++ {
		A[i] = rng.NormFloat64()
	}
	for j := 0; j < n; j++ {
		A[2*n+j] = A[j] + A[n+j] // dependent row
		A[3*n+j] = rng.NormFloat64()
	}
	null := []float64{0, 0, 0, 0, 0, 1, 1, -1, 0}
	for _, ls := range linearSolvers {
		st, v := denseProblem(t, n, P, make([]float64, n), A, make([]float64, 4), problem.Cones{Zero: 3, Nonneg: 1})
		k := newSystem(t, st, ls.ls)
		for _, dependent := range []bool{true, false} {
			active := []bool{true, true, dependent, true}
			k.SetData(v.P, v.A, 0)
			k.SetActiveRows(v.A, active)
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			// A consistent right-hand side: K times a random point.
			want := make([]float64, n+4)
			for i := range want {
				want[i] = rng.NormFloat64()
			}
			if !dependent {
				want[n+2] = 0 // decoupled row: y = −rhs
			}
			rhs := make([]float64, n+4)
			k.mul(want, rhs)
			start := make([]float64, n+4)
			for i := range start {
				start[i] = want[i] + 1e-3*rng.NormFloat64()
			}
			plain := make([]float64, n+4)
			from := make([]float64, n+4)
			if !k.Solve(rhs, plain) || !k.SolveFrom(rhs, from, start) {
				t.Fatalf("%s: solve failed", ls.name)
			}
			if k.Residual() > 1e-12 {
				t.Errorf("%s dependent=%v: SolveFrom residual %g", ls.name, dependent, k.Residual())
			}
			dot := func(a []float64) float64 {
				s := 0.0
				for i := range a {
					s += a[i] * null[i]
				}
				return s
			}
			if !dependent {
				for i := range plain {
					if math.Abs(plain[i]-from[i]) > 1e-12 {
						t.Errorf("%s: independent rows: Solve %v, SolveFrom %v", ls.name, plain, from)
						break
					}
				}
				continue
			}
			if c := dot(plain); math.Abs(c) > 1e-5 {
				t.Errorf("%s: Solve's null-space component %g, want 0", ls.name, c)
			}
			if c, w := dot(from), dot(start); math.Abs(c-w) > 1e-5 || math.Abs(w) < 1e-2 {
				t.Errorf("%s: SolveFrom's null-space component %g, want the start's %g", ls.name, c, w)
			}
			// Nearest the start: closer than the 1e-3 perturbation's size.
			for i := range from {
				if math.Abs(from[i]-want[i]) > 1e-2 {
					t.Errorf("%s: SolveFrom %v, want near %v", ls.name, from, want)
					break
				}
			}
		}
	}
}
