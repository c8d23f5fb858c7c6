package linsys

import (
	"errors"
	"math/rand"
	"testing"
)

// DenseDual solves random quasi-definite KKT systems (odd sizes, more and
// fewer rows than variables, rows with H = 0) to near machine precision,
// forms C once while only the row block changes and again when the x block
// or A changes, multiplies like the matrix, and refuses a singular x block.
func TestDenseDual(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	// 131 and 200: P x from P's lower triangle (symMulLower), odd tail.
	for _, sz := range []struct{ nx, m int }{{1, 1}, {3, 2}, {5, 9}, {13, 8}, {17, 40}, {45, 33}, {60, 200}, {200, 5}, {131, 7}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, vals []float64) {
			t.Helper()
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%+v %s: %v", sz, what, err)
			}
			b := randVec(rng, pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			if r := relResidual(pat, vals, x, b); r > 1e-10 {
				t.Fatalf("%+v %s: relative residual %g", sz, what, r)
			}
			y, want := make([]float64, pat.N), make([]float64, pat.N)
			f.MulVec(x, y)
			SymMulVec(pat, vals, x, want)
			if d := relDiff(y, want); d > 1e-12 {
				t.Fatalf("%+v %s: MulVec differs by %g", sz, what, d)
			}
		}
		check("first", vals)
		// New row-block values only: C is reused.
		v2 := append([]float64(nil), vals...)
		for j := sz.nx; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] == j {
					v2[k] -= rng.Float64()
				}
			}
		}
		check("new H", v2)
		if f.Forms != 1 {
			t.Fatalf("%+v: C formed %d times for one x block", sz, f.Forms)
		}
		// New x block: C is formed again.
		for j := 0; j < sz.nx; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] == j {
					v2[k] *= 2
				}
			}
		}
		check("new P", v2)
		if f.Forms != 2 {
			t.Fatalf("%+v: C formed %d times for two x blocks", sz, f.Forms)
		}
		// A singular x block (P = 0, δ = 0) is refused.
		v3 := append([]float64(nil), vals...)
		for j := 0; j < sz.nx; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] < sz.nx {
					v3[k] = 0
				}
			}
		}
		if err := f.Factor(v3); !errors.Is(err, ErrDualSingular) {
			t.Fatalf("%+v: singular x block gave %v", sz, err)
		}
		check("after a refusal", vals)
	}
}

// DenseDual refuses coupled constraint rows.
func TestDenseDualCoupledRows(t *testing.T) {
	b := newUpperBuilder(3)
	b.add(0, 0, 1)
	b.add(1, 1, -1)
	b.add(2, 2, -1)
	b.add(1, 2, 0.5)
	pat, _ := b.build()
	if _, err := NewDenseDual(pat, 1); err == nil {
		t.Fatal("coupled rows accepted")
	}
}

// DenseSchur with candidates coupled to one row (box rows) next to dense
// ones, above the blocked product's threshold: the dense blocks hold only
// the dense candidates (stride neD), in both forms.
func TestDenseSchurBoxRowsBlocked(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	nx, md := blockMin+5, 37
	n := nx + md + nx
	b := newUpperBuilder(n)
	for j := 0; j < nx; j++ {
		b.add(j, j, 1+rng.Float64())
		if j > 0 {
			b.add(j-1, j, 0.1*rng.NormFloat64())
		}
	}
	for r := 0; r < md; r++ {
		for j := 0; j < nx; j++ {
			b.add(j, nx+r, rng.NormFloat64())
		}
		b.add(nx+r, nx+r, -(0.5 + rng.Float64()))
	}
	for j := 0; j < nx; j++ {
		b.add(j, nx+md+j, 1)
		b.add(nx+md+j, nx+md+j, -(1e-3 + rng.Float64()))
	}
	pat, vals := b.build()
	signs := make([]float64, n)
	cand := make([]bool, n)
	for i := range signs {
		signs[i] = 1
		if i >= nx {
			signs[i], cand[i] = -1, true
		}
	}
	for _, fast := range []bool{false, true} {
		f, err := NewDenseSchur(pat, signs, cand)
		if err != nil {
			t.Fatal(err)
		}
		f.SetFast(fast)
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
		rhs := randVec(rng, n)
		x := append([]float64(nil), rhs...)
		f.Solve(x)
		if r := relResidual(pat, vals, x, rhs); r > 1e-10 {
			t.Fatalf("fast %v: relative residual %g", fast, r)
		}
	}
}

