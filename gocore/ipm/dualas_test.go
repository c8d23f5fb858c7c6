package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"sync/atomic"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// withDualActive runs f with the dual active-set start on (maxN) or off (0).
func withDualActive(maxN int, f func()) {
	defer func(v int) { dualActiveMaxN = v }(dualActiveMaxN)
	dualActiveMaxN = maxN
	f()
}

// TestDualActiveStartFamilies: on the small strictly convex QP families
// (the BPQP study's QPs, random dense QPs with equalities, a box QP) the
// dual active-set start ends every solve before the first interior-point
// step, and its point is the interior-point method's (both are the
// polish's exact solution of the same active set) to 1e-9, multipliers
// and slacks included. On the BPQP study's ε-ridge LPs it may decline an
// instance whose polished point has an inactive row of near-zero slack
// (weakInactive; their O(ε) multipliers on active rows are accepted),
// whose solve is then the interior-point method's bit for bit.
func TestDualActiveStartFamilies(t *testing.T) {
	type gen func(rng *rand.Rand) (n int, P, c, A, b []float64, cones problem.Cones)
	type family struct {
		gen        gen
		mayDecline bool
	}
	cases := map[string]family{}
	for _, sz := range [][2]int{{10, 5}, {20, 5}, {30, 10}, {32, 3}} {
		n, k := sz[0], sz[1]
		cases[fmt.Sprintf("bpqp-qp %d×%d", n, k)] = family{func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, b, co := testfam.BPQPQP(r, n, k)
			return n, P, c, A, b, co
		}, false}
		cases[fmt.Sprintf("bpqp-lp %d×%d", n, k)] = family{func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, b, co := testfam.BPQPLP(r, n, k)
			return n, P, c, A, b, co
		}, true}
	}
	for _, n := range []int{2, 7, 10, 17, 32} {
		cases[fmt.Sprintf("dense qp %d", n)] = family{func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, b, co := testfam.DenseQP(r, n, n, n/5)
			return n, P, c, A, b, co
		}, false}
	}
	cases["box qp 12"] = family{func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
		P, c, A, b, co := testfam.BoxQP(r, 12, 6, 2)
		return 12, P, c, A, b, co
	}, false}
	for name, f := range cases {
		rng := rand.New(rand.NewSource(int64(len(name))))
		ended := 0
		for trial := 0; trial < 6; trial++ {
			n, P, c, A, b, cones := f.gen(rng)
			st, v := denseProblem(t, n, P, c, A, b, cones)
			var on, off *Result
			var w *Solver
			withDualActive(dualActiveCap, func() { w, on = solveWith(t, st, v, DefaultSettings()) })
			das := w.das
			withDualActive(0, func() { off = solve(t, st, v, DefaultSettings()) })
			if on.Info.Status != StatusSolved || off.Info.Status != StatusSolved {
				t.Fatalf("%s #%d: status %v (start) %v (none)", name, trial, on.Info.Status, off.Info.Status)
			}
			if das == nil {
				t.Fatalf("%s: no start memory", name)
			}
			if on.Info.Iter != 0 {
				if !f.mayDecline {
					t.Errorf("%s #%d: the start did not end the solve: %d iterations", name, trial, on.Info.Iter)
				}
				if !testfam.SameBits(on.X, off.X) || !testfam.SameBits(on.Y, off.Y) || !testfam.SameBits(on.S, off.S) || on.Info != off.Info {
					t.Errorf("%s #%d: declined start: %+v, without it %+v", name, trial, on.Info, off.Info)
				}
				continue
			}
			ended++
			if sys := w.pol.reduced + w.pol.full; sys != 1 {
				t.Errorf("%s #%d: the start's active set took %d systems, want 1 (its proposal was corrected)", name, trial, sys)
			}
			if !on.Info.Polished {
				t.Errorf("%s #%d: the start's point is not polished", name, trial)
			}
			tol := 1e-9
			for _, pr := range [][2][]float64{{on.X, off.X}, {on.Y, off.Y}, {on.S, off.S}} {
				for i := range pr[0] {
					if d := math.Abs(pr[0][i] - pr[1][i]); !(d <= tol*math.Max(1, math.Abs(pr[1][i]))) {
						t.Fatalf("%s #%d: entry %d: %v with the start, %v without", name, trial, i, pr[0][i], pr[1][i])
					}
				}
			}
		}
		if ended == 0 {
			t.Errorf("%s: the start ended no solve", name)
		}
	}
}

