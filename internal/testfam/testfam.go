// Package testfam holds the problem families of the Python benchmarks
// (benchmarks/problems.py) for the Go tests and benchmarks of several
// packages, and the CPU-time clock those benchmarks report with.
package testfam

import (
	"math"
	"math/rand"
	"sort"
	"syscall"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// DenseQP is the benchmarks' dense_qp family (benchmarks/problems.py):
// P = LLᵀ/n + 0.1I, q, G, A ~ N(0,1), h = G z0 + U(0,1), b = A z0.
func DenseQP(rng *rand.Rand, n, m, p int) (P, c, A, b []float64, cones problem.Cones) {
	P = GramP(rng, n)
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.NormFloat64()
	}
	A = make([]float64, (p+m)*n)
	b = make([]float64, p+m)
	for i := 0; i < p+m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s
		if i >= p {
			b[i] += rng.Float64()
		}
	}
	return P, c, A, b, problem.Cones{Zero: p, Nonneg: m}
}

// BoxLP is the LPGD benchmark's box_lp family (no P): m random rows,
// the box −1 ≤ x ≤ 1 as 2n rows, p equalities.
func BoxLP(rng *rand.Rand, n, m, p int) (c, A, b []float64, cones problem.Cones) {
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.Float64() - 0.5
	}
	rows := p + m + 2*n
	A = make([]float64, rows*n)
	b = make([]float64, rows)
	for i := 0; i < p; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s
	}
	for i := p; i < p+m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s + rng.Float64()
	}
	for j := 0; j < n; j++ {
		A[(p+m+j)*n+j] = 1
		b[p+m+j] = 1
		A[(p+m+n+j)*n+j] = -1
		b[p+m+n+j] = 1
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	return c, A, b, problem.Cones{Zero: p, Nonneg: m + 2*n}
}

// BoxQP is the LPGD benchmark's box_lp family with quadratic=True: BoxLP
// and P = LLᵀ/n + 0.1I (dense, row-major n×n).
func BoxQP(rng *rand.Rand, n, m, p int) (P, c, A, b []float64, cones problem.Cones) {
	c, A, b, cones = BoxLP(rng, n, m, p)
	P = GramP(rng, n)
	return P, c, A, b, cones
}

// CPUTime is the process's user CPU time (the benchmarks run on one
// goroutine; on a loaded machine it counts the time they ran).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}

// CvxpyQP is cvxpy's canonical form of the cvxpylayers dense family
// (benchmarks/bench_cone.py: min ½‖Q½z‖² + pᵀz s.t. Gz ≤ h) as
// CvxpyLayer hands it to the solver: x = (z, t) with the auxiliary
// t = Q½z, P = I on t (no entries on z), n zero rows Q½z − t = 0, then n
// inequality rows Gz ≤ h. Q½ is uniform on [0, 1) (full rank, the
// conditioning of the family's square root), G Gaussian, h = G z0 + U(0, 1).
// P and A are CSC (P upper) with values in pattern order.
func CvxpyQP(rng *rand.Rand, n int) (pat, apat problem.CSC, P, c, A, b []float64, cones problem.Cones) {
	L := make([]float64, n*n) // row-major Q½
	for i := range L {
		L[i] = rng.Float64()
	}
	G := make([]float64, n*n)
	for i := range G {
		G[i] = rng.NormFloat64()
	}
	nx, m := 2*n, 2*n
	pat = problem.CSC{Rows: nx, Cols: nx, Colptr: make([]int, nx+1)}
	for j := 0; j < nx; j++ {
		if j >= n {
			pat.Rowval = append(pat.Rowval, j)
			P = append(P, 1)
		}
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	apat = problem.CSC{Rows: m, Cols: nx, Colptr: make([]int, nx+1)}
	for j := 0; j < nx; j++ {
		if j < n {
			for i := 0; i < n; i++ {
				apat.Rowval = append(apat.Rowval, i)
				A = append(A, L[i*n+j])
			}
			for i := 0; i < n; i++ {
				apat.Rowval = append(apat.Rowval, n+i)
				A = append(A, G[i*n+j])
			}
		} else {
			apat.Rowval = append(apat.Rowval, j-n)
			A = append(A, -1)
		}
		apat.Colptr[j+1] = len(apat.Rowval)
	}
	c = make([]float64, nx)
	for i := 0; i < n; i++ {
		c[i] = rng.NormFloat64()
	}
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.NormFloat64()
	}
	b = make([]float64, m)
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < n; j++ {
			s += G[i*n+j] * z0[j]
		}
		b[n+i] = s + rng.Float64()
	}
	return pat, apat, P, c, A, b, problem.Cones{Zero: n, Nonneg: n}
}

