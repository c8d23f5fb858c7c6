package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// inconsistentCase is min ½xᵀPx + cᵀx s.t. A_eq x = b_eq (no solution),
// G x ≤ h, in the stacking of the QP layer.
type inconsistentCase struct {
	name       string
	n          int
	P, c       []float64 // P nil: an LP
	Aeq, beq   []float64
	G, h       []float64
	socDims    []int // second-order cones after the inequalities (rows of G/h)
	nonnegRows int   // rows of G/h in the nonnegative cone (default all)
}

func eye(n int, s float64) []float64 {
	m := make([]float64, n*n)
	for i := 0; i < n; i++ {
		m[i*n+i] = s
	}
	return m
}

func boxRows(n int, r float64) (G, h []float64) {
	G = make([]float64, 2*n*n)
	h = make([]float64, 2*n)
	for j := 0; j < n; j++ {
		G[j*n+j], G[(n+j)*n+j] = 1, -1
		h[j], h[n+j] = r, r
	}
	return
}

// inconsistentCases are the 15 inconsistent equality systems of issue 14
// (duplicated, dependent, zero and overdetermined rows; with and without P,
// inequalities, a second-order cone; badly scaled).
func inconsistentCases() []inconsistentCase {
	rng := rand.New(rand.NewSource(14))
	norm := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	gbox, hbox := boxRows(2, 5)
	cases := []inconsistentCase{
		{name: "issue-example", n: 2, P: eye(2, 1), c: []float64{0, 0},
			Aeq: []float64{1, 1, 1, 1}, beq: []float64{1, 1.1}},
		{name: "issue-example-box", n: 2, P: eye(2, 1), c: []float64{1, -1},
			Aeq: []float64{1, 1, 1, 1}, beq: []float64{1, 1.1}, G: gbox, h: hbox},
		{name: "lp-box", n: 2, c: []float64{1, 2},
			Aeq: []float64{1, 1, 1, 1}, beq: []float64{1, 1.1}, G: gbox, h: hbox},
		{name: "sum-of-rows", n: 3, P: eye(3, 2), c: []float64{1, 0, -1},
			Aeq: []float64{1, 2, 0, 0, 1, 1, 1, 3, 1}, beq: []float64{1, 2, 3.5}},
		{name: "scaled-duplicate", n: 5, P: eye(5, 1), c: norm(5),
			Aeq: append(append([]float64{}, 1, -2, 0, 3, 1), 2, -4, 0, 6, 2), beq: []float64{1, 3}},
		{name: "overdetermined", n: 2, P: eye(2, 1), c: []float64{0, 1},
			Aeq: norm(8), beq: norm(4)},
		{name: "zero-row", n: 3, P: eye(3, 1), c: []float64{1, 1, 1},
			Aeq: []float64{1, 0, 0, 0, 0, 0}, beq: []float64{0.5, 1}},
		{name: "small-gap", n: 2, P: eye(2, 1), c: []float64{0, 0},
			Aeq: []float64{1, 1, 1, 1}, beq: []float64{1, 1.001}},
		{name: "badly-scaled", n: 2, P: eye(2, 1e3), c: []float64{1e3, 0},
			Aeq: []float64{1e3, 1e3, 1e3, 1e3}, beq: []float64{1e3, 1.1e3}},
		{name: "x1-twice", n: 3, P: eye(3, 1), c: []float64{0, 1, 0},
			Aeq: []float64{1, 0, 0, 1, 0, 0}, beq: []float64{1, 2}, G: eye(3, -1), h: []float64{0, 0, 0}},
		{name: "three-in-two", n: 2, P: eye(2, 1), c: []float64{0, 0},
			Aeq: []float64{1, 1, 1, -1, 1, 0}, beq: []float64{1, 0, 0.2}},
		{name: "simplex-twice", n: 20, P: eye(20, 0.5), c: norm(20),
			Aeq: append(onesRow(20), onesRow(20)...), beq: []float64{1, 2}, G: eye(20, -1), h: make([]float64, 20)},
		{name: "soc", n: 3, P: eye(3, 1), c: []float64{0, 0, 1},
			Aeq: []float64{0, 1, 1, 0, 1, 1}, beq: []float64{1, -1},
			G: []float64{-1, 0, 0, 0, -1, 0, 0, 0, -1}, h: []float64{0, 0, 0}, socDims: []int{3}},
	}
	// Random rank-deficient systems: A = U V (rank r < p), b off its range.
	for _, sz := range []struct{ n, p, r int }{{10, 6, 3}, {30, 12, 5}} {
		U, V := norm(sz.p*sz.r), norm(sz.r*sz.n)
		A := make([]float64, sz.p*sz.n)
		for i := 0; i < sz.p; i++ {
			for j := 0; j < sz.n; j++ {
				for k := 0; k < sz.r; k++ {
					A[i*sz.n+j] += U[i*sz.r+k] * V[k*sz.n+j]
				}
			}
		}
		G, h := boxRows(sz.n, 10)
		cases = append(cases, inconsistentCase{name: fmt.Sprintf("rank-%d-of-%d", sz.r, sz.p), n: sz.n,
			P: randLLT(rng, sz.n, 0.1), c: norm(sz.n), Aeq: A, beq: norm(sz.p), G: G, h: h})
	}
	return cases
}

