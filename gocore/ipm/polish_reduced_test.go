package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// boxQPValues is an instance of the LPGD benchmark's box QP family
// (testfam.BoxQP: p equalities, m general inequalities, the box
// −1 ≤ x ≤ 1 as 2n rows of a dense A) on a dense structure; P nil makes
// the LP of the same family.
func boxQPValues(t *testing.T, rng *rand.Rand, n, m, p int, lp bool) (*problem.Structure, *problem.Values) {
	t.Helper()
	P, c, A, b, cones := testfam.BoxQP(rng, n, m, p)
	if lp {
		P = nil
	}
	st, err := problem.NewDenseStructure(n, len(b), cones, P != nil)
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

// reducedVsFull solves the polish's active-set system of the solver's
// current guess (w.pol.active) by the range-space form and by the KKT
// system and returns whether the range-space form applied and the largest
// difference of the two solutions relative to max(1, ‖full‖∞).
func reducedVsFull(t *testing.T, w *Solver) (bool, float64) {
	t.Helper()
	p := w.pol
	n, m := w.an.St.N, w.an.St.M
	for j := 0; j < n; j++ {
		w.rhs[j] = -w.cv[j]
	}
	for i := 0; i < m; i++ {
		w.rhs[n+i] = 0
		if p.active[i] {
			w.rhs[n+i] = w.bv[i]
		}
	}
	if !w.polishReducedSolve() {
		return false, 0
	}
	red := append([]float64(nil), w.sol...)
	w.resetKKT()
	w.kkt.SetActiveRowsSameData(w.av, p.active)
	if err := w.kkt.Factor(); err != nil {
		t.Fatal(err)
	}
	if !w.kkt.Solve(w.rhs, w.sol) {
		t.Fatal("KKT solve failed")
	}
	d := 0.0
	for i, v := range w.sol {
		d = math.Max(d, math.Abs(red[i]-v))
	}
	return true, d / math.Max(1, vec.NormInf(w.sol))
}

// TestPolishReducedMatchesFull: the polish's range-space solve
// (polishReducedSolve, rangeqp.Bound) gives the KKT system's solution of
// the same active-set system to 1e-12 — on the solution's active set and
// on perturbed ones (inactive box rows and general rows switched on, as
// the polish's corrections do), with and without a proximal term — and
// refuses where it does not apply: two active bound rows on one column,
// fewer than n/polishMinFixed fixed columns, an LP, a solve that exports
// its factorization.
func TestPolishReducedMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	const n, m, p = 40, 20, 4
	checked := 0
	for trial := 0; trial < 6; trial++ {
		st, v := boxQPValues(t, rng, n, m, p, false)
		set := DefaultSettings()
		_, slv, res := solverFor(t, st, set)
		if trial%2 == 1 {
			slv.SetProx(0.5)
		}
		slv.Solve(v, res)
		if res.Info.Status != StatusSolved || !res.Info.Polished {
			t.Fatalf("trial %d: status %v polished %v", trial, res.Info.Status, res.Info.Polished)
		}
		w, pw := slv, slv.pol
		if !pw.rowsOK {
			t.Fatalf("trial %d: row form not built for a box QP", trial)
		}
		// The solution's active set, then perturbations.
		for i := range pw.active {
			pw.active[i] = pw.isZero[i] || res.Y[i] > 0
		}
		fixed := 0
		for c := 0; c < n; c++ {
			if pw.active[p+m+c] || pw.active[p+m+n+c] {
				fixed++
			}
		}
		for c := 0; c < n && fixed < n/4; c++ {
			// Too few fixed columns for the form (with the proximal
			// term the solution leaves the box): fix more.
			if !pw.active[p+m+c] && !pw.active[p+m+n+c] {
				pw.active[p+m+c] = true
				fixed++
			}
		}
		for k := 0; k < 8; k++ {
			ok, d := reducedVsFull(t, w)
			if !ok {
				t.Fatalf("trial %d set %d: range-space solve refused", trial, k)
			}
			if d > 1e-12 {
				t.Errorf("trial %d set %d: range-space vs KKT solution differ by %g", trial, k, d)
			}
			checked++
			// Switch on an inactive row: a general one or a box row
			// whose column has no active bound row yet.
			for tries := 0; tries < 50; tries++ {
				i := p + rng.Intn(st.M-p)
				if pw.active[i] {
					continue
				}
				if c := pw.rows.BCol[i]; c >= 0 && (pw.active[p+m+c] || pw.active[p+m+n+c]) {
					continue
				}
				pw.active[i] = true
				break
			}
		}
		// Refusals, each answered by the KKT system in polishSolve.
		for j := range pw.active {
			pw.active[j] = pw.isZero[j]
		}
		box := func(c int) (int, int) { return p + m + c, p + m + n + c }
		for c := 0; c < n/2; c++ {
			lo, _ := box(c)
			pw.active[lo] = true
		}
		if ok, _ := reducedVsFull(t, w); !ok {
			t.Fatalf("trial %d: refused with n/2 fixed columns", trial)
		}
		lo, hi := box(0)
		pw.active[hi] = true // two active bound rows on column 0
		if ok, _ := reducedVsFull(t, w); ok {
			t.Errorf("trial %d: range-space solve with two active bound rows on one column", trial)
		}
		before := pw.full
		if _, solved := w.polishSolve(false); !solved || pw.full != before+1 {
			t.Errorf("trial %d: refused guess not solved by the KKT system (ok %v, full %d → %d)", trial, solved, before, pw.full)
		}
		for j := range pw.active {
			pw.active[j] = pw.isZero[j]
		}
		pw.active[lo] = true // one fixed column, fewer than n/polishMinFixed
		if ok, _ := reducedVsFull(t, w); ok {
			t.Errorf("trial %d: range-space solve with 1 of %d columns fixed", trial, n)
		}
	}
	if checked == 0 {
		t.Fatal("no active set compared")
	}
	// An LP and a solve with a factor record never take the range-space form.
	st, v := boxQPValues(t, rng, n, m, p, true)
	_, slv, res := solverFor(t, st, DefaultSettings())
	slv.Solve(v, res)
	if slv.pol.rowsOK || slv.pol.reduced != 0 {
		t.Errorf("LP: range-space form used (rowsOK %v, %d systems)", slv.pol.rowsOK, slv.pol.reduced)
	}
	st, v = boxQPValues(t, rng, n, m, p, false)
	an, slv, res := solverFor(t, st, DefaultSettings())
	if l := PolishFactorLen(an); l > 0 {
		slv.SetFactorSink(make([]float64, l))
		slv.Solve(v, res)
		if slv.pol.rowsOK || slv.pol.reduced != 0 {
			t.Errorf("factor record: range-space form used (rowsOK %v, %d systems)", slv.pol.rowsOK, slv.pol.reduced)
		}
	}
}

