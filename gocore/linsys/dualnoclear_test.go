package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestDenseDualScatterNoClear: the full scatter writes +0 + v into each
// position a value reaches instead of clearing buf first; the positions
// no value reaches (a sparse P's and A's structural zeros, a row without
// an H entry) keep NewDenseDual's +0, and an off-diagonal run of zeros
// skipped over a px that is not clean is written. Over seeded sparse
// patterns and a sequence of Factors on one factorizer — x blocks that
// alternate between diagonal (off-diagonal values ±0) and not, a
// diagonal shift (a regularization change), signed zeros and zero rows in
// A, NaN and ±Inf — buf is bit for bit the entry-by-entry scatter into a
// cleared buffer, and Factor's error and the solution of a right-hand
// side are a fresh factorizer's bit for bit.
func TestDenseDualScatterNoClear(t *testing.T) {
	rng := rand.New(rand.NewSource(91))
	nz := math.Copysign(0, -1)
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	kinds := map[string]int{}
	for trial := 0; trial < 30; trial++ {
		pat, nx, m, kindOf := noClearPattern(rng)
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		rhs := make([]float64, nx+m)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		for call := 0; call < 25; call++ {
			vals := make([]float64, len(kindOf))
			diagX := rng.Intn(2) == 0
			shift := float64(rng.Intn(3)) // the diagonal's regularization
			zeroRow := rng.Intn(m + 2)    // a row of A of ±0 (none when ≥ m)
			for k, kd := range kindOf {
				switch kd {
				case "pdiag":
					vals[k] = 2 + shift + rng.Float64()
					if rng.Intn(40) == 0 {
						vals[k] = nz // a run of one value
					}
				case "poff":
					if diagX {
						vals[k] = 0
						if rng.Intn(3) == 0 {
							vals[k] = nz
						}
					} else {
						vals[k] = 0.2 * rng.NormFloat64()
					}
				case "a":
					vals[k] = rng.NormFloat64()
					if rng.Intn(6) == 0 {
						vals[k] = nz
					}
				case "h":
					vals[k] = -1 - rng.Float64()
					if rng.Intn(20) == 0 {
						vals[k] = nz
					}
				}
			}
			if zeroRow < m {
				for j := pat.Colptr[nx+zeroRow]; j < pat.Colptr[nx+zeroRow+1]; j++ {
					if kindOf[j] == "a" {
						vals[j] = nz
					}
				}
				kinds["zero row"]++
			}
			if rng.Intn(6) == 0 {
				k := rng.Intn(len(vals))
				vals[k] = bad[rng.Intn(len(bad))]
				kinds["bad "+kindOf[k]]++
			}
			if diagX {
				kinds["diagonal"]++
			} else {
				kinds["off"]++
			}
			got := f.Factor(vals)
			g, err := NewDenseDual(pat, nx)
			if err != nil {
				t.Fatal(err)
			}
			want := g.Factor(vals)
			if (got == nil) != (want == nil) || (got == ErrSingular) != (want == ErrSingular) {
				t.Fatalf("trial %d call %d: Factor error %v, fresh factorizer's %v", trial, call, got, want)
			}
			sameBuf(t, fmt.Sprintf("trial %d call %d", trial, call), f, refScatter(f, vals))
			if got != nil {
				continue
			}
			x, y := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
			f.Solve(x)
			g.Solve(y)
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("trial %d call %d: x[%d] = %v, fresh factorizer's %v", trial, call, i, x[i], y[i])
				}
			}
			kinds["solved"]++
		}
	}
	for _, k := range []string{"diagonal", "off", "zero row", "solved", "bad poff", "bad a"} {
		if kinds[k] == 0 {
			t.Fatalf("no call of kind %q (%v)", k, kinds)
		}
	}
}

