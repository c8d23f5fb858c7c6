package linsys

import (
	"math/rand"
	"testing"
	"time"
)

// checkPerm reports whether p is a permutation of 0..n−1.
func checkPerm(t *testing.T, p []int, n int) {
	t.Helper()
	if len(p) != n {
		t.Fatalf("perm has length %d, want %d", len(p), n)
	}
	seen := make([]bool, n)
	for k, i := range p {
		if i < 0 || i >= n || seen[i] {
			t.Fatalf("perm[%d] = %d is invalid or repeated", k, i)
		}
		seen[i] = true
	}
}

// nnzL returns the number of strictly lower entries of L under perm.
func nnzL(t testing.TB, pat *Pattern, perm []int) int {
	signs := make([]float64, pat.N)
	return mustSparse(t, pat, signs, perm).NnzL()
}

func tridiagonal(n int) *Pattern {
	b := newUpperBuilder(n)
	for i := 0; i < n; i++ {
		b.add(i, i, 2)
		if i+1 < n {
			b.add(i, i+1, -1)
		}
	}
	pat, _ := b.build()
	return pat
}

// arrow returns a diagonal matrix plus a full row/column at hub.
func arrow(n, hub int) *Pattern {
	b := newUpperBuilder(n)
	for i := 0; i < n; i++ {
		b.add(i, i, 1)
		if i != hub {
			b.add(i, hub, 1)
		}
	}
	pat, _ := b.build()
	return pat
}

// randomSym returns a random symmetric pattern with about deg off-diagonal
// entries per row, diagonal included.
func randomSym(rng *rand.Rand, n, deg int) *Pattern {
	b := newUpperBuilder(n)
	for i := 0; i < n; i++ {
		b.add(i, i, 1)
	}
	for t := 0; t < n*deg/2; t++ {
		b.add(rng.Intn(n), rng.Intn(n), 1)
	}
	pat, _ := b.build()
	return pat
}

// permuted returns P·pat·Pᵀ for a random permutation (upper part).
func permuted(rng *rand.Rand, pat *Pattern) *Pattern {
	q := rng.Perm(pat.N)
	b := newUpperBuilder(pat.N)
	for j := 0; j < pat.N; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			b.add(q[pat.Rowval[p]], q[j], 1)
		}
	}
	out, _ := b.build()
	return out
}

