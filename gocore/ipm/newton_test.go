package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// activeSOCP builds a strictly complementary problem on
// Zero(1) × Nonneg(3) × SOC(3) × SOC(4) from its solution (as
// python/tests/test_cone.py's _socp with soc_active): the zero row; nonneg
// rows 1 active, 2 inactive; SOC(3) with s and y on complementary boundary
// rays; SOC(4) strictly inside. P = LLᵀ/n + I/2.
func activeSOCP(rng *rand.Rand, n int) (P, c, A, b, xs []float64, cones problem.Cones) {
	cones = problem.Cones{Zero: 1, Nonneg: 3, SOC: []int{3, 4}}
	m := 11
	A = make([]float64, m*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	L := make([]float64, n*n)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				P[i*n+j] += L[i*n+k] * L[j*n+k] / float64(n)
			}
		}
		P[i*n+i] += 0.5
	}
	xs = make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	s := make([]float64, m)
	y := make([]float64, m)
	y[0] = rng.NormFloat64()
	y[1] = 0.5 + rng.Float64()
	s[2], s[3] = 0.5+rng.Float64(), 0.5+rng.Float64()
	u0, u1 := rng.NormFloat64(), rng.NormFloat64()
	nu := math.Hypot(u0, u1)
	u0, u1 = u0/nu, u1/nu
	a, bb := 0.5+rng.Float64(), 0.5+rng.Float64()
	s[4], s[5], s[6] = a, a*u0, a*u1
	y[4], y[5], y[6] = bb, -bb*u0, -bb*u1
	v := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	nv := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	s[7] = 2
	for i := 0; i < 3; i++ {
		s[8+i] = v[i] / nv
	}
	b = make([]float64, m)
	for i := 0; i < m; i++ {
		b[i] = s[i]
		for j := 0; j < n; j++ {
			b[i] += A[i*n+j] * xs[j]
		}
	}
	c = make([]float64, n)
	for j := 0; j < n; j++ {
		for k := 0; k < n; k++ {
			c[j] -= P[j*n+k] * xs[k]
		}
		for i := 0; i < m; i++ {
			c[j] -= A[i*n+j] * y[i]
		}
	}
	return P, c, A, b, xs, cones
}

// TestActiveSOCTightTolerance: asked for 1e-12, solves with an active
// second-order cone used to stall near gap 1e-11 (the explicit WᵀW loses its
// small eigenvalues; refinement residuals 1e-7…1e-4) and end almost_solved
// 1e-7…1e-6 from the solution — as Clarabel does on the same problems. The
// Newton refinement on the KKT conditions ends them solved, at the known
// solution to 1e-10 (the worst instance is asserted).
func TestActiveSOCTightTolerance(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	worst := 0.0
	for trial := 0; trial < 12; trial++ {
		P, c, A, b, xs, cones := activeSOCP(rng, 4)
		st, err := problem.NewStructure(4, len(b), cones, problem.UpperPattern(4), problem.DensePattern(len(b), 4))
		if err != nil {
			t.Fatal(err)
		}
		v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
		st.GatherDenseP(v.P, P)
		st.GatherDenseA(v.A, A)
		for _, ls := range linearSolvers {
			set := DefaultSettings()
			set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-12, 1e-12, 1e-12
			set.MaxIter = 200
			set.LinearSolver = ls.ls
			res := solve(t, st, v, set)
			if res.Info.Status != StatusSolved {
				t.Errorf("trial %d %s: status %v (%+v)", trial, ls.name, res.Info.Status, res.Info)
			}
			for j := range xs {
				worst = math.Max(worst, math.Abs(res.X[j]-xs[j]))
			}
		}
	}
	if worst > 1e-10 {
		t.Errorf("worst |x − x*| = %g, want ≤ 1e-10", worst)
	}
}

// TestNewtonRefineOff: with Settings.Polish off the stalled solve stays
// almost_solved (the refinement is part of polish).
func TestNewtonRefineOff(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	P, c, A, b, _, cones := activeSOCP(rng, 4)
	st, v := denseProblem(t, 4, P, c, A, b, cones)
	set := DefaultSettings()
	set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-12, 1e-12, 1e-12
	set.MaxIter = 200
	set.Polish = false
	res := solve(t, st, v, set)
	if res.Info.Status != StatusAlmostSolved {
		t.Errorf("status %v", res.Info.Status)
	}
}

func TestLUSolve(t *testing.T) {
	// [0 2; 1 1] z = [2; 3] needs a row swap: z = (2, 1).
	J := []float64{0, 2, 1, 1}
	r := []float64{2, 3}
	if !luSolve(J, r, make([]int, 2), 2) || math.Abs(r[0]-2) > 1e-15 || math.Abs(r[1]-1) > 1e-15 {
		t.Errorf("z = %v", r)
	}
	if luSolve([]float64{1, 2, 2, 4}, []float64{1, 2}, make([]int, 2), 2) {
		t.Errorf("singular system solved")
	}
}
