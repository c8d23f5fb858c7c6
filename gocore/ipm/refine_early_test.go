package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestEarlyRefine compares solves with and without the early refinement
// (earlyRefineFactor) on the benchmark families (Go forms of
// bench_cone.py's LMI, d = 12, nearest correlation matrix, d = 10, and
// power-cone projection, k = 20, in cvxpy's canonical form), on random SDPs
// with an active block (activeSDP): on the bench families the early refinement must be tried on every
// sample and take fewer factorizations (iterations plus refinement steps)
// in total; everywhere the solution must be the one of the solve that
// refines after convergence (to 1e-10; both are exact to ~1e-14), solved
// to the requested tolerance.
func TestEarlyRefine(t *testing.T) {
	type fam struct {
		name  string
		st    *problem.Structure
		vs    []*problem.Values
		bench bool
	}
	var fams []fam
	st, vs := lmiFamily(t, rand.New(rand.NewSource(5)), 12, 6)
	fams = append(fams, fam{"lmi12", st, vs, true})
	st, vs = ncmFamily(t, rand.New(rand.NewSource(6)), 10, 6)
	fams = append(fams, fam{"ncm10", st, vs, true})
	var pvs []*problem.Values
	prng := rand.New(rand.NewSource(8))
	for k := 0; k < 4; k++ {
		pst, v, err := testfam.PowProjection(prng, 20)
		if err != nil {
			t.Fatal(err)
		}
		st, pvs = pst, append(pvs, v)
	}
	fams = append(fams, fam{"pow20", st, pvs, true})
	rng := rand.New(rand.NewSource(7))
	for k := 0; k < 4; k++ {
		st, v, _, _ := activeSDP(t, rng, 6, 2, 3)
		fams = append(fams, fam{fmt.Sprintf("activeSDP %d", k), st, []*problem.Values{v}, false})
	}
	defer func(f float64) { earlyRefineFactor = f }(earlyRefineFactor)
	defaultFactor := earlyRefineFactor
	for _, f := range fams {
		for _, ls := range linearSolvers {
			an, err := kkt.Analyse(f.st, ls.ls)
			if err != nil {
				t.Fatal(err)
			}
			work := map[bool]int{}
			for i, v := range f.vs {
				var res [2]*Result
				for e, early := range []bool{false, true} {
					earlyRefineFactor = 0
					if early {
						earlyRefineFactor = defaultFactor
					}
					w, err := NewSolver(an, DefaultSettings())
					if err != nil {
						t.Fatal(err)
					}
					r := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
					w.Solve(v, r)
					name := fmt.Sprintf("%s %s sample %d early %v", f.name, ls.name, i, early)
					if r.Info.Status != StatusSolved {
						t.Fatalf("%s: status %v", name, r.Info.Status)
					}
					tried := w.earlyRefined || (w.pre != nil && w.pre.inner.earlyRefined)
					if early && f.bench && !tried {
						t.Errorf("%s: the early refinement was not tried", name)
					}
					if !early && tried {
						t.Errorf("%s: the early refinement ran with earlyRefineFactor 0", name)
					}
					steps := w.refineSteps
					if w.pre != nil {
						steps += w.pre.inner.refineSteps
					}
					work[early] += r.Info.Iter + steps
					res[e] = r
				}
				for _, p := range [][2][]float64{{res[0].X, res[1].X}, {res[0].Y, res[1].Y}, {res[0].S, res[1].S}} {
					for j := range p[0] {
						if d := math.Abs(p[0][j] - p[1][j]); d > 1e-10*math.Max(1, math.Abs(p[0][j])) {
							t.Fatalf("%s %s sample %d: entry %d %.17g early, %.17g after convergence", f.name, ls.name, i, j, p[1][j], p[0][j])
						}
					}
				}
			}
			if f.bench && !(work[true] < work[false]) {
				t.Errorf("%s %s: %d iterations + refinement steps with the early refinement, %d without", f.name, ls.name, work[true], work[false])
			}
			t.Logf("%s %s: iterations + refinement steps %d early, %d after convergence", f.name, ls.name, work[true], work[false])
		}
	}
}

// A rejected early refinement is retried once, at earlyRefineRetry times
// the level: with the first attempt far too early (1e9 × the tolerances,
// rejected on the LMI family), the second is accepted and the solve ends
// with the solution of the solve that refines after convergence, in fewer
// iterations, and the rejected attempt stops at its first step that does
// not contract (refineContract); attempts from the first iterate on end at
// the same solution.
func TestEarlyRefineRetry(t *testing.T) {
	st, vs := lmiFamily(t, rand.New(rand.NewSource(5)), 12, 4)
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	defer func(f float64) { earlyRefineFactor = f }(earlyRefineFactor)
	solve := func(f float64, v *problem.Values) (*Solver, *Result) {
		earlyRefineFactor = f
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		r := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
		w.Solve(v, r)
		if r.Info.Status != StatusSolved {
			t.Fatalf("factor %g: status %v", f, r.Info.Status)
		}
		return w, r
	}
	retried := 0
	for i, v := range vs {
		_, ref := solve(0, v)
		wd, _ := solve(1e7, v)
		w, r := solve(1e9, v)
		if w.earlyRetried {
			retried++
			if !w.earlyAccepted || r.Info.Iter >= ref.Info.Iter {
				t.Errorf("sample %d: retry accepted %v, %d iterations (%d without early refinement)", i, w.earlyAccepted, r.Info.Iter, ref.Info.Iter)
			}
			// The retry at 1e7 starts from the iterate of the default
			// solve's attempt and takes its steps; the rejected attempt
			// stops at its first step that does not contract
			// (refineContract: the second, measure 3 → 4e9) instead of
			// taking all refineSteps.
			if rejected := w.refineSteps - wd.refineSteps; rejected > 2 {
				t.Errorf("sample %d: the rejected attempt took %d steps (%d in all, %d in the solve at 1e7)", i, rejected, w.refineSteps, wd.refineSteps)
			}
		}
		if d := math.Abs(r.X[0] - ref.X[0]); d > 1e-10*math.Max(1, math.Abs(ref.X[0])) {
			t.Errorf("sample %d: t = %.17g, %.17g after convergence", i, r.X[0], ref.X[0])
		}
		// Attempts from the first iterate on (1e14, 1e12): whatever is
		// accepted is the solution.
		_, r = solve(1e14, v)
		if d := math.Abs(r.X[0] - ref.X[0]); d > 1e-10*math.Max(1, math.Abs(ref.X[0])) {
			t.Errorf("sample %d (1e14): t = %.17g, %.17g after convergence", i, r.X[0], ref.X[0])
		}
	}
	if retried == 0 {
		t.Error("no solve retried the early refinement at 1e9: the retry path is not covered")
	}
}

