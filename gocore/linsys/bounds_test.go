package linsys

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// boxKKT is the KKT matrix of a box-constrained LP (or diagonal QP) on a
// fully dense upper pattern, as the dense layers pass it: x block diag(p)
// + δI (off-diagonal entries stored as zeros), mr dense rows (the first
// neq with H = −δ, as equality rows), then the box as 2nx rows of ±I with
// explicit zeros, H = −(h + δ). It returns the pattern, the values and
// the candidate rows (every row after the equalities).
func boxKKT(rng *rand.Rand, nx, neq, mr int, diagP bool) (*Pattern, []float64, []bool) {
	const delta = 1e-8
	m := mr + 2*nx
	n := nx + m
	full := make([]float64, n*n)
	set := func(i, j int, v float64) { full[i*n+j], full[j*n+i] = v, v }
	for j := 0; j < nx; j++ {
		v := delta
		if diagP {
			v += rng.Float64()
		}
		set(j, j, v)
	}
	for i := 0; i < mr; i++ {
		for j := 0; j < nx; j++ {
			set(nx+i, j, rng.NormFloat64())
		}
		h := -delta
		if i >= neq {
			h -= 0.01 + rng.Float64()
		}
		set(nx+i, nx+i, h)
	}
	for j := 0; j < nx; j++ {
		set(nx+mr+j, j, 1)
		set(nx+mr+nx+j, j, -1)
		set(nx+mr+j, nx+mr+j, -delta-0.01-rng.Float64())
		set(nx+mr+nx+j, nx+mr+nx+j, -delta-0.01-rng.Float64())
	}
	pat := &Pattern{N: n, Colptr: make([]int, n+1)}
	var vals []float64
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			// Row–row entries off the diagonal are structurally absent.
			if i >= nx && j >= nx && i != j {
				continue
			}
			pat.Rowval = append(pat.Rowval, i)
			vals = append(vals, full[i*n+j])
		}
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	cand := make([]bool, n)
	for i := nx + neq; i < n; i++ {
		cand[i] = true
	}
	return pat, vals, cand
}

// DenseBounds solves box-LP and diagonal-QP KKT systems on dense patterns
// (bound rows found from the values) like the dense LDLᵀ, multiplies
// like the matrix, reuses its classification while only H changes, and
// refuses values it does not suit: no bound rows, a nonzero off-diagonal
// x value, a complement dearer than the next form. Active-set systems
// (decoupled rows, variables without an active bound) are served only in
// active-set mode.
func TestDenseBounds(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, sz := range []struct {
		nx, neq, mr int
		diagP       bool
	}{{1, 0, 1, false}, {3, 1, 2, false}, {7, 2, 5, true}, {20, 3, 12, false}, {40, 5, 30, true}, {100, 10, 60, false}, {30, 4, 200, false}} {
		name := fmt.Sprintf("%+v", sz)
		pat, vals, cand := boxKKT(rng, sz.nx, sz.neq, sz.mr, sz.diagP)
		f, err := NewDenseBounds(pat, sz.nx, cand, 1e18)
		if err != nil {
			t.Fatal(err)
		}
		ref := NewDensePerm(pat, signsOf(pat.N, sz.nx), AMDOrder(pat)) // the accurate form of LPs
		check := func(what string, vals []float64) {
			t.Helper()
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%s %s: %v", name, what, err)
			}
			if err := ref.Factor(vals); err != nil {
				t.Fatal(err)
			}
			wantR := sz.mr
			if sz.nx == 1 {
				wantR = sz.neq // a dense inequality row of one variable is a bound row
			}
			if got := f.Rows(); got != wantR {
				t.Fatalf("%s %s: complement of order %d, want %d", name, what, got, wantR)
			}
			b := randVec(rng, pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			if r := relResidual(pat, vals, x, b); r > 1e-10 {
				t.Fatalf("%s %s: relative residual %g", name, what, r)
			}
			xr := append([]float64(nil), b...)
			ref.Solve(xr)
			// Equality rows have pivots −δ: compare after one refinement
			// step each (as kkt.System solves).
			refineOnce(pat, vals, b, f, x)
			refineOnce(pat, vals, b, ref, xr)
			if d := relDiff(x, xr); d > 1e-10 {
				t.Fatalf("%s %s: differs from the dense LDLᵀ by %g", name, what, d)
			}
			y, want := make([]float64, pat.N), make([]float64, pat.N)
			u := randVec(rng, pat.N)
			f.MulVec(u, y)
			SymMulVec(pat, vals, u, want)
			if d := relDiff(y, want); d > 1e-12 {
				t.Fatalf("%s %s: MulVec differs by %g", name, what, d)
			}
		}
		check("first", vals)
		// New H only (an interior-point iteration).
		v2 := append([]float64(nil), vals...)
		for j := sz.nx + sz.neq; j < pat.N; j++ {
			k := pat.Colptr[j+1] - 1 // the diagonal is last in its column
			v2[k] = -1e-8 - 1e-3*rng.Float64()
		}
		check("new H", v2)

		// A nonzero off-diagonal x value, then no bound rows: refused;
		// the form serves valid values again afterwards.
		if sz.nx > 1 {
			v3 := append([]float64(nil), vals...)
			v3[pat.Colptr[1]] = 0.5 // entry (0, 1)
			if err := f.Factor(v3); !errors.Is(err, ErrBoundsRefused) {
				t.Fatalf("%s: off-diagonal x value gave %v", name, err)
			}
		}
		v4 := append([]float64(nil), vals...)
		for j := sz.nx + sz.mr; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] < sz.nx {
					v4[k] = 0.25 // every box row now dense
				}
			}
		}
		if err := f.Factor(v4); sz.nx > 1 && !errors.Is(err, ErrBoundsRefused) {
			t.Fatalf("%s: no bound rows gave %v", name, err)
		}
		check("after refusals", vals)
		// Dearer than the next form: refused.
		g, _ := NewDenseBounds(pat, sz.nx, cand, 0)
		if err := g.Factor(vals); !errors.Is(err, ErrBoundsRefused) {
			t.Fatalf("%s: a dearer form gave %v", name, err)
		}
	}
}

