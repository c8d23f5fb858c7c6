package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// withoutEarlyPolish solves with the early polish switched off.
func withoutEarlyPolish(t *testing.T, st *problem.Structure, v *problem.Values, set Settings) *Result {
	t.Helper()
	saved := earlyPolishFactor
	earlyPolishFactor = 0
	defer func() { earlyPolishFactor = saved }()
	return solve(t, st, v, set)
}

// TestEarlyPolish: with the early polish (earlyPolish) every QP of the
// random families is solved and polished, to the same point as the polish
// after convergence — bit for bit where both guess the same active set,
// which on the dense QP layer's family is every instance — in no more
// interior-point iterations, and in fewer over the dense family. LPs are
// polished early only at strictly complementary vertices (strictVertex):
// the same point to 1e-9, in no more iterations, and in fewer over the
// random LPs.
func TestEarlyPolish(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	solvers := append([]struct {
		name string
		ls   LinearSolver
	}{{"auto", LinearAuto}}, linearSolvers...)
	type inst struct {
		kind       string
		n          int
		P, c, A, b []float64
		cones      problem.Cones
	}
	var insts []inst
	for _, kind := range []string{"pd", "psd", "hard", "lp"} {
		for _, sz := range []struct{ n, meq, mi int }{{10, 2, 10}, {30, 5, 40}} {
			for trial := 0; trial < 3; trial++ {
				in := inst{kind: kind, n: sz.n}
				if kind == "hard" {
					in.P, in.c, in.A, in.b, in.cones, _ = hardQP(rng, sz.n, sz.meq, sz.mi)
				} else {
					in.P, in.c, in.A, in.b, in.cones = randomQP(rng, sz.n, sz.meq, sz.mi, kind)
				}
				insts = append(insts, in)
			}
		}
	}
	for _, n := range []int{10, 50} {
		for trial := 0; trial < 4; trial++ {
			in := inst{kind: "dense", n: n}
			in.P, in.c, in.A, in.b, in.cones = testfam.DenseQP(rng, n, n, n/5)
			insts = append(insts, in)
		}
	}
	for _, ls := range solvers {
		itEarly, itLate, denseSame, denseCount, lpEarly, lpLate := 0, 0, 0, 0, 0, 0
		for k, in := range insts {
			st, v := denseProblem(t, in.n, in.P, in.c, in.A, in.b, in.cones)
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			early := solve(t, st, v, set)
			late := withoutEarlyPolish(t, st, v, set)
			if early.Info.Status != StatusSolved || early.Info.Polished != late.Info.Polished {
				t.Fatalf("%s %s #%d: status %v polished %v (without early polish %v, %v)", ls.name, in.kind, k,
					early.Info.Status, early.Info.Polished, late.Info.Status, late.Info.Polished)
			}
			if early.Info.Iter > late.Info.Iter {
				t.Errorf("%s %s #%d: %d iterations with early polish, %d without", ls.name, in.kind, k, early.Info.Iter, late.Info.Iter)
			}
			a := append(append(append([]float64{}, early.X...), early.Y...), early.S...)
			b := append(append(append([]float64{}, late.X...), late.Y...), late.S...)
			same := true
			for i := range a {
				if a[i] != b[i] {
					same = false
				}
				if math.Abs(a[i]-b[i]) > 1e-9*(1+math.Abs(b[i])) {
					t.Errorf("%s %s #%d: (x, y, s)[%d] = %v with early polish, %v without", ls.name, in.kind, k, i, a[i], b[i])
				}
			}
			if in.kind == "lp" {
				lpEarly += early.Info.Iter
				lpLate += late.Info.Iter
			}
			if in.kind == "dense" {
				denseCount++
				if same {
					denseSame++
				}
				itEarly += early.Info.Iter
				itLate += late.Info.Iter
			}
		}
		if denseSame != denseCount {
			t.Errorf("%s: dense family: %d of %d solutions identical with and without early polish", ls.name, denseSame, denseCount)
		}
		if itEarly >= itLate {
			t.Errorf("%s: dense family: %d iterations with early polish, %d without", ls.name, itEarly, itLate)
		}
		if lpEarly >= lpLate {
			t.Errorf("%s: LPs: %d iterations with early polish, %d without", ls.name, lpEarly, lpLate)
		}
		t.Logf("%s: dense family iterations %d → %d, LPs %d → %d", ls.name, itLate, itEarly, lpLate, lpEarly)
	}
}