// TestDualActiveStartDeclines: where the start does not apply or its
// method fails, the solve is the interior-point method's as without it:
// an LP (no quadratic term), a P that is only semidefinite, an
// infeasible QP (contradictory equalities, and inequalities no point
// meets), dependent equality rows, more variables than dualActiveMaxN,
// and a cancelled solve.
func TestDualActiveStartDeclines(t *testing.T) {
	type tc struct {
		name       string
		n          int
		P, c, A, b []float64
		cones      problem.Cones
		want       Status
		startRan   bool
	}
	rng := rand.New(rand.NewSource(5))
	bigP, bigc, bigA, bigb, bigCones := testfam.DenseQP(rng, 40, 40, 8)
	cases := []tc{
		{name: "lp", n: 2, c: []float64{-1, -1}, A: []float64{1, 0, 0, 1}, b: []float64{1, 2},
			cones: problem.Cones{Nonneg: 2}, want: StatusSolved},
		// P = diag(1, 0): semidefinite, Cholesky fails; x₂ bounded by rows.
		{name: "psd", n: 2, P: []float64{1, 0, 0, 0}, c: []float64{0, -1}, A: []float64{0, 1, 0, -1}, b: []float64{1, 1},
			cones: problem.Cones{Nonneg: 2}, want: StatusSolved},
		{name: "contradictory equalities", n: 2, P: []float64{1, 0, 0, 1}, c: []float64{0, 0},
			A: []float64{1, 1, 1, 1}, b: []float64{1, 2}, cones: problem.Cones{Zero: 2},
			want: StatusPrimalInfeasible, startRan: true},
		{name: "infeasible inequalities", n: 1, P: []float64{1}, c: []float64{0}, A: []float64{1, -1}, b: []float64{-1, 0},
			cones: problem.Cones{Nonneg: 2}, want: StatusPrimalInfeasible, startRan: true},
		// x₁ + x₂ = 1 twice (consistent, dependent), x ≥ 0.
		{name: "dependent equalities", n: 2, P: []float64{1, 0, 0, 2}, c: []float64{0, 0},
			A: []float64{1, 1, 1, 1, -1, 0, 0, -1}, b: []float64{1, 1, 0, 0}, cones: problem.Cones{Zero: 2, Nonneg: 2},
			want: StatusSolved, startRan: true},
		{name: "n = 40", n: 40, P: bigP, c: bigc, A: bigA, b: bigb, cones: bigCones, want: StatusSolved},
	}
	for _, c := range cases {
		st, v := denseProblem(t, c.n, c.P, c.c, c.A, c.b, c.cones)
		w, res := solveWith(t, st, v, DefaultSettings())
		if res.Info.Status != c.want {
			t.Fatalf("%s: status %v, want %v", c.name, res.Info.Status, c.want)
		}
		if res.Info.Iter == 0 && c.want == StatusSolved {
			t.Errorf("%s: solved without an interior-point iteration", c.name)
		}
		if c.startRan && (w.das == nil || w.das.adds == 0) {
			t.Errorf("%s: the start did not run", c.name)
		}
		var off *Result
		withDualActive(0, func() { off = solve(t, st, v, DefaultSettings()) })
		if off.Info.Status != res.Info.Status {
			t.Errorf("%s: status %v with the start, %v without", c.name, res.Info.Status, off.Info.Status)
		}
		if c.want == StatusSolved {
			for i := range res.X {
				if math.Abs(res.X[i]-off.X[i]) > 1e-8 {
					t.Errorf("%s: x %v with the start, %v without", c.name, res.X, off.X)
					break
				}
			}
		}
	}
	// A cancelled solve stays cancelled (the start does not run).
	st, v := denseProblem(t, 2, []float64{1, 0, 0, 1}, []float64{1, 1}, []float64{-1, 0, 0, -1}, []float64{0, 0},
		problem.Cones{Nonneg: 2})
	w, res := solveWith(t, st, v, DefaultSettings())
	if res.Info.Status != StatusSolved || res.Info.Iter != 0 {
		t.Fatalf("box QP: %v after %d iterations, want solved by the start", res.Info.Status, res.Info.Iter)
	}
	var cancel atomic.Bool
	cancel.Store(true)
	w.SetInterrupt(Interrupt{Cancel: &cancel})
	w.Solve(v, res)
	if res.Info.Status != StatusInterrupted {
		t.Errorf("cancelled solve: status %v, want interrupted", res.Info.Status)
	}
}

