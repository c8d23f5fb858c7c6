package kkt

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// tierQP is a dense QP with p equality and m inequality rows.
func tierQP(t *testing.T, rng *rand.Rand, n, p, m int, withP bool) (*problem.Structure, *problem.Values) {
	var P []float64
	if withP {
		P = make([]float64, n*n)
		for i := 0; i < n; i++ {
			P[i*n+i] = 1 + rng.Float64()
		}
	}
	A := make([]float64, (p+m)*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	return denseProblem(t, n, P, make([]float64, n), A, make([]float64, p+m), problem.Cones{Zero: p, Nonneg: m})
}

// The fast (normal-equations) form is used for the interior-point systems
// (SetScaling, SetIdentityH) and never for the backward and polish systems
// (SetActiveRows, SetDiagH, SetProjectionH); when its refined residual
// misses fastResidual the system falls back to the accurate form until
// the next SetData.
func TestFastFormSelection(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, withP := range []bool{true, false} {
		st, v := tierQP(t, rng, 6, 2, 9, withP)
		an, err := Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		if !an.fastOK {
			t.Fatalf("P %v: no fast form for a dense QP with inequality rows", withP)
		}
		k, err := New(an, 1e-8, 10)
		if err != nil {
			t.Fatal(err)
		}
		m := st.M
		s, z := make([]float64, m), make([]float64, m)
		for i := range s {
			s[i], z[i] = 0.5+rng.Float64(), 0.5+rng.Float64()
		}
		rhs := make([]float64, an.Dim)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		sol := make([]float64, an.Dim)
		factorSolve := func(what string) {
			t.Helper()
			if err := k.Factor(); err != nil {
				t.Fatalf("P %v %s: %v", withP, what, err)
			}
			if !k.Solve(rhs, sol) || k.Residual() > 1e-10 {
				t.Fatalf("P %v %s: residual %g", withP, what, k.Residual())
			}
		}
		k.SetData(v.P, v.A, 0)
		k.SetScaling(s, z)
		factorSolve("scaling")
		if ts := k.TierStats(); ts.Fast != 1 || ts.Escalations != 0 {
			t.Fatalf("P %v: after an interior-point factorization %+v", withP, ts)
		}
		active := make([]bool, m)
		for i := range active {
			active[i] = i < 6 // 2 equality + 4 inequality rows: square for the LP
		}
		k.SetActiveRows(v.A, active)
		factorSolve("active rows")
		if ts := k.TierStats(); ts.Fast != 1 {
			t.Fatalf("P %v: the active-set system used the fast form (%+v)", withP, ts)
		}
		// The same active set on the interior-point data: DenseDual (with
		// P) serves it exactly, reusing its products; without P,
		// DenseBounds (form 0 of an LP with at least as many inequality
		// rows as variables) serves it with δ: no bound rows here, so its
		// complement is the 6 active rows over the x block δI.
		k.SetData(v.P, v.A, 0)
		k.SetScaling(s, z)
		factorSolve("scaling again")
		k.SetData(v.P, v.A, 0)
		k.SetActiveRowsSameData(v.A, active)
		sameBefore := k.TierStats()
		factorSolve("active rows, same data")
		if got, want := k.TierStats().Fast-sameBefore.Fast, 1; got != want || k.TierStats().Escalations != sameBefore.Escalations {
			t.Fatalf("P %v: same-data active set: %d exact factorizations (want %d), %+v", withP, got, want, k.TierStats())
		}
		if withP && k.dUsed != 0 {
			t.Fatalf("same-data active set factored with δ %g", k.dUsed)
		}
		if !withP {
			if _, ok := k.fac.(*linsys.Chain); !ok || k.dUsed == 0 {
				t.Fatalf("LP: same-data active set by %T with δ %g", k.fac, k.dUsed)
			}
		}
		fastBefore := k.TierStats().Fast
		k.SetFastAllowed(false)
		k.SetData(v.P, v.A, 0)
		k.SetScaling(s, z)
		factorSolve("fast form forbidden")
		if ts := k.TierStats(); ts.Fast != fastBefore {
			t.Fatalf("P %v: fast form used while forbidden (%+v)", withP, ts)
		}
		k.SetFastAllowed(true)

		// Slacks of 1e-14 on the first rows (pivots −δ, entries ‖g‖²/δ
		// in the normal equations) and no refinement: the fast forms
		// cannot reach fastResidual and Solve must fall back to the
		// accurate one.
		k.SetRegularization(1e-8, 0)
		for i := 0; i < 4; i++ {
			s[i] = 1e-14
		}
		k.SetData(v.P, v.A, 0)
		k.SetScaling(s, z)
		if err := k.Factor(); err != nil {
			t.Fatal(err)
		}
		checkFastCache(t, k)
		before := k.TierStats()
		k.Solve(rhs, sol)
		checkFastCache(t, k)
		after := k.TierStats()
		if withP {
			// DenseDual (form 0) factors K itself, without δ: its one
			// unrefined solve meets fastResidual here. The
			// normal-equations form behind it must still fall back.
			if after.Escalations != before.Escalations || k.dUsed != 0 || k.Residual() > fastResidual {
				t.Fatalf("DenseDual: escalations %+v → %+v, δ %g, residual %g", before, after, k.dUsed, k.Residual())
			}
			k.SetData(v.P, v.A, 0)
			k.SetScaling(s, z)
			k.tierCur = 1
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			checkFastCache(t, k)
			before = k.TierStats()
			k.Solve(rhs, sol)
			checkFastCache(t, k)
			after = k.TierStats()
		}
		if after.Escalations <= before.Escalations || k.fastUsed() {
			t.Fatalf("P %v: no fallback (residual %g, stats %+v → %+v)", withP, k.Residual(), before, after)
		}
		// The fallback lasts until the next SetData.
		k.SetScaling(s, z)
		if err := k.Factor(); err != nil || k.fastUsed() {
			t.Fatalf("P %v: fast form again before SetData (%v)", withP, err)
		}
		checkFastCache(t, k)
		k.SetData(v.P, v.A, 0)
		k.SetScaling(s, z)
		if err := k.Factor(); err != nil || !k.fastUsed() {
			t.Fatalf("P %v: fast form not restored by SetData (%v)", withP, err)
		}
		checkFastCache(t, k)
	}
}

// checkFastCache fails the test when fastUsed (factorAt's fastNow) or the
// cached number of forms differs from what the factorization's chain
// reports now.
func checkFastCache(t *testing.T, k *System) {
	t.Helper()
	want := k.redUsed || (k.tier != nil && k.tier.Tier() < k.tier.Tiers()-1)
	if got := k.fastUsed(); got != want {
		t.Fatalf("fastUsed %v, the chain says %v", got, want)
	}
	if k.tier != nil && k.tiers != k.tier.Tiers() {
		t.Fatalf("tiers %d, the chain has %d", k.tiers, k.tier.Tiers())
	}
}
