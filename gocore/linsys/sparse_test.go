package linsys

import (
	"errors"
	"math"
	"math/rand"
	"sort"
	"testing"
)

// upperBuilder accumulates entries of a symmetric matrix by their upper
// triangular position.
type upperBuilder struct {
	n   int
	ent map[[2]int]float64
}

func newUpperBuilder(n int) *upperBuilder {
	return &upperBuilder{n: n, ent: make(map[[2]int]float64)}
}

// add adds v to K[i][j] (and so to K[j][i]).
func (b *upperBuilder) add(i, j int, v float64) {
	if i > j {
		i, j = j, i
	}
	b.ent[[2]int{i, j}] += v
}

// build returns the upper CSC pattern (rows sorted) and values.
func (b *upperBuilder) build() (*Pattern, []float64) {
	keys := make([][2]int, 0, len(b.ent))
	for k := range b.ent {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, c int) bool {
		if keys[a][1] != keys[c][1] {
			return keys[a][1] < keys[c][1]
		}
		return keys[a][0] < keys[c][0]
	})
	pat := &Pattern{N: b.n, Colptr: make([]int, b.n+1), Rowval: make([]int, len(keys))}
	vals := make([]float64, len(keys))
	for p, k := range keys {
		pat.Colptr[k[1]+1]++
		pat.Rowval[p] = k[0]
		vals[p] = b.ent[k]
	}
	for j := 0; j < b.n; j++ {
		pat.Colptr[j+1] += pat.Colptr[j]
	}
	return pat, vals
}

// randomKKT returns a quasi-definite K = [P+δI, Aᵀ; A, −(H+δI)] with
// P = GᵀG (G sparse), A sparse m×nx and H diagonal ≥ 0 (some zeros), with
// every diagonal entry present, and the pivot signs.
func randomKKT(rng *rand.Rand, nx, m int, density, delta float64) (*Pattern, []float64, []float64) {
	n := nx + m
	b := newUpperBuilder(n)
	for i := 0; i < n; i++ {
		b.add(i, i, 0)
	}
	// P = GᵀG with G having about density·nx entries per row.
	rowsG := nx/2 + 1
	perRow := int(density*float64(nx)) + 1
	for r := 0; r < rowsG; r++ {
		cols := make(map[int]float64)
		for t := 0; t < perRow; t++ {
			cols[rng.Intn(nx)] = rng.NormFloat64()
		}
		for i, vi := range cols {
			for j, vj := range cols {
				if i <= j {
					b.add(i, j, vi*vj)
				}
			}
		}
	}
	for i := 0; i < nx; i++ {
		b.add(i, i, delta)
	}
	// A: each row gets about density·nx entries, at least one.
	for r := 0; r < m; r++ {
		k := int(density*float64(nx)) + 1
		for t := 0; t < k; t++ {
			b.add(rng.Intn(nx), nx+r, rng.NormFloat64())
		}
	}
	for r := 0; r < m; r++ {
		h := 0.0
		if rng.Intn(3) > 0 {
			h = rng.Float64()
		}
		b.add(nx+r, nx+r, -(h + delta))
	}
	pat, vals := b.build()
	signs := make([]float64, n)
	for i := range signs {
		if i < nx {
			signs[i] = 1
		} else {
			signs[i] = -1
		}
	}
	return pat, vals, signs
}

// gridLaplacian returns the 5-point Laplacian on a k×k grid (positive
// definite), all signs +1.
func gridLaplacian(k int) (*Pattern, []float64, []float64) {
	n := k * k
	b := newUpperBuilder(n)
	for r := 0; r < k; r++ {
		for c := 0; c < k; c++ {
			i := r*k + c
			b.add(i, i, 4)
			if c+1 < k {
				b.add(i, i+1, -1)
			}
			if r+1 < k {
				b.add(i, i+k, -1)
			}
		}
	}
	pat, vals := b.build()
	signs := make([]float64, n)
	for i := range signs {
		signs[i] = 1
	}
	return pat, vals, signs
}

func identityPerm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// relDiff returns ‖a−b‖∞ / max(‖b‖∞, tiny).
func relDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		if d := math.Abs(a[i] - b[i]); d > m {
			m = d
		}
	}
	return m / math.Max(normInf(b), 1e-300)
}

