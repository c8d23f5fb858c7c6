package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// neCase is one seeded problem of the normal-equations agreement test.
type neCase struct {
	name       string
	n          int
	P, c, A, b []float64
	cones      problem.Cones
}

// neCases draws the families the normal-equations form must agree on:
// the benchmarks' dense QPs and box LPs, rank-deficient P, LPs given with
// and without a P pattern, the hard QPs (active rows with multipliers down
// to 1e-6, inactive rows with slacks down to 1e-6), duplicated (dependent)
// equality rows, degenerate LPs (duplicated inequality rows) and the BPQP
// study's ill-conditioned QPs and ε-ridge LPs.
func neCases(rng *rand.Rand) []neCase {
	var out []neCase
	add := func(name string, n int, P, c, A, b []float64, cones problem.Cones) {
		out = append(out, neCase{fmt.Sprintf("%s#%d", name, len(out)), n, P, c, A, b, cones})
	}
	for trial := 0; trial < 3; trial++ {
		for _, n := range []int{5, 12, 30} {
			P, c, A, b, cones := testfam.DenseQP(rng, n, n, n/5)
			add("dense_qp", n, P, c, A, b, cones)
			c2, A2, b2, cones2 := testfam.BoxLP(rng, n, n/2, n/10)
			add("box_lp", n, nil, c2, A2, b2, cones2)
			for _, kind := range []string{"psd", "lp"} {
				P, c, A, b, cones := randomQP(rng, n, n/4, n, kind)
				add(kind, n, P, c, A, b, cones)
			}
			P, c, A, b, cones, _ = hardQP(rng, n, n/5, 2*n)
			add("hard_qp", n, P, c, A, b, cones)
			// Dependent equality rows: the first equality repeated.
			P, c, A, b, cones = testfam.DenseQP(rng, n, n, 2)
			A = append(append([]float64{}, A[:2*n]...), append(append([]float64{}, A[:n]...), A[2*n:]...)...)
			b = append(append([]float64{}, b[:2]...), append([]float64{b[0]}, b[2:]...)...)
			cones.Zero++
			add("dependent_eq", n, P, c, A, b, cones)
			// Degenerate LP: every inequality row twice.
			c2, A2, b2, cones2 = testfam.BoxLP(rng, n, n/2, 0)
			A2 = append(A2, A2...)
			b2 = append(b2, b2...)
			cones2.Nonneg *= 2
			add("degenerate_lp", n, nil, c2, A2, b2, cones2)
			// The BPQP study's QPs (P = P′ᵀP′ + 1e-3 I, U(0, 1) data: pivot
			// ratios down to ~1e-8) and LPs (P = 1e-6 I).
			for _, fam := range []string{"bpqp_qp", "bpqp_lp"} {
				k := max(1, n/3)
				q := genSweepQP(rng, fam, n, k, k)
				add(fam, n, q.P, q.c, q.A, q.b, q.cones())
			}
		}
	}
	return out
}

// The normal-equations form of the dense path (every inequality row
// eliminated by a Schur complement, kkt.System falling back to the
// accurate form when the refined residual is not met) returns the same
// solutions as the accurate form alone, on families that include
// rank-deficient, dependent and degenerate problems. With polish, both
// end on the same active-set solution (bit for bit when the guesses agree);
// without, the interior-point iterates themselves agree to the tolerances.
func TestNormalEquationsAgree(t *testing.T) {
	for _, polish := range []bool{true, false} {
		t.Run(fmt.Sprintf("polish=%v", polish), func(t *testing.T) { testNormalEquationsAgree(t, polish) })
	}
}