// TestDualActiveStartDegenerate: the BPQP study's ε-ridge LP at n = 1,
// k = 1 (the equality fixes x; half of the instances have the
// inequality active too: a degenerate vertex whose multipliers are not
// unique). The start declines those and the solve is the interior-point
// method's bit for bit, multipliers of the optimal set's interior
// included; it ends the others.
func TestDualActiveStartDegenerate(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	ended, declined := 0, 0
	for trial := 0; trial < 24; trial++ {
		P, c, A, b, cones := testfam.BPQPLP(rng, 1, 1)
		st, v := denseProblem(t, 1, P, c, A, b, cones)
		on := solve(t, st, v, DefaultSettings())
		var off *Result
		withDualActive(0, func() { off = solve(t, st, v, DefaultSettings()) })
		if on.Info.Status != StatusSolved {
			t.Fatalf("#%d: status %v", trial, on.Info.Status)
		}
		if on.Info.Iter == 0 {
			ended++
			if off.S[1] == 0 {
				t.Errorf("#%d: the start ended a solve at a degenerate vertex: y %v s %v (without it y %v s %v)",
					trial, on.Y, on.S, off.Y, off.S)
			}
			continue
		}
		declined++
		if !testfam.SameBits(on.X, off.X) || !testfam.SameBits(on.Y, off.Y) || !testfam.SameBits(on.S, off.S) || on.Info != off.Info {
			t.Errorf("#%d: declined start: %+v %v %v, without it %+v %v %v", trial, on.Info, on.X, on.Y, off.Info, off.X, off.Y)
		}
	}
	t.Logf("%d solves ended by the start, %d declined", ended, declined)
	if ended == 0 || declined == 0 {
		t.Errorf("%d ended, %d declined: the family has both kinds", ended, declined)
	}
}

// checkJTPJ fails t unless g's J satisfies JᵀPJ = I to tol (P dense n×n
// row-major).
func checkJTPJ(t *testing.T, g *dualActive, P []float64, tol float64, label string) {
	t.Helper()
	n := g.n
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			s := 0.0
			for i := 0; i < n; i++ {
				for k := 0; k < n; k++ {
					s += g.j[a*n+i] * P[i*n+k] * g.j[b*n+k]
				}
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(s-want) > tol {
				t.Fatalf("%s: (JᵀPJ)[%d][%d] = %v", label, a, b, s)
			}
		}
	}
}

// TestDualActiveFactor: the start's Cholesky factor and J = L⁻ᵀ on a
// random positive definite P (JᵀPJ = I), and its refusal of a singular one.
func TestDualActiveFactor(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, n := range []int{1, 2, 5, 8, 13, 32} {
		P := testfam.GramP(rng, n)
		st, err := problem.NewDenseStructure(n, 0, problem.Cones{}, true)
		if err != nil {
			t.Fatal(err)
		}
		pv := make([]float64, st.P.Nnz())
		st.GatherDenseP(pv, P)
		g := newDualActive(st, true)
		if !g.factor(st, pv, false) {
			t.Fatalf("n = %d: a positive definite P refused", n)
		}
		checkJTPJ(t, g, P, 1e-10, fmt.Sprintf("n = %d", n))
		if n > 1 {
			// Rank one: singular.
			for i := 0; i < n; i++ {
				for k := 0; k < n; k++ {
					P[i*n+k] = float64((i + 1) * (k + 1))
				}
			}
			st.GatherDenseP(pv, P)
			if g.factor(st, pv, false) {
				t.Errorf("n = %d: a rank-one P accepted", n)
			}
		}
		// A diagonal P: J = P^(−1/2), the same as the general factor's.
		for i := 0; i < n; i++ {
			for k := 0; k < n; k++ {
				P[i*n+k] = 0
			}
			P[i*n+i] = float64(i+1) * 0.5
		}
		st.GatherDenseP(pv, P)
		if !g.factor(st, pv, false) {
			t.Fatalf("n = %d: a positive diagonal P refused", n)
		}
		general := append([]float64(nil), g.j...)
		if !g.factor(st, pv, true) {
			t.Fatalf("n = %d: a positive diagonal P refused by factorDiagonal", n)
		}
		for i := range general {
			if math.Abs(general[i]-g.j[i]) > 1e-15 {
				t.Fatalf("n = %d: J[%d] = %v (diagonal), %v (general)", n, i, g.j[i], general[i])
			}
		}
		if n > 1 {
			P[n+1] = 0 // a zero pivot
			st.GatherDenseP(pv, P)
			if g.factor(st, pv, true) || g.factor(st, pv, false) {
				t.Errorf("n = %d: a singular diagonal P accepted", n)
			}
		}
	}
}

