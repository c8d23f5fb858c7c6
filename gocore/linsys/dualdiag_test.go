package linsys

import (
	"math"
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
			// The scan of an unmarked record (a diagonal x block's record
			// is marked, and DiagonalX does not read its factor).
			view.diag = false
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

// TestDenseDualDiagonalXAfterDense: a DenseDual that factored a dense x
// block and then a diagonal one (formC keeps the dense factor's L in lp
// then: it is not read for a diagonal block) exports the record a
// DenseDual factoring the diagonal values alone writes, bit for bit,
// marked diagonal (−nx first) with L's words unwritten, and solves as
// that one does (so does the record, without reading those words); a
// DenseDual that only ever factored diagonal x blocks has no x-block
// factor buffer, and the dense block after them factors as a fresh
// DenseDual does.
func TestDenseDualDiagonalXAfterDense(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, sz := range []struct{ nx, m int }{{3, 2}, {13, 8}, {40, 17}} {
		pat, dense, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		diag := append([]float64(nil), dense...)
		for j := 0; j < sz.nx; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if i := pat.Rowval[k]; i < sz.nx && i != j {
					diag[k] = 0
				}
			}
		}
		record := func(f *DenseDual, v []float64) []float64 {
			t.Helper()
			if err := f.Factor(v); err != nil {
				t.Fatalf("%+v: %v", sz, err)
			}
			buf := make([]float64, DualFactorLen(sz.nx, min(sz.nx, sz.m)))
			for i := range buf {
				buf[i] = 7 // not a value ExportFactor writes
			}
			return buf[:f.ExportFactor(buf)]
		}
		solve := func(f *DenseDual, b []float64) []float64 {
			x := append([]float64(nil), b...)
			f.Solve(x)
			return x
		}
		fresh, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		want := record(fresh, diag)
		if fresh.lp != nil {
			t.Fatalf("%+v: a DenseDual of diagonal x blocks only has an x-block factor buffer", sz)
		}
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		record(f, dense)
		got := record(f, diag)
		if len(got) == 0 || len(got) != len(want) {
			t.Fatalf("%+v: record of %d words, want %d", sz, len(got), len(want))
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%+v: record word %d is %g, a fresh DenseDual writes %g", sz, i, got[i], want[i])
			}
		}
		if want[0] != -float64(sz.nx) {
			t.Fatalf("%+v: a diagonal x block's record starts with %g, want the mark %d", sz, want[0], -sz.nx)
		}
		b := randVec(rng, pat.N)
		x := solve(f, b)
		if y := solve(fresh, b); relDiff(x, y) != 0 {
			t.Fatalf("%+v: solve after a dense x block differs from a fresh one by %g", sz, relDiff(x, y))
		}
		// The marked record solves without reading its unwritten factor
		// words (7s here): both of DualFactor's solves match DenseDual's.
		view, ok := ParseDualFactor(got, sz.nx, sz.m)
		if !ok || !view.DiagonalX() {
			t.Fatalf("%+v: marked record not parsed (%v) or not diagonal", sz, ok)
		}
		for _, diagSolve := range []bool{false, true} {
			y := append([]float64(nil), b...)
			if diagSolve {
				view.SolveDiagonalX(y)
			} else {
				view.Solve(y)
			}
			if d := relDiff(y, x); d > 1e-13 {
				t.Fatalf("%+v: record solve (diagonal %v) differs from DenseDual's by %g", sz, diagSolve, d)
			}
		}
		// Dense after diagonal: the buffer appears, the factor is a fresh one's.
		ref, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		wantDense := record(ref, dense)
		gotDense := record(fresh, dense)
		for i := range gotDense {
			if math.Float64bits(gotDense[i]) != math.Float64bits(wantDense[i]) {
				t.Fatalf("%+v: dense record word %d after diagonal blocks is %g, want %g", sz, i, gotDense[i], wantDense[i])
			}
		}
		if x, y := solve(fresh, b), solve(ref, b); relDiff(x, y) != 0 {
			t.Fatalf("%+v: dense solve after diagonal blocks differs by %g", sz, relDiff(x, y))
		}
	}
}