// relResidual returns ‖Kx−b‖∞ / (‖K‖max‖x‖∞ + ‖b‖∞).
func relResidual(pat *Pattern, vals, x, b []float64) float64 {
	r := make([]float64, pat.N)
	SymMulVec(pat, vals, x, r)
	for i := range r {
		r[i] -= b[i]
	}
	return normInf(r) / (normInf(vals)*normInf(x) + normInf(b))
}

func mustSparse(t testing.TB, pat *Pattern, signs []float64, perm []int) *SparseLDL {
	t.Helper()
	f, err := NewSparseLDL(pat, signs, perm)
	if err != nil {
		t.Fatalf("NewSparseLDL: %v", err)
	}
	return f
}

// checkAgainstDense factors vals with both f and Dense and compares solves.
func checkAgainstDense(t *testing.T, rng *rand.Rand, f *SparseLDL, pat *Pattern, vals, signs []float64, tol float64) {
	t.Helper()
	dn := NewDense(pat, signs)
	if err := dn.Factor(vals); err != nil {
		t.Fatalf("Dense.Factor: %v", err)
	}
	if err := f.Factor(vals); err != nil {
		t.Fatalf("SparseLDL.Factor: %v", err)
	}
	for rep := 0; rep < 3; rep++ {
		b := randVec(rng, pat.N)
		xs := append([]float64(nil), b...)
		xd := append([]float64(nil), b...)
		f.Solve(xs)
		dn.Solve(xd)
		if d := relDiff(xs, xd); d > tol {
			t.Errorf("sparse vs dense relative difference %.3g > %.3g", d, tol)
		}
		if r := relResidual(pat, vals, xs, b); r > 1e-12 {
			t.Errorf("relative residual %.3g", r)
		}
	}
}

func TestSparseLDLMatchesDense(t *testing.T) {
	cases := []struct {
		name    string
		nx, m   int
		density float64
		delta   float64
		seed    int64
	}{
		{"tiny", 2, 1, 0.5, 1e-2, 1},
		{"small", 10, 6, 0.2, 1e-2, 2},
		{"medium-sparse", 60, 40, 0.03, 1e-1, 3},
		{"medium-dense", 50, 30, 0.3, 1e-1, 4},
		{"wide", 30, 90, 0.05, 1e-1, 5},
		{"tall", 120, 20, 0.02, 1e-1, 6},
		{"large", 250, 150, 0.01, 1e-1, 7},
		{"no-constraints", 40, 0, 0.1, 1e-1, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(tc.seed))
			pat, vals, signs := randomKKT(rng, tc.nx, tc.m, tc.density, tc.delta)
			n := pat.N
			orders := map[string][]int{
				"amd":     nil,
				"natural": identityPerm(n),
				"random":  rng.Perm(n),
			}
			for name, perm := range orders {
				f := mustSparse(t, pat, signs, perm)
				if f.Dim() != n {
					t.Fatalf("%s: Dim %d, want %d", name, f.Dim(), n)
				}
				checkAgainstDense(t, rng, f, pat, vals, signs, 1e-9)
				if f.Regularized() != 0 {
					t.Errorf("%s: %d pivots regularized on a quasi-definite matrix", name, f.Regularized())
				}
			}
		})
	}
}

func TestSparseLDLReuse(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	pat, vals, signs := randomKKT(rng, 80, 50, 0.05, 1e-1)
	f := mustSparse(t, pat, signs, nil)
	checkAgainstDense(t, rng, f, pat, vals, signs, 1e-9)
	nnzL := f.NnzL()
	// New values on the same pattern: rescale off-diagonals, shift diagonals.
	vals2 := make([]float64, len(vals))
	for j := 0; j < pat.N; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			switch i := pat.Rowval[p]; {
			case i != j:
				vals2[p] = vals[p] * (0.5 + rng.Float64())
			case signs[j] > 0:
				vals2[p] = vals[p] + 2*rng.Float64()
			default:
				vals2[p] = vals[p] - 2*rng.Float64()
			}
		}
	}
	// Keep quasi-definiteness: make the x block diagonally dominant enough.
	for j := 0; j < pat.N; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			if pat.Rowval[p] == j && signs[j] > 0 {
				vals2[p] += 10
			}
		}
	}
	checkAgainstDense(t, rng, f, pat, vals2, signs, 1e-9)
	checkAgainstDense(t, rng, f, pat, vals, signs, 1e-9)
	if f.NnzL() != nnzL {
		t.Errorf("NnzL changed across factorizations: %d → %d", nnzL, f.NnzL())
	}
}