// SparseQP is cvxpylayers' sparse timing family (benchmarks/bench_cone.py,
// sparse_qp): min ½‖x‖² + pᵀx s.t. A x = b, G x ≤ h, with A and G n×n,
// each scipy.sparse.random(n, n, density) (entries at uniformly random
// distinct positions, values U(0,1)) plus the identity; p ~ N(0,1) and
// b = A x_s, h = G x_s for x_s ~ N(0,1). The structure is built from the
// first draw of A and G; count value sets share it (only p, b, h differ,
// as in the benchmark). The rows are [A; G] (zero cone, then nonnegative).
func SparseQP(rng *rand.Rand, n int, density float64, count int) (*problem.Structure, []*problem.Values) {
	A := sparseRandPlusI(rng, n, density)
	G := sparseRandPlusI(rng, n, density)
	// Columns of [A; G] in CSC form.
	colptr := make([]int, n+1)
	var rowval []int
	var aval []float64
	for j := 0; j < n; j++ {
		for _, e := range A[j] {
			rowval = append(rowval, e.row)
			aval = append(aval, e.val)
		}
		for _, e := range G[j] {
			rowval = append(rowval, n+e.row)
			aval = append(aval, e.val)
		}
		colptr[j+1] = len(rowval)
	}
	pcol := make([]int, n+1)
	prow := make([]int, n)
	pval := make([]float64, n)
	for j := 0; j < n; j++ {
		pcol[j+1] = j + 1
		prow[j] = j
		pval[j] = 1
	}
	st, err := problem.NewStructure(n, 2*n, problem.Cones{Zero: n, Nonneg: n},
		problem.CSC{Rows: n, Cols: n, Colptr: pcol, Rowval: prow},
		problem.CSC{Rows: 2 * n, Cols: n, Colptr: colptr, Rowval: rowval})
	if err != nil {
		panic(err)
	}
	vs := make([]*problem.Values, count)
	for k := range vs {
		xs := make([]float64, n)
		c := make([]float64, n)
		for i := range xs {
			xs[i] = rng.NormFloat64()
		}
		for i := range c {
			c[i] = rng.NormFloat64()
		}
		b := make([]float64, 2*n)
		for j := 0; j < n; j++ {
			for p := colptr[j]; p < colptr[j+1]; p++ {
				b[rowval[p]] += aval[p] * xs[j]
			}
		}
		vs[k] = &problem.Values{P: pval, C: c, A: aval, B: b}
	}
	return st, vs
}

type sparseEntry struct {
	row int
	val float64
}

// sparseRandPlusI returns the columns (rows ascending) of an n×n matrix
// with round(density·n²) entries U(0,1) at distinct random positions plus
// the identity.
func sparseRandPlusI(rng *rand.Rand, n int, density float64) [][]sparseEntry {
	nnz := int(density*float64(n)*float64(n) + 0.5)
	dense := make(map[int]float64, nnz+n)
	for len(dense) < nnz {
		k := rng.Intn(n * n)
		if _, ok := dense[k]; !ok {
			dense[k] = rng.Float64()
		}
	}
	cols := make([][]sparseEntry, n)
	for i := 0; i < n; i++ {
		dense[i*n+i] += 1
	}
	for k, v := range dense {
		i, j := k/n, k%n
		cols[j] = append(cols[j], sparseEntry{i, v})
	}
	for j := range cols {
		sort.Slice(cols[j], func(a, b int) bool { return cols[j][a].row < cols[j][b].row })
	}
	return cols
}

