package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// boxQP draws a dense QP whose inequality rows mix random rows with
// single-entry rows ±a·x_j ≤ h (box and sign rows of a dense G, scaled,
// on some of the variables), shuffled, with p equality rows. Bounds are
// tight enough that some are active; infeasible (a variable with
// x_j ≤ −1 and x_j ≥ 1) when asked.
func boxQP(rng *rand.Rand, n, p, mr int, infeasible bool) (P, c, A, b []float64, cones problem.Cones) {
	P, c, A0, b0, _ := testfam.DenseQP(rng, n, mr, p)
	for i := range c {
		c[i] *= 3
	}
	type row struct {
		a []float64
		h float64
	}
	var rows []row
	for i := p; i < p+mr; i++ {
		rows = append(rows, row{A0[i*n : i*n+n], b0[i]})
	}
	for j := 0; j < n; j++ {
		if rng.Float64() < 0.25 {
			continue // unbounded variable
		}
		u := 0.2 + 1.3*rng.Float64()
		for _, sg := range []float64{1, -1} {
			if rng.Float64() < 0.15 {
				continue // one-sided
			}
			a := make([]float64, n)
			s := sg * (0.5 + 1.5*rng.Float64())
			a[j] = s
			rows = append(rows, row{a, math.Abs(s) * u})
		}
	}
	if infeasible {
		j := rng.Intn(n)
		for _, sg := range []float64{1, -1} {
			a := make([]float64, n)
			a[j] = sg * 2
			rows = append(rows, row{a, -2})
		}
	}
	rng.Shuffle(len(rows), func(i, k int) { rows[i], rows[k] = rows[k], rows[i] })
	A = append([]float64(nil), A0[:p*n]...)
	b = append([]float64(nil), b0[:p]...)
	for _, r := range rows {
		A = append(A, r.a...)
		b = append(b, r.h)
	}
	return P, c, A, b, problem.Cones{Zero: p, Nonneg: len(rows)}
}

// TestBoxRowsValueClass: the dense QP path eliminates the single-entry
// rows of a dense G as singletons, found from the values
// (linsys.DenseSchur's value classification); on seeded random QPs with
// box and sign rows (scaled, some one-sided, partly active), equality
// rows, and infeasible samples, and on the LPGD benchmark's QPs, the
// solver returns what the pattern-only path (SetValueClass(false))
// returns: the same status, and x, y and the objective to rounding.
func TestBoxRowsValueClass(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	type tcase struct {
		name string
		st   *problem.Structure
		v    *problem.Values
	}
	var cases []tcase
	for k := 0; k < 40; k++ {
		n := []int{3, 8, 20, 60}[k%4]
		p := rng.Intn(n/3 + 1)
		infeas := k%7 == 6
		P, c, A, b, cones := boxQP(rng, n, p, rng.Intn(n+1), infeas)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		cases = append(cases, tcase{fmt.Sprintf("#%d n=%d p=%d infeasible=%v", k, n, p, infeas), st, v})
	}
	f := benchFamily(t, "boxqp100", 2)
	for k, v := range f.vs {
		cases = append(cases, tcase{fmt.Sprintf("boxqp100#%d", k), f.st, v})
	}
	infeasible, active := 0, 0
	for _, tc := range cases {
		an, err := kkt.Analyse(tc.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		var res [2]*Result
		for i, on := range []bool{false, true} {
			w, err := NewSolver(an, DefaultSettings())
			if err != nil {
				t.Fatal(err)
			}
			w.kkt.SetValueClass(on)
			res[i] = &Result{X: make([]float64, tc.st.N), Y: make([]float64, tc.st.M), S: make([]float64, tc.st.M)}
			w.Solve(tc.v, res[i])
		}
		ref, got := res[0], res[1]
		if ref.Info.Status != got.Info.Status {
			t.Errorf("%s: status %v (pattern only) vs %v (value classification)", tc.name, ref.Info.Status, got.Info.Status)
			continue
		}
		if ref.Info.Status == StatusPrimalInfeasible {
			infeasible++
			continue
		}
		if !ref.Info.Status.OK() {
			t.Errorf("%s: status %v", tc.name, ref.Info.Status)
			continue
		}
		if d := relErr(got.X, ref.X); d > 1e-9 {
			t.Errorf("%s: x differs by %.2e", tc.name, d)
		}
		if d := relErr(got.Y, ref.Y); d > 1e-8 {
			t.Errorf("%s: y differs by %.2e", tc.name, d)
		}
		if d := math.Abs(got.Info.PObj-ref.Info.PObj) / (1 + math.Abs(ref.Info.PObj)); d > 1e-10 {
			t.Errorf("%s: objective differs by %.2e", tc.name, d)
		}
		zero := 0
		for _, sp := range tc.st.Cones {
			if sp.Kind == cone.KindZero {
				zero += sp.Dim
			}
		}
		for i := zero; i < tc.st.M; i++ {
			if got.S[i] == 0 && got.Y[i] > 0 {
				active++
			}
		}
	}
	if infeasible == 0 || active == 0 {
		t.Fatalf("%d infeasible samples, %d active inequality rows: the draw tests too little", infeasible, active)
	}
}