// noClearPattern returns a seeded sparse KKT pattern without duplicate
// entries (x block of order nx: P's diagonal and some entries above it;
// m rows, each with some A entries and, most of them, an H entry) and
// the block of each value: "pdiag", "poff", "a" or "h".
func noClearPattern(rng *rand.Rand) (pat *Pattern, nx, m int, kindOf []string) {
	nx, m = 2+rng.Intn(9), 1+rng.Intn(7)
	b := newUpperBuilder(nx + m)
	for j := 0; j < nx; j++ {
		b.add(j, j, 1)
		for i := 0; i < j; i++ {
			if rng.Intn(3) == 0 {
				b.add(i, j, 0.1)
			}
		}
	}
	for r := 0; r < m; r++ {
		for j := 0; j < nx; j++ {
			if rng.Intn(2) == 0 {
				b.add(j, nx+r, 1)
			}
		}
		if rng.Intn(5) != 0 {
			b.add(nx+r, nx+r, -1)
		}
	}
	pat, _ = b.build()
	kind := func(k int) string { // the block of value k
		j := 0
		for pat.Colptr[j+1] <= k {
			j++
		}
		i := pat.Rowval[k]
		switch {
		case j < nx && i == j:
			return "pdiag"
		case j < nx:
			return "poff"
		case i < nx:
			return "a"
		}
		return "h"
	}
	kindOf = make([]string, pat.Colptr[nx+m])
	for k := range kindOf {
		kindOf[k] = kind(k)
	}
	return pat, nx, m, kindOf
}

