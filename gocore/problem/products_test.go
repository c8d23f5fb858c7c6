package problem

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// mulPRef is MulP column by column with one vec.UpperCols4 call per group
// of four full upper columns (TestUpperCols4 ties a group to the Go loop
// it replaced).
func mulPRef(s *Structure, y, pv, x []float64, alpha float64) {
	cp, rv := s.P.Colptr, s.P.Rowval
	for j := 0; j < s.N; j++ {
		lo, hi := cp[j], cp[j+1]
		if s.fullUpper4(j) {
			vec.UpperCols4(pv[lo:cp[j+4]], x, y, alpha, j, 1)
			j += 3
			continue
		}
		if hi-lo == j+1 {
			col := pv[lo:hi]
			vec.Axpy(alpha*x[j], col[:j], y)
			y[j] += alpha * (vec.Dot(col[:j], x) + float64(col[j]*x[j]))
			continue
		}
		xj := x[j]
		var acc float64
		for k := lo; k < hi; k++ {
			i := rv[k]
			v := pv[k]
			y[i] += float64(alpha * v * xj)
			if i != j {
				acc += v * x[i]
			}
		}
		y[j] += alpha * acc
	}
}

// mulARef is MulA's column loop: one vec.Axpy per full column.
func mulARef(s *Structure, y, av, x []float64, alpha float64) {
	cp, rv := s.A.Colptr, s.A.Rowval
	for j := 0; j < s.N; j++ {
		axj := alpha * x[j]
		if axj == 0 {
			continue
		}
		lo, hi := cp[j], cp[j+1]
		if hi-lo == s.M {
			vec.Axpy(axj, av[lo:hi], y)
			continue
		}
		for k := lo; k < hi; k++ {
			y[rv[k]] += float64(av[k] * axj)
		}
	}
}

// mulATRef is MulAT's column loop: one vec.Dot per full column.
func mulATRef(s *Structure, y, av, x []float64, alpha float64) {
	cp, rv := s.A.Colptr, s.A.Rowval
	for j := 0; j < s.N; j++ {
		lo, hi := cp[j], cp[j+1]
		if hi-lo == s.M {
			y[j] += float64(alpha * vec.Dot(av[lo:hi], x))
			continue
		}
		var acc float64
		for k := lo; k < hi; k++ {
			acc += float64(av[k] * x[rv[k]])
		}
		y[j] += float64(alpha * acc)
	}
}

// randPattern returns an m×n pattern (upper triangle when upper) whose
// columns are full, empty or random subsets, by kind: "dense", "sparse",
// or "mixed" (runs of full columns broken by partial ones).
func randPattern(rng *rand.Rand, m, n int, upper bool, kind string) CSC {
	p := CSC{Rows: m, Cols: n, Colptr: []int{0}}
	for j := 0; j < n; j++ {
		rows := m
		if upper {
			rows = j + 1
		}
		full := kind == "dense" || (kind == "mixed" && rng.Intn(9) != 0)
		for i := 0; i < rows; i++ {
			if full || rng.Intn(3) == 0 {
				p.Rowval = append(p.Rowval, i)
			}
		}
		p.Colptr = append(p.Colptr, len(p.Rowval))
	}
	return p
}

// TestProductsMatchColumnLoops: MulP, MulA and MulAT give the column
// loops' numbers bit for bit (any NaN for a NaN) on dense, sparse and
// mixed patterns of random sizes (odd tails, runs longer than one kernel
// call), with zeros, signed zeros, NaN and ±Inf among the values and x.
func TestProductsMatchColumnLoops(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	val := func(special bool) float64 {
		if special && rng.Intn(12) == 0 {
			return []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}[rng.Intn(5)]
		}
		if rng.Intn(15) == 0 {
			return 0
		}
		return rng.NormFloat64() * math.Exp(rng.NormFloat64())
	}
	vals := func(k int, special bool) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = val(special)
		}
		return v
	}
	same := func(what string, trial int, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("trial %d %s: y[%d] = %v, column loop %v", trial, what, i, got[i], want[i])
			}
		}
	}
	sizes := [][2]int{{1, 0}, {1, 1}, {3, 2}, {4, 8}, {5, 7}, {8, 9}, {50, 20}, {70, 33}, {100, 40}}
	for trial := 0; trial < 400; trial++ {
		var n, m int
		if trial < len(sizes) {
			n, m = sizes[trial][0], sizes[trial][1]
		} else {
			n, m = 1+rng.Intn(80), rng.Intn(45)
		}
		kind := []string{"dense", "sparse", "mixed"}[trial%3]
		special := trial%4 == 3
		s, err := New(n, m, []cone.Spec{{Kind: cone.KindNonneg, Dim: m}},
			randPattern(rng, n, n, true, kind), randPattern(rng, m, n, false, kind))
		if err != nil {
			t.Fatal(err)
		}
		alpha := []float64{1, -1, 0.5, rng.NormFloat64()}[rng.Intn(4)]
		pv, av := vals(s.P.Nnz(), special), vals(s.A.Nnz(), special)
		xn, xm := vals(n, special), vals(m, special)
		yn, ym := vals(n, special), vals(m, special)
		what := fmt.Sprintf("%s n=%d m=%d", kind, n, m)

		got, want := append([]float64(nil), yn...), append([]float64(nil), yn...)
		s.MulP(got, pv, xn, alpha)
		mulPRef(s, want, pv, xn, alpha)
		same("MulP "+what, trial, got, want)

		got, want = append([]float64(nil), ym...), append([]float64(nil), ym...)
		s.MulA(got, av, xn, alpha)
		mulARef(s, want, av, xn, alpha)
		same("MulA "+what, trial, got, want)

		got, want = append([]float64(nil), yn...), append([]float64(nil), yn...)
		s.MulAT(got, av, xm, alpha)
		mulATRef(s, want, av, xm, alpha)
		same("MulAT "+what, trial, got, want)
	}
}

// TestFullRunHugeM: m·n wraps for an absurd M with an empty A (2⁶² rows
// where int has 64 bits, 2³⁰ where it has 32; 4 columns: m·n = 0 = nnz); the dense shortcut must not take such an A as
// full (MulA and MulAT then touched no row, as the column loops did, and
// did not panic). Review of the products change.
func TestFullRunHugeM(t *testing.T) {
	const m, n = math.MaxInt/2 + 1, 4
	a := CSC{Rows: m, Cols: n, Colptr: make([]int, n+1)}
	p := CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
	s, err := New(n, m, []cone.Spec{{Kind: cone.KindZero, Dim: m}}, p, a)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for j := 0; j < n; j++ {
		if e := s.fullRun(j); e != j {
			t.Fatalf("fullRun(%d) = %d on an empty A with M = %d", j, e, m)
		}
	}
	x := []float64{1, 2, 3, 4}
	s.MulA(nil, nil, x, 1) // no row is stored: nothing to write
	y := make([]float64, n)
	s.MulAT(y, nil, nil, 1)
	for i, v := range y {
		if v != 0 {
			t.Fatalf("MulAT on an empty A: y[%d] = %v", i, v)
		}
	}
}
