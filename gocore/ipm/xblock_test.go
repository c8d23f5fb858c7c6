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
