package linsys

import (
	"math/rand"
	"testing"
)

// TestDenseDualNoXBlock: with an empty x block (nx = 0: the rows alone,
// H diagonal) DenseDual factors and solves, with NewDenseDual's order and
// with an explicit one (NewDenseDualOrder, no signs), and again after new
// H values: W has no columns, so C = 0 and the solve divides by H. It
// fails on a forward substitution that divides by nx (W's row count
// len(w)/nx: a run-time panic).
func TestDenseDualNoXBlock(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	for _, m := range []int{1, 2, 5, 9} {
		b := newUpperBuilder(m)
		for i := 0; i < m; i++ {
			b.add(i, i, -0.5-rng.Float64())
		}
		pat, vals := b.build()
		order := rng.Perm(m)
		for _, withOrder := range []bool{false, true} {
			var f *DenseDual
			var err error
			if withOrder {
				f, err = NewDenseDualOrder(pat, 0, order, []float64{})
			} else {
				f, err = NewDenseDual(pat, 0)
			}
			if err != nil {
				t.Fatalf("m=%d order=%v: %v", m, withOrder, err)
			}
			v := append([]float64(nil), vals...)
			for call := 0; call < 2; call++ {
				if err := f.Factor(v); err != nil {
					t.Fatalf("m=%d order=%v call %d: Factor: %v", m, withOrder, call, err)
				}
				rhs := randVec(rng, m)
				x := append([]float64(nil), rhs...)
				f.Solve(x)
				if r := relResidual(pat, v, x, rhs); r > 1e-14 {
					t.Fatalf("m=%d order=%v call %d: relative residual %g", m, withOrder, call, r)
				}
				for k := range v {
					v[k] -= rng.Float64() // new H values
				}
			}
		}
	}
}
