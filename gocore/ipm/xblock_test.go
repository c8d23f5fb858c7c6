package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// After a solve of the BPQP study's dense QP (DenseDual's form),
// FactoredXBlock is k·DPD of the solve's equilibration off the diagonal
// (to rounding) and at least that on it (the static regularization).
func TestSolverFactoredXBlock(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, n := range []int{20, 50} {
		P, c, A, b, cones := testfam.BPQPQP(rng, n, n/5)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := w.FactoredXBlock(); ok {
			t.Fatalf("n=%d: an x block before any solve", n)
		}
		res := &Result{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
		w.Solve(v, res)
		if res.Info.Status != StatusSolved {
			t.Fatalf("n=%d: status %v", n, res.Info.Status)
		}
		x, d, k, ok := w.FactoredXBlock()
		if !ok || len(x) != n*n || len(d) != n || !(k > 0) {
			t.Fatalf("n=%d: ok %v, %d, %d, k %g", n, ok, len(x), len(d), k)
		}
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				y := k * d[i] * d[j] * P[i*n+j]
				switch {
				case i != j && math.Abs(x[i*n+j]-y) > 1e-13*math.Abs(y)+1e-300:
					t.Fatalf("n=%d: x[%d,%d] = %g, k·DPD %g", n, i, j, x[i*n+j], y)
				case i == j && !(x[i*n+i] >= y*(1-1e-13)):
					t.Fatalf("n=%d: x[%d,%d] = %g below k·DPD %g", n, i, i, x[i*n+i], y)
				}
			}
		}
	}
}

// stopCheck is an XBlockChecker that stops the solve (go false) and
// counts its calls.
type stopCheck struct {
	goOn  bool
	calls int
}

func (c *stopCheck) CheckXBlock(x, d []float64, k float64, ok bool) bool {
	c.calls++
	return c.goOn
}

// TestSolverXBlockCheckStop: a check that stops the solve leaves
// StatusUnsolved, zero iterations and NaN in X, Y and S (not the previous
// solve's point); the check is one-shot (a later solve does not call it)
// and the later solve equals a fresh solver's bit for bit.
func TestSolverXBlockCheckStop(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	const n = 30
	P, c, A, b, cones := testfam.BPQPQP(rng, n, 6)
	st, v := denseProblem(t, n, P, c, A, b, cones)
	newSolver := func() *Solver {
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	newRes := func() *Result {
		return &Result{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
	}
	w := newSolver()
	if !w.XBlockCheckable() {
		t.Fatal("a dense QP's solver not checkable")
	}
	res := newRes()
	w.Solve(v, res)
	if res.Info.Status != StatusSolved {
		t.Fatalf("status %v", res.Info.Status)
	}
	chk := &stopCheck{}
	w.SetXBlockCheck(chk)
	w.Solve(v, res)
	if chk.calls != 1 || res.Info.Status != StatusUnsolved || res.Info.Iter != 0 {
		t.Fatalf("stopped solve: %d calls, status %v, %d iterations", chk.calls, res.Info.Status, res.Info.Iter)
	}
	for _, out := range [][]float64{res.X, res.Y, res.S} {
		for i, x := range out {
			if !math.IsNaN(x) {
				t.Fatalf("stopped solve: output %d = %v, want NaN", i, x)
			}
		}
	}
	w.Solve(v, res)
	ref := newRes()
	newSolver().Solve(v, ref)
	if chk.calls != 1 {
		t.Fatalf("the check ran again (%d calls)", chk.calls)
	}
	for i := range ref.X {
		if math.Float64bits(res.X[i]) != math.Float64bits(ref.X[i]) {
			t.Fatalf("after a stop: x[%d] = %v, a fresh solver's %v", i, res.X[i], ref.X[i])
		}
	}
	goOn := &stopCheck{goOn: true}
	w.SetXBlockCheck(goOn)
	w.Solve(v, res)
	if goOn.calls != 1 || res.Info.Status != StatusSolved {
		t.Fatalf("check going on: %d calls, status %v", goOn.calls, res.Info.Status)
	}
	for i := range ref.X {
		if math.Float64bits(res.X[i]) != math.Float64bits(ref.X[i]) {
			t.Fatalf("check going on: x[%d] = %v, without a check %v", i, res.X[i], ref.X[i])
		}
	}
}
