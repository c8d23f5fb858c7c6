package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// qpBound solves with K₀ = [P + ρI, A_Wᵀ; A_W, 0] (−1 on the inactive
// rows) as a dense Gaussian elimination of K₀ does, refined to 1e-12 and
// unrefined to 1e-8, on box QPs with random active sets mixing bound rows
// (upper and lower), general inequality rows and equalities, with and
// without ρ; and refuses the active sets it cannot factor: both bound rows
// of one column active, more general rows than free columns, dependent
// general rows, and a zero P (an LP: no range space).
func TestQPBoundMatchesDense(t *testing.T) {
	solved := 0
	for seed := int64(0); seed < 6; seed++ {
		rng := rand.New(rand.NewSource(300 + seed))
		n, mi, meq := 12, 6, 2
		P, c, A, b, cones := boxProblem(rng, n, mi, meq, true)
		f := newFixture(t, n, P, c, A, b, cones)
		m := f.st.M
		var rows aRows
		if !rows.Build(f.st, f.v.A) {
			t.Fatal("row form not built")
		}
		for trial := 0; trial < 6; trial++ {
			rho := 0.0
			if trial%2 == 1 {
				rho = 0.3
			}
			active := make([]bool, m)
			for i := 0; i < meq; i++ {
				active[i] = true
			}
			for i := meq; i < meq+mi; i++ {
				active[i] = rng.Float64() < 0.4
			}
			for j := 0; j < n; j++ {
				switch r := meq + mi + 2*j; {
				case rng.Float64() < 0.25:
					active[r] = true
				case rng.Float64() < 0.25:
					active[r+1] = true
				}
			}
			name := fmt.Sprintf("seed=%d trial=%d", seed, trial)
			nd, nb := 0, 0
			for i, a := range active {
				switch {
				case a && i < meq+mi:
					nd++
				case a:
					nb++
				}
			}
			var q qpBound
			ok := q.Factor(f.st, f.v.P, rho, nil, active, &rows)
			if nd > n-nb {
				if ok {
					t.Errorf("%s: %d general rows on %d free columns accepted", name, nd, n-nb)
				}
				continue
			}
			if !ok {
				t.Fatalf("%s: factor refused a valid active set", name)
			}
			K := denseK0(n, m, A, active)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					K[i*(n+m)+j] = P[i*n+j]
				}
				K[i*(n+m)+i] += rho
			}
			for _, refine := range []bool{true, false} {
				r := randVec(rng, n+m)
				want := gaussSolve(K, r)
				z := make([]float64, n+m)
				res := q.Solve(r, z, refine)
				tol := 1e-8
				if refine {
					tol = 1e-12
					if !(res <= 1e-12) {
						t.Errorf("%s: refined residual %g", name, res)
					}
				}
				if d := maxDiff(z, want); d > tol*math.Max(1, normInf(want)) {
					t.Errorf("%s refine=%v: |z − dense| = %g", name, refine, d)
				}
			}
			solved++
		}
		// Refusals.
		both := make([]bool, m)
		both[meq+mi], both[meq+mi+1] = true, true // upper and lower bound of x₀
		tooMany := make([]bool, m)
		for i := 0; i < meq+mi; i++ {
			tooMany[i] = true
		}
		for j := 0; j+meq+mi-1 < n; j++ {
			tooMany[meq+mi+2*j] = true // leaves fewer free columns than general rows
		}
		for name, act := range map[string][]bool{"both bounds": both, "too many rows": tooMany} {
			var q qpBound
			if q.Factor(f.st, f.v.P, 0, nil, act, &rows) {
				t.Errorf("seed %d: %s accepted", seed, name)
			}
		}
		var q qpBound
		if q.Factor(f.st, make([]float64, len(f.v.P)), 0, nil, both[:0:0], &rows) {
			t.Errorf("seed %d: zero P accepted", seed)
		}
	}
	// Dependent general rows: an inequality row doubled.
	rng := rand.New(rand.NewSource(9))
	n := 8
	P, c, A, b, cones := boxProblem(rng, n, 3, 1, true)
	copy(A[2*n:3*n], A[1*n:2*n])
	f := newFixture(t, n, P, c, A, b, cones)
	var rows aRows
	rows.Build(f.st, f.v.A)
	active := make([]bool, f.st.M)
	active[0], active[1], active[2] = true, true, true
	var q qpBound
	if q.Factor(f.st, f.v.P, 0, nil, active, &rows) {
		t.Error("dependent general rows accepted")
	}
	if solved < 30 {
		t.Errorf("only %d systems solved", solved)
	}
}

// The QP warm path with qpBound gives the gradients of the KKT
// factorization's path (to 1e-8), finishes warm where it does, and is
// taken on the box QPs and on box LPs with a proximal term (ρ > 0).
func TestWarmQPBoundGradients(t *testing.T) {
	defer func(b bool) { warmQPBound = b }(warmQPBound)
	used, warm := 0, 0
	for seed := int64(0); seed < 6; seed++ {
		rng := rand.New(rand.NewSource(800 + seed))
		n := 20
		// Seeds 4, 5: an LP with ρ = 0.5 (P + ρI = ρI on the range space).
		quadratic, rho := seed < 4, 0.0
		if !quadratic {
			rho = 0.5
		}
		P, c, A, b, cones := boxProblem(rng, n, 10, 2, quadratic)
		f := newFixture(t, n, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, n), Y: scaled(randVec(rng, f.st.M), 0.01)}
		for _, side := range []Side{SideCentral, SideRight, SideLeft} {
			for _, tau := range []float64{0.1, 1, 10} {
				name := fmt.Sprintf("seed=%d rho=%g side=%d tau=%g", seed, rho, side, tau)
				o := DefaultOptions()
				o.Method, o.Tau, o.Side, o.Rho = MethodLPGD, tau, side, rho
				var gs [2]*Grad
				var sts [2]Stats
				for q, on := range []bool{true, false} {
					warmQPBound = on
					gs[q] = f.grad(t, in, o)
					sts[q] = f.ws.LastStats()
					if rho == 0 {
						f.checkPerturbedOptimal(t, name, tau, side, 2)
					}
					if on && f.ws.warm != nil && f.ws.warm.useQP {
						used++
					}
				}
				if sts[0].WarmSolves != sts[1].WarmSolves {
					t.Errorf("%s: %d warm solves with qpBound, %d without", name, sts[0].WarmSolves, sts[1].WarmSolves)
				}
				if e := gradErr(gs[0], gs[1]); e > 1e-8 {
					t.Errorf("%s: qpBound vs KKT path: gradient difference %g", name, e)
				}
				warm += sts[0].WarmSolves
			}
		}
	}
	if used < 45 || warm < 60 {
		t.Errorf("qpBound used in %d backward passes, %d warm solves: the path was not exercised", used, warm)
	}
	t.Logf("qpBound used in %d backward passes, %d warm solves", used, warm)
}
