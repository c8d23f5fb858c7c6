package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// svecIdx lists the (i, j), i ≥ j, of the svec entries of a d×d matrix in
// the PSD cone's order (lower triangle column by column).
func svecIdx(d int) [][2]int {
	var out [][2]int
	for j := 0; j < d; j++ {
		for i := j; i < d; i++ {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

// svecOf returns svec(X) of the row-major symmetric d×d matrix x.
func svecOf(x []float64, d int) []float64 {
	idx := svecIdx(d)
	v := make([]float64, len(idx))
	for k, ij := range idx {
		if ij[0] == ij[1] {
			v[k] = x[ij[0]*d+ij[0]]
		} else {
			v[k] = math.Sqrt2 * x[ij[0]*d+ij[1]]
		}
	}
	return v
}

// smatOf returns the matrix of an svec.
func smatOf(v []float64, d int) []float64 {
	x := make([]float64, d*d)
	for k, ij := range svecIdx(d) {
		i, j := ij[0], ij[1]
		if i == j {
			x[i*d+i] = v[k]
		} else {
			x[i*d+j], x[j*d+i] = v[k]/math.Sqrt2, v[k]/math.Sqrt2
		}
	}
	return x
}

// minEigOf returns the smallest eigenvalue of a symmetric matrix by the
// Gershgorin-free route: the smallest μ for which x − μI has a Cholesky
// factor, found by bisection (test helper, small d only).
func minEigOf(x []float64, d int) float64 {
	chol := func(mu float64) bool {
		a := append([]float64(nil), x...)
		for i := 0; i < d; i++ {
			a[i*d+i] -= mu
		}
		for j := 0; j < d; j++ {
			s := a[j*d+j]
			for k := 0; k < j; k++ {
				s -= a[j*d+k] * a[j*d+k]
			}
			if !(s > 0) {
				return false
			}
			s = math.Sqrt(s)
			a[j*d+j] = s
			for i := j + 1; i < d; i++ {
				t := a[i*d+j]
				for k := 0; k < j; k++ {
					t -= a[i*d+k] * a[j*d+k]
				}
				a[i*d+j] = t / s
			}
		}
		return true
	}
	var r float64
	for _, v := range x {
		r += math.Abs(v)
	}
	lo, hi := -r-1, r+1
	for it := 0; it < 200; it++ {
		mid := (lo + hi) / 2
		if chol(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// tightSettings asks for 1e-9 (ten times tighter than the 1e-8 target).
func tightSettings(ls LinearSolver) Settings {
	set := DefaultSettings()
	set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-9, 1e-9, 1e-9
	set.MaxIter = 200
	set.LinearSolver = ls
	return set
}

// Max eigenvalue: min t s.t. tI − C ⪰ 0 has t* = λmax(C); the dual Y ⪰ 0,
// tr Y = 1, is the projector on the top eigenvector.
func TestPSDMaxEigenvalue(t *testing.T) {
	const d = 3
	// C = Q diag(3, 1, −2) Qᵀ with Q a rotation: λmax = 3 exactly.
	th := 0.7
	q := []float64{math.Cos(th), -math.Sin(th), 0, math.Sin(th), math.Cos(th), 0, 0, 0, 1}
	ev := []float64{3, 1, -2}
	cm := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			for k := 0; k < d; k++ {
				cm[i*d+j] += q[i*d+k] * ev[k] * q[j*d+k]
			}
		}
	}
	nv := d * (d + 1) / 2
	eye := make([]float64, d*d)
	for i := 0; i < d; i++ {
		eye[i*d+i] = 1
	}
	// s = tI − C = b − A t with b = −svec(C), A = −svec(I).
	b := svecOf(cm, d)
	A := svecOf(eye, d)
	for k := range b {
		b[k], A[k] = -b[k], -A[k]
	}
	st, err := problem.New(1, nv, []cone.Spec{{Kind: cone.KindPSD, Dim: nv}}, problem.EmptyPattern(1, 1), problem.DensePattern(nv, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, ls := range linearSolvers {
		v := &problem.Values{P: nil, C: []float64{1}, A: A, B: b}
		res := solve(t, st, v, tightSettings(ls.ls))
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v", ls.name, res.Info.Status)
		}
		if math.Abs(res.X[0]-3) > 1e-8 {
			t.Errorf("%s: t = %.12g, want 3", ls.name, res.X[0])
		}
		// Y = u uᵀ with u the first column of Q.
		ym := smatOf(res.Y, d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				if w := q[i*d] * q[j*d]; math.Abs(ym[i*d+j]-w) > 1e-7 {
					t.Errorf("%s: Y[%d,%d] = %g, want %g", ls.name, i, j, ym[i*d+j], w)
				}
			}
		}
	}
}

// Nearest correlation matrix (Higham 2002, the 3×3 example): min ‖X − C‖²_F
// s.t. diag X = 1, X ⪰ 0 with C = [1 1 0; 1 1 1; 0 1 1] has the solution
// X₁₂ = X₂₃ = 0.7607, X₁₃ = 0.1573 (four digits). The variable is svec(X)
// (‖X‖_F = ‖svec X‖), so P = 2I, c = −2 svec(C).
func TestPSDNearestCorrelation(t *testing.T) {
	const d = 3
	cm := []float64{1, 1, 0, 1, 1, 1, 0, 1, 1}
	nv := d * (d + 1) / 2
	idx := svecIdx(d)
	sc := svecOf(cm, d)
	// Rows: diag(X) = 1 (zero cone), then −svec(X) + s = 0, s ∈ PSD.
	m := d + nv
	A := make([]float64, m*nv)
	b := make([]float64, m)
	r := 0
	for k, ij := range idx {
		if ij[0] == ij[1] {
			A[r*nv+k] = 1
			b[r] = 1
			r++
		}
	}
	for k := 0; k < nv; k++ {
		A[(d+k)*nv+k] = -1
	}
	P := make([]float64, nv*nv)
	c := make([]float64, nv)
	for k := 0; k < nv; k++ {
		P[k*nv+k] = 2
		c[k] = -2 * sc[k]
	}
	st, err := problem.New(nv, m, []cone.Spec{{Kind: cone.KindZero, Dim: d}, {Kind: cone.KindPSD, Dim: nv}}, problem.UpperPattern(nv), problem.DensePattern(m, nv))
	if err != nil {
		t.Fatal(err)
	}
	for _, ls := range linearSolvers {
		v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
		st.GatherDenseP(v.P, P)
		st.GatherDenseA(v.A, A)
		res := solve(t, st, v, tightSettings(ls.ls))
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v", ls.name, res.Info.Status)
		}
		x := smatOf(res.X, d)
		for _, w := range []struct {
			i, j int
			v    float64
		}{{0, 0, 1}, {0, 1, 0.7607}, {1, 2, 0.7607}, {0, 2, 0.1573}} {
			if math.Abs(x[w.i*d+w.j]-w.v) > 6e-5 {
				t.Errorf("%s: X[%d,%d] = %.6f, want %.4f", ls.name, w.i, w.j, x[w.i*d+w.j], w.v)
			}
		}
		if e := minEigOf(x, d); e < -1e-9 {
			t.Errorf("%s: X has eigenvalue %g", ls.name, e)
		}
		checkPSDDuality(t, ls.name, res, d, d, 1e-9)
	}
}

// checkPSDDuality checks that the PSD block (rows off.., of side d) of s
// and y is in the cone and complementary, and that the gap is closed, for a
// solve at tolerance tol.
func checkPSDDuality(t *testing.T, name string, res *Result, off, d int, tol float64) {
	t.Helper()
	nv := d * (d + 1) / 2
	s, y := res.S[off:off+nv], res.Y[off:off+nv]
	if e := minEigOf(smatOf(s, d), d); e < -1e-8 {
		t.Errorf("%s: S has eigenvalue %g", name, e)
	}
	if e := minEigOf(smatOf(y, d), d); e < -1e-8 {
		t.Errorf("%s: Y has eigenvalue %g", name, e)
	}
	var sy float64
	for k := range s {
		sy += s[k] * y[k]
	}
	if math.Abs(sy) > 10*tol*math.Max(1, math.Abs(res.Info.PObj)) {
		t.Errorf("%s: sᵀy = %g", name, sy)
	}
	if res.Info.GapAbs > tol && res.Info.GapRel > tol {
		t.Errorf("%s: gap %g (rel %g)", name, res.Info.GapAbs, res.Info.GapRel)
	}
}

// Random SDPs (at the default tolerance 1e-8; at 1e-10 about one in ten
// stalls near μ ≈ 1e-9 as the KKT solves lose accuracy) in standard form, feasible and bounded by construction:
// min ⟨C, X⟩ s.t. ⟨A_i, X⟩ = b_i, X ⪰ 0 with b from an interior X₀ and C =
// Σ y_i A_i + S₀ with S₀ ≻ 0. Strong duality holds; the solver must close
// the gap with S and Y in the cone, on both linear-solver paths, with
// several cones (a PSD block next to a nonnegative and an SOC block).
// Some of these solves reject the early refinement (earlyRefine: its
// Newton steps from ~1e-3 do not reach a point that passes the tests), and
// the iteration must go on to solve them: at least one must, so that the
// rejection path stays covered.
func TestPSDRandomDuality(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	rejected := 0
	for trial := 0; trial < 40; trial++ {
		d := 2 + trial%4
		nv := d * (d + 1) / 2
		neq := 1 + trial%3
		randSym := func(pd bool) []float64 {
			g := make([]float64, d*d)
			for i := range g {
				g[i] = rng.NormFloat64()
			}
			x := make([]float64, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					if pd {
						for k := 0; k < d; k++ {
							x[i*d+j] += g[i*d+k] * g[j*d+k]
						}
					} else {
						x[i*d+j] = g[i*d+j] + g[j*d+i]
					}
				}
				if pd {
					x[i*d+i] += 0.5
				}
			}
			return x
		}
		x0 := svecOf(randSym(true), d)
		s0 := svecOf(randSym(true), d)
		// Extra blocks on x: x₀ ≥ −1 (nonneg row), ‖(x₁, x₂)‖ ≤ 100 + x₀ (SOC), both
		// satisfied by x₀ with a wide margin.
		m := neq + 1 + 3 + nv
		A := make([]float64, m*nv)
		b := make([]float64, m)
		c := append([]float64(nil), s0...)
		for i := 0; i < neq; i++ {
			ai := svecOf(randSym(false), d)
			yi := rng.NormFloat64()
			for k := 0; k < nv; k++ {
				A[i*nv+k] = ai[k]
				b[i] += ai[k] * x0[k]
				c[k] += yi * ai[k]
			}
		}
		r := neq
		A[r*nv] = -1 // −x₀ + s = 1
		b[r] = 1
		r++
		A[r*nv] = -1 // s = (100 + x₀, x₁, x₂)
		b[r] = 100
		A[(r+1)*nv+1] = -1
		if nv > 2 {
			A[(r+2)*nv+2] = -1
		}
		r += 3
		for k := 0; k < nv; k++ {
			A[(r+k)*nv+k] = -1
		}
		cones := []cone.Spec{{Kind: cone.KindZero, Dim: neq}, {Kind: cone.KindNonneg, Dim: 1},
			{Kind: cone.KindSOC, Dim: 3}, {Kind: cone.KindPSD, Dim: nv}}
		st, err := problem.New(nv, m, cones, problem.EmptyPattern(nv, nv), problem.DensePattern(m, nv))
		if err != nil {
			t.Fatal(err)
		}
		for _, ls := range linearSolvers {
			v := &problem.Values{C: c, A: make([]float64, st.A.Nnz()), B: b}
			st.GatherDenseA(v.A, A)
			set := tightSettings(ls.ls)
			set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-8, 1e-8, 1e-8
			w, res := solveWith(t, st, v, set)
			if res.Info.Status != StatusSolved {
				t.Fatalf("trial %d %s: status %v (%+v)", trial, ls.name, res.Info.Status, res.Info)
			}
			if w.earlyRefined && !w.earlyAccepted {
				rejected++
			}
			checkPSDDuality(t, ls.name, res, neq+4, d, 1e-8)
			if math.Abs(res.Info.PObj-res.Info.DObj) > 1e-7*math.Max(1, math.Abs(res.Info.PObj)) {
				t.Errorf("trial %d %s: pobj %g dobj %g", trial, ls.name, res.Info.PObj, res.Info.DObj)
			}
		}
	}
	if rejected == 0 {
		t.Error("no solve rejected the early refinement: the rejection path is not covered")
	}
	t.Logf("early refinement rejected in %d solves", rejected)
}

// Infeasibility with a PSD block: X ⪰ 0 with X₀₀ = −1 is primal infeasible
// (certificate Y = e₀e₀ᵀ); min −X₀₀ over X ⪰ 0 with X₁₁ = 1 is unbounded.
func TestPSDInfeasible(t *testing.T) {
	const d = 2
	nv := 3
	m := 1 + nv
	A := make([]float64, m*nv)
	for k := 0; k < nv; k++ {
		A[(1+k)*nv+k] = -1
	}
	cones := []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindPSD, Dim: nv}}
	st, err := problem.New(nv, m, cones, problem.EmptyPattern(nv, nv), problem.DensePattern(m, nv))
	if err != nil {
		t.Fatal(err)
	}
	for _, ls := range linearSolvers {
		// Primal infeasible: X₀₀ = −1.
		a1 := append([]float64(nil), A...)
		a1[0] = 1
		v := &problem.Values{C: []float64{0, 0, 1}, A: make([]float64, st.A.Nnz()), B: []float64{-1, 0, 0, 0}}
		st.GatherDenseA(v.A, a1)
		res := solve(t, st, v, tightSettings(ls.ls))
		if res.Info.Status != StatusPrimalInfeasible {
			t.Errorf("%s: status %v, want primal infeasible", ls.name, res.Info.Status)
		}
		// Dual infeasible: X₁₁ = 1 (svec entry 2), minimize −X₀₀.
		a2 := append([]float64(nil), A...)
		a2[2] = 1
		v = &problem.Values{C: []float64{-1, 0, 0}, A: make([]float64, st.A.Nnz()), B: []float64{1, 0, 0, 0}}
		st.GatherDenseA(v.A, a2)
		res = solve(t, st, v, tightSettings(ls.ls))
		if res.Info.Status != StatusDualInfeasible {
			t.Errorf("%s: status %v, want dual infeasible", ls.name, res.Info.Status)
		}
	}
}