func TestSparseLDLSmall(t *testing.T) {
	// n = 0.
	f := mustSparse(t, &Pattern{N: 0, Colptr: []int{0}}, nil, nil)
	if err := f.Factor(nil); err != nil {
		t.Fatalf("Factor n=0: %v", err)
	}
	f.Solve(nil)
	if f.Dim() != 0 || f.NnzL() != 0 || f.Regularized() != 0 {
		t.Errorf("n=0: Dim %d NnzL %d Regularized %d", f.Dim(), f.NnzL(), f.Regularized())
	}
	// n = 1, both signs.
	pat := &Pattern{N: 1, Colptr: []int{0, 1}, Rowval: []int{0}}
	for _, tc := range []struct{ sign, v float64 }{{1, 4}, {-1, -0.5}} {
		f := mustSparse(t, pat, []float64{tc.sign}, nil)
		if err := f.Factor([]float64{tc.v}); err != nil {
			t.Fatal(err)
		}
		b := []float64{2}
		f.Solve(b)
		if want := 2 / tc.v; math.Abs(b[0]-want) > 1e-15*math.Abs(want) {
			t.Errorf("1×1 %v: got %v want %v", tc.v, b[0], want)
		}
		if f.Regularized() != 0 || f.NnzL() != 0 {
			t.Errorf("1×1: Regularized %d NnzL %d", f.Regularized(), f.NnzL())
		}
	}
}

func TestSparseLDLRegularization(t *testing.T) {
	cases := []struct {
		name    string
		build   func() (*Pattern, []float64)
		signs   []float64
		wantReg int
	}{
		{
			// [1 1; 1 1]: the second pivot is exactly zero.
			"zero-second-pivot",
			func() (*Pattern, []float64) {
				b := newUpperBuilder(2)
				b.add(0, 0, 1)
				b.add(0, 1, 1)
				b.add(1, 1, 1)
				return b.build()
			},
			[]float64{1, 1}, 1,
		},
		{
			// z block with a zero diagonal and no coupling.
			"zero-diagonal",
			func() (*Pattern, []float64) {
				b := newUpperBuilder(3)
				b.add(0, 0, 2)
				b.add(0, 1, 1)
				b.add(1, 1, 3)
				b.add(2, 2, 0)
				return b.build()
			},
			[]float64{1, 1, -1}, 1,
		},
		{
			// A wrong-signed first pivot; the regularized −DynamicDelta
			// then turns the next z pivot positive, which is replaced too.
			"wrong-sign",
			func() (*Pattern, []float64) {
				b := newUpperBuilder(3)
				b.add(0, 0, -1)
				b.add(1, 1, 1)
				b.add(1, 2, 0.5)
				b.add(2, 2, 1)
				return b.build()
			},
			[]float64{1, -1, -1}, 3,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pat, vals := tc.build()
			dn := NewDense(pat, tc.signs)
			if err := dn.Factor(vals); err != nil {
				t.Fatal(err)
			}
			f := mustSparse(t, pat, tc.signs, identityPerm(pat.N))
			if err := f.Factor(vals); err != nil {
				t.Fatal(err)
			}
			if f.Regularized() != tc.wantReg || dn.Regularized() != tc.wantReg {
				t.Errorf("Regularized: sparse %d dense %d want %d", f.Regularized(), dn.Regularized(), tc.wantReg)
			}
			for k := 0; k < pat.N; k++ {
				if f.d[k]*tc.signs[k] <= 0 {
					t.Errorf("D[%d] = %v has the wrong sign", k, f.d[k])
				}
			}
			b := []float64{1, -2, 3}[:pat.N]
			xs := append([]float64(nil), b...)
			xd := append([]float64(nil), b...)
			f.Solve(xs)
			dn.Solve(xd)
			if d := relDiff(xs, xd); d > 1e-9 {
				t.Errorf("sparse %v vs dense %v", xs, xd)
			}
		})
	}
}

func TestSparseLDLNonFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	pat, vals, signs := randomKKT(rng, 20, 10, 0.1, 1e-1)
	f := mustSparse(t, pat, signs, nil)
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		v := append([]float64(nil), vals...)
		v[len(v)/2] = bad
		if err := f.Factor(v); !errors.Is(err, ErrSingular) {
			t.Errorf("value %v: err = %v, want ErrSingular", bad, err)
		}
	}
	// The factorizer recovers on good values.
	checkAgainstDense(t, rng, f, pat, vals, signs, 1e-9)
}

func TestSparseLDLDuplicatesAndLower(t *testing.T) {
	// Column 1 holds (0,1) twice, column 2 a below-diagonal entry (3,2)
	// which Dense ignores.
	pat := &Pattern{
		N:      4,
		Colptr: []int{0, 1, 4, 7, 10},
		Rowval: []int{0, 0, 1, 0, 2, 0, 3, 1, 3, 3},
	}
	vals := []float64{4, 0.5, 5, 0.25, 6, 1, 9, 1, -3, -2}
	signs := []float64{1, 1, 1, -1}
	rng := rand.New(rand.NewSource(5))
	for _, perm := range [][]int{nil, identityPerm(4), {3, 1, 0, 2}} {
		f := mustSparse(t, pat, signs, perm)
		dn := NewDense(pat, signs)
		if err := dn.Factor(vals); err != nil {
			t.Fatal(err)
		}
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
		b := randVec(rng, 4)
		xs := append([]float64(nil), b...)
		xd := append([]float64(nil), b...)
		f.Solve(xs)
		dn.Solve(xd)
		if d := relDiff(xs, xd); d > 1e-12 {
			t.Errorf("perm %v: sparse %v vs dense %v", perm, xs, xd)
		}
	}
}

func TestSparseLDLInvalid(t *testing.T) {
	pat := &Pattern{N: 2, Colptr: []int{0, 1, 3}, Rowval: []int{0, 0, 1}}
	signs := []float64{1, -1}
	cases := []struct {
		name  string
		pat   *Pattern
		signs []float64
		perm  []int
	}{
		{"short-signs", pat, []float64{1}, nil},
		{"short-perm", pat, signs, []int{0}},
		{"repeated-perm", pat, signs, []int{1, 1}},
		{"out-of-range-perm", pat, signs, []int{0, 2}},
		{"bad-row", &Pattern{N: 2, Colptr: []int{0, 1, 2}, Rowval: []int{0, 5}}, signs, nil},
		{"bad-colptr", &Pattern{N: 2, Colptr: []int{0, 1}, Rowval: []int{0}}, signs, nil},
	}
	for _, tc := range cases {
		if _, err := NewSparseLDL(tc.pat, tc.signs, tc.perm); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	f := mustSparse(t, pat, signs, nil)
	if err := f.Factor([]float64{1}); err == nil {
		t.Error("short values: no error")
	}
}

func TestSparseLDLNoAlloc(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	pat, vals, signs := randomKKT(rng, 100, 60, 0.05, 1e-1)
	f := mustSparse(t, pat, signs, nil)
	b := randVec(rng, pat.N)
	if a := testing.AllocsPerRun(5, func() {
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Factor allocates %v times", a)
	}
	if a := testing.AllocsPerRun(5, func() { f.Solve(b) }); a != 0 {
		t.Errorf("Solve allocates %v times", a)
	}
}

// The factorization combined with Refine reaches a tight residual even
// when the solve is done against a regularized matrix.
func TestSparseLDLRefine(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	pat, vals, signs := randomKKT(rng, 60, 40, 0.05, 0)
	// Regularized copy for the factorization.
	reg := append([]float64(nil), vals...)
	for j := 0; j < pat.N; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			if pat.Rowval[p] == j {
				reg[p] += signs[j] * 1e-8
			}
		}
	}
	f := mustSparse(t, pat, signs, nil)
	if err := f.Factor(reg); err != nil {
		t.Fatal(err)
	}
	b := randVec(rng, pat.N)
	x := append([]float64(nil), b...)
	f.Solve(x)
	work := make([]float64, 2*pat.N)
	res := Refine(f, pat, vals, b, x, work, 10, 1e-12, 1e-12)
	if res > 1e-8*normInf(b) {
		t.Errorf("refined residual %.3g", res)
	}
}