// An active-set system of the same data (A rows of decoupled rows set to
// zero, H changed) reuses C with those rows masked: no new C, the same
// accuracy as a factorization from scratch, and the mask is dropped again
// for the full system.
func TestDenseDualMaskedRows(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, sz := range []struct{ nx, m int }{{6, 3}, {13, 8}, {17, 40}, {45, 33}, {60, 90}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		solve := func(f *DenseDual, what string, vals []float64) []float64 {
			t.Helper()
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%+v %s: %v", sz, what, err)
			}
			b := randVec(rand.New(rand.NewSource(1)), pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			if r := relResidual(pat, vals, x, b); r > 1e-10 {
				t.Fatalf("%+v %s: relative residual %g", sz, what, r)
			}
			y, want := make([]float64, pat.N), make([]float64, pat.N)
			f.MulVec(x, y)
			SymMulVec(pat, vals, x, want)
			if d := relDiff(y, want); d > 1e-12 {
				t.Fatalf("%+v %s: MulVec differs by %g", sz, what, d)
			}
			return x
		}
		solve(f, "full", vals)
		// Decouple every other row: zero its A entries, H = 1.
		act := append([]float64(nil), vals...)
		for j := 0; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				i := pat.Rowval[k]
				switch {
				case j >= sz.nx && i == j && (j-sz.nx)%2 == 1:
					act[k] = -1
				case j >= sz.nx && i < sz.nx && (j-sz.nx)%2 == 1:
					act[k] = 0
				}
			}
		}
		x := solve(f, "active set", act)
		if f.Forms != 1 || !f.masked {
			t.Fatalf("%+v: C formed %d times, masked %v", sz, f.Forms, f.masked)
		}
		if d := relDiff(x, solve(fresh, "fresh", act)); d > 1e-10 {
			t.Fatalf("%+v: masked solution differs from a fresh factorization by %g", sz, d)
		}
		solve(f, "full again", vals)
		if f.Forms != 1 || f.masked {
			t.Fatalf("%+v: full system after the mask: C formed %d times, masked %v", sz, f.Forms, f.masked)
		}
		// A row only partly zeroed is new data: C is formed again.
		part := append([]float64(nil), vals...)
		found := false
		for j := sz.nx; j < pat.N && !found; j++ {
			var nz []int
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] < sz.nx && part[k] != 0 {
					nz = append(nz, k)
				}
			}
			if len(nz) >= 2 {
				part[nz[0]], found = 0, true
			}
		}
		if !found {
			t.Fatalf("%+v: no row with two A entries", sz)
		}
		solve(f, "partly zeroed row", part)
		if f.Forms != 2 || f.masked {
			t.Fatalf("%+v: partly zeroed row: C formed %d times, masked %v", sz, f.Forms, f.masked)
		}
	}
}

// cvxpyKKT is the KKT matrix of cvxpy's form of ½‖Lz‖² + … with mi
// inequality rows: indices z (nz), t (nz, P = diag > 0), the rows
// Lz − t = 0 (H = 0) and Gz + s = h (H = −diag < 0); every diagonal is in
// the pattern, z's with the value 0. The extended order and signs are
// returned too (t, rows t, z; then the inequality rows).
func cvxpyKKT(rng *rand.Rand, nz, mi int, L []float64) (*Pattern, []float64, []int, []float64) {
	n := 3*nz + mi
	K := make([]float64, n*n) // upper triangle used
	set := func(i, j int, v float64) {
		if i > j {
			i, j = j, i
		}
		K[i*n+j] = v
	}
	for i := 0; i < nz; i++ {
		set(nz+i, nz+i, 0.5+rng.Float64())
		set(2*nz+i, nz+i, -1)
		for j := 0; j < nz; j++ {
			set(2*nz+i, j, L[i*nz+j])
		}
	}
	for i := 0; i < mi; i++ {
		r := 3*nz + i
		set(r, r, -(0.1 + rng.Float64()))
		for j := 0; j < nz; j++ {
			set(r, j, rng.NormFloat64())
		}
	}
	pat := &Pattern{N: n, Colptr: make([]int, n+1)}
	var vals []float64
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			if v := K[i*n+j]; v != 0 || i == j {
				pat.Rowval = append(pat.Rowval, i)
				vals = append(vals, v)
			}
		}
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	var order []int
	var signs []float64
	for i := 0; i < nz; i++ {
		order, signs = append(order, nz+i), append(signs, 1)
	}
	for i := 0; i < nz; i++ {
		order, signs = append(order, 2*nz+i), append(signs, -1)
	}
	for i := 0; i < nz; i++ {
		order, signs = append(order, i), append(signs, 1)
	}
	for i := 0; i < mi; i++ {
		order = append(order, 3*nz+i)
	}
	return pat, vals, order, signs
}