// An active-set system (the solver's polish: active rows H = 0 up to −δ,
// inactive rows decoupled, a variable strictly inside its box without a
// bound row) is refused outside active-set mode and solved like the dense
// LDLᵀ in it.
func TestDenseBoundsActiveSet(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	nx, neq, mr := 12, 2, 10
	pat, vals, cand := boxKKT(rng, nx, neq, mr, false)
	m := mr + 2*nx
	// Active: the equalities, the dense rows 2..4 and the upper bound of
	// the variables 0..6 (2 + 3 + 7 = 12 = nx); everything else decoupled.
	active := make([]bool, m)
	for i := 0; i < 5; i++ {
		active[i] = true
	}
	for j := 0; j < 7; j++ {
		active[mr+j] = true
	}
	for j := nx; j < pat.N; j++ {
		i := j - nx
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			switch {
			case pat.Rowval[k] == j && active[i]:
				vals[k] = -1e-8
			case pat.Rowval[k] == j:
				vals[k] = -1 - 1e-8
			case !active[i]:
				vals[k] = 0
			}
		}
	}
	f, err := NewDenseBounds(pat, nx, cand, 1e18)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Factor(vals); !errors.Is(err, ErrBoundsRefused) {
		t.Fatalf("interior-point mode: variables without bounds gave %v", err)
	}
	f.SetActiveSet(true)
	if err := f.Factor(vals); err != nil {
		t.Fatal(err)
	}
	if got := f.Rows(); got != 5 {
		t.Fatalf("complement of order %d, want the 5 active rows that are not bound rows", got)
	}
	ref := NewDensePerm(pat, signsOf(pat.N, nx), AMDOrder(pat))
	if err := ref.Factor(vals); err != nil {
		t.Fatal(err)
	}
	b := randVec(rng, pat.N)
	x, xr := append([]float64(nil), b...), append([]float64(nil), b...)
	f.Solve(x)
	ref.Solve(xr)
	// Both factor the δ-regularized system (entries ~1/δ): compare the
	// solutions after one refinement step each.
	refineOnce(pat, vals, b, f, x)
	refineOnce(pat, vals, b, ref, xr)
	if d := relDiff(x, xr); d > 1e-9 {
		t.Fatalf("active-set solution differs from the dense LDLᵀ by %g", d)
	}
	if r := relResidual(pat, vals, x, b); r > 1e-10 {
		t.Fatalf("active-set relative residual %g", r)
	}
}

// refineOnce does one step of iterative refinement of x against K.
func refineOnce(pat *Pattern, vals, b []float64, fac Factorizer, x []float64) {
	r := make([]float64, pat.N)
	SymMulVec(pat, vals, x, r)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	fac.Solve(r)
	for i := range r {
		x[i] += r[i]
	}
}

func signsOf(n, nx int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = -1
		if i < nx {
			s[i] = 1
		}
	}
	return s
}