// mpcKKT returns the KKT system of a model-predictive-control QP with
// horizon T, ns states and nu inputs per stage: variables (x₁,u₁,…,x_T,u_T),
// diagonal costs, and dynamics x_{t+1} = A x_t + B u_t as equality rows
// (regularized by −δ).
func mpcKKT(rng *rand.Rand, T, ns, nu int, delta float64) (*Pattern, []float64, []float64) {
	stage := ns + nu
	nx := T * stage
	m := (T - 1) * ns
	n := nx + m
	b := newUpperBuilder(n)
	for i := 0; i < nx; i++ {
		b.add(i, i, 0.1+rng.Float64()+delta)
	}
	A := randVec(rng, ns*ns)
	B := randVec(rng, ns*nu)
	for t := 0; t+1 < T; t++ {
		for r := 0; r < ns; r++ {
			row := nx + t*ns + r
			b.add((t+1)*stage+r, row, -1)
			for c := 0; c < ns; c++ {
				b.add(t*stage+c, row, A[r*ns+c])
			}
			for c := 0; c < nu; c++ {
				b.add(t*stage+ns+c, row, B[r*nu+c])
			}
			b.add(row, row, -delta)
		}
	}
	pat, vals := b.build()
	signs := make([]float64, n)
	for i := range signs {
		signs[i] = -1
		if i < nx {
			signs[i] = 1
		}
	}
	return pat, vals, signs
}

// BenchmarkSparseLDL measures one numeric factorization plus one solve
// (symbolic analysis excluded) of two n ≈ 2000 sparse QP KKT systems: an
// MPC problem (T = 100, 12 states, 8 inputs; banded after ordering) and a
// random sparse QP (P = GᵀG, A with 4 entries per row), whose expander-like
// graph fills in heavily.
func BenchmarkSparseLDL(b *testing.B) {
	for _, bc := range []struct {
		name string
		gen  func() (*Pattern, []float64, []float64)
	}{
		{"mpc", func() (*Pattern, []float64, []float64) {
			return mpcKKT(rand.New(rand.NewSource(42)), 84, 10, 4, 1e-1)
		}},
		{"random", benchKKT},
	} {
		b.Run(bc.name, func(b *testing.B) {
			pat, vals, signs := bc.gen()
			f := mustSparse(b, pat, signs, nil)
			rhs := randVec(rand.New(rand.NewSource(1)), pat.N)
			x := make([]float64, pat.N)
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				if err := f.Factor(vals); err != nil {
					b.Fatal(err)
				}
				copy(x, rhs)
				f.Solve(x)
			}
			b.ReportMetric(float64(pat.N), "n")
			b.ReportMetric(float64(f.NnzL()), "nnzL")
			b.ReportMetric(float64(pat.Colptr[pat.N]), "nnzK")
		})
	}
}

// benchKKT is the n = 2000 random sparse QP KKT system of the benchmarks.
func benchKKT() (*Pattern, []float64, []float64) {
	rng := rand.New(rand.NewSource(42))
	return randomKKT(rng, 1200, 800, 0.003, 1e-1)
}

// BenchmarkSparseLDLSymbolic measures NewSparseLDL (AMD + symbolic analysis)
// on the random n = 2000 system.
func BenchmarkSparseLDLSymbolic(b *testing.B) {
	pat, _, signs := benchKKT()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		mustSparse(b, pat, signs, nil)
	}
}

func TestSparseLDLMPC(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	pat, vals, signs := mpcKKT(rng, 12, 4, 2, 1e-1)
	for _, perm := range [][]int{nil, identityPerm(pat.N)} {
		f := mustSparse(t, pat, signs, perm)
		checkAgainstDense(t, rng, f, pat, vals, signs, 1e-9)
	}
}

