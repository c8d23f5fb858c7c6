package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// denseProblem builds structure and values from dense row-major data.
func denseProblem(t testing.TB, n int, P []float64, c []float64, A []float64, b []float64, cones problem.Cones) (*problem.Structure, *problem.Values) {
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

func solve(t testing.TB, st *problem.Structure, v *problem.Values, set Settings) *Result {
	t.Helper()
	_, res := solveWith(t, st, v, set)
	return res
}

// solveWith is solve that also returns the Solver (for its internal state).
func solveWith(t testing.TB, st *problem.Structure, v *problem.Values, set Settings) (*Solver, *Result) {
	t.Helper()
	an, err := kkt.Analyse(st, set.LinearSolver)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSolver(an, set)
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	w.Solve(v, res)
	return w, res
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

var linearSolvers = []struct {
	name string
	ls   LinearSolver
}{{"dense", LinearDense}, {"sparse", LinearSparse}}

// Small fixtures with known solutions (worked out by hand from the KKT
// conditions).
func TestFixtures(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		P, c  []float64
		A, b  []float64
		cones problem.Cones
		x, y  []float64
		obj   float64
	}{
		{
			// min ½‖x‖² − x₁ − x₂  s.t. x₁ + x₂ = 1, x ≥ 0.
			name: "eq-qp", n: 2,
			P: []float64{1, 0, 0, 1}, c: []float64{-1, -1},
			A: []float64{1, 1, -1, 0, 0, -1}, b: []float64{1, 0, 0},
			cones: problem.Cones{Zero: 1, Nonneg: 2},
			x:     []float64{0.5, 0.5}, y: []float64{0.5, 0, 0}, obj: -0.75,
		},
		{
			// min −x₁ − x₂ s.t. x₁ + 2x₂ ≤ 4, 3x₁ + x₂ ≤ 6, x ≥ 0.
			name: "lp", n: 2,
			c: []float64{-1, -1},
			A: []float64{1, 2, 3, 1, -1, 0, 0, -1}, b: []float64{4, 6, 0, 0},
			cones: problem.Cones{Nonneg: 4},
			x:     []float64{1.6, 1.2}, y: []float64{0.4, 0.2, 0, 0}, obj: -2.8,
		},
		{
			// Box projection: min ½‖x − p‖², −1 ≤ x ≤ 1, p = (2, 0.3, −5).
			name: "box", n: 3,
			P: []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, c: []float64{-2, -0.3, 5},
			A: []float64{1, 0, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0, 0, -1, 0, 0, 0, -1},
			b: []float64{1, 1, 1, 1, 1, 1}, cones: problem.Cones{Nonneg: 6},
			x: []float64{1, 0.3, -1}, y: []float64{1, 0, 0, 0, 0, 4},
			obj: 0.5*(1+0.09+1) - 2 - 0.09 - 5,
		},
	}
	for _, tc := range tests {
		for _, ls := range linearSolvers {
			t.Run(tc.name+"/"+ls.name, func(t *testing.T) {
				st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
				set := DefaultSettings()
				set.LinearSolver = ls.ls
				res := solve(t, st, v, set)
				if res.Info.Status != StatusSolved {
					t.Fatalf("status %v", res.Info.Status)
				}
				for i := range tc.x {
					if !close(res.X[i], tc.x[i], 1e-6) {
						t.Errorf("x[%d] = %v, want %v", i, res.X[i], tc.x[i])
					}
				}
				for i := range tc.y {
					if !close(res.Y[i], tc.y[i], 1e-6) {
						t.Errorf("y[%d] = %v, want %v", i, res.Y[i], tc.y[i])
					}
				}
				if !close(res.Info.PObj, tc.obj, 1e-6) || !close(res.Info.DObj, tc.obj, 1e-6) {
					t.Errorf("objectives %v / %v, want %v", res.Info.PObj, res.Info.DObj, tc.obj)
				}
			})
		}
	}
}

func TestInfeasible(t *testing.T) {
	// x ≤ −1 and x ≥ 0: primal infeasible.
	st, v := denseProblem(t, 1, nil, []float64{1}, []float64{1, -1}, []float64{-1, 0}, problem.Cones{Nonneg: 2})
	res := solve(t, st, v, DefaultSettings())
	if res.Info.Status != StatusPrimalInfeasible {
		t.Fatalf("status %v, want primal_infeasible", res.Info.Status)
	}
	// Certificate: y ≥ 0, Aᵀy ≈ 0, bᵀy = −1.
	y := res.Y
	if y[0] < -1e-9 || y[1] < -1e-9 {
		t.Errorf("certificate not in the dual cone: %v", y)
	}
	if math.Abs(y[0]-y[1]) > 1e-6 {
		t.Errorf("Aᵀy = %v, want 0", y[0]-y[1])
	}
	if !close(-y[0], -1, 1e-9) {
		t.Errorf("bᵀy = %v, want −1", -y[0])
	}
	if !math.IsNaN(res.X[0]) {
		t.Errorf("x should be NaN for an infeasible problem, got %v", res.X)
	}
}

func TestUnbounded(t *testing.T) {
	// min −x₁ s.t. x ≥ 0, x₂ ≤ 1: unbounded along x₁.
	st, v := denseProblem(t, 2, nil, []float64{-1, 0}, []float64{-1, 0, 0, -1, 0, 1}, []float64{0, 0, 1}, problem.Cones{Nonneg: 3})
	res := solve(t, st, v, DefaultSettings())
	if res.Info.Status != StatusDualInfeasible {
		t.Fatalf("status %v, want dual_infeasible", res.Info.Status)
	}
	x := res.X
	if !close(-x[0], -1, 1e-9) {
		t.Errorf("cᵀx = %v, want −1", -x[0])
	}
	if x[0] < 0 || math.Abs(x[1]) > 1e-6 {
		t.Errorf("certificate direction %v: want Ax ∈ −K", x)
	}
}

func TestEqualityOnlyAndInfeasibleQP(t *testing.T) {
	// QP with contradictory equalities x₁ + x₂ = 1 and x₁ + x₂ = 2.
	st, v := denseProblem(t, 2, []float64{1, 0, 0, 1}, []float64{0, 0}, []float64{1, 1, 1, 1}, []float64{1, 2}, problem.Cones{Zero: 2})
	res := solve(t, st, v, DefaultSettings())
	if res.Info.Status != StatusPrimalInfeasible {
		t.Fatalf("status %v, want primal_infeasible", res.Info.Status)
	}
}

// randomQP generates a feasible QP min ½xᵀPx + cᵀx, Gx ≤ h, Ax = b (P ≻ 0
// when strict, else PSD of rank n/2; lp gives P = 0 plus a box so the LP is
// bounded).
func randomQP(rng *rand.Rand, n, meq, mineq int, kind string) (P, c, A, b []float64, cones problem.Cones) {
	if kind == "lp" {
		mineq += 2 * n
	}
	m := meq + mineq
	A = make([]float64, m*n)
	b = make([]float64, m)
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = rng.NormFloat64() * 0.3
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
		}
	}
	if kind == "lp" {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				A[(m-2*n+j)*n+k] = 0
				A[(m-n+j)*n+k] = 0
			}
			A[(m-2*n+j)*n+j] = 1
			A[(m-n+j)*n+j] = -1
		}
	}
	for i := 0; i < m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			s += A[i*n+j] * x0[j]
		}
		b[i] = s
		if i >= meq {
			b[i] += rng.Float64()
		}
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	if kind != "lp" {
		r := n
		if kind == "psd" {
			r = n / 2
		}
		M := make([]float64, r*n)
		for i := range M {
			M[i] = rng.NormFloat64()
		}
		P = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for k := 0; k < r; k++ {
					s += M[k*n+i] * M[k*n+j]
				}
				P[i*n+j] = s
			}
		}
		if kind == "psd" {
			// Keep the problem bounded: add a box.
			extraA := make([]float64, 2*n*n)
			extraB := make([]float64, 2*n)
			for j := 0; j < n; j++ {
				extraA[j*n+j] = 1
				extraA[(n+j)*n+j] = -1
				extraB[j] = math.Abs(x0[j]) + 1
				extraB[n+j] = math.Abs(x0[j]) + 1
			}
			A = append(A, extraA...)
			b = append(b, extraB...)
			mineq += 2 * n
		}
	}
	return P, c, A, b, problem.Cones{Zero: meq, Nonneg: mineq}
}