func TestAMDValidPermutation(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	kkt, _, _ := randomKKT(rng, 300, 200, 0.02, 1)
	grid, _, _ := gridLaplacian(20)
	diag := newUpperBuilder(50)
	for i := 0; i < 50; i++ {
		diag.add(i, i, 1)
	}
	diagPat, _ := diag.build()
	// Unusual input: duplicates, below-diagonal entries, missing diagonal.
	odd := &Pattern{N: 5, Colptr: []int{0, 0, 3, 5, 7, 9}, Rowval: []int{0, 0, 1, 4, 2, 0, 3, 0, 0}}
	cases := []struct {
		name string
		pat  *Pattern
	}{
		{"empty", &Pattern{N: 0, Colptr: []int{0}}},
		{"one", &Pattern{N: 1, Colptr: []int{0, 1}, Rowval: []int{0}}},
		{"no-entries", &Pattern{N: 4, Colptr: []int{0, 0, 0, 0, 0}}},
		{"diagonal", diagPat},
		{"tridiagonal", tridiagonal(100)},
		{"arrow", arrow(60, 7)},
		{"arrow-dense", arrow(3000, 1234)},
		{"grid", grid},
		{"random", randomSym(rng, 500, 6)},
		{"random-dense", randomSym(rng, 200, 60)},
		{"kkt", kkt},
		{"odd", odd},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := AMDOrder(tc.pat)
			checkPerm(t, p, tc.pat.N)
			// The symbolic analysis accepts it.
			if _, err := NewSparseLDL(tc.pat, make([]float64, tc.pat.N), p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAMDGridFill(t *testing.T) {
	pat, _, _ := gridLaplacian(30)
	natural := nnzL(t, pat, identityPerm(pat.N))
	amd := nnzL(t, pat, AMDOrder(pat))
	t.Logf("30×30 grid: NnzL natural %d, AMD %d", natural, amd)
	if 2*amd > natural {
		t.Errorf("AMD fill %d not much smaller than natural %d", amd, natural)
	}
	// A random symmetric permutation of the grid must not defeat AMD.
	rng := rand.New(rand.NewSource(2))
	pp := permuted(rng, pat)
	amdP := nnzL(t, pp, AMDOrder(pp))
	if 2*amdP > natural {
		t.Errorf("AMD fill on permuted grid %d not much smaller than natural %d", amdP, natural)
	}
}

func TestAMDNoFillStructures(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	cases := []struct {
		name string
		pat  *Pattern
	}{
		{"tridiagonal", tridiagonal(200)},
		{"tridiagonal-permuted", permuted(rng, tridiagonal(200))},
		{"arrow-first", arrow(100, 0)},
		{"arrow-middle", arrow(100, 50)},
		{"arrow-dense", arrow(2000, 3)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := nnzL(t, tc.pat, AMDOrder(tc.pat))
			if want := tc.pat.N - 1; got != want {
				t.Errorf("NnzL %d, want %d (no fill)", got, want)
			}
		})
	}
	// The dense hub is postponed to the end.
	if p := AMDOrder(arrow(2000, 3)); p[len(p)-1] != 3 {
		t.Errorf("dense row ordered at %v, want last", p[len(p)-1])
	}
}

func TestAMDFillVersusNatural(t *testing.T) {
	cases := []struct {
		name string
		seed int64
		gen  func(*rand.Rand) *Pattern
	}{
		{"random-500-4", 1, func(r *rand.Rand) *Pattern { return randomSym(r, 500, 4) }},
		{"random-1000-8", 2, func(r *rand.Rand) *Pattern { return randomSym(r, 1000, 8) }},
		{"kkt-600", 3, func(r *rand.Rand) *Pattern { p, _, _ := randomKKT(r, 400, 200, 0.01, 1); return p }},
		{"kkt-1500", 4, func(r *rand.Rand) *Pattern { p, _, _ := randomKKT(r, 900, 600, 0.004, 1); return p }},
		{"banded-permuted", 5, func(r *rand.Rand) *Pattern {
			b := newUpperBuilder(400)
			for i := 0; i < 400; i++ {
				for j := i; j < 400 && j <= i+5; j++ {
					b.add(i, j, 1)
				}
			}
			p, _ := b.build()
			return permuted(r, p)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(tc.seed))
			pat := tc.gen(rng)
			natural := nnzL(t, pat, identityPerm(pat.N))
			amd := nnzL(t, pat, AMDOrder(pat))
			t.Logf("n %d nnz %d: NnzL natural %d, AMD %d", pat.N, pat.Colptr[pat.N], natural, amd)
			if amd > natural {
				t.Errorf("AMD fill %d exceeds natural fill %d", amd, natural)
			}
		})
	}
}

// A banded matrix in its natural order is already optimal; AMD should be
// close to it.
func TestAMDBanded(t *testing.T) {
	const n, bw = 1000, 4
	b := newUpperBuilder(n)
	for i := 0; i < n; i++ {
		for j := i; j < n && j <= i+bw; j++ {
			b.add(i, j, 1)
		}
	}
	pat, _ := b.build()
	natural := nnzL(t, pat, identityPerm(n))
	amd := nnzL(t, pat, AMDOrder(pat))
	t.Logf("banded n=%d bw=%d: NnzL natural %d, AMD %d", n, bw, natural, amd)
	if float64(amd) > 1.5*float64(natural) {
		t.Errorf("AMD fill %d much worse than banded %d", amd, natural)
	}
}

func TestAMDLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large ordering skipped in -short mode")
	}
	// n = 50,000 with about 10⁶ stored entries: 20 random couplings per
	// column within a band of width 200 (a 1D-local, mesh-like structure).
	rng := rand.New(rand.NewSource(7))
	n := 50000
	colptr := make([]int, n+1)
	rowval := make([]int, 0, 21*n)
	for j := 0; j < n; j++ {
		rowval = append(rowval, j)
		for t := 0; t < 20; t++ {
			if i := j - 1 - rng.Intn(200); i >= 0 {
				rowval = append(rowval, i)
			}
		}
		colptr[j+1] = len(rowval)
	}
	pat := &Pattern{N: n, Colptr: colptr, Rowval: rowval}
	start := time.Now()
	p := AMDOrder(pat)
	el := time.Since(start)
	checkPerm(t, p, n)
	t.Logf("AMD n=%d nnz=%d: %v", n, len(rowval), el)
}

// BenchmarkAMD orders a 150×150 grid Laplacian (n = 22,500) and the
// n = 2000 QP KKT system of BenchmarkSparseLDL.
func BenchmarkAMD(b *testing.B) {
	grid, _, _ := gridLaplacian(150)
	kkt, _, _ := benchKKT()
	for _, bc := range []struct {
		name string
		pat  *Pattern
	}{{"grid150", grid}, {"kkt2000", kkt}} {
		b.Run(bc.name, func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				AMDOrder(bc.pat)
			}
		})
	}
}
