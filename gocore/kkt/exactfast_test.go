package kkt

import (
	"math"
	"math/rand"
	"testing"
)

// The fast forms of the interior-point systems are factored without static
// regularization first (exactFast): on a well-posed dense LP/QP the
// factorization is unregularized and the first solve already meets the
// refinement tolerances, with the solution of the regularized path to
// rounding. When that attempt needs regularized pivots (dependent equality
// rows) the same form is refactored with δ — no escalation to the accurate
// form — and the solve is bit for bit the one without the attempt.
func TestFastFormExactFirst(t *testing.T) {
	defer func(v bool) { exactFast = v }(exactFast)
	rng := rand.New(rand.NewSource(17))
	for _, tc := range []struct {
		name      string
		withP     bool
		dependent bool
	}{{"lp", false, false}, {"qp", true, false}, {"lp-dependent", false, true}, {"qp-dependent", true, true}} {
		for rep := 0; rep < 5; rep++ {
			n, p, m := 8, 3, 14
			st, v := tierQP(t, rng, n, p, m, tc.withP)
			if tc.dependent {
				// Equality row 1 = 2 × row 0 (values in A's pattern,
				// dense row-major by rows: column j holds rows 0…p+m−1).
				for j := 0; j < n; j++ {
					base := st.A.Colptr[j]
					v.A[base+1] = 2 * v.A[base]
				}
			}
			an, err := Analyse(st, LinearAuto)
			if err != nil {
				t.Fatal(err)
			}
			s, z := make([]float64, st.M), make([]float64, st.M)
			for i := range s {
				s[i], z[i] = math.Exp(2*rng.NormFloat64()), math.Exp(2*rng.NormFloat64())
			}
			rhs := make([]float64, an.Dim)
			for i := range rhs {
				rhs[i] = rng.NormFloat64()
			}
			if tc.dependent {
				rhs[n+1] = 2 * rhs[n] // consistent with the dependent rows
			}
			type run struct {
				sol       []float64
				res, d    float64
				ts        TierStats
				exactUsed bool
				exactOff  bool
			}
			solve := func(on bool) run {
				exactFast = on
				k, err := New(an, 1e-8, 10)
				if err != nil {
					t.Fatal(err)
				}
				k.SetData(v.P, v.A, 0)
				k.SetScaling(s, z)
				if err := k.Factor(); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				sol := make([]float64, an.Dim)
				if !k.Solve(rhs, sol) {
					t.Fatalf("%s: solve failed", tc.name)
				}
				return run{sol, k.Residual(), k.dUsed, k.TierStats(), k.exactUsed, k.exactOff}
			}
			off, on := solve(false), solve(true)
			if off.ts.Fast == 0 {
				t.Fatalf("%s: no fast form (%+v)", tc.name, off.ts)
			}
			if on.ts.Escalations != off.ts.Escalations {
				t.Fatalf("%s: escalations %d with the unregularized attempt, %d without", tc.name, on.ts.Escalations, off.ts.Escalations)
			}
			if !tc.dependent {
				// (The QP's fast form is DenseDual, exact on its own.)
				if on.d != 0 || (!tc.withP && !on.exactUsed) {
					t.Fatalf("%s: fast form factored with δ = %g (attempt %v)", tc.name, on.d, on.exactUsed)
				}
				bnorm := 0.0
				for _, r := range rhs {
					bnorm = math.Max(bnorm, math.Abs(r))
				}
				if on.res > 1e-12+1e-13*bnorm {
					t.Fatalf("%s: residual %g", tc.name, on.res)
				}
				for i := range on.sol {
					if d := math.Abs(on.sol[i] - off.sol[i]); d > 1e-9*(1+math.Abs(off.sol[i])) {
						t.Fatalf("%s: sol[%d] %v vs %v", tc.name, i, on.sol[i], off.sol[i])
					}
				}
				continue
			}
			if !tc.withP && (!on.exactOff || on.exactUsed || on.d == 0) {
				t.Fatalf("%s: dependent rows kept the unregularized form (off %v, used %v, δ %g)", tc.name, on.exactOff, on.exactUsed, on.d)
			}
			for i := range on.sol {
				if on.sol[i] != off.sol[i] {
					t.Fatalf("%s: sol[%d] %v vs %v after the fallback", tc.name, i, on.sol[i], off.sol[i])
				}
			}
		}
	}
}
