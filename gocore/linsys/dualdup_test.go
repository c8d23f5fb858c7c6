package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// withDuplicates returns pat with some entries repeated (each copy right
// after its entry, in the same column: a position that two values reach)
// and, for each entry of the new pattern, the index of its entry in pat.
// hDup says whether a row-diagonal (H) entry may be repeated.
func withDuplicates(rng *rand.Rand, pat *Pattern, nx int, hDup bool) (*Pattern, []int) {
	d := &Pattern{N: pat.N, Colptr: make([]int, pat.N+1)}
	var origin []int
	for j := 0; j < pat.N; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			d.Rowval = append(d.Rowval, i)
			origin = append(origin, k)
			if isH := i == j && j >= nx; (!isH || hDup) && rng.Intn(3) == 0 {
				d.Rowval = append(d.Rowval, i)
				origin = append(origin, k)
			}
		}
		d.Colptr[j+1] = len(d.Rowval)
	}
	return d, origin
}

// TestDenseDualDuplicateEntries: a pattern with duplicate entries (kkt.
// Analyse accepts them) has two values reaching one position of the
// scatter buffer, which must hold their sum, +0 + v1 + v2, as a clear and
// the entry-by-entry scatter leave (dupDst: the full scatter clears and
// adds instead of writing +0 + v). Over seeded patterns — duplicates in
// P's diagonal and off-diagonal, A and, in some, H (dupH: the H-only
// fast paths are not taken) — and a sequence of Factors (new values, H
// alone changed, an A row zeroed, diagonal and dense x blocks), buf is
// bit for bit the entry-by-entry scatter into a cleared buffer (but where
// an A row is masked instead of scattered), and the error and the
// solution are bit for bit those of a factorizer of the pattern without
// duplicates given the merged values (0 + v1) + v2 (a fresh one where
// dupH: both scatter in full). The H-only paths taken with a duplicate H
// entry (main before dupH) fail it: they wrote one of the two values.
func TestDenseDualDuplicateEntries(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	dups, hdups, solved := 0, 0, 0
	for trial := 0; trial < 40; trial++ {
		nx, m := 1+rng.Intn(12), 1+rng.Intn(8)
		b := newUpperBuilder(nx + m)
		for j := 0; j < nx; j++ {
			b.add(j, j, 1)
			for i := 0; i < j; i++ {
				if rng.Intn(2) == 0 {
					b.add(i, j, 0.1)
				}
			}
		}
		for r := 0; r < m; r++ {
			for j := 0; j < nx; j++ {
				if rng.Intn(3) != 0 {
					b.add(j, nx+r, 1)
				}
			}
			b.add(nx+r, nx+r, -1)
		}
		base, _ := b.build()
		pat, origin := withDuplicates(rng, base, nx, trial%2 == 1)
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		g, err := NewDenseDual(base, nx)
		if err != nil {
			t.Fatal(err)
		}
		hasDup, hasH := len(origin) > len(base.Rowval), false
		for k := 1; k < len(origin); k++ {
			if origin[k] == origin[k-1] {
				i := base.Rowval[origin[k]]
				hasH = hasH || (i >= nx && base.Colptr[i] <= origin[k] && origin[k] < base.Colptr[i+1])
			}
		}
		if !hasDup {
			continue // no entry was repeated
		}
		dups++
		if hasH {
			hdups++
		}
		kindOf := func(k int) (i, j int) {
			j = 0
			for pat.Colptr[j+1] <= k {
				j++
			}
			return pat.Rowval[k], j
		}
		vals := make([]float64, len(origin))
		rhs := make([]float64, nx+m)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		for call := 0; call < 12; call++ {
			step := call % 4 // 0: all new, 1: H alone, 2: an A row zeroed, 3: a diagonal x block
			for k := range vals {
				i, j := kindOf(k)
				switch {
				case i == j && j >= nx:
					vals[k] = -0.5 - rng.Float64()
				case step == 1 || step == 2:
				case i == j:
					vals[k] = 1 + rng.Float64()
				case j < nx && step == 3:
					vals[k] = 0
				default:
					vals[k] = 0.3 * rng.NormFloat64()
				}
			}
			if step == 2 {
				r := rng.Intn(m)
				for k := pat.Colptr[nx+r]; k < pat.Colptr[nx+r+1]; k++ {
					if pat.Rowval[k] < nx {
						vals[k] = 0
					}
				}
			}
			merged := make([]float64, len(base.Rowval))
			for k, v := range vals {
				merged[origin[k]] += v
			}
			got, want := f.Factor(vals), g.Factor(merged)
			h := g
			if hasH {
				// f scatters in full every time: so does a fresh
				// factorizer (g masks a zeroed A row).
				if h, err = NewDenseDual(base, nx); err != nil {
					t.Fatal(err)
				}
				want = h.Factor(merged)
			}
			if got != want {
				t.Fatalf("trial %d call %d: Factor %v, without duplicates %v", trial, call, got, want)
			}
			if step != 2 || hasH { // masked rows: buf keeps the last full scatter's
				sameBuf(t, fmt.Sprintf("trial %d call %d", trial, call), f, refScatter(f, vals))
			}
			if got != nil {
				continue
			}
			x, y := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
			f.Solve(x)
			h.Solve(y)
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("trial %d call %d: x[%d] = %v, without duplicates %v", trial, call, i, x[i], y[i])
				}
			}
			solved++
		}
	}
	if dups < 20 || hdups < 5 || solved < 100 {
		t.Fatalf("%d patterns with duplicates, %d in H, %d solves: too few to exercise the scatter", dups, hdups, solved)
	}
}

// TestDupTargets: dupTargets finds a position two values reach (in dst,
// in dst2, or one in each) and whether it is one of H's, and nothing in a
// pattern without one.
func TestDupTargets(t *testing.T) {
	for _, c := range []struct {
		name      string
		dst, dst2 []int
		hDst      []int
		dup, dupH bool
	}{
		{"none", []int{0, 1, 5, 63, 64}, []int{-1, 2, -1, -1, -1}, []int{64}, false, false},
		{"in dst", []int{0, 1, 1, 64}, []int{-1, -1, -1, -1}, []int{64}, true, false},
		{"dst and dst2", []int{0, 1, 2, 64}, []int{-1, 2, -1, -1}, []int{64}, true, false},
		{"in dst2", []int{0, 1, 3, 64}, []int{5, -1, 5, -1}, []int{64}, true, false},
		{"in H", []int{0, 64, 64}, []int{-1, -1, -1}, []int{64, 64}, true, true},
		{"last word", []int{127, 127}, []int{-1, -1}, nil, true, false},
	} {
		dup, dupH := dupTargets(128, c.dst, c.dst2, c.hDst)
		if dup != c.dup || dupH != c.dupH {
			t.Errorf("%s: dupTargets = %v, %v; want %v, %v", c.name, dup, dupH, c.dup, c.dupH)
		}
	}
}