// Seeded property test: random feasible LPs and QPs solve with a closed
// duality gap and small KKT residuals, on both linear solvers.
func TestRandomDuality(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sizes := []struct{ n, meq, mineq int }{{3, 1, 2}, {10, 3, 8}, {25, 5, 30}, {60, 10, 60}}
	// "lp0" is an LP given with a zero-valued dense P pattern, which defeats
	// the natural pivot order of the dense path (the guarded fallback to an
	// AMD order must take over).
	for _, kind := range []string{"pd", "psd", "lp", "lp0"} {
		for _, sz := range sizes {
			for trial := 0; trial < 3; trial++ {
				gen := kind
				if kind == "lp0" {
					gen = "lp"
				}
				P, c, A, b, cones := randomQP(rng, sz.n, sz.meq, sz.mineq, gen)
				if kind == "lp0" {
					P = make([]float64, sz.n*sz.n)
				}
				for _, ls := range linearSolvers {
					st, v := denseProblem(t, sz.n, P, c, A, b, cones)
					set := DefaultSettings()
					set.LinearSolver = ls.ls
					res := solve(t, st, v, set)
					if res.Info.Status != StatusSolved {
						t.Fatalf("%s n=%d trial %d %s: status %v (info %+v)", kind, sz.n, trial, ls.name, res.Info.Status, res.Info)
					}
					if res.Info.GapAbs > 1e-6*(1+math.Abs(res.Info.PObj)) {
						t.Errorf("%s n=%d: gap %v", kind, sz.n, res.Info.GapAbs)
					}
					// Check complementarity and cone membership directly.
					for i := cones.Zero; i < st.M; i++ {
						if res.S[i] < -1e-7 || res.Y[i] < -1e-7 {
							t.Errorf("%s n=%d: s[%d]=%v y[%d]=%v outside the cone", kind, sz.n, i, res.S[i], i, res.Y[i])
						}
						if math.Abs(res.S[i]*res.Y[i]) > 1e-6 {
							t.Errorf("%s n=%d: complementarity s·y = %v at %d", kind, sz.n, res.S[i]*res.Y[i], i)
						}
					}
					if res.Info.Iter > 40 {
						t.Errorf("%s n=%d: %d iterations", kind, sz.n, res.Info.Iter)
					}
				}
			}
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Settings)
	}{
		{"max_iter", func(s *Settings) { s.MaxIter = 0 }},
		{"tol_gap_abs", func(s *Settings) { s.TolGapAbs = -1 }},
		{"tol_feas", func(s *Settings) { s.TolFeas = math.NaN() }},
		{"static_reg", func(s *Settings) { s.StaticReg = 0 }},
		{"max_step_fraction", func(s *Settings) { s.MaxStepFraction = 1 }},
		{"iter_refine_max", func(s *Settings) { s.IterRefineMax = -1 }},
		{"linear_solver", func(s *Settings) { s.LinearSolver = 7 }},
	}
	for _, tc := range tests {
		s := DefaultSettings()
		tc.mod(&s)
		err := s.Validate()
		se, ok := err.(*SettingsError)
		if !ok || se.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	d := DefaultSettings()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkDenseQP50(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	P, c, A, bb, cones := randomQP(rng, 50, 10, 50, "pd")
	st, v := denseProblem(b, 50, P, c, A, bb, cones)
	an, _ := kkt.Analyse(st, LinearAuto)
	w, _ := NewSolver(an, DefaultSettings())
	res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Solve(v, res)
	}
	b.ReportMetric(float64(res.Info.Iter), "iters")
}

// gridFlowLP is the shortest-path flow LP on the monotone 5×5 grid (flow
// conservation equalities, sink row dropped; 0 ≤ f ≤ 1) with random costs:
// a degenerate LP family (past failure: the dense path pivoting the empty x
// block first stalled with numerical_error on several cost draws).
func gridFlowLP(rng *rand.Rand) (n int, c, A, b []float64, cones problem.Cones) {
	const g = 5
	type edge struct{ u, v int }
	var edges []edge
	for r := 0; r < g; r++ {
		for col := 0; col < g; col++ {
			if col+1 < g {
				edges = append(edges, edge{r*g + col, r*g + col + 1})
			}
			if r+1 < g {
				edges = append(edges, edge{r*g + col, (r+1)*g + col})
			}
		}
	}
	n = len(edges)
	meq := g*g - 1
	m := meq + 2*n
	A = make([]float64, m*n)
	b = make([]float64, m)
	for e, ed := range edges {
		if ed.u < meq {
			A[ed.u*n+e] = 1
		}
		if ed.v < meq {
			A[ed.v*n+e] = -1
		}
		A[(meq+e)*n+e] = 1
		b[meq+e] = 1
		A[(meq+n+e)*n+e] = -1
	}
	b[0] = 1
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	return n, c, A, b, problem.Cones{Zero: meq, Nonneg: 2 * n}
}

func TestGridFlowLPs(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 32; trial++ {
		n, c, A, b, cones := gridFlowLP(rng)
		for _, withP := range []bool{false, true} {
			var P []float64
			if withP {
				P = make([]float64, n*n) // zero values on a dense P pattern
			}
			for _, ls := range []LinearSolver{LinearAuto, LinearDense, LinearSparse} {
				st, v := denseProblem(t, n, P, c, A, b, cones)
				set := DefaultSettings()
				set.LinearSolver = ls
				res := solve(t, st, v, set)
				if res.Info.Status != StatusSolved {
					t.Errorf("trial %d P=%v solver %d: status %v", trial, withP, ls, res.Info.Status)
				}
			}
		}
	}
}

// TestAuxiliaryVariables: the canonical form cvxpy produces for
// ½‖Lz‖² + cᵀz s.t. Gz ≤ h introduces t = Lz with P = I on t only. The dense
// path eliminates t (diagonal-only P, no nonnegative rows) together with the
// nonnegative rows; its solution, and the sparse path's, match the direct
// formulation with P = LᵀL.
func TestAuxiliaryVariables(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	nz, m := 12, 20
	n := 2 * nz
	L := make([]float64, nz*nz)
	G := make([]float64, m*nz)
	c := make([]float64, nz)
	h := make([]float64, m)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	for i := range G {
		G[i] = rng.NormFloat64()
	}
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	for i := range h {
		h[i] = rng.Float64()
	}
	// Direct: P = LᵀL.
	P := make([]float64, nz*nz)
	for i := 0; i < nz; i++ {
		for j := 0; j < nz; j++ {
			for k := 0; k < nz; k++ {
				P[i*nz+j] += L[k*nz+i] * L[k*nz+j]
			}
		}
	}
	stD, vD := denseProblem(t, nz, P, c, G, h, problem.Cones{Nonneg: m})
	ref := solve(t, stD, vD, DefaultSettings())
	if ref.Info.Status != StatusSolved {
		t.Fatalf("direct: %v", ref.Info.Status)
	}
	// Canonical: variables (z, t); rows t − Lz = 0 (zero cone), Gz ≤ h.
	var pp problem.CSC
	pp.Rows, pp.Cols = n, n
	pp.Colptr = make([]int, n+1)
	var pv []float64
	for j := 0; j < n; j++ {
		if j >= nz {
			pp.Rowval = append(pp.Rowval, j)
			pv = append(pv, 1)
		}
		pp.Colptr[j+1] = len(pp.Rowval)
	}
	Afull := make([]float64, (nz+m)*n)
	for i := 0; i < nz; i++ {
		for j := 0; j < nz; j++ {
			Afull[i*n+j] = -L[i*nz+j]
		}
		Afull[i*n+nz+i] = 1
	}
	for i := 0; i < m; i++ {
		copy(Afull[(nz+i)*n:(nz+i)*n+nz], G[i*nz:i*nz+nz])
	}
	cones := problem.Cones{Zero: nz, Nonneg: m}
	ap := problem.CSC{Rows: nz + m, Cols: n, Colptr: make([]int, n+1)}
	var av []float64
	for j := 0; j < n; j++ {
		for i := 0; i < nz+m; i++ {
			if x := Afull[i*n+j]; x != 0 {
				ap.Rowval = append(ap.Rowval, i)
				av = append(av, x)
			}
		}
		ap.Colptr[j+1] = len(ap.Rowval)
	}
	st, err := problem.NewStructure(n, nz+m, cones, pp, ap)
	if err != nil {
		t.Fatal(err)
	}
	b := append(make([]float64, nz), h...)
	v := &problem.Values{P: pv, C: append(append([]float64(nil), c...), make([]float64, nz)...), A: av, B: b}
	an, err := kkt.Analyse(st, LinearDense)
	if err != nil {
		t.Fatal(err)
	}
	if an.Elim == nil {
		t.Fatal("dense path eliminates nothing")
	}
	for j := 0; j < n; j++ {
		if an.Elim[j] != (j >= nz) {
			t.Fatalf("variable %d: Elim %v", j, an.Elim[j])
		}
	}
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.LinearSolver = ls.ls
		res := solve(t, st, v, set)
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: %v", ls.name, res.Info.Status)
		}
		for j := 0; j < nz; j++ {
			if !close(res.X[j], ref.X[j], 1e-6) {
				t.Fatalf("%s: z[%d] = %g, want %g", ls.name, j, res.X[j], ref.X[j])
			}
		}
		for i := 0; i < m; i++ {
			if !close(res.Y[nz+i], ref.Y[i], 1e-6) {
				t.Fatalf("%s: y[%d] = %g, want %g", ls.name, i, res.Y[nz+i], ref.Y[i])
			}
		}
	}
}

