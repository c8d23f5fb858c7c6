package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// kktPattern builds the upper pattern and values of a random quasi-definite
// KKT matrix [P+δI Aᵀ; A −H] with n variables, p equality rows (H = 0 + δ)
// and m inequality rows (H diagonal > 0), dense blocks.
func kktDense(rng *rand.Rand, n, p, m int, hmin float64) (*Pattern, []float64, []float64, []bool) {
	dim := n + p + m
	colptr := []int{0}
	var rowval []int
	var vals []float64
	M := make([]float64, n*n)
	for i := range M {
		M[i] = rng.NormFloat64()
	}
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			var s float64
			for k := 0; k < n; k++ {
				s += M[k*n+i] * M[k*n+j]
			}
			if i == j {
				s += 1e-8
			}
			rowval = append(rowval, i)
			vals = append(vals, s/float64(n))
		}
		colptr = append(colptr, len(rowval))
	}
	for r := 0; r < p+m; r++ {
		for j := 0; j < n; j++ {
			rowval = append(rowval, j)
			vals = append(vals, rng.NormFloat64())
		}
		rowval = append(rowval, n+r)
		h := -1e-8
		if r >= p {
			h = -(hmin + math.Exp(6*rng.NormFloat64()))
		}
		vals = append(vals, h)
		colptr = append(colptr, len(rowval))
	}
	signs := make([]float64, dim)
	elim := make([]bool, dim)
	for i := range signs {
		signs[i] = 1
		if i >= n {
			signs[i] = -1
		}
		elim[i] = i >= n+p
	}
	return &Pattern{N: dim, Colptr: colptr, Rowval: rowval}, vals, signs, elim
}

// DenseSchur solves the KKT systems Dense solves, for sizes on both sides
// of blockMin: from blockMin remaining rows (n + p) the GᵀD⁻¹G product is
// the packed SYRK and the reduced matrix is factored by the blocked LDLᵀ
// ({60, 4, 70}: 64 rows; {110, 10, 60}: the LPGD benchmark's 110), below
// it the row form.
func TestDenseSchurMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, sz := range []struct{ n, p, m int }{{1, 0, 1}, {3, 1, 2}, {10, 2, 12}, {50, 10, 50}, {7, 0, 30}, {20, 5, 0},
		{59, 4, 70}, {60, 4, 70}, {110, 10, 60}, {150, 41, 30}} {
		pat, vals, signs, elim := kktDense(rng, sz.n, sz.p, sz.m, 1e-3)
		fd := NewDense(pat, signs)
		fs, err := NewDenseSchur(pat, signs, elim)
		if err != nil {
			t.Fatal(err)
		}
		if err := fd.Factor(vals); err != nil {
			t.Fatal(err)
		}
		if err := fs.Factor(vals); err != nil {
			t.Fatal(err)
		}
		b := make([]float64, pat.N)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		x1 := append([]float64(nil), b...)
		x2 := append([]float64(nil), b...)
		fd.Solve(x1)
		fs.Solve(x2)
		// Compare after refinement (both against the same matrix).
		work := make([]float64, 2*pat.N)
		r1 := Refine(fd, pat, vals, b, x1, work, 10, 1e-13, 1e-13)
		r2 := Refine(fs, pat, vals, b, x2, work, 10, 1e-13, 1e-13)
		for i := range x1 {
			if math.Abs(x1[i]-x2[i]) > 1e-8*(1+math.Abs(x1[i])) {
				t.Fatalf("%+v: x[%d] %v vs %v (residuals %g, %g)", sz, i, x1[i], x2[i], r1, r2)
			}
		}
		y1 := make([]float64, pat.N)
		y2 := make([]float64, pat.N)
		fs.MulVec(x1, y1)
		SymMulVec(pat, vals, x1, y2)
		for i := range y1 {
			if math.Abs(y1[i]-y2[i]) > 1e-10*(1+math.Abs(y2[i])) {
				t.Fatalf("MulVec mismatch at %d", i)
			}
		}
	}
}