func testNormalEquationsAgree(t *testing.T, polish bool) {
	rng := rand.New(rand.NewSource(42))
	fastUsed := 0
	set := DefaultSettings()
	set.Polish = polish
	// With polish both end on the same active-set solution; without, the
	// iterates themselves are compared: they stop at tolerance 1e-8 and
	// differ by rounding carried through the last steps (measured: up to
	// 1.3e-9 in x).
	tolX, tolY, tolObj := 1e-9, 1e-8, 1e-10
	if !polish {
		tolX, tolY, tolObj = 1e-8, 1e-7, 1e-9
	}
	for _, tc := range neCases(rng) {
		st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		var res [2]*Result
		for k, fast := range []bool{false, true} {
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			w.kkt.SetFastAllowed(fast)
			res[k] = &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
			w.Solve(v, res[k])
			if fast {
				fastUsed += w.kkt.TierStats().Fast
			} else if w.kkt.TierStats().Fast != 0 {
				t.Fatalf("%s: fast form used although forbidden", tc.name)
			}
		}
		acc, fast := res[0], res[1]
		if acc.Info.Status != fast.Info.Status {
			t.Errorf("%s: status %v (accurate) vs %v (normal equations)", tc.name, acc.Info.Status, fast.Info.Status)
			continue
		}
		if !acc.Info.Status.OK() {
			continue
		}
		tx := tolX
		if strings.HasPrefix(tc.name, "bpqp_lp") {
			// ε-ridge LPs (P = 1e-6 I): x is determined only to about
			// gap/ε. Without polish, measured against a 1e-13 solve,
			// both forms are off by the same 1e-3 to 2e-2 on these
			// draws and differ from each other by at most 1.2e-6
			// (DenseDual factoring K without δ, kkt.ExactForms). With
			// polish the fast path polishes by DenseDual too
			// (SetActiveRowsSameData): the forms differ by up to 3e-6,
			// and where the 1e-13 solve is not itself polished by the
			// accurate form the DenseDual polish is the closer one
			// (2e-7 against 3e-6 at worst).
			tx = 1e-5
		}
		if d := relErr(fast.X, acc.X); d > tx {
			t.Errorf("%s: x differs by %.2e (iterations %d vs %d)", tc.name, d, acc.Info.Iter, fast.Info.Iter)
		}
		// Multipliers are unique only where the active rows are
		// independent: compare them on the nondegenerate families.
		if tc.name[:3] != "dep" && tc.name[:3] != "deg" && tc.name[:3] != "lp#" {
			if d := relErr(fast.Y, acc.Y); d > tolY {
				t.Errorf("%s: y differs by %.2e", tc.name, d)
			}
		}
		if d := math.Abs(fast.Info.PObj-acc.Info.PObj) / (1 + math.Abs(acc.Info.PObj)); d > tolObj {
			t.Errorf("%s: objective differs by %.2e", tc.name, d)
		}
		if fast.Info.Iter > acc.Info.Iter+2 {
			t.Errorf("%s: %d iterations with the normal equations, %d without", tc.name, fast.Info.Iter, acc.Info.Iter)
		}
	}
	if fastUsed == 0 {
		t.Fatal("the normal-equations form was never used")
	}
}

// relErr is ‖a − b‖∞ / (1 + ‖b‖∞).
func relErr(a, b []float64) float64 {
	var d, nb float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
		nb = math.Max(nb, math.Abs(b[i]))
	}
	return d / (1 + nb)
}

// The LPGD benchmark's box LPs (dense pattern: the box is found from the
// values) run every interior-point system and the polish through
// DenseBounds (bound rows and x eliminated, the 60 remaining rows
// factored): one fast factorization per iteration, the start and the
// polish, no fallback; the polished solutions equal the accurate form's
// (the dense LDLᵀ in AMD order, the path before any fast form) to 1e-10.
func TestBoxLPBoundsForm(t *testing.T) {
	f := benchFamily(t, "boxlp100", 4)
	an, err := kkt.Analyse(f.st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range f.vs {
		var res [2]*Result
		var ts kkt.TierStats
		for i, fast := range []bool{false, true} {
			w, err := NewSolver(an, DefaultSettings())
			if err != nil {
				t.Fatal(err)
			}
			w.kkt.SetFastAllowed(fast)
			res[i] = &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
			w.Solve(v, res[i])
			if !res[i].Info.Polished {
				t.Fatalf("#%d fast %v: not polished (%v)", k, fast, res[i].Info.Status)
			}
			ts = w.kkt.TierStats()
		}
		if want := res[1].Info.Iter + 2; ts.Fast != want || ts.Escalations != 0 {
			t.Errorf("#%d: %+v for %d iterations (want %d fast factorizations: start, iterations, polish)", k, ts, res[1].Info.Iter, want)
		}
		if d := relErr(res[1].X, res[0].X); d > 1e-10 {
			t.Errorf("#%d: x differs by %.2e", k, d)
		}
		if d := relErr(res[1].Y, res[0].Y); d > 1e-10 {
			t.Errorf("#%d: y differs by %.2e", k, d)
		}
	}
}