// TestDenseDualScatterNoClearSequence: the full scatter without a clear
// after the paths that write buf otherwise. On seeded patterns without
// duplicates (noClearPattern), one factorizer runs cycles of a full
// scatter (new values, −0 among A's and H's; the comparison copy kept in
// prev or read back from buf), an H-only Factor (new H values, −0 among
// them, which writeH stores as is; announced by version or found by the
// comparison) and a zero-row Factor (whole A rows set to ±0 and new H
// values, announced by SetValuesVersionZeroRows or found by maskFrom:
// the rows are masked, C kept), then the next cycle's full scatter. After
// each, buf is bit for bit the reference: the entry-by-entry scatter of
// the values after a full scatter; after the others, that of the last
// full scatter with the H positions holding the new H values as is (the
// A rows are not written). C is formed once per full scatter only; the
// solution of a right-hand side is a fresh factorizer's bit for bit after
// a full scatter and an H-only Factor, and to 1e-12 after a zero-row one
// (C's products group the rows otherwise: rounding).
func TestDenseDualScatterNoClearSequence(t *testing.T) {
	defer func(v int) { scatterCompareMin = v }(scatterCompareMin)
	scatterCompareMin = 0 // storeScattered where the scatter is exact
	rng := rand.New(rand.NewSource(93))
	nz := math.Copysign(0, -1)
	kinds := map[string]int{}
	for trial := 0; trial < 40; trial++ {
		pat, nx, m, kindOf := noClearPattern(rng)
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		f.keepPrev = trial%3 == 2
		rhs := randVec(rng, nx+m)
		// rowA[r]: the value indices of row r's A entries.
		rowA := make([][]int, m)
		for r := 0; r < m; r++ {
			for k := pat.Colptr[nx+r]; k < pat.Colptr[nx+r+1]; k++ {
				if kindOf[k] == "a" {
					rowA[r] = append(rowA[r], k)
				}
			}
		}
		newH := func(vals []float64) {
			for k, kd := range kindOf {
				if kd == "h" {
					vals[k] = -1 - rng.Float64()
					if rng.Intn(4) == 0 {
						vals[k] = nz
					}
				}
			}
		}
		// withH is the reference after a Factor that wrote only H: the
		// last full scatter's buffer with vals' H values as they are.
		withH := func(full, vals []float64) []float64 {
			ref := append([]float64(nil), full...)
			for k, kd := range kindOf {
				if kd == "h" {
					ref[f.dst[k]] = vals[k]
				}
			}
			return ref
		}
		sameAsFresh := func(what string, vals []float64, got error, exact bool) {
			t.Helper()
			g, err := NewDenseDual(pat, nx)
			if err != nil {
				t.Fatal(err)
			}
			if want := g.Factor(vals); got != want {
				t.Fatalf("%s: Factor %v, fresh factorizer's %v", what, got, want)
			}
			if got != nil {
				return
			}
			x, y := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
			f.Solve(x)
			g.Solve(y)
			for i := range x {
				if exact && math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("%s: x[%d] = %v, fresh factorizer's %v", what, i, x[i], y[i])
				}
			}
			if d := relDiff(x, y); d > 1e-12 {
				t.Fatalf("%s: solution differs from a fresh factorizer's by %g", what, d)
			}
			kinds["solved"]++
		}
		ver := uint64(0)
		for cycle := 0; cycle < 4; cycle++ {
			what := fmt.Sprintf("trial %d cycle %d", trial, cycle)
			// The full scatter.
			vals := make([]float64, len(kindOf))
			diagX := rng.Intn(2) == 0
			for k, kd := range kindOf {
				switch kd {
				case "pdiag":
					vals[k] = 2 + rng.Float64()
				case "poff":
					if !diagX {
						vals[k] = 0.2 * rng.NormFloat64()
					}
				case "a":
					vals[k] = rng.NormFloat64()
					if rng.Intn(8) == 0 {
						vals[k] = nz
					}
				}
			}
			newH(vals)
			ver++
			f.SetValuesVersion(ver)
			forms := f.Forms
			err := f.Factor(vals)
			if f.Forms != forms+1 {
				t.Fatalf("%s: full scatter formed C %d times", what, f.Forms-forms)
			}
			full := refScatter(f, vals)
			sameBuf(t, what+" full scatter", f, full)
			sameAsFresh(what+" full scatter", vals, err, true)
			if f.hc.prevOK {
				kinds["prev"]++
			} else {
				kinds["scattered"]++
			}

			// H alone changes.
			announce := rng.Intn(2) == 0
			newH(vals)
			if announce {
				f.SetValuesVersion(ver)
			}
			forms, skips := f.Forms, f.VersionSkips()
			err = f.Factor(vals)
			if f.Forms != forms || f.masked {
				t.Fatalf("%s H only: C formed %d times, masked %v", what, f.Forms-forms, f.masked)
			}
			if got := f.VersionSkips() - skips; got != map[bool]int{true: 1, false: 0}[announce] {
				t.Fatalf("%s H only (announced %v): %d comparisons skipped", what, announce, got)
			}
			sameBuf(t, what+" H only", f, withH(full, vals))
			sameAsFresh(what+" H only", vals, err, true)
			kinds[fmt.Sprintf("H only, announced %v", announce)]++

			// Whole A rows set to ±0 (rows with A entries; those nonzero
			// in the last full scatter must be masked, a zero one may be).
			var rows, byVal []int
			for r := 0; r < m; r++ {
				if len(rowA[r]) > 0 && (len(rows) == 0 || rng.Intn(3) == 0) {
					rows = append(rows, r)
					byVal = append(byVal, rowA[r][rng.Intn(len(rowA[r]))])
				}
			}
			if len(rows) == 0 {
				continue
			}
			newH(vals)
			for _, r := range rows {
				for _, k := range rowA[r] {
					vals[k] = []float64{0, nz}[rng.Intn(2)]
				}
			}
			announce = announce && rng.Intn(3) != 0 // the version of the last full scatter is still prev's
			if announce {
				f.SetValuesVersionZeroRows(ver, byVal)
			}
			forms, skips = f.Forms, f.VersionSkips()
			err = f.Factor(vals)
			if f.Forms != forms {
				t.Fatalf("%s zero rows: C formed again", what)
			}
			if got := f.VersionSkips() - skips; got != map[bool]int{true: 1, false: 0}[announce] {
				t.Fatalf("%s zero rows (announced %v): %d comparisons skipped", what, announce, got)
			}
			for _, r := range rows {
				nonzero := false
				for _, k := range rowA[r] {
					nonzero = nonzero || full[f.dst[k]] != 0
				}
				if nonzero && !f.mask[r] {
					t.Fatalf("%s zero rows: row %d, nonzero in the last full scatter, not masked", what, r)
				}
				if f.mask[r] {
					kinds["masked"]++
				}
			}
			sameBuf(t, what+" zero rows", f, withH(full, vals))
			kinds[fmt.Sprintf("zero rows, announced %v", announce)]++
			sameAsFresh(what+" zero rows", vals, err, false)
		}
	}
	for _, k := range []string{"prev", "scattered", "solved", "masked", "H only, announced true", "H only, announced false",
		"zero rows, announced true", "zero rows, announced false"} {
		if kinds[k] < 5 {
			t.Fatalf("%d calls of kind %q (%v): too few", kinds[k], k, kinds)
		}
	}
}
