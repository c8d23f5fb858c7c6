package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// TestDenseDualZeroRowsVersion checks SetValuesVersionZeroRows: values
// announced as the last full scatter's version but for whole A rows set
// to zero (kkt.System's active-set systems of the polish) give, without
// any comparison of the values, the solutions and products of the
// comparison path (maskFrom) bit for bit, and a fresh factorization's to
// 1e-10; a row that was already zero is named without effect, and an
// announcement of another version or naming a value that is not an A
// value falls back to the comparisons. Announcing the rows but masking
// none (or treating the values as the version's) fails the fresh check.
func TestDenseDualZeroRowsVersion(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	for _, sz := range []struct{ nx, m int }{{6, 3}, {13, 8}, {17, 40}, {45, 33}, {60, 90}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		// Row 0's A values are zero in the data: naming it masks nothing.
		for j := sz.nx; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if j == sz.nx && pat.Rowval[k] < sz.nx {
					vals[k] = 0
				}
			}
		}
		newDual := func() *DenseDual {
			f, err := NewDenseDual(pat, sz.nx)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		solve := func(f *DenseDual, what string, vals []float64) ([]float64, []float64) {
			t.Helper()
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%+v %s: %v", sz, what, err)
			}
			b := randVec(rand.New(rand.NewSource(1)), pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			y := make([]float64, pat.N)
			f.MulVec(x, y)
			return x, y
		}
		// Decouple rows 0, 1, 4, 7, …: A entries zero, H = 1; rows names
		// each by one of its A value indices (the last), notA is an
		// x-block value index.
		act := append([]float64(nil), vals...)
		var rows []int
		notA := -1
		for j := 0; j < pat.N; j++ {
			last := -1
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				i := pat.Rowval[k]
				r := j - sz.nx
				dec := j >= sz.nx && (r == 0 || r%3 == 1)
				switch {
				case j < sz.nx && i == j && notA < 0:
					notA = k
				case dec && i == j:
					act[k] = -1
				case dec && i < sz.nx:
					act[k], last = 0, k
				case j >= sz.nx && i == j:
					act[k] -= rng.Float64()
				}
			}
			if last >= 0 {
				rows = append(rows, last)
			}
		}
		const v = 41
		// Reference: the comparison path (no version) and a fresh form.
		cmp := newDual()
		cmp.SetValuesVersion(v)
		solve(cmp, "full", vals)
		xc, yc := solve(cmp, "compared", act)
		xf, _ := solve(newDual(), "fresh", act)
		if d := relDiff(xc, xf); d > 1e-10 {
			t.Fatalf("%+v: comparison path differs from a fresh factorization by %g", sz, d)
		}

		f := newDual()
		f.SetValuesVersion(v)
		solve(f, "full", vals)
		// Announced: the rows are masked without comparing (a skip).
		f.SetValuesVersionZeroRows(v, rows)
		x, y := solve(f, "announced", act)
		if f.Forms != 1 || f.VersionSkips() != 1 {
			t.Fatalf("%+v: announced rows: C formed %d times, %d skips", sz, f.Forms, f.VersionSkips())
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(xc[i]) || math.Float64bits(y[i]) != math.Float64bits(yc[i]) {
				t.Fatalf("%+v: index %d: announced %v, %v; compared %v, %v", sz, i, x[i], y[i], xc[i], yc[i])
			}
		}
		if f.mask[0] {
			t.Fatalf("%+v: row 0, zero in the data, was masked", sz)
		}
		// The full system again (its version): nothing masked.
		f.SetValuesVersion(v)
		solve(f, "full again", vals)
		if f.masked || f.Forms != 1 {
			t.Fatalf("%+v: full system after the mask: masked %v, C formed %d times", sz, f.masked, f.Forms)
		}
		// Another version, or a named value outside A: compared (and
		// still right).
		for _, c := range []struct {
			what string
			ver  uint64
			rows []int
		}{{"other version", v + 1, rows}, {"not an A value", v, append(append([]int(nil), rows...), notA)}} {
			skips := f.VersionSkips()
			f.SetValuesVersionZeroRows(c.ver, c.rows)
			x, _ := solve(f, c.what, act)
			if f.VersionSkips() != skips {
				t.Fatalf("%+v %s: comparison skipped", sz, c.what)
			}
			if d := relDiff(x, xf); d > 1e-10 {
				t.Fatalf("%+v %s: differs from a fresh factorization by %g", sz, c.what, d)
			}
			f.SetValuesVersion(v)
			solve(f, "full", vals)
		}
	}
}