// TestPolishReducedSolves: box QPs solved with the range-space polish
// (which they use) and without it are both polished, to the same point
// (1e-9), and the active-set systems of the former are all range-space
// solves.
func TestPolishReducedSolves(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	used := 0
	for trial := 0; trial < 8; trial++ {
		st, v := boxQPValues(t, rng, 60, 30, 6, false)
		var xs [2][]float64
		for k, on := range []bool{true, false} {
			saved := polishReduced
			polishReduced = on
			_, slv, res := solverFor(t, st, DefaultSettings())
			slv.Solve(v, res)
			polishReduced = saved
			if res.Info.Status != StatusSolved || !res.Info.Polished {
				t.Fatalf("trial %d reduced=%v: status %v polished %v", trial, on, res.Info.Status, res.Info.Polished)
			}
			if on {
				used += slv.pol.reduced
				if slv.pol.full != 0 {
					t.Errorf("trial %d: %d KKT systems with the range-space form on", trial, slv.pol.full)
				}
			} else if slv.pol.reduced != 0 {
				t.Errorf("trial %d: %d range-space systems with the form off", trial, slv.pol.reduced)
			}
			xs[k] = append([]float64(nil), res.X...)
		}
		for j := range xs[0] {
			if !close(xs[0][j], xs[1][j], 1e-9) {
				t.Fatalf("trial %d: x[%d] = %g with the range-space polish, %g without", trial, j, xs[0][j], xs[1][j])
			}
		}
	}
	if used == 0 {
		t.Fatal("range-space polish never used")
	}
}

// solverFor makes a solver for st and a result of its sizes.
func solverFor(t *testing.T, st *problem.Structure, set Settings) (*kkt.Analysis, *Solver, *Result) {
	t.Helper()
	a, err := kkt.Analyse(st, set.LinearSolver)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSolver(a, set)
	if err != nil {
		t.Fatal(err)
	}
	return a, w, &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
}
