package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// sparseCSC returns the pattern of the nonzeros of a dense rows×cols matrix
// (upper: its upper triangle only) and their values in CSC order.
func sparseCSC(d [][]float64, cols int, upper bool) (problem.CSC, []float64) {
	c := problem.CSC{Rows: len(d), Cols: cols, Colptr: make([]int, cols+1)}
	var v []float64
	for j := 0; j < cols; j++ {
		for i := range d {
			if d[i][j] != 0 && (!upper || i <= j) {
				c.Rowval = append(c.Rowval, i)
				v = append(v, d[i][j])
			}
		}
		c.Colptr[j+1] = len(c.Rowval)
	}
	return c, v
}

// solvePair solves v with the presolving solver and with a solver whose
// presolve is removed; it returns both results and the presolved state.
func solvePair(t *testing.T, st *problem.Structure, v *problem.Values, set Settings) (pre, full *Result, ps *presolved) {
	t.Helper()
	an, err := kkt.Analyse(st, set.LinearSolver)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(presolve bool) (*Solver, *Result) {
		w, err := newSolver(an, set, presolve)
		if err != nil {
			t.Fatal(err)
		}
		return w, &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	}
	wp, pre := mk(true)
	wf, full := mk(false)
	wp.Solve(v, pre)
	wf.Solve(v, full)
	return pre, full, wp.pre
}

// kktResidual is the largest of ‖Px + Aᵀy + c‖∞ and ‖Ax + s − b‖∞ on the
// full problem.
func kktResidual(st *problem.Structure, v *problem.Values, r *Result) float64 {
	px, aty := make([]float64, st.N), make([]float64, st.N)
	ax := make([]float64, st.M)
	st.MulP(px, v.P, r.X, 1)
	st.MulAT(aty, v.A, r.Y, 1)
	st.MulA(ax, v.A, r.X, 1)
	res := 0.0
	for i := range px {
		res = math.Max(res, math.Abs(px[i]+aty[i]+v.C[i]))
	}
	for i := range ax {
		res = math.Max(res, math.Abs(ax[i]+r.S[i]-v.B[i]))
	}
	return res
}

