package kkt

import (
	"math"
	"math/rand"
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

// TestNegZeroDiagSigns: negZeroDiag, which reads the x block's diagonal
// only, reports exactly whether a diagonal entry with a positive pivot
// sign (Analysis.signs) is −0, for seeded diagonals of +0, −0 and other
// values on both blocks (the constraint rows' −0 must not count).
func TestNegZeroDiagSigns(t *testing.T) {
	rng := rand.New(rand.NewSource(47))
	negZero := math.Copysign(0, -1)
	for _, ls := range linearSolvers {
		for _, sz := range [][3]int{{1, 0, 1}, {3, 1, 3}, {10, 5, 5}, {25, 4, 9}} {
			n, zero, nonneg := sz[0], sz[1], sz[2]
			st, err := problem.NewStructure(n, zero+nonneg, problem.Cones{Zero: zero, Nonneg: nonneg},
				problem.UpperPattern(n), problem.DensePattern(zero+nonneg, n))
			if err != nil {
				t.Fatal(err)
			}
			k := newSystem(t, st, ls.ls)
			hits := 0
			for rep := 0; rep < 200; rep++ {
				want := false
				for i, idx := range k.an.diag {
					k.kv[idx] = []float64{0, negZero, 1.5, -2}[rng.Intn(4)]
					if math.Float64bits(k.kv[idx]) == math.Float64bits(negZero) && k.an.signs[i] > 0 {
						want = true
					}
				}
				if rng.Intn(3) == 0 {
					for i, idx := range k.an.diag {
						if k.an.signs[i] > 0 && k.kv[idx] == 0 {
							k.kv[idx] = 0 // no −0 on the x block
						}
					}
					want = false
				}
				if want {
					hits++
				}
				if got := k.negZeroDiag(); got != want {
					t.Fatalf("%s %v: negZeroDiag %v, want %v", ls.name, sz, got, want)
				}
			}
			if hits == 0 || hits == 200 {
				t.Fatalf("%s %v: %d of 200 diagonals with a −0 x pivot", ls.name, sz, hits)
			}
		}
	}
}

// TestJudgeResidual: judge turns r = K·sol into rhs − r entry by entry
// (four a pass, then the rest) and takes the blocks' norms of it, bit for
// bit, for every length 1 … 13 and every split of the x block, with −0
// and non-finite entries.
func TestJudgeResidual(t *testing.T) {
	rng := rand.New(rand.NewSource(59))
	special := []float64{math.Copysign(0, -1), math.Inf(1), math.NaN(), 0}
	vals := func(l int) []float64 {
		v := make([]float64, l)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(9)-4))
			if rng.Intn(8) == 0 {
				v[i] = special[rng.Intn(len(special))]
			}
		}
		return v
	}
	for l := 1; l <= 13; l++ {
		for n := 0; n <= l; n++ {
			for rep := 0; rep < 5; rep++ {
				rhs, r := vals(l), vals(l)
				want := make([]float64, l)
				for i := range want {
					want[i] = rhs[i] - r[i]
				}
				v := refineVec{rhs: rhs, r: r, n: n, tx: 1, tz: 1, tw: 1, sx: 1, sz: 1}
				v.judge()
				for i := range want {
					if math.Float64bits(r[i]) != math.Float64bits(want[i]) {
						t.Fatalf("len %d n %d: r[%d] = %v, want %v", l, n, i, r[i], want[i])
					}
				}
				var wx, wz float64
				for i, x := range want {
					if a := math.Abs(x); i < n && a > wx {
						wx = a
					} else if i >= n && a > wz {
						wz = a
					}
				}
				if v.rx != wx || v.rz != wz {
					t.Fatalf("len %d n %d: norms %v %v, want %v %v", l, n, v.rx, v.rz, wx, wz)
				}
			}
		}
	}
}