func TestDenseSchurRejectsCoupledE(t *testing.T) {
	pat := &Pattern{N: 2, Colptr: []int{0, 1, 3}, Rowval: []int{0, 0, 1}}
	if _, err := NewDenseSchur(pat, []float64{-1, -1}, []bool{true, true}); err == nil {
		t.Fatal("want an error for coupled eliminated indices")
	}
}

// TestDenseSchurSingletons: candidates coupled to a single remaining row
// (bound rows on one variable; auxiliary variables with a diagonal P that
// appear in one equality row) only change a diagonal entry of the Schur
// complement; the factorization still matches the dense one.
func TestDenseSchurSingletons(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	n1, n2, m, nb := 12, 5, 9, 6
	// Indices: x (n1) | aux (n2) | eq rows (n2) | ineq rows (m) | bound rows (nb).
	dim := n1 + 2*n2 + m + nb
	b := newUpperBuilder(dim)
	for i := 0; i < n1; i++ {
		for j := i; j < n1; j++ {
			v := 0.1 * rng.NormFloat64()
			if i == j {
				v = 1 + rng.Float64()
			}
			b.add(i, j, v)
		}
	}
	for k := 0; k < n2; k++ {
		aux, eq := n1+k, n1+n2+k
		b.add(aux, aux, 1+rng.Float64())
		b.add(aux, eq, 1)
		for j := 0; j < n1; j++ {
			b.add(j, eq, rng.NormFloat64())
		}
		b.add(eq, eq, -1e-8)
	}
	for r := 0; r < m; r++ {
		row := n1 + 2*n2 + r
		for j := 0; j < n1; j++ {
			b.add(j, row, rng.NormFloat64())
		}
		b.add(row, row, -math.Exp(3*rng.NormFloat64()))
	}
	for r := 0; r < nb; r++ {
		row := n1 + 2*n2 + m + r
		b.add(r, row, 1)
		b.add(row, row, -math.Exp(3*rng.NormFloat64()))
	}
	pat, vals := b.build()
	signs := make([]float64, dim)
	elim := make([]bool, dim)
	for i := range signs {
		signs[i] = -1
		if i < n1+n2 {
			signs[i] = 1
		}
		elim[i] = (i >= n1 && i < n1+n2) || i >= n1+2*n2
	}
	fs, err := NewDenseSchur(pat, signs, elim)
	if err != nil {
		t.Fatal(err)
	}
	fd := NewDense(pat, signs)
	if err := fs.Factor(vals); err != nil {
		t.Fatal(err)
	}
	if err := fd.Factor(vals); err != nil {
		t.Fatal(err)
	}
	if fs.neD == 0 || fs.neD == fs.Eliminated() {
		t.Fatalf("want both kinds of eliminated candidates, got %d of %d coupled to several rows", fs.neD, fs.Eliminated())
	}
	// The equality rows of the auxiliary variables are mutually uncoupled
	// once those are eliminated: the second level removes them.
	if len(fs.e2) != n2 {
		t.Fatalf("second level eliminated %d rows, want the %d equality rows", len(fs.e2), n2)
	}
	rhs := make([]float64, dim)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	x1, x2 := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
	fd.Solve(x1)
	fs.Solve(x2)
	for i := range x1 {
		if math.Abs(x1[i]-x2[i]) > 1e-8*(1+math.Abs(x1[i])) {
			t.Fatalf("x[%d] %v vs %v", i, x1[i], x2[i])
		}
	}
}

