package ipm

import (
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
)

// expFixture is an exponential-cone problem with a closed-form solution x*
// (the first len(want) entries of x).
type expFixture struct {
	name  string
	n     int
	cones []cone.Spec
	c     []float64
	A, b  []float64
	want  []float64
}

// expFixtures: min Σ exp(x_i) − q_i x_i (x_i = log q_i), max Σ entr(x_i) +
// c_i x_i s.t. Σ x = 1 (x = softmax(c)) and max Σ log(x_i + a_i) s.t.
// Σ x = 1, x ≥ 0 (water-filling with two active bounds).
func expFixtures() []expFixture {
	var out []expFixture
	{ // exp: v = (x_1..k, t_1..k), (x_i, 1, t_i) ∈ K_exp.
		q := []float64{0.3, 1.7, 2.5, 0.9}
		k := len(q)
		n, m := 2*k, 3*k
		f := expFixture{name: "exp", n: n, c: make([]float64, n), A: make([]float64, m*n), b: make([]float64, m)}
		for i := 0; i < k; i++ {
			f.c[i], f.c[k+i] = -q[i], 1
			f.A[(3*i)*n+i] = -1
			f.b[3*i+1] = 1
			f.A[(3*i+2)*n+k+i] = -1
			f.cones = append(f.cones, cone.Spec{Kind: cone.KindExp, Dim: 3})
			f.want = append(f.want, math.Log(q[i]))
		}
		out = append(out, f)
	}
	{ // entropy: v = (x, t), min −Σt − cᵀx, Σx = 1, (t_i, x_i, 1) ∈ K_exp.
		c := []float64{0.5, -1, 2, 0.1, -0.3}
		k := len(c)
		n, m := 2*k, 1+3*k
		f := expFixture{name: "entropy", n: n, c: make([]float64, n), A: make([]float64, m*n), b: make([]float64, m)}
		f.cones = []cone.Spec{{Kind: cone.KindZero, Dim: 1}}
		var z float64
		for i := 0; i < k; i++ {
			z += math.Exp(c[i])
		}
		f.b[0] = 1
		for i := 0; i < k; i++ {
			f.c[i], f.c[k+i] = -c[i], -1
			f.A[i] = 1
			r := 1 + 3*i
			f.A[r*n+k+i] = -1
			f.A[(r+1)*n+i] = -1
			f.b[r+2] = 1
			f.cones = append(f.cones, cone.Spec{Kind: cone.KindExp, Dim: 3})
			f.want = append(f.want, math.Exp(c[i])/z)
		}
		out = append(out, f)
	}
	{ // log: v = (x, t), min −Σt, Σx = 1, x ≥ 0, (t_i, 1, x_i + a_i) ∈ K_exp.
		a := []float64{0.1, 0.25, 0.9, 0.05, 1.2}
		k := len(a)
		n, m := 2*k, 1+k+3*k
		f := expFixture{name: "log", n: n, c: make([]float64, n), A: make([]float64, m*n), b: make([]float64, m)}
		f.cones = []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindNonneg, Dim: k}}
		f.b[0] = 1
		for i := 0; i < k; i++ {
			f.c[k+i] = -1
			f.A[i] = 1
			f.A[(1+i)*n+i] = -1
			r := 1 + k + 3*i
			f.A[r*n+k+i] = -1
			f.b[r+1] = 1
			f.A[(r+2)*n+i] = -1
			f.b[r+2] = a[i]
			f.cones = append(f.cones, cone.Spec{Kind: cone.KindExp, Dim: 3})
		}
		// Water level w with Σ max(0, w − a_i) = 1: a = 0.05, 0.1, 0.25 below it.
		w := (1 + 0.05 + 0.1 + 0.25) / 3
		for i := 0; i < k; i++ {
			f.want = append(f.want, math.Max(0, w-a[i]))
		}
		out = append(out, f)
	}
	return out
}

// At default settings the tangent Newton refinement brings x of problems
// with active exponential cones to rounding level (the interior-point
// solution alone is ~√gap accurate; logged for comparison).
func TestTangentRefineExpAccuracy(t *testing.T) {
	for _, f := range expFixtures() {
		st, v := expProblem(t, f.n, f.cones, nil, f.c, f.A, f.b)
		for _, ls := range linearSolvers {
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			res := solve(t, st, v, set)
			if res.Info.Status != StatusSolved {
				t.Fatalf("%s/%s: status %v", f.name, ls.name, res.Info.Status)
			}
			var errX float64
			for i, want := range f.want {
				errX = math.Max(errX, math.Abs(res.X[i]-want))
			}
			set.Polish = false
			raw := solve(t, st, v, set)
			var errRaw float64
			for i, want := range f.want {
				errRaw = math.Max(errRaw, math.Abs(raw.X[i]-want))
			}
			t.Logf("%s/%s: |x − x*| %.1e refined, %.1e without (iter %d)", f.name, ls.name, errX, errRaw, res.Info.Iter)
			if errX > 1e-9 {
				t.Errorf("%s/%s: |x − x*| = %.2e > 1e-9 at default settings", f.name, ls.name, errX)
			}
			if !(res.Info.GapAbs <= 1e-12 || res.Info.GapRel <= 1e-12) || res.Info.ResPrimal > 1e-12 || res.Info.ResDual > 1e-12 {
				t.Errorf("%s/%s: refined point not at rounding level: %+v", f.name, ls.name, res.Info)
			}
		}
	}
}

// The refined multipliers are the exact ones: for max t s.t. exp(t) ≤ 2
// the cone's y is (−1, log 2 − 1, 1/2) (see TestExpConeLogTwo).
func TestTangentRefineExpDual(t *testing.T) {
	exp := []cone.Spec{{Kind: cone.KindExp, Dim: 3}}
	st, v := expProblem(t, 1, exp, nil, []float64{-1}, []float64{-1, 0, 0}, []float64{0, 1, 2})
	want := []float64{-1, math.Log(2) - 1, 0.5}
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.LinearSolver = ls.ls
		res := solve(t, st, v, set)
		for i := range want {
			if math.Abs(res.Y[i]-want[i]) > 1e-10 {
				t.Fatalf("%s: y = %v, want %v", ls.name, res.Y, want)
			}
		}
	}
}

// Failed solves are left alone: the refinement only runs from a converged
// or stalled point, and an infeasible problem keeps its certificate.
func TestTangentRefineKeepsCertificates(t *testing.T) {
	exp := []cone.Spec{{Kind: cone.KindExp, Dim: 3}}
	// (t, 1, −1) ∈ K_exp is impossible (z ≥ 0 in the cone).
	st, v := expProblem(t, 1, exp, nil, []float64{-1}, []float64{-1, 0, 0}, []float64{0, 1, -1})
	res := solve(t, st, v, DefaultSettings())
	if res.Info.Status != StatusPrimalInfeasible {
		t.Fatalf("status %v, want primal infeasible", res.Info.Status)
	}
}