// randomKKTFamily builds the upper pattern and values of the KKT matrix of
// min ½‖x‖² s.t. Ax = b, Gx ≤ h with A, G = (density-random) + I, n×n each:
// the sparse family of cvxpylayers' timing script, whose AMD ordering ends
// in a completely filled block.
func randomKKTFamily(n int, density float64, seed int64) (*Pattern, []float64, []float64) {
	rng := rand.New(rand.NewSource(seed))
	dim := 3 * n
	pat := &Pattern{N: dim, Colptr: make([]int, dim+1)}
	var vals []float64
	for j := 0; j < n; j++ {
		pat.Rowval = append(pat.Rowval, j)
		vals = append(vals, 1)
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	for blk := 1; blk <= 2; blk++ {
		for i := 0; i < n; i++ {
			r := blk*n + i
			for j := 0; j < n; j++ {
				if j == i {
					pat.Rowval = append(pat.Rowval, j)
					vals = append(vals, 1+rng.Float64())
				} else if rng.Float64() < density {
					pat.Rowval = append(pat.Rowval, j)
					vals = append(vals, rng.NormFloat64())
				}
			}
			pat.Rowval = append(pat.Rowval, r)
			if blk == 1 {
				vals = append(vals, -1e-6)
			} else {
				vals = append(vals, -0.1-rng.Float64())
			}
			pat.Colptr[r+1] = len(pat.Rowval)
		}
	}
	signs := make([]float64, dim)
	for i := range signs {
		signs[i] = -1
		if i < n {
			signs[i] = 1
		}
	}
	return pat, signs, vals
}

// TestSparseLDLDenseTail checks the factorization whose trailing block is
// factored densely against the dense factorization, on two value sets
// (symbolic reuse), and that a factorization without a tail chooses none.
func TestSparseLDLDenseTail(t *testing.T) {
	for _, tc := range []struct {
		n       int
		density float64
	}{{60, 0.05}, {150, 0.03}, {300, 0.01}} {
		pat, signs, vals := randomKKTFamily(tc.n, tc.density, int64(tc.n))
		f, err := NewSparseLDL(pat, signs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.DenseTail() < denseTailMin {
			t.Fatalf("n=%d: dense tail %d, want ≥ %d", tc.n, f.DenseTail(), denseTailMin)
		}
		g := NewDense(pat, signs)
		rng := rand.New(rand.NewSource(1))
		for round := 0; round < 2; round++ {
			if round == 1 {
				for k := range vals {
					vals[k] *= 1 + 0.1*rng.Float64()
				}
			}
			if err := f.Factor(vals); err != nil {
				t.Fatal(err)
			}
			if err := g.Factor(vals); err != nil {
				t.Fatal(err)
			}
			b := make([]float64, pat.N)
			for i := range b {
				b[i] = rng.NormFloat64()
			}
			x, xd := append([]float64(nil), b...), append([]float64(nil), b...)
			f.Solve(x)
			g.Solve(xd)
			scale, diff := 0.0, 0.0
			for i := range x {
				scale = math.Max(scale, math.Abs(xd[i]))
				diff = math.Max(diff, math.Abs(x[i]-xd[i]))
			}
			if diff > 1e-8*scale {
				t.Fatalf("n=%d round %d: |x_sparse − x_dense| = %g (scale %g)", tc.n, round, diff, scale)
			}
		}
	}
	// A tridiagonal matrix fills in nothing: no dense tail.
	n := 200
	pat := &Pattern{N: n, Colptr: make([]int, n+1)}
	for j := 0; j < n; j++ {
		if j > 0 {
			pat.Rowval = append(pat.Rowval, j-1)
		}
		pat.Rowval = append(pat.Rowval, j)
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	signs := make([]float64, n)
	for i := range signs {
		signs[i] = 1
	}
	f, err := NewSparseLDL(pat, signs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.DenseTail() != 0 {
		t.Fatalf("tridiagonal: dense tail %d, want 0", f.DenseTail())
	}
}
