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

func TestDenseSchurMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, sz := range []struct{ n, p, m int }{{1, 0, 1}, {3, 1, 2}, {10, 2, 12}, {50, 10, 50}, {7, 0, 30}, {20, 5, 0}} {
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