// powProjectHien is the Euclidean projection of v onto K_pow(a) (Hien,
// 2015), independent of the solver's: v inside K, 0 inside −K*, else
// (x(r), y(r), sign(v₂)·r) with the r ∈ (0, |v₂|) where
// x(r)^a·y(r)^(1−a) = r, found by bisection to rounding.
func powProjectHien(v [3]float64, a float64) [3]float64 {
	r2 := math.Abs(v[2])
	if v[0] >= 0 && v[1] >= 0 && math.Pow(v[0], a)*math.Pow(v[1], 1-a) >= r2 {
		return v
	}
	if v[0] <= 0 && v[1] <= 0 && math.Pow(-v[0]/a, a)*math.Pow(-v[1]/(1-a), 1-a) >= r2 {
		return [3]float64{}
	}
	xy := func(r float64) (float64, float64) {
		x := 0.5 * (v[0] + math.Sqrt(v[0]*v[0]+4*a*r*(r2-r)))
		y := 0.5 * (v[1] + math.Sqrt(v[1]*v[1]+4*(1-a)*r*(r2-r)))
		return x, y
	}
	lo, hi := 0.0, r2
	for it := 0; it < 200 && hi-lo > 0; it++ {
		mid := 0.5 * (lo + hi)
		if mid == lo || mid == hi {
			break
		}
		x, y := xy(mid)
		if math.Pow(x, a)*math.Pow(y, 1-a) >= mid {
			lo = mid
		} else {
			hi = mid
		}
	}
	r := 0.5 * (lo + hi)
	x, y := xy(r)
	return [3]float64{x, y, math.Copysign(r, v[2])}
}

// Power-cone problems try the early refinement first at earlyRefinePow ×
// earlyRefineFactor: on the power-cone projection (k = 20 and 100) the
// first attempt is accepted on every sample, in fewer iterations + steps
// in total than with the first attempt at earlyRefineFactor (the former
// level), and V is the exact projection (Hien's bisection) to 1e-13.
func TestEarlyRefinePow(t *testing.T) {
	defer func(f float64) { earlyRefineFactor = f }(earlyRefineFactor)
	defaultFactor := earlyRefineFactor
	rng := rand.New(rand.NewSource(41))
	for _, k := range []int{20, 100} {
		work := map[bool]int{}
		maxErr := map[bool]float64{}
		for sample := 0; sample < 4; sample++ {
			st, v, err := testfam.PowProjection(rng, k)
			if err != nil {
				t.Fatal(err)
			}
			an, err := kkt.Analyse(st, LinearAuto)
			if err != nil {
				t.Fatal(err)
			}
			for _, boosted := range []bool{false, true} {
				earlyRefineFactor = defaultFactor
				if !boosted {
					earlyRefineFactor = defaultFactor / earlyRefinePow
				}
				w, err := NewSolver(an, DefaultSettings())
				if err != nil {
					t.Fatal(err)
				}
				r := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
				w.Solve(v, r)
				name := fmt.Sprintf("k=%d sample %d boosted %v", k, sample, boosted)
				if r.Info.Status != StatusSolved {
					t.Fatalf("%s: status %v", name, r.Info.Status)
				}
				inner := w
				if w.pre != nil {
					inner = w.pre.inner
				}
				if boosted && (!inner.earlyAccepted || inner.earlyRetried) {
					t.Errorf("%s: first attempt accepted %v (retried %v)", name, inner.earlyAccepted, inner.earlyRetried)
				}
				work[boosted] += r.Info.Iter + inner.refineSteps
				for i := 0; i < k; i++ {
					a := st.Cones[1+i].Param
					p := [3]float64{v.B[3*i], v.B[3*i+1], v.B[3*i+2]}
					want := powProjectHien(p, a)
					for j := 0; j < 3; j++ {
						e := math.Abs(r.X[3*k+3*i+j] - want[j])
						maxErr[boosted] = math.Max(maxErr[boosted], e)
						if e > 1e-13*math.Max(1, math.Abs(want[j])) {
							t.Fatalf("%s: cone %d entry %d: V = %.17g, exact %.17g", name, i, j, r.X[3*k+3*i+j], want[j])
						}
					}
				}
			}
		}
		if !(work[true] < work[false]) {
			t.Errorf("k=%d: %d iterations + refinement steps at %g, %d at %g", k, work[true], defaultFactor*earlyRefinePow, work[false], defaultFactor)
		}
		t.Logf("k=%d: iterations + steps %d (first attempt at %g), %d (at %g); max |V − exact| %.1e, %.1e", k, work[true], defaultFactor*earlyRefinePow, work[false], defaultFactor, maxErr[true], maxErr[false])
	}
}
