package linsys

import (
	"math/rand"
	"testing"
)

// TestDualFactorDiagonalX: an exported factorization of a KKT system whose
// x block is diagonal (off-diagonal values of P zeroed) has DiagonalX, and
// SolveDiagonalX gives Solve's solution to rounding and a small residual,
// on full and active-set (decoupled rows) systems, with remainders of
// DiagonalX's and SolveDiagonalX's unrolling (coupled rows not a multiple
// of four); with P's off-diagonal values kept DiagonalX is false (a
// nonzero in the first, a middle or the last row of the factor).
func TestDualFactorDiagonalX(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, sz := range []struct{ nx, m int }{{1, 1}, {2, 1}, {6, 3}, {13, 8}, {45, 33}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		diag := append([]float64(nil), vals...)
		for j := 0; j < sz.nx; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if i := pat.Rowval[k]; i < sz.nx && i != j {
					diag[k] = 0
				}
			}
		}
		act := append([]float64(nil), diag...)
		for j := sz.nx; j < pat.N; j++ {
			if (j-sz.nx)%3 != 2 {
				continue
			}
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if i := pat.Rowval[k]; i == j {
					act[k] = -1
				} else if i < sz.nx {
					act[k] = 0
				}
			}
		}
		export := func(v []float64) *DualFactor {
			t.Helper()
			if err := f.Factor(v); err != nil {
				t.Fatalf("%+v: %v", sz, err)
			}
			buf := make([]float64, DualFactorLen(sz.nx, min(sz.nx, sz.m)))
			k := f.ExportFactor(buf)
			view, ok := ParseDualFactor(buf[:k], sz.nx, sz.m)
			if k == 0 || !ok {
				t.Fatalf("%+v: not exported", sz)
			}
			return view
		}
		for name, v := range map[string][]float64{"full": diag, "active set": act} {
			view := export(v)
			if !view.DiagonalX() {
				t.Fatalf("%+v %s: diagonal x block not recognized", sz, name)
			}
			for r := 0; r < 3; r++ {
				b := randVec(rng, pat.N)
				want, got := append([]float64(nil), b...), append([]float64(nil), b...)
				view.Solve(want)
				view.SolveDiagonalX(got)
				if d := relDiff(got, want); d > 1e-13 {
					t.Fatalf("%+v %s: SolveDiagonalX differs from Solve by %g", sz, name, d)
				}
				if r := relResidual(pat, v, got, b); r > 1e-10 {
					t.Fatalf("%+v %s: relative residual %g", sz, name, r)
				}
			}
		}
		if sz.nx > 1 {
			view := export(vals)
			offDiag := false
			for _, x := range view.lp {
				offDiag = offDiag || x != 0
			}
			if view.DiagonalX() != !offDiag {
				t.Errorf("%+v: DiagonalX %v with an x block factor that has nonzeros: %v", sz, view.DiagonalX(), offDiag)
			}
			for _, at := range []int{0, len(view.lp) / 2, len(view.lp) - 1} {
				lp := append([]float64(nil), view.lp...)
				clear(view.lp)
				view.lp[at] = 1e-300
				if view.DiagonalX() {
					t.Errorf("%+v: DiagonalX with a nonzero at %d of the factor", sz, at)
				}
				copy(view.lp, lp)
			}
		}
	}
}