// TestDenseSchurValueSingletons: candidates coupled to several rows by the
// pattern but to one (box rows ±e_j of a dense G, scaled) or none
// (decoupled rows) by their values are eliminated as singletons, outside
// the dense product; solves and products match the dense LDLᵀ and the
// pattern-only classification (noValueClass, the path before), in both
// modes, after a change of H alone (no rescatter) and after values that
// make a former box row dense again.
func TestDenseSchurValueSingletons(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, sz := range []struct{ n, p, m, nb, nz int }{
		{2, 0, 3, 2, 0}, {6, 1, 10, 6, 2}, {20, 3, 45, 30, 4}, {100, 10, 250, 200, 0}, {200, 0, 260, 220, 10},
	} {
		pat, vals, signs, elim := kktDense(rng, sz.n, sz.p, sz.m, 1e-3)
		n, p := sz.n, sz.p
		// Rows p … p+nb−1 of the inequalities: ±a·e_j; the next nz: zero.
		box := func(vals []float64, r int, dense bool) {
			k0 := pat.Colptr[n+p+r]
			j := r % n
			a := (1 + rng.Float64()) * float64(1-2*(r/n%2))
			for k := 0; k < n; k++ {
				switch {
				case dense:
					vals[k0+k] = rng.NormFloat64()
				case r >= sz.nb || k != j:
					vals[k0+k] = 0
				default:
					vals[k0+k] = a
				}
			}
		}
		for r := 0; r < sz.nb+sz.nz; r++ {
			box(vals, r, false)
		}
		for _, fast := range []bool{false, true} {
			fd := NewDense(pat, signs)
			fs, err := NewDenseSchur(pat, signs, elim)
			if err != nil {
				t.Fatal(err)
			}
			fg, _ := NewDenseSchur(pat, signs, elim)
			fg.noValueClass = true
			fs.SetFast(fast)
			fg.SetFast(fast)
			check := func(step string, vals []float64, wantMulti int) {
				t.Helper()
				for _, f := range []Factorizer{fd, fs, fg} {
					if err := f.Factor(vals); err != nil {
						t.Fatalf("%+v fast=%v %s: %v", sz, fast, step, err)
					}
				}
				if fs.qM != wantMulti {
					t.Fatalf("%+v %s: %d candidates in the product, want %d", sz, step, fs.qM, wantMulti)
				}
				b := make([]float64, pat.N)
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				work := make([]float64, 2*pat.N)
				var xs [3][]float64
				for q, f := range []Factorizer{fd, fs, fg} {
					xs[q] = append([]float64(nil), b...)
					f.Solve(xs[q])
				}
				// Unrefined, the two classifications solve alike (a
				// wrong solve would be repaired by refinement).
				xmax := 0.0
				for _, v := range xs[2] {
					xmax = math.Max(xmax, math.Abs(v))
				}
				for i := range xs[1] {
					if math.Abs(xs[1][i]-xs[2][i]) > 1e-9*xmax {
						t.Fatalf("%+v fast=%v %s: unrefined x[%d] %v, pattern-only %v", sz, fast, step, i, xs[1][i], xs[2][i])
					}
				}
				for q, f := range []Factorizer{fd, fs, fg} {
					Refine(f, pat, vals, b, xs[q], work, 10, 1e-13, 1e-13)
				}
				for i := range xs[0] {
					for q := 1; q < 3; q++ {
						if math.Abs(xs[0][i]-xs[q][i]) > 1e-8*(1+math.Abs(xs[0][i])) {
							t.Fatalf("%+v fast=%v %s: x[%d] dense %v, schur(%d) %v", sz, fast, step, i, xs[0][i], q, xs[q][i])
						}
					}
				}
				y1, y2 := make([]float64, pat.N), make([]float64, pat.N)
				fs.MulVec(b, y1)
				SymMulVec(pat, vals, b, y2)
				for i := range y1 {
					if math.Abs(y1[i]-y2[i]) > 1e-12*(1+math.Abs(y2[i])) {
						t.Fatalf("%+v %s: MulVec[%d] %v, want %v", sz, step, i, y1[i], y2[i])
					}
				}
			}
			multi := sz.m - sz.nb - sz.nz
			check("box rows", vals, multi)
			// H alone changes (the interior-point iterations).
			v2 := append([]float64(nil), vals...)
			for r := 0; r < sz.m; r++ {
				v2[pat.Colptr[n+p+r+1]-1] *= 1 + rng.Float64()
			}
			check("new H", v2, multi)
			// A former box row becomes dense again.
			if sz.nb > 0 {
				box(v2, 0, true)
				check("box row 0 dense", v2, multi+1)
			}
		}
	}
}