// TestEarlyPolishSkipsDegenerate: a guessed active set with more rows than
// variables (each bound x_i ≤ 1 written twice, both active at x = 1) is not
// tried early — its multipliers are not unique and the early polish would
// only cost factorizations — and the solve still ends solved and polished
// at the exact answer, on every linear solver.
func TestEarlyPolishSkipsDegenerate(t *testing.T) {
	const n = 4
	P := make([]float64, n*n)
	c := make([]float64, n)
	A := make([]float64, 2*n*n)
	b := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1
		c[i] = -2 - float64(i)
		A[i*n+i], A[(n+i)*n+i] = 1, 1
		b[i], b[n+i] = 1, 1
	}
	for _, ls := range linearSolvers {
		st, v := denseProblem(t, n, P, c, A, b, problem.Cones{Nonneg: 2 * n})
		set := DefaultSettings()
		set.LinearSolver = ls.ls
		w, res := solveWith(t, st, v, set)
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v", ls.name, res.Info.Status)
		}
		if w.earlyTries != 0 {
			t.Errorf("%s: %d early polish attempts on a degenerate active set", ls.name, w.earlyTries)
		}
		for i, x := range res.X {
			if math.Abs(x-1) > 1e-9 {
				t.Errorf("%s: x[%d] = %v, want 1", ls.name, i, x)
			}
		}
	}
}