// DenseDual with an extended x block (variables and equality rows) solves
// cvxpy's form of a dense QP, whose P is singular on z, to near machine
// precision, multiplies like the matrix, forms C once while only H
// changes, and refuses the block when L is singular.
func TestDenseDualExtended(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, sz := range []struct{ nz, mi int }{{1, 1}, {3, 5}, {8, 3}, {17, 17}, {40, 64}, {70, 50}} {
		L := make([]float64, sz.nz*sz.nz)
		for i := range L {
			L[i] = rng.Float64()
		}
		pat, vals, order, signs := cvxpyKKT(rng, sz.nz, sz.mi, L)
		f, err := NewDenseDualOrder(pat, 3*sz.nz, order, signs)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, vals []float64) {
			t.Helper()
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%+v %s: %v", sz, what, err)
			}
			b := randVec(rng, pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			if r := relResidual(pat, vals, x, b); r > 1e-9 {
				t.Fatalf("%+v %s: relative residual %g", sz, what, r)
			}
			y, want := make([]float64, pat.N), make([]float64, pat.N)
			f.MulVec(x, y)
			SymMulVec(pat, vals, x, want)
			if d := relDiff(y, want); d > 1e-12 {
				t.Fatalf("%+v %s: MulVec differs by %g", sz, what, d)
			}
		}
		check("first", vals)
		v2 := append([]float64(nil), vals...)
		for j := 3 * sz.nz; j < pat.N; j++ {
			k := pat.Colptr[j+1] - 1 // the diagonal, last in its column
			v2[k] -= rng.Float64()
		}
		check("new H", v2)
		if f.Forms != 1 {
			t.Fatalf("%+v: C formed %d times for one x block", sz, f.Forms)
		}
		// L = 0: z's pivots are 0, the block is refused.
		pz, vz, _, _ := cvxpyKKT(rand.New(rand.NewSource(1)), sz.nz, sz.mi, make([]float64, sz.nz*sz.nz))
		fz, err := NewDenseDualOrder(pz, 3*sz.nz, order, signs)
		if err != nil {
			t.Fatal(err)
		}
		if err := fz.Factor(vz); !errors.Is(err, ErrDualSingular) {
			t.Fatalf("%+v: singular L gave %v", sz, err)
		}
	}
	pat, _, order, signs := cvxpyKKT(rng, 2, 1, []float64{1, 0, 0, 1})
	if _, err := NewDenseDualOrder(pat, 6, order[:3], signs); err == nil {
		t.Fatal("a short order was accepted")
	}
	bad := append([]int(nil), order...)
	bad[0] = bad[1]
	if _, err := NewDenseDualOrder(pat, 6, bad, signs); err == nil {
		t.Fatal("an order that is not a permutation was accepted")
	}
}

// Decoupled rows (A row zero, by a mask or in the data) are 1×1 pivots
// outside the row block's LDLᵀ, whose order is the number of coupled rows;
// the solution is that of the whole system, also above the blocked
// factorization's threshold, and a decoupled row with H = 0 counts as a
// regularized pivot, as it did inside the LDLᵀ.
func TestDenseDualDecoupledRowsCompact(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, sz := range []struct{ nx, m int }{{7, 5}, {20, 50}, {200, 240}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.5, 1e-1)
		masked, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		if err := masked.Factor(vals); err != nil {
			t.Fatal(err)
		}
		dec := make([]bool, sz.m)
		coupled := 0
		for i := range dec {
			dec[i] = rng.Float64() < 0.4
			if !dec[i] {
				coupled++
			}
		}
		act := append([]float64(nil), vals...)
		for j := sz.nx; j < pat.N; j++ {
			if !dec[j-sz.nx] {
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
		b := randVec(rng, pat.N)
		var sols [][]float64
		for _, f := range []*DenseDual{masked, fresh} {
			if err := f.Factor(act); err != nil {
				t.Fatalf("%+v: %v", sz, err)
			}
			if f.nr != coupled || f.Regularized() != 0 {
				t.Fatalf("%+v: row block of order %d for %d coupled rows, %d regularized", sz, f.nr, coupled, f.Regularized())
			}
			x := append([]float64(nil), b...)
			f.Solve(x)
			if r := relResidual(pat, act, x, b); r > 1e-10 {
				t.Fatalf("%+v: relative residual %g", sz, r)
			}
			sols = append(sols, x)
		}
		if masked.Forms != 1 || fresh.Forms != 1 {
			t.Fatalf("%+v: C formed %d and %d times", sz, masked.Forms, fresh.Forms)
		}
		if d := relDiff(sols[0], sols[1]); d > 1e-10 {
			t.Fatalf("%+v: masked and fresh solutions differ by %g", sz, d)
		}
		// H = 0 on a decoupled row: a regularized 1×1 pivot.
		for j := sz.nx; j < pat.N; j++ {
			if !dec[j-sz.nx] {
				continue
			}
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] == j {
					act[k] = 0
				}
			}
			break
		}
		if err := fresh.Factor(act); err != nil || fresh.Regularized() != 1 {
			t.Fatalf("%+v: H = 0 on a decoupled row: %v, %d regularized", sz, err, fresh.Regularized())
		}
	}
}

