package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// sharedPFamilies are TestSharedPSame's problem families: the BPQP
// study's LPs and QPs and the dense LP/QP families (diagPFamilies, but for
// n = 500), a dense QP with active second-order cones (the Newton
// refinement), the inconsistent equality systems (the equality
// certificate, which moves P̃ to the solver's own storage), cvxpy's
// canonical QP (P = I on the last n of 2n variables: the diagonals the
// KKT system adds to the first n columns come before P's values, which
// are one run: shared) and the same with its last variable moved first
// (an added diagonal between P's values: not one run, never shared).
// sharedPNot names the families whose P̃ is never shared.
func sharedPFamilies(t *testing.T) []diagPFamily {
	var out []diagPFamily
	for _, f := range diagPFamilies(t) {
		if !strings.Contains(f.name, "500") {
			out = append(out, f)
		}
	}
	out = append(out,
		diagPFamily{name: "socp8", build: func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			P, c, A, b, _, cones := activeSOCP(rng, 8)
			return denseProblem(t, 8, P, c, A, b, cones)
		}},
		diagPFamily{name: "cvxqp10", build: func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			pp, ap, P, c, A, b, cones := testfam.CvxpyQP(rng, 10)
			st, err := problem.NewStructure(20, 20, cones, pp, ap)
			if err != nil {
				t.Fatal(err)
			}
			return st, &problem.Values{P: P, C: c, A: A, B: b}
		}},
		diagPFamily{name: "cvxqp10-rotated", build: func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			pp, ap, P, c, A, b, cones := testfam.CvxpyQP(rng, 10)
			pp, ap, P, c, A = rotateVars(pp, ap, P, c, A)
			st, err := problem.NewStructure(20, 20, cones, pp, ap)
			if err != nil {
				t.Fatal(err)
			}
			return st, &problem.Values{P: P, C: c, A: A, B: b}
		}})
	for _, tc := range inconsistentCases() {
		if tc.P == nil || len(tc.socDims) > 0 {
			continue
		}
		tc := tc
		out = append(out, diagPFamily{name: "inconsistent-" + tc.name, build: func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			p, mi := len(tc.beq), len(tc.h)
			A := append(append([]float64{}, tc.Aeq...), tc.G...)
			b := append(append([]float64{}, tc.beq...), tc.h...)
			for i := range b {
				b[i] *= 1 + 0.01*rng.Float64() // instances of the family differ
			}
			return denseProblem(t, tc.n, tc.P, tc.c, A, b, problem.Cones{Zero: p, Nonneg: mi})
		}})
	}
	return out
}

// sharedPNot: the families of sharedPFamilies whose KKT system does not
// offer P's values as one run (kkt.System.PValues nil).
var sharedPNot = map[string]bool{"boxlp100": true, "cvxqp10-rotated": true}

// rotateVars renumbers the variables of (P, c, A) so that the last comes
// first: variable j becomes (j+1) mod n. pp is P's upper pattern, ap A's;
// values are in pattern order.
func rotateVars(pp, ap problem.CSC, P, c, A []float64) (problem.CSC, problem.CSC, []float64, []float64, []float64) {
	n := pp.Cols
	perm := func(j int) int { return (j + 1) % n }
	type ent struct {
		i, j int
		x    float64
	}
	var pe []ent
	for j := 0; j < n; j++ {
		for k := pp.Colptr[j]; k < pp.Colptr[j+1]; k++ {
			i, jj := perm(pp.Rowval[k]), perm(j)
			pe = append(pe, ent{min(i, jj), max(i, jj), P[k]})
		}
	}
	sort.Slice(pe, func(a, b int) bool { return pe[a].j < pe[b].j || pe[a].j == pe[b].j && pe[a].i < pe[b].i })
	np := problem.CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
	nP := make([]float64, 0, len(P))
	for _, e := range pe {
		np.Rowval, nP = append(np.Rowval, e.i), append(nP, e.x)
		np.Colptr[e.j+1]++
	}
	na := problem.CSC{Rows: ap.Rows, Cols: n, Colptr: make([]int, n+1)}
	nA := make([]float64, 0, len(A))
	nc := make([]float64, n)
	for jn := 0; jn < n; jn++ {
		j := (jn + n - 1) % n // perm(j) == jn
		np.Colptr[jn+1] += np.Colptr[jn]
		na.Rowval = append(na.Rowval, ap.Rowval[ap.Colptr[j]:ap.Colptr[j+1]]...)
		nA = append(nA, A[ap.Colptr[j]:ap.Colptr[j+1]]...)
		na.Colptr[jn+1] = len(na.Rowval)
		nc[jn] = c[j]
	}
	return np, na, nP, nc, nA
}

