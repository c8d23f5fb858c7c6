package ipm

import (
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
)

// withDuplicateEquality returns f with its first (zero-cone) row doubled:
// dependent equality rows, whose KKT matrix keeps regularized pivots at
// every δ (kkt.System.Factor then stops raising δ: adaptive state that a
// fresh SetData would reset).
func withDuplicateEquality(f expFixture) expFixture {
	n := f.n
	g := f
	g.name = f.name + "+dup"
	g.A = append(append(append([]float64{}, f.A[:n]...), f.A[:n]...), f.A[n:]...)
	g.b = append(append([]float64{f.b[0]}, f.b[0]), f.b[1:]...)
	g.cones = append([]cone.Spec{{Kind: cone.KindZero, Dim: f.cones[0].Dim + 1}}, f.cones[1:]...)
	return g
}

// A rejected tangent refinement (the rescue of a failed step before a
// restart) leaves no trace: the iterate, info and the KKT system's adaptive
// factorization state are restored, and the restart and the iterations
// after it are bit for bit those of a solver that never tried it. (The
// iteration's δ and form are the initial ones on these fixtures, so the
// FactorState check is what catches a missing restore; with a raised δ or
// an escalated form the restarted iterates would differ too.)
func TestTangentRefineRejectionLeavesNoTrace(t *testing.T) {
	var fixtures []expFixture
	for _, f := range expFixtures() {
		fixtures = append(fixtures, f)
		if f.cones[0].Kind == cone.KindZero {
			fixtures = append(fixtures, withDuplicateEquality(f))
		}
	}
	for _, f := range fixtures {
		st, v := expProblem(t, f.n, f.cones, nil, f.c, f.A, f.b)
		for _, ls := range linearSolvers {
			name := f.name + "/" + ls.name
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			set.Polish = false // no refinement inside Solve
			set.MaxIter = 5
			an, err := kkt.Analyse(st, set.LinearSolver)
			if err != nil {
				t.Fatal(err)
			}
			var ws [2]*Solver
			var rs [2]*Result
			for k := range ws {
				if ws[k], err = NewSolver(an, set); err != nil {
					t.Fatal(err)
				}
				rs[k] = &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
				ws[k].Solve(v, rs[k])
			}
			a, b := ws[0], ws[1]
			// Force the rejection through the real path: no point passes
			// termination tests this tight, so every step is taken (the
			// matrix reset, the pair H written, factored) and discarded.
			fs := a.kkt.FactorState()
			x0, tau0 := append([]float64{}, a.x...), a.tau
			info := rs[0].Info
			a.set.TolFeas, a.set.TolGapAbs, a.set.TolGapRel = 1e-300, 1e-300, 1e-300
			if a.tangentRefine(&info, false) {
				t.Fatalf("%s: refinement accepted at tolerance 1e-300", name)
			}
			a.set = set
			if info != rs[0].Info || a.tau != tau0 || !bitsEqual(a.x, x0) {
				t.Fatalf("%s: iterate or info not restored", name)
			}
			if got := a.kkt.FactorState(); got != fs {
				t.Fatalf("%s: KKT factorization state %+v after the rejection, want %+v", name, got, fs)
			}
			// Restart and iterate both solvers (as Solve does after a
			// rejected rescue): identical iterates.
			for k, w := range ws {
				if !w.restart(set.MaxIter) {
					t.Fatalf("%s: solver %d: restart failed", name, k)
				}
			}
			for it := 0; it < 12; it++ {
				okA, okB := a.step(), b.step()
				if okA != okB || a.tau != b.tau || a.kappa != b.kappa ||
					!bitsEqual(a.x, b.x) || !bitsEqual(a.z, b.z) || !bitsEqual(a.s, b.s) {
					t.Fatalf("%s: iteration %d after the restart differs from the solver without the attempt", name, it)
				}
				if !okA {
					break
				}
			}
		}
	}
}

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}
