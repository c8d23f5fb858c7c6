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
						earlyRefineFactor = 1e5
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