// BenchmarkDualActiveStart is the forward solve of small QP families with
// the dual active-set start (on) and without it (off), one thread, the
// polish factor record kept as the Python layer asks for it; it reports
// the interior-point iterations per solve:
//
//	go test ./gocore/ipm -run '^$' -bench DualActiveStart
func BenchmarkDualActiveStart(b *testing.B) {
	type fam struct {
		name string
		gen  func(rng *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones)
	}
	var fams []fam
	for _, sz := range [][2]int{{10, 5}, {20, 5}, {30, 10}} {
		n, k := sz[0], sz[1]
		fams = append(fams, fam{fmt.Sprintf("bpqp-qp/%dx%d", n, k), func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, bb, co := testfam.BPQPQP(r, n, k)
			return n, P, c, A, bb, co
		}}, fam{fmt.Sprintf("bpqp-lp/%dx%d", n, k), func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, bb, co := testfam.BPQPLP(r, n, k)
			return n, P, c, A, bb, co
		}})
	}
	for _, n := range []int{10, 20, 32} {
		fams = append(fams, fam{fmt.Sprintf("qp%d", n), func(r *rand.Rand) (int, []float64, []float64, []float64, []float64, problem.Cones) {
			P, c, A, bb, co := testfam.DenseQP(r, n, n, n/5)
			return n, P, c, A, bb, co
		}})
	}
	for _, f := range fams {
		for _, on := range []bool{true, false} {
			name := f.name + map[bool]string{true: "/on", false: "/off"}[on]
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewSource(7))
				d := familyData{}
				for i := 0; i < 16; i++ {
					n, P, c, A, bb, co := f.gen(rng)
					st, v := denseProblem(b, n, P, c, A, bb, co)
					d.st = st
					d.vs = append(d.vs, v)
				}
				maxN := 0
				if on {
					maxN = dualActiveCap
				}
				withDualActive(maxN, func() { benchSolvesRecorded(b, &d) })
			})
		}
	}
}

// TestDualActiveRunInvariants runs the dual method itself on QPs that need
// many drops (a large cost vector pushes the unconstrained minimizer far
// outside: rows added early become inactive later) and checks, after each
// run, its factorization invariants — JᵀP̃J = I, Jᵀn_k = R e_k for the
// active rows' normals n_k = −σ_k ã_k, R's diagonal positive — and that
// its active set is the solution's (the interior-point method's polished
// point without the start: zero slack exactly on its active rows).
func TestDualActiveRunInvariants(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	drops := 0
	for trial := 0; trial < 40; trial++ {
		n, mi := 10, 40
		if trial%4 == 3 {
			n, mi = 1, 5
		}
		P, c, A, b, cones := testfam.DenseQP(rng, n, mi, 0)
		if trial%2 == 0 && n > 1 {
			P, c, A, b, cones = testfam.DenseQP(rng, n, mi, 2)
		}
		for i := range c {
			c[i] *= 30
		}
		st, v := denseProblem(t, n, P, c, A, b, cones)
		var w *Solver
		var off *Result
		withDualActive(0, func() { w, off = solveWith(t, st, v, DefaultSettings()) })
		if off.Info.Status != StatusSolved {
			t.Fatalf("#%d: status %v", trial, off.Info.Status)
		}
		g := w.das
		w.loadData(v)
		if !g.run(w) {
			t.Fatalf("#%d: the dual method failed", trial)
		}
		drops += g.drops
		// The active rows in order: those with g.on (equalities first).
		var act []int
		for i := 0; i < st.M; i++ {
			if g.on[i] {
				act = append(act, i)
			}
		}
		q := len(act)
		// Dense P̃ and Ã from the solver's equilibrated values.
		Pt := make([]float64, n*n)
		for col := 0; col < n; col++ {
			for k := st.P.Colptr[col]; k < st.P.Colptr[col+1]; k++ {
				r := st.P.Rowval[k]
				Pt[r*n+col], Pt[col*n+r] = w.pv[k], w.pv[k]
			}
		}
		checkJTPJ(t, g, Pt, 1e-8, fmt.Sprintf("#%d", trial))
		for pos := 0; pos < q; pos++ {
			row := g.act[pos]
			if !g.on[row] {
				t.Fatalf("#%d: active position %d holds row %d, not marked active", trial, pos, row)
			}
			if !(g.r[pos*n+pos] > 0) {
				t.Fatalf("#%d: R[%d][%d] = %v", trial, pos, pos, g.r[pos*n+pos])
			}
			nrm := 0.0
			for k := 0; k < n; k++ {
				nrm += math.Abs(g.a[row*n+k])
			}
			for k := 0; k < n; k++ {
				d := -g.sgn[pos] * vec.Dot(g.j[k*n:(k+1)*n], g.a[row*n:(row+1)*n])
				want := 0.0
				if k <= pos {
					want = g.r[pos*n+k]
				}
				if math.Abs(d-want) > 1e-9*math.Max(1, nrm) {
					t.Fatalf("#%d: (Jᵀn)[%d] of active position %d = %v, R's %v", trial, k, pos, d, want)
				}
			}
		}
		for i := 0; i < st.M; i++ {
			if w.pol.isZero[i] {
				if !g.on[i] {
					t.Fatalf("#%d: equality row %d not active", trial, i)
				}
				continue
			}
			if g.on[i] != (off.S[i] == 0) {
				t.Fatalf("#%d: row %d active %v, the solution's slack %v (multiplier %v)", trial, i, g.on[i], off.S[i], off.Y[i])
			}
		}
	}
	t.Logf("%d drops in 40 runs", drops)
	if drops == 0 {
		t.Error("no run dropped a row: the drops are untested")
	}
}