// PowProjection is bench_cone.py's power-cone family in cvxpy's canonical
// form (what CvxpyLayer passes to the solver): the projection of k points
// p_i ~ N((½, ½, 0), I) onto K_pow(α_i), α_i spread over [0.2, 0.8],
//
//	min ‖u‖²  s.t.  V − u = p (3k zero rows),  V ∈ K_pow(α_1) × … × K_pow(α_k),
//
// x = (u, V) with n = 6k, the cones' rows s = V (3k rows), P = 2I on u.
// It returns the structure's data as sparse CSC patterns and values.
func PowProjection(rng *rand.Rand, k int) (st *problem.Structure, v *problem.Values, err error) {
	n, m := 6*k, 6*k
	specs := []cone.Spec{{Kind: cone.KindZero, Dim: 3 * k}}
	for i := 0; i < k; i++ {
		a := 0.2
		if k > 1 {
			a += 0.6 * float64(i) / float64(k-1)
		}
		specs = append(specs, cone.Spec{Kind: cone.KindPow, Dim: 3, Param: a})
	}
	pp := problem.CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
	for j := 0; j < n; j++ {
		pp.Colptr[j+1] = pp.Colptr[j]
		if j < 3*k {
			pp.Rowval = append(pp.Rowval, j)
			pp.Colptr[j+1]++
		}
	}
	ap := problem.CSC{Rows: m, Cols: n, Colptr: make([]int, n+1)}
	var av []float64
	for j := 0; j < n; j++ {
		ap.Colptr[j+1] = ap.Colptr[j]
		if j < 3*k { // u_j: −1 in zero row j
			ap.Rowval = append(ap.Rowval, j)
			av = append(av, -1)
			ap.Colptr[j+1]++
		} else { // V_j: +1 in zero row j − 3k, −1 in cone row j
			ap.Rowval = append(ap.Rowval, j-3*k, j)
			av = append(av, 1, -1)
			ap.Colptr[j+1] += 2
		}
	}
	st, err = problem.New(n, m, specs, pp, ap)
	if err != nil {
		return nil, nil, err
	}
	v = &problem.Values{P: make([]float64, 3*k), C: make([]float64, n), A: av, B: make([]float64, m)}
	for i := range v.P {
		v.P[i] = 2
	}
	for i := 0; i < 3*k; i++ {
		v.B[i] = rng.NormFloat64()
		if i%3 != 2 {
			v.B[i] += 0.5
		}
	}
	return st, v, nil
}

// GramP is the families' dense quadratic term P = LLᵀ/n + 0.1I with
// L ~ N(0,1) (row-major n×n, positive definite).
func GramP(rng *rand.Rand, n int) []float64 {
	L := make([]float64, n*n)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += L[i*n+k] * L[j*n+k]
			}
			P[i*n+j] = s / float64(n)
		}
		P[i*n+i] += 0.1
	}
	return P
}

// BPQPQP is the BPQP study's random QP (benchmarks/problems.py bpqp_qp,
// Pan et al. 2024): P = P′ᵀP′ + 1e-3·I, P′, q, A, G ~ U(0,1), z′ ~ U(0,1),
// h = G z′, b = A z′; k equality rows then k inequality rows (row-major
// (2k)×n), P dense row-major n×n.
func BPQPQP(rng *rand.Rand, n, k int) (P, c, A, b []float64, cones problem.Cones) {
	Pp := make([]float64, n*n)
	for i := range Pp {
		Pp[i] = rng.Float64()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for l := 0; l < n; l++ {
				s += Pp[l*n+i] * Pp[l*n+j]
			}
			P[i*n+j], P[j*n+i] = s, s
		}
		P[i*n+i] += 1e-3
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.Float64()
	}
	A, b = bpqpRows(rng, n, k, nil)
	return P, c, A, b, problem.Cones{Zero: k, Nonneg: k}
}

// BPQPLP is the BPQP study's random LP with the paper's ε-ridge
// (benchmarks/problems.py bpqp_lp): s0 ~ N(0,1), λ0 = max(−s0, 0),
// s0 = max(s0, 0), x0, G, A ~ U(0,1), b = A x0, h = G x0 + s0, c = −Gᵀλ0,
// P = εI (ε = 1e-6) given as a dense n×n matrix, as the Python layer
// passes it.
func BPQPLP(rng *rand.Rand, n, k int) (P, c, A, b []float64, cones problem.Cones) {
	s0 := make([]float64, k)
	for i := range s0 {
		s0[i] = rng.NormFloat64()
	}
	A, b = bpqpRows(rng, n, k, s0)
	c = make([]float64, n)
	for i := 0; i < k; i++ {
		if lam := -s0[i]; lam > 0 {
			for j := 0; j < n; j++ {
				c[j] -= A[(k+i)*n+j] * lam
			}
		}
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1e-6
	}
	return P, c, A, b, problem.Cones{Zero: k, Nonneg: k}
}

// bpqpRows draws z ~ U(0,1)ⁿ and the k equality rows then the k inequality
// rows of the BPQP families, U(0,1) entries, b = [A z; G z + max(s0, 0)]
// (s0 nil: no slack).
func bpqpRows(rng *rand.Rand, n, k int, s0 []float64) (A, b []float64) {
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.Float64()
	}
	A = make([]float64, 2*k*n)
	for i := range A {
		A[i] = rng.Float64()
	}
	b = make([]float64, 2*k)
	for i := range b {
		var s float64
		for j := 0; j < n; j++ {
			s += A[i*n+j] * z[j]
		}
		b[i] = s
		if s0 != nil && i >= k && s0[i-k] > 0 {
			b[i] += s0[i-k]
		}
	}
	return A, b
}

// SameBits reports whether a and b hold the same float64 bits entry by
// entry (NaN payloads and signed zeros included): the bit-for-bit tests'
// comparison.
func SameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