func onesRow(n int) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = 1
	}
	return r
}

// TestInconsistentEqualities: 15 inconsistent equality systems end
// primal_infeasible with a valid normalized certificate (Aᵀy = 0, bᵀy = −1,
// y in the dual cone), on both linear solvers.
func TestInconsistentEqualities(t *testing.T) {
	cases := inconsistentCases()
	if len(cases) != 15 {
		t.Fatalf("%d cases, want 15", len(cases))
	}
	for _, tc := range cases {
		for _, ls := range linearSolvers {
			t.Run(tc.name+"/"+ls.name, func(t *testing.T) {
				p, mi := len(tc.beq), len(tc.h)
				soc := 0
				for _, d := range tc.socDims {
					soc += d
				}
				cones := problem.Cones{Zero: p, Nonneg: mi - soc, SOC: tc.socDims}
				A := append(append([]float64{}, tc.Aeq...), tc.G...)
				b := append(append([]float64{}, tc.beq...), tc.h...)
				st, v := denseProblem(t, tc.n, tc.P, tc.c, A, b, cones)
				set := DefaultSettings()
				set.LinearSolver = ls.ls
				res := solve(t, st, v, set)
				if res.Info.Status != StatusPrimalInfeasible {
					t.Fatalf("status %v after %d iterations, want primal_infeasible", res.Info.Status, res.Info.Iter)
				}
				// Certificate: bᵀy = −1, ‖Aᵀy‖∞ small, y ∈ K* (y ≥ 0 on the
				// nonnegative rows, ‖y₁‖ ≤ y₀ on the cone).
				var by float64
				for i := range b {
					by += b[i] * res.Y[i]
				}
				if math.Abs(by+1) > 1e-9 {
					t.Errorf("bᵀy = %v, want −1", by)
				}
				var aty float64
				for j := 0; j < tc.n; j++ {
					var s float64
					for i := range b {
						s += A[i*tc.n+j] * res.Y[i]
					}
					aty = math.Max(aty, math.Abs(s))
				}
				if aty > 1e-6 {
					t.Errorf("‖Aᵀy‖∞ = %v", aty)
				}
				for i := p; i < p+mi-soc; i++ {
					if res.Y[i] < -1e-9 {
						t.Errorf("y[%d] = %v < 0 on a nonnegative row", i, res.Y[i])
					}
				}
				for i := range res.X {
					if !math.IsNaN(res.X[i]) {
						t.Fatalf("x[%d] = %v, want NaN", i, res.X[i])
					}
				}
			})
		}
	}
}