// TestDualActiveStartAllocs: a solve the start ends and one it declines
// allocate nothing (NewSolver allocated the start's memory).
func TestDualActiveStartAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	rng := rand.New(rand.NewSource(3))
	P, c, A, b, cones := testfam.BPQPQP(rng, 10, 5)
	st, v := denseProblem(t, 10, P, c, A, b, cones)
	w, res := solveWith(t, st, v, DefaultSettings())
	if res.Info.Iter != 0 {
		t.Fatalf("the start did not end the solve (%d iterations)", res.Info.Iter)
	}
	if a := testing.AllocsPerRun(20, func() { w.Solve(v, res) }); a != 0 {
		t.Errorf("solve ended by the start: %v allocations", a)
	}
	// x₁ + x₂ = 1 twice, x ≥ 0: the start declines (dependent rows).
	st2, v2 := denseProblem(t, 2, []float64{1, 0, 0, 2}, []float64{0, 0},
		[]float64{1, 1, 1, 1, -1, 0, 0, -1}, []float64{1, 1, 0, 0}, problem.Cones{Zero: 2, Nonneg: 2})
	w2, res2 := solveWith(t, st2, v2, DefaultSettings())
	if res2.Info.Iter == 0 || w2.das.adds == 0 {
		t.Fatalf("the start did not run and decline: %d iterations, %d adds", res2.Info.Iter, w2.das.adds)
	}
	if a := testing.AllocsPerRun(20, func() { w2.Solve(v2, res2) }); a != 0 {
		t.Errorf("solve the start declined: %v allocations", a)
	}
}

// recordingCheck is an XBlockChecker that records its call and returns ok.
type recordingCheck struct {
	called, ok bool
}

func (c *recordingCheck) CheckXBlock(x, d []float64, k float64, fok bool) bool {
	c.called = true
	return c.ok
}

// TestDualActiveStartAfterCheck: with an x-block check pending (the C
// ABI's deferred PSD test of P) the start runs only after the
// initialization's factorization has been checked — a check that stops
// the solve leaves it unsolved, whatever the start would have found —
// and a check that lets it go on changes nothing: the start ends the
// solve at the same point bit for bit as without a check.
func TestDualActiveStartAfterCheck(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	P, c, A, b, cones := testfam.BPQPQP(rng, 20, 5)
	st, v := denseProblem(t, 20, P, c, A, b, cones)
	w, plain := solveWith(t, st, v, DefaultSettings())
	if plain.Info.Status != StatusSolved || plain.Info.Iter != 0 {
		t.Fatalf("without a check: %v after %d iterations, want solved by the start", plain.Info.Status, plain.Info.Iter)
	}
	x := append([]float64(nil), plain.X...)
	if !w.XBlockCheckable() {
		// The fixture (dense, n = 20) is one the C ABI checks this way.
		t.Fatal("the structure's first factorization has no x block to check")
	}
	for _, ok := range []bool{true, false} {
		chk := &recordingCheck{ok: ok}
		w.SetXBlockCheck(chk)
		res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
		w.Solve(v, res)
		if !chk.called {
			t.Fatalf("check %v: not called", ok)
		}
		switch {
		case ok && (res.Info.Status != StatusSolved || res.Info.Iter != 0 || !testfam.SameBits(res.X, x)):
			t.Errorf("check passed: %v after %d iterations, x the same %v", res.Info.Status, res.Info.Iter, testfam.SameBits(res.X, x))
		case !ok && (res.Info.Status != StatusUnsolved || !math.IsNaN(res.X[0])):
			t.Errorf("check failed: %v, x[0] %v; want unsolved, NaN", res.Info.Status, res.X[0])
		}
	}
}
