package kkt

import (
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestFactorDiagonalUntouched: factorAt adds the regularization to the
// diagonal of kv only where it changes something — at δ = 0 that is a −0
// entry with a positive sign, which +0 turns into +0 (negZeroDiag) — and
// every factorization leaves kv as it found it, bit for bit. A P with a
// −0 diagonal entry solves bit for bit as the same P with +0 there, on the
// dense (exact form, δ = 0) and sparse (δ > 0) paths.
func TestFactorDiagonalUntouched(t *testing.T) {
	negZero := math.Copysign(0, -1)
	n := 3
	A := []float64{1, 2, 0, 0, 1, -1, 1, 0, 1, -1, 0.5, 2}
	cones := problem.Cones{Zero: 1, Nonneg: 3}
	rhs := []float64{1, -2, 3, 0.5, 1, 2, -1}
	for _, ls := range linearSolvers {
		var sols [2][]float64
		for v, p1 := range []float64{negZero, 0} {
			P := []float64{2, 0, 0, 0, p1, 0, 0, 0, 3}
			st, vals := denseProblem(t, n, P, make([]float64, n), A, []float64{0, 1, 1, 1}, cones)
			k := newSystem(t, st, ls.ls)
			k.SetData(vals.P, vals.A, 0)
			k.SetScaling([]float64{0, 1, 2, 0.5}, []float64{0, 1, 0.5, 3})
			hasNeg := false
			for _, idx := range k.an.diag {
				if v := k.kv[idx]; v == 0 && math.Signbit(v) {
					hasNeg = true
				}
			}
			if v == 0 && !hasNeg {
				t.Fatalf("%s: the −0 of P did not reach the KKT diagonal: the case tests nothing", ls.name)
			}
			if got := k.negZeroDiag(); got != (hasNeg && v == 0) {
				t.Fatalf("%s P[1,1]=%g: negZeroDiag %v, −0 on the diagonal %v", ls.name, p1, got, hasNeg)
			}
			before := append([]float64(nil), k.kv...)
			if err := k.Factor(); err != nil {
				t.Fatal(err)
			}
			for i := range before {
				if math.Float64bits(before[i]) != math.Float64bits(k.kv[i]) {
					t.Fatalf("%s: kv[%d] %g after Factor, %g before", ls.name, i, k.kv[i], before[i])
				}
			}
			sols[v] = make([]float64, len(rhs))
			if !k.Solve(rhs, sols[v]) || k.Residual() > 1e-12 {
				t.Fatalf("%s: solve failed, residual %g", ls.name, k.Residual())
			}
		}
		for i := range sols[0] {
			if math.Float64bits(sols[0][i]) != math.Float64bits(sols[1][i]) {
				t.Errorf("%s: sol[%d] = %g with −0, %g with +0", ls.name, i, sols[0][i], sols[1][i])
			}
		}
	}
}