// TestDenseDualDiagonalX: an x block whose off-diagonal values are all
// zero on a pattern that stores them (a dense P = εI, the BPQP study's
// LPs) takes the diagonal path (L = I, W = A), whose solutions and
// products agree with the dense x-block path to 1e-12 — full systems,
// masked active-set systems and a new H — with fewer rows than variables
// and more, small and blocked sizes; a dense P keeps the dense path.
func TestDenseDualDiagonalX(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, tc := range []struct {
		name  string
		nx, m int
		diag  bool
	}{
		{"m<n small", 9, 4, true},
		{"m<n bpqp-like", 150, 30, true},
		{"m>n", 13, 40, true},
		{"m>n blocked", 40, 120, true},
		{"m=n", 33, 33, true},
		{"dense P m<n", 60, 20, false},
		{"dense P m>n", 20, 60, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pat, vals, _ := randomKKT(rng, tc.nx, tc.m, 0.5, 1e-1)
			if tc.diag {
				for j := 0; j < tc.nx; j++ {
					for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
						if i := pat.Rowval[k]; i < tc.nx && i != j {
							vals[k] = 0
						} else if i == j {
							vals[k] = 1e-6 * (1 + rng.Float64())
						}
					}
				}
			}
			f, err := NewDenseDual(pat, tc.nx)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := NewDenseDual(pat, tc.nx)
			if err != nil {
				t.Fatal(err)
			}
			ref.noDiagX = true
			compare := func(what string, vals []float64) {
				t.Helper()
				for _, g := range []*DenseDual{f, ref} {
					if err := g.Factor(vals); err != nil {
						t.Fatalf("%s: %v", what, err)
					}
				}
				if f.diagX != tc.diag || ref.diagX {
					t.Fatalf("%s: diagonal path %v (reference %v), want %v", what, f.diagX, ref.diagX, tc.diag)
				}
				b := randVec(rng, pat.N)
				x, xr := append([]float64(nil), b...), append([]float64(nil), b...)
				f.Solve(x)
				ref.Solve(xr)
				if d := relDiff(x, xr); d > 1e-12 {
					t.Fatalf("%s: solutions differ by %g", what, d)
				}
				if r := relResidual(pat, vals, x, b); r > 1e-8 {
					t.Fatalf("%s: relative residual %g", what, r)
				}
				// Products with a vector of O(1) entries (K x for the
				// solution cancels to b).
				v := randVec(rng, pat.N)
				y, yr, yd := make([]float64, pat.N), make([]float64, pat.N), make([]float64, pat.N)
				f.MulVec(v, y)
				ref.MulVec(v, yd)
				SymMulVec(pat, vals, v, yr)
				if d := relDiff(y, yr); d > 1e-12 {
					t.Fatalf("%s: MulVec differs from the matrix by %g", what, d)
				}
				if d := relDiff(y, yd); d > 1e-14 {
					t.Fatalf("%s: MulVec differs from the dense path by %g", what, d)
				}
			}
			compare("full", vals)
			act := append([]float64(nil), vals...)
			for j := tc.nx; j < pat.N; j++ {
				if (j-tc.nx)%3 != 1 {
					continue
				}
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if i := pat.Rowval[k]; i == j {
						act[k] = -1
					} else if i < tc.nx {
						act[k] = 0
					}
				}
			}
			compare("active set", act)
			if f.Forms != 1 || !f.masked {
				t.Fatalf("active set: C formed %d times, masked %v", f.Forms, f.masked)
			}
			for j := tc.nx; j < pat.N; j++ {
				k := pat.Colptr[j+1] - 1
				act[k] -= rng.Float64()
			}
			compare("new H", act)
		})
	}
}