// TestStrictVertex: the early polish of an LP accepts only a strictly
// complementary vertex — exactly n active rows (equalities included), a
// positive multiplier on every active inequality and a positive slack on
// every inactive one, beyond earlyVertexStrict of the largest.
func TestStrictVertex(t *testing.T) {
	// min −x₁ − x₂ s.t. x₁ + x₂ = 1.5 (row 0), 0 ≤ x ≤ 1 (rows 1–4: x₁ ≤ 1,
	// x₂ ≤ 1, −x₁ ≤ 0, −x₂ ≤ 0): n = 2.
	A := []float64{1, 1, 1, 0, 0, 1, -1, 0, 0, -1}
	st, v := denseProblem(t, 2, nil, []float64{-1, -1}, A, []float64{1.5, 1, 1, 0, 0},
		problem.Cones{Zero: 1, Nonneg: 4})
	w, _ := solveWith(t, st, v, DefaultSettings())
	for _, c := range []struct {
		name   string
		active []bool
		z, s   []float64
		want   bool
	}{
		{"strict vertex", []bool{true, true, false, false, false}, []float64{1, 0.5, 0, 0, 0}, []float64{0, 0, 0.5, 1, 0.5}, true},
		{"too few active", []bool{true, false, false, false, false}, []float64{1, 0, 0, 0, 0}, []float64{0, 0.5, 0.5, 1, 0.5}, false},
		{"too many active", []bool{true, true, true, false, false}, []float64{1, 0.5, 0.5, 0, 0}, []float64{0, 0, 0, 1, 0.5}, false},
		{"zero multiplier", []bool{true, true, false, false, false}, []float64{1, 1e-9, 0, 0, 0}, []float64{0, 0, 0.5, 1, 0.5}, false},
		{"zero slack", []bool{true, true, false, false, false}, []float64{1, 0.5, 0, 0, 0}, []float64{0, 0, 0, 1, 0.5}, false},
		{"equality multiplier of any sign", []bool{true, true, false, false, false}, []float64{-1, 0.5, 0, 0, 0}, []float64{0, 0, 0.5, 1, 0.5}, true},
	} {
		copy(w.pol.active, c.active)
		copy(w.z, c.z)
		copy(w.s, c.s)
		if got := w.strictVertex(); got != c.want {
			t.Errorf("%s: strictVertex %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEarlyPolishFeasibleGap: the early polish's wider gap test once the
// residuals meet the tolerances (earlyFeasibleGapFactor) returns every
// BPQP study QP (10×5 and 50×10) and dense QP layer problem (n = 10)
// bit for bit as the narrower test does, in no more iterations each and
// in fewer over the small QPs (whose iterations reach that point with the
// gap still at the size of the objective).
func TestEarlyPolishFeasibleGap(t *testing.T) {
	// The early polish's iterations are what this counts: without the
	// dual active-set start, which would end the small solves before them.
	defer func(v int) { dualActiveMaxN = v }(dualActiveMaxN)
	dualActiveMaxN = 0
	type fam struct {
		name string
		n, k int
	}
	saved := earlyFeasibleGapFactor
	defer func() { earlyFeasibleGapFactor = saved }()
	for _, f := range []fam{{"bpqp", 10, 5}, {"bpqp", 50, 10}, {"dense", 10, 0}} {
		rng := rand.New(rand.NewSource(int64(f.n + f.k)))
		itWide, itNarrow := 0, 0
		for trial := 0; trial < 12; trial++ {
			var P, c, A, b []float64
			var cones problem.Cones
			if f.name == "bpqp" {
				P, c, A, b, cones = testfam.BPQPQP(rng, f.n, f.k)
			} else {
				P, c, A, b, cones = testfam.DenseQP(rng, f.n, f.n, f.n/5)
			}
			st, v := denseProblem(t, f.n, P, c, A, b, cones)
			earlyFeasibleGapFactor = saved
			wide := solve(t, st, v, DefaultSettings())
			earlyFeasibleGapFactor = earlyPolishFactor
			narrow := solve(t, st, v, DefaultSettings())
			if wide.Info.Status != StatusSolved || !wide.Info.Polished || !narrow.Info.Polished {
				t.Fatalf("%s %d×%d #%d: status %v polished %v (narrow gap test: %v)", f.name, f.n, f.k, trial,
					wide.Info.Status, wide.Info.Polished, narrow.Info.Polished)
			}
			if wide.Info.Iter > narrow.Info.Iter {
				t.Errorf("%s %d×%d #%d: %d iterations, %d with the narrow gap test", f.name, f.n, f.k, trial, wide.Info.Iter, narrow.Info.Iter)
			}
			for i := range wide.X {
				if wide.X[i] != narrow.X[i] {
					t.Fatalf("%s %d×%d #%d: x[%d] = %v, %v with the narrow gap test", f.name, f.n, f.k, trial, i, wide.X[i], narrow.X[i])
				}
			}
			for i := range wide.Y {
				if wide.Y[i] != narrow.Y[i] || wide.S[i] != narrow.S[i] {
					t.Fatalf("%s %d×%d #%d: (y, s)[%d] = (%v, %v), (%v, %v) with the narrow gap test", f.name, f.n, f.k, trial, i,
						wide.Y[i], wide.S[i], narrow.Y[i], narrow.S[i])
				}
			}
			itWide += wide.Info.Iter
			itNarrow += narrow.Info.Iter
		}
		t.Logf("%s %d×%d: %d iterations, %d with the narrow gap test", f.name, f.n, f.k, itWide, itNarrow)
		if f.n == 10 && itWide >= itNarrow {
			t.Errorf("%s %d×%d: %d iterations, not fewer than the narrow gap test's %d", f.name, f.n, f.k, itWide, itNarrow)
		}
	}
}

// TestEarlyPolishNoObjectiveBound: the early polish accepts a polished
// point that passes the termination tests without bounding its objective
// by the iterate's (earlyAccept). On the BPQP study's ε-ridge LPs, whose
// first attempts failed only that bound, and on its QPs and the random
// families of TestEarlyPolish, every solution is the one with the bound,
// bit for bit, in no more iterations each, and in fewer over the LPs.
func TestEarlyPolishNoObjectiveBound(t *testing.T) {
	// The early polish's iterations are what this counts: without the
	// dual active-set start, which would end the small solves before them.
	defer func(v int) { dualActiveMaxN = v }(dualActiveMaxN)
	dualActiveMaxN = 0
	type fam struct {
		name string
		n, k int
	}
	rng := rand.New(rand.NewSource(23))
	for _, f := range []fam{{"bpqplp", 10, 5}, {"bpqplp", 50, 10}, {"bpqpqp", 10, 5}, {"pd", 10, 0}, {"psd", 10, 0}, {"lp", 10, 0}, {"dense", 10, 0}} {
		itFree, itBound := 0, 0
		for trial := 0; trial < 10; trial++ {
			var P, c, A, b []float64
			var cones problem.Cones
			n := f.n
			switch f.name {
			case "bpqplp":
				P, c, A, b, cones = testfam.BPQPLP(rng, f.n, f.k)
			case "bpqpqp":
				P, c, A, b, cones = testfam.BPQPQP(rng, f.n, f.k)
			case "dense":
				P, c, A, b, cones = testfam.DenseQP(rng, n, n, n/5)
			default:
				P, c, A, b, cones = randomQP(rng, n, 2, 10, f.name)
			}
			st, v := denseProblem(t, n, P, c, A, b, cones)
			bound := func() *Result {
				earlyObjectiveBound = true
				defer func() { earlyObjectiveBound = false }()
				return solve(t, st, v, DefaultSettings())
			}()
			free := solve(t, st, v, DefaultSettings())
			if free.Info.Status != StatusSolved || free.Info.Polished != bound.Info.Polished {
				t.Fatalf("%s #%d: status %v polished %v (with the bound %v, %v)", f.name, trial,
					free.Info.Status, free.Info.Polished, bound.Info.Status, bound.Info.Polished)
			}
			if free.Info.Iter > bound.Info.Iter {
				t.Errorf("%s #%d: %d iterations, %d with the objective bound", f.name, trial, free.Info.Iter, bound.Info.Iter)
			}
			for _, p := range [][2][]float64{{free.X, bound.X}, {free.Y, bound.Y}, {free.S, bound.S}} {
				for i := range p[0] {
					if p[0][i] != p[1][i] {
						t.Fatalf("%s #%d: entry %d = %v, %v with the objective bound", f.name, trial, i, p[0][i], p[1][i])
					}
				}
			}
			itFree += free.Info.Iter
			itBound += bound.Info.Iter
		}
		t.Logf("%s %d×%d: %d iterations, %d with the objective bound", f.name, f.n, f.k, itFree, itBound)
		if f.name == "bpqplp" && itFree >= itBound {
			t.Errorf("%s %d×%d: %d iterations, not fewer than with the bound (%d)", f.name, f.n, f.k, itFree, itBound)
		}
	}
}

// TestEarlyPolishSystems: on the BPQP study's ε-ridge LPs (testfam.BPQPLP,
// n = 100 and 500) an early polish attempt of earlyPolishSystems systems
// returns the point the attempts of polishTries systems return, bit for
// bit (the same final active set), in no more interior-point iterations
// and active-set systems per solve, and in fewer iterations over the
// family (the 500×100 instances needed a second attempt with polishTries).
func TestEarlyPolishSystems(t *testing.T) {
	if earlyPolishSystems <= polishTries {
		t.Fatalf("earlyPolishSystems %d not above polishTries %d", earlyPolishSystems, polishTries)
	}
	for _, sz := range [][2]int{{100, 20}, {500, 100}} {
		n, k := sz[0], sz[1]
		rng := rand.New(rand.NewSource(int64(n + k)))
		itMore, itFew := 0, 0
		for trial := 0; trial < 8; trial++ {
			P, c, A, b, cones := testfam.BPQPLP(rng, n, k)
			st, v := denseProblem(t, n, P, c, A, b, cones)
			var res [2]*Result
			var systems [2]int
			for j, tries := range []int{earlyPolishSystems, polishTries} {
				saved := earlyPolishSystems
				earlyPolishSystems = tries
				w, r := solveWith(t, st, v, DefaultSettings())
				earlyPolishSystems = saved
				if r.Info.Status != StatusSolved || !r.Info.Polished {
					t.Fatalf("%dx%d #%d, %d systems: status %v polished %v", n, k, trial, tries, r.Info.Status, r.Info.Polished)
				}
				res[j], systems[j] = r, w.pol.full+w.pol.reduced
			}
			more, few := res[0], res[1]
			for i := range more.X {
				if math.Float64bits(more.X[i]) != math.Float64bits(few.X[i]) {
					t.Fatalf("%dx%d #%d: x[%d] = %v with %d systems, %v with %d", n, k, trial, i, more.X[i], earlyPolishSystems, few.X[i], polishTries)
				}
			}
			for i := range more.Y {
				if math.Float64bits(more.Y[i]) != math.Float64bits(few.Y[i]) || math.Float64bits(more.S[i]) != math.Float64bits(few.S[i]) {
					t.Fatalf("%dx%d #%d: row %d (y, s) = (%v, %v) with %d systems, (%v, %v) with %d", n, k, trial, i,
						more.Y[i], more.S[i], earlyPolishSystems, few.Y[i], few.S[i], polishTries)
				}
			}
			if more.Info.Iter > few.Info.Iter || systems[0] > systems[1] {
				t.Errorf("%dx%d #%d: %d iterations and %d systems with %d systems per attempt, %d and %d with %d", n, k, trial,
					more.Info.Iter, systems[0], earlyPolishSystems, few.Info.Iter, systems[1], polishTries)
			}
			itMore += more.Info.Iter
			itFew += few.Info.Iter
		}
		if n == 500 && itMore >= itFew {
			t.Errorf("%dx%d: %d iterations with %d systems per attempt, %d with %d", n, k, itMore, earlyPolishSystems, itFew, polishTries)
		}
		t.Logf("%dx%d: %d iterations with %d systems per attempt, %d with %d", n, k, itMore, earlyPolishSystems, itFew, polishTries)
	}
}

// TestEarlyPolishSystemsQP: on a box QP whose P has rank 2 (not strictly
// convex) the early attempts fail with corrections that do not halve (a
// system flips more than half the rows of the one before), so an attempt
// stops at polishTries systems whatever earlyPolishSystems is (an unconditional fourth system
// cost +32 % systems, +21 % CPU, for the same points).
func TestEarlyPolishSystemsQP(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const n = 60
	for trial := 0; trial < 12; trial++ {
		P, c, A, b, cones := testfam.BoxQP(rng, n, 30, 5)
		u, v := make([]float64, n), make([]float64, n)
		for i := range u {
			u[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				P[i*n+j] = u[i]*u[j] + v[i]*v[j]
			}
		}
		st, val := denseProblem(t, n, P, c, A, b, cones)
		var res [2]*Result
		var systems [2]int
		for j, bound := range []int{polishTries, 20} {
			saved := earlyPolishSystems
			earlyPolishSystems = bound
			w, r := solveWith(t, st, val, DefaultSettings())
			earlyPolishSystems = saved
			res[j], systems[j] = r, w.pol.full+w.pol.reduced
		}
		if systems[0] != systems[1] || res[0].Info.Iter != res[1].Info.Iter || res[0].Info.Status != res[1].Info.Status {
			t.Fatalf("#%d: %d systems, %d iterations, status %v with an early bound of %d; %d, %d, %v with 20",
				trial, systems[0], res[0].Info.Iter, res[0].Info.Status, polishTries, systems[1], res[1].Info.Iter, res[1].Info.Status)
		}
		for i := range res[0].X {
			if math.Float64bits(res[0].X[i]) != math.Float64bits(res[1].X[i]) {
				t.Fatalf("#%d: x[%d] %v vs %v", trial, i, res[0].X[i], res[1].X[i])
			}
		}
	}
}