// sameResult fails the test unless a and b are the same bit for bit:
// status, iterations, x, y, s and the objective, residual and gap values.
func sameResult(t *testing.T, what string, a, b *Result) {
	t.Helper()
	if a.Info.Status != b.Info.Status || a.Info.Iter != b.Info.Iter {
		t.Fatalf("%s: status %v/%v iterations %d/%d", what, a.Info.Status, b.Info.Status, a.Info.Iter, b.Info.Iter)
	}
	ia := []float64{a.Info.PObj, a.Info.DObj, a.Info.ResPrimal, a.Info.ResDual, a.Info.GapAbs, a.Info.GapRel}
	ib := []float64{b.Info.PObj, b.Info.DObj, b.Info.ResPrimal, b.Info.ResDual, b.Info.GapAbs, b.Info.GapRel}
	for k, p := range [][2][]float64{{a.X, b.X}, {a.Y, b.Y}, {a.S, b.S}, {ia, ib}} {
		for j := range p[0] {
			if math.Float64bits(p[0][j]) != math.Float64bits(p[1][j]) {
				t.Fatalf("%s: vector %d entry %d %v, own P storage %v", what, k, j, p[0][j], p[1][j])
			}
		}
	}
}

// TestSharedPSame: a solver whose P̃ is the KKT system's P values
// (loadData, kkt.System.PValues) solves bit for bit as one with P̃ in its
// own storage (noSharedP), on each family's instances in turn, with the
// proximal term switched on and off between solves (with it P̃ is not
// shared: AddDiagX writes there), the KKT system overwritten between
// solves as a backward on the shared system does (SetData of the
// unscaled data with ρ ≠ 0, a factorization), RefineFrom re-solves of a
// perturbed instance from the solution, and the equality certificate's
// SetData of its own matrix (ownP). The sharing must be in use where the
// KKT system offers P's values, and the certificate's move must have run
// (on some of the inconsistent systems; the others end by the
// homogeneous certificate).
func TestSharedPSame(t *testing.T) {
	totShared, totMoved := 0, 0
	for _, fam := range sharedPFamilies(t) {
		for _, ls := range linearSolvers {
			t.Run(fam.name+"/"+ls.name, func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(len(fam.name))))
				var st *problem.Structure
				var vs []*problem.Values
				for i := 0; i < 3; i++ {
					s, v := fam.build(rng)
					st, vs = s, append(vs, v)
				}
				set := DefaultSettings()
				set.LinearSolver = ls.ls
				ws := solverPair(t, st, set)
				ws[1].noSharedP = true
				if one := ws[0].KKT().PValues() != nil; one == sharedPNot[fam.name] {
					t.Fatalf("P's KKT values one run: %v, want %v", one, !sharedPNot[fam.name])
				}
				canShare := ws[0].KKT().PValues() != nil && ws[0].pre == nil
				shared, moved := 0, 0
				newRes := func() *Result {
					return &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
				}
				for i, v := range vs {
					for _, prox := range []float64{0, 0.3, 0} {
						var res [2]*Result
						for r, w := range ws {
							w.SetProx(prox)
							res[r] = newRes()
							w.Solve(v, res[r])
						}
						what := fmt.Sprintf("instance %d prox %g", i, prox)
						sameResult(t, what, res[0], res[1])
						for k := range ws[0].pv {
							if math.Float64bits(ws[0].pv[k]) != math.Float64bits(ws[1].pv[k]) {
								t.Fatalf("%s: P̃ value %d %v after the solve, own storage %v", what, k, ws[0].pv[k], ws[1].pv[k])
							}
						}
						if ws[1].sharedP() {
							t.Fatalf("%s: P̃ shared with noSharedP", what)
						}
						switch {
						case ws[0].sharedP():
							if prox != 0 || !canShare {
								t.Fatalf("%s: P̃ shared (prox %g, PValues %v)", what, prox, canShare)
							}
							shared++
						case prox == 0 && canShare:
							if ws[0].eqA == nil {
								t.Fatalf("%s: P̃ not shared, no equality certificate", what)
							}
							moved++
						}
						// A backward on the shared KKT system: its own
						// values and factorization.
						for _, w := range ws {
							w.KKT().SetData(v.P, v.A, 0.1)
							w.KKT().SetIdentityH()
							_ = w.KKT().Factor()
						}
						if !res[0].Info.Status.OK() {
							continue
						}
						// A re-solve of a perturbed problem from the solution.
						pv := *v
						pv.C = append([]float64(nil), v.C...)
						for j := range pv.C {
							pv.C[j] += 1e-3 * rng.NormFloat64()
						}
						var rf [2]*Result
						var ok [2]bool
						for r, w := range ws {
							rf[r] = newRes()
							ok[r] = w.RefineFrom(&pv, res[r].X, res[r].Y, res[r].S, rf[r])
						}
						if ok[0] != ok[1] {
							t.Fatalf("%s: RefineFrom %v/%v", what, ok[0], ok[1])
						}
						if ok[0] {
							sameResult(t, what+" RefineFrom", rf[0], rf[1])
						}
					}
				}
				if canShare && shared+moved == 0 {
					t.Fatal("P̃ never shared")
				}
				totShared += shared
				totMoved += moved
			})
		}
	}
	if totShared == 0 || totMoved == 0 {
		t.Fatalf("%d solves shared P̃, %d moved it (equality certificate): want both", totShared, totMoved)
	}
}