// Which (row, column) pairs presolve removes, on small patterns (rows 1–3
// are cone rows unless the case says otherwise).
func TestFindEliminations(t *testing.T) {
	pow := cone.Spec{Kind: cone.KindPow, Dim: 3, Param: 0.3}
	zero := func(d int) cone.Spec { return cone.Spec{Kind: cone.KindZero, Dim: d} }
	nonneg := cone.Spec{Kind: cone.KindNonneg, Dim: 1}
	// Columns x₀ (auxiliary), x₁ x₂ x₃ (the cone's); rows 1–3 the cone's.
	base := [][]float64{{1, -1, 0, 0}, {0, -1, 0, 0}, {0, 0, -1, 0}, {0, 0, 0, -1}}
	diagP := [][]float64{{2, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}
	cases := []struct {
		name  string
		cones []cone.Spec
		A, P  [][]float64
		want  []elimination // j, r, k only
	}{
		// x₁ (two rows) is preferred to x₀ (one row): −x₁ in row 1 becomes
		// an entry of x₀ there.
		{"doubleton", []cone.Spec{zero(1), pow}, base, diagP, []elimination{{j: 1, r: 0, k: 0}}},
		{"no P", []cone.Spec{zero(1), pow}, base, nil, []elimination{{j: 1, r: 0, k: 0}}},
		{"fixed variable", []cone.Spec{zero(1), pow},
			[][]float64{{1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, -1, 0}, {0, 0, 0, -1}}, diagP,
			[]elimination{{j: 0, r: 0, k: -1}}},
		{"fixed variable in a cone row", []cone.Spec{zero(1), pow},
			[][]float64{{1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, -1, 0}, {1, 0, 0, -1}}, diagP,
			[]elimination{{j: 0, r: 0, k: -1}}},
		{"not an equality", []cone.Spec{nonneg, pow}, base, diagP, nil},
		// Row 1 gains x₁'s substitution, so it is not eliminated as well.
		{"modified row", []cone.Spec{zero(2), cone.Spec{Kind: cone.KindNonneg, Dim: 2}},
			[][]float64{{1, -1, 0, 0}, {1, -1, 0, 0}, {0, 0, -1, 0}, {0, 0, 0, -1}}, diagP,
			[]elimination{{j: 0, r: 0, k: 1}}},
		{"three entries", []cone.Spec{zero(1), pow},
			[][]float64{{1, -1, 1, 0}, {0, -1, 0, 0}, {0, 0, -1, 0}, {0, 0, 0, -1}}, diagP, nil},
		{"P coupling", []cone.Spec{zero(1), pow}, base,
			[][]float64{{2, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, nil},
		{"P coupling of one column", []cone.Spec{zero(1), pow}, base,
			[][]float64{{2, 0, 0, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 0, 0, 0}}, []elimination{{j: 0, r: 0, k: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ap, _ := sparseCSC(tc.A, 4, false)
			P := tc.P
			if P == nil {
				P = make([][]float64, 4)
				for i := range P {
					P[i] = make([]float64, 4)
				}
			}
			pp, _ := sparseCSC(P, 4, true)
			st, err := problem.New(4, 4, tc.cones, pp, ap)
			if err != nil {
				t.Fatal(err)
			}
			got := findEliminations(st)
			if len(got) != len(tc.want) {
				t.Fatalf("%d eliminations %+v, want %+v", len(got), got, tc.want)
			}
			for i, w := range tc.want {
				if g := got[i]; g.j != w.j || g.r != w.r || g.k != w.k {
					t.Errorf("elimination %d = %+v, want j %d r %d k %d", i, g, w.j, w.r, w.k)
				}
			}
		})
	}
}

// The power-cone projection family in cvxpy's canonical form (u − V = −p,
// P = 2I on u): presolve removes all of u and its rows, and the mapped-back
// solution is the full solver's and satisfies the full problem's KKT
// conditions to rounding, for both linear solvers.
func TestPresolvePowProjection(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, ls := range linearSolvers {
		for trial := 0; trial < 3; trial++ {
			st, v, err := testfam.PowProjection(rng, 12)
			if err != nil {
				t.Fatal(err)
			}
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			pre, full, ps := solvePair(t, st, v, set)
			if ps == nil || len(ps.elim) != 36 || ps.inner.an.St.N != 36 || ps.inner.an.St.M != 36 {
				t.Fatalf("%s: presolve %+v, want 36 eliminations", ls.name, ps)
			}
			if pre.Info.Status != StatusSolved || full.Info.Status != StatusSolved {
				t.Fatalf("%s: status %v / %v", ls.name, pre.Info.Status, full.Info.Status)
			}
			dx, dy := 0.0, 0.0
			for i := range pre.X {
				dx = math.Max(dx, math.Abs(pre.X[i]-full.X[i]))
			}
			for i := range pre.Y {
				dy = math.Max(dy, math.Abs(pre.Y[i]-full.Y[i]))
			}
			if dx > 1e-9 || dy > 1e-8 {
				t.Errorf("%s: |x − x_full| %.1e, |y − y_full| %.1e", ls.name, dx, dy)
			}
			if r := kktResidual(st, v, pre); r > 1e-10 {
				t.Errorf("%s: full KKT residual %.1e", ls.name, r)
			}
			if math.Abs(pre.Info.PObj-full.Info.PObj) > 1e-8*(1+math.Abs(full.Info.PObj)) {
				t.Errorf("%s: objective %v, full %v", ls.name, pre.Info.PObj, full.Info.PObj)
			}
		}
	}
}

// A vanishing pivot a_rj makes the solve fall back to the full problem
// (same result as the solver without presolve); so does a proximal term.
func TestPresolveFallback(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	st, v, err := testfam.PowProjection(rng, 4)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := newPresolved(mustAnalyse(t, st), DefaultSettings())
	if err != nil || ps == nil {
		t.Fatalf("presolve %v, %v", ps, err)
	}
	if !ps.reduce(v) {
		t.Fatal("reduce refused valid values")
	}
	w := *v
	w.A = append([]float64(nil), v.A...)
	w.A[ps.elim[0].aj] = 1e-9 // |a_rj| < presolveMinPivot·|a_rk|
	if ps.reduce(&w) {
		t.Fatal("reduce accepted a tiny pivot")
	}
	pre, full, _ := solvePair(t, st, &w, DefaultSettings())
	if pre.Info.Status != full.Info.Status || pre.Info.Iter != full.Info.Iter || pre.X[0] != full.X[0] {
		t.Errorf("fallback %+v differs from the full solve %+v", pre.Info, full.Info)
	}
}

func mustAnalyse(t *testing.T, st *problem.Structure) *kkt.Analysis {
	t.Helper()
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// Certificates map back: a projection whose cone variable must also satisfy
// V₀ ≤ −1 (infeasible: V₀ ≥ 0 in K_pow) gives a Farkas y with Aᵀy = 0,
// bᵀy = −1 on the full problem (y_r from column j's equation); min −V₂ with
// V₀ = V₁ free of any bound gives an unbounded ray that satisfies the
// eliminated rows' homogeneous equations.
func TestPresolveCertificates(t *testing.T) {
	// x = (u₀, u₁, u₂, V₀, V₁, V₂); rows 0–2: u − V = −p (zero), row 3:
	// V₀ ≤ −1 (nonneg), rows 4–6: V ∈ K_pow(0.4).
	A := [][]float64{
		{-1, 0, 0, 1, 0, 0}, {0, -1, 0, 0, 1, 0}, {0, 0, -1, 0, 0, 1},
		{0, 0, 0, 1, 0, 0},
		{0, 0, 0, -1, 0, 0}, {0, 0, 0, 0, -1, 0}, {0, 0, 0, 0, 0, -1},
	}
	P := make([][]float64, 6)
	for i := range P {
		P[i] = make([]float64, 6)
		if i < 3 {
			P[i][i] = 2
		}
	}
	cones := []cone.Spec{{Kind: cone.KindZero, Dim: 3}, {Kind: cone.KindNonneg, Dim: 1}, {Kind: cone.KindPow, Dim: 3, Param: 0.4}}
	ap, av := sparseCSC(A, 6, false)
	pp, pv := sparseCSC(P, 6, true)
	st, err := problem.New(6, 7, cones, pp, ap)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: pv, C: make([]float64, 6), A: av, B: []float64{0.3, 0.2, 0.1, -1, 0, 0, 0}}
	pre, _, ps := solvePair(t, st, v, DefaultSettings())
	if ps == nil || len(ps.elim) != 3 {
		t.Fatalf("presolve %+v, want 3 eliminations", ps)
	}
	if pre.Info.Status != StatusPrimalInfeasible {
		t.Fatalf("status %v, want primal infeasible", pre.Info.Status)
	}
	aty := make([]float64, 6)
	st.MulAT(aty, v.A, pre.Y, 1)
	by := 0.0
	for i, b := range v.B {
		by += b * pre.Y[i]
	}
	if math.Abs(by+1) > 1e-9 || normInf(aty) > 1e-7 {
		t.Errorf("certificate: bᵀy = %v, ‖Aᵀy‖∞ = %.1e", by, normInf(aty))
	}

	// Unbounded: no quadratic term, min −V₂ − u₂ with (V₀, V₁, V₂) ∈ K_pow
	// and the row V₀ ≤ −1 replaced by V₀ − V₁ = 0 (a third entry would stop
	// nothing: V₀ = V₁ = V₂ → ∞ is a ray).
	A[3] = []float64{0, 0, 0, 1, -1, 0}
	cones[1] = cone.Spec{Kind: cone.KindZero, Dim: 1}
	ap, av = sparseCSC(A, 6, false)
	st, err = problem.New(6, 7, cones, problem.CSC{Rows: 6, Cols: 6, Colptr: make([]int, 7)}, ap)
	if err != nil {
		t.Fatal(err)
	}
	v = &problem.Values{C: []float64{0, 0, -1, 0, 0, -1}, A: av, B: []float64{0.3, 0.2, 0.1, 0, 0, 0, 0}}
	pre, _, ps = solvePair(t, st, v, DefaultSettings())
	if ps == nil || len(ps.elim) != 3 {
		t.Fatalf("presolve %+v, want 3 eliminations", ps)
	}
	if pre.Info.Status != StatusDualInfeasible {
		t.Fatalf("status %v, want dual infeasible", pre.Info.Status)
	}
	ax := make([]float64, 7)
	st.MulA(ax, v.A, pre.X, 1)
	cx := 0.0
	for i, c := range v.C {
		cx += c * pre.X[i]
	}
	for i := 0; i < 4; i++ {
		if math.Abs(ax[i]) > 1e-9 {
			t.Errorf("row %d: (Ax)ᵢ = %v, want 0 on a zero row of the ray", i, ax[i])
		}
	}
	if math.Abs(cx+1) > 1e-9 {
		t.Errorf("ray: cᵀx = %v, want −1", cx)
	}
}