// TestDegenerateBoxLP: strictly feasible, bounded LPs with dense random
// equalities, a box 0 ≤ x ≤ 1 and a cost that is zero on most variables
// (the Sudoku LPs). Near the optimum the free variables' pivots and the
// equality rows' pivots are both of size δ; with the default static
// regularization the factorization used to break down (ALMOST_SOLVED or
// NUMERICAL_ERROR on 187 of 200) until Factor learned to raise δ.
func TestDegenerateBoxLP(t *testing.T) {
	n, p := 64, 40
	for _, ls := range linearSolvers {
		for seed := int64(0); seed < 12; seed++ {
			rng := rand.New(rand.NewSource(seed))
			m := p + 2*n
			A := make([]float64, m*n)
			b := make([]float64, m)
			for i := 0; i < p; i++ {
				for j := 0; j < n; j++ {
					A[i*n+j] = rng.Float64()
					b[i] += 0.5 * A[i*n+j]
				}
			}
			for j := 0; j < n; j++ {
				A[(p+j)*n+j] = 1
				b[p+j] = 1
				A[(p+n+j)*n+j] = -1
			}
			c := make([]float64, n)
			for _, j := range rng.Perm(n)[:5] {
				c[j] = -1
			}
			st, v := denseProblem(t, n, nil, c, A, b, problem.Cones{Zero: p, Nonneg: 2 * n})
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			res := solve(t, st, v, set)
			if res.Info.Status != StatusSolved {
				t.Fatalf("%s seed %d: status %v after %d iterations (gap %g)", ls.name, seed, res.Info.Status, res.Info.Iter, res.Info.GapRel)
			}
		}
	}
}
