package kkt

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// randomUpperCSC is a random upper-triangular n×n pattern (each entry
// with probability dens, each diagonal entry with probability diag).
func randomUpperCSC(rng *rand.Rand, n int, dens, diag float64) problem.CSC {
	c := problem.CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			p := dens
			if i == j {
				p = diag
			}
			if rng.Float64() < p {
				c.Rowval = append(c.Rowval, i)
			}
		}
		c.Colptr[j+1] = len(c.Rowval)
	}
	return c
}

// randomCSC is a random m×n pattern of density dens.
func randomCSC(rng *rand.Rand, m, n int, dens float64) problem.CSC {
	c := problem.CSC{Rows: m, Cols: n, Colptr: make([]int, n+1)}
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			if rng.Float64() < dens {
				c.Rowval = append(c.Rowval, i)
			}
		}
		c.Colptr[j+1] = len(c.Rowval)
	}
	return c
}

// TestSetDataRuns: SetData, which copies P's runs of consecutive KKT
// values and clears only the values neither P nor A names, writes bit for
// bit the matrix of clearing every value and scattering P and A entry by
// entry, over a matrix that held other values before (H set, a previous
// data set): P dense, sparse, with and without its diagonal entries, or
// absent; A dense (written by its row starts), with empty columns (by
// its strided runs), nearly dense or sparse (entry by entry); second-order cone blocks in
// H; dense and sparse paths; ρ ≠ 0.
func TestSetDataRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, tc := range []struct {
		name             string
		n, zero, nonneg  int
		soc              []int
		pDens, pDiag, aD float64
	}{
		{"dense P", 9, 2, 5, nil, 1, 1, 1},
		// A few entries of A missing: its strided runs, not the dense
		// A's row starts.
		{"dense P near-dense A", 9, 5, 20, nil, 1, 1, 0.97},
		// aD < 0: A dense but for its empty columns 0, 3, 6, …: every
		// row alike, so its columns are strided runs.
		{"dense P A with empty columns", 9, 5, 20, nil, 1, 1, -1},
		// A dense A beside second-order cone blocks of H: its rows'
		// KKT values are not a constant step apart.
		{"dense P dense A soc", 9, 2, 12, []int{5, 4}, 1, 1, 1},
		{"sparse P no diagonal", 12, 1, 6, nil, 0.3, 0, 0.5},
		{"sparse P some diagonal", 15, 0, 8, []int{3, 4}, 0.2, 0.5, 0.4},
		{"no P", 10, 2, 7, []int{3}, 0, 0, 0.6},
		{"diagonal P soc", 8, 1, 3, []int{4, 2}, 0, 1, 0.7},
	} {
		for _, ls := range linearSolvers {
			for _, rho := range []float64{0, 0.5} {
				t.Run(fmt.Sprintf("%s/%s/rho=%g", tc.name, ls.name, rho), func(t *testing.T) {
					cones := problem.Cones{Zero: tc.zero, Nonneg: tc.nonneg, SOC: tc.soc}
					m := tc.zero + tc.nonneg
					for _, q := range tc.soc {
						m += q
					}
					pp := randomUpperCSC(rng, tc.n, tc.pDens, tc.pDiag)
					ap := randomCSC(rng, m, tc.n, math.Abs(tc.aD))
					if tc.aD > 0 && tc.aD < 1 && ap.Nnz() == m*tc.n {
						// Drawn full: one structural zero (a random
						// entry dropped), so that A is not dense for
						// any seed.
						k := rng.Intn(ap.Nnz())
						ap.Rowval = append(ap.Rowval[:k:k], ap.Rowval[k+1:]...)
						for j := range ap.Colptr {
							if ap.Colptr[j] > k {
								ap.Colptr[j]--
							}
						}
					}
					if tc.aD < 0 {
						ap.Rowval = ap.Rowval[:0]
						for j := 0; j < tc.n; j++ {
							for i := 0; i < m && j%3 != 0; i++ {
								ap.Rowval = append(ap.Rowval, i)
							}
							ap.Colptr[j+1] = len(ap.Rowval)
						}
					}
					st, err := problem.NewStructure(tc.n, m, cones, pp, ap)
					if err != nil {
						t.Fatal(err)
					}
					an, err := Analyse(st, ls.ls)
					if err != nil {
						t.Fatal(err)
					}
					if wantStride := tc.name == "dense P"; (an.aStride > 0) != wantStride {
						t.Fatalf("A's row step %d, want one: %v", an.aStride, wantStride)
					}
					k := mustNew(t, an)
					fill := func(v []float64) {
						for i := range v {
							v[i] = rng.NormFloat64()
						}
					}
					pv, av := make([]float64, st.P.Nnz()), make([]float64, st.A.Nnz())
					// Other values first: a previous data set and H.
					fill(pv)
					fill(av)
					k.SetData(pv, av, 1.5)
					fill(k.kv)
					fill(pv)
					fill(av)
					k.SetData(pv, av, rho)
					want := make([]float64, len(k.kv))
					for i, idx := range an.pmap {
						want[idx] = pv[i]
					}
					if rho != 0 {
						for j := 0; j < tc.n; j++ {
							want[an.diag[j]] += rho
						}
					}
					for i, idx := range an.amap {
						want[idx] = av[i]
					}
					for i := range want {
						if math.Float64bits(k.kv[i]) != math.Float64bits(want[i]) {
							t.Fatalf("value %d = %v, want %v", i, k.kv[i], want[i])
						}
					}
					if len(an.pruns) > 3*max(1, len(an.pmap)) {
						t.Fatalf("%d runs for %d P values", len(an.pruns)/3, len(an.pmap))
					}
				})
			}
		}
	}
}

// TestPValues: PValues is the matrix's P values in P's storage order
// exactly when P's values are one run (a dense P; not a P that misses
// diagonal entries, whose added diagonal values split the runs), and a
// SetData or ResetTo with that slice, written by the caller, leaves the
// matrix of a SetData with a copy of it bit for bit (ρ ≠ 0 included),
// over a matrix that held other values before.
func TestPValues(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	for _, tc := range []struct {
		name            string
		n, zero, nonneg int
		pDens, pDiag    float64
		shared          bool
	}{
		{"dense P", 9, 2, 5, 1, 1, true},
		{"sparse P all diagonal", 1, 0, 3, 0, 1, true},
		{"sparse P no diagonal", 12, 1, 6, 0.3, 0, false},
		{"sparse P some diagonal", 15, 0, 8, 0.2, 0.5, false},
		{"no P", 10, 2, 7, 0, 0, false},
	} {
		for _, ls := range linearSolvers {
			for _, rho := range []float64{0, 0.5} {
				t.Run(fmt.Sprintf("%s/%s/rho=%g", tc.name, ls.name, rho), func(t *testing.T) {
					cones := problem.Cones{Zero: tc.zero, Nonneg: tc.nonneg}
					m := tc.zero + tc.nonneg
					pp := randomUpperCSC(rng, tc.n, tc.pDens, tc.pDiag)
					ap := randomCSC(rng, m, tc.n, 0.6)
					st, err := problem.NewStructure(tc.n, m, cones, pp, ap)
					if err != nil {
						t.Fatal(err)
					}
					an, err := Analyse(st, ls.ls)
					if err != nil {
						t.Fatal(err)
					}
					k := mustNew(t, an)
					pk := k.PValues()
					if (pk != nil) != tc.shared {
						t.Fatalf("PValues %v, want shared %v (%d runs)", pk != nil, tc.shared, len(an.pruns)/3)
					}
					if pk == nil {
						return
					}
					if len(pk) != st.P.Nnz() || cap(pk) != len(pk) {
						t.Fatalf("len %d cap %d, want %d", len(pk), cap(pk), st.P.Nnz())
					}
					for i, idx := range an.pmap {
						if &pk[i] != &k.kv[idx] {
							t.Fatalf("P value %d is not KKT value %d", i, idx)
						}
					}
					fill := func(v []float64) {
						for i := range v {
							v[i] = rng.NormFloat64()
						}
					}
					pv, av := make([]float64, st.P.Nnz()), make([]float64, st.A.Nnz())
					for _, reset := range []bool{false, true} {
						fill(pv)
						fill(av)
						k.SetData(pv, av, 1.5)
						fill(k.kv)
						fill(pv)
						copy(pk, pv)
						if reset {
							k.ResetTo(pk, av, rho, nil)
						} else {
							k.SetData(pk, av, rho)
						}
						got := append([]float64(nil), k.kv...)
						ref := mustNew(t, an)
						ref.SetData(pv, av, rho)
						for i := range got {
							if math.Float64bits(got[i]) != math.Float64bits(ref.kv[i]) {
								t.Fatalf("reset %v: value %d = %v, want %v", reset, i, got[i], ref.kv[i])
							}
						}
						// Again from the same slice: ResetTo's fast path.
						k.SetIdentityH()
						k.ResetTo(pk, av, rho, nil)
						for i := range got {
							if math.Float64bits(k.kv[i]) != math.Float64bits(ref.kv[i]) {
								t.Fatalf("second reset: value %d = %v, want %v", i, k.kv[i], ref.kv[i])
							}
						}
					}
				})
			}
		}
	}
}

// TestSetDataDenseABands: SetData's dense A (a constant row step in the
// KKT values), written by vec.TransposeRows8 in bands of eight columns
// and the last n mod 8 columns one by one, is bit for bit the entry-by-
// entry scatter through amap and the value-by-value loop (noTransposeA),
// for orders below, at and around multiples of eight, with special
// values (NaN payloads, ±0, ±Inf, subnormals) among A's, over a matrix
// that held other values before.
func TestSetDataDenseABands(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	specials := []float64{math.Float64frombits(0x7ff8000000000123), math.Copysign(0, -1), 0,
		math.Inf(1), math.Inf(-1), 5e-324, -1e300}
	for _, n := range []int{1, 7, 8, 9, 16, 21, 50} {
		for _, sz := range [][2]int{{1, 1}, {2, 3}, {5, 15}} {
			zero, nonneg := sz[0], sz[1]
			m := zero + nonneg
			for _, ls := range linearSolvers {
				t.Run(fmt.Sprintf("n=%d/m=%d/%s", n, m, ls.name), func(t *testing.T) {
					st, err := problem.NewStructure(n, m, problem.Cones{Zero: zero, Nonneg: nonneg},
						problem.UpperPattern(n), problem.DensePattern(m, n))
					if err != nil {
						t.Fatal(err)
					}
					an, err := Analyse(st, ls.ls)
					if err != nil {
						t.Fatal(err)
					}
					if an.aStride == 0 {
						t.Fatalf("no constant row step for a dense A (%d rows)", m)
					}
					pv, av := make([]float64, st.P.Nnz()), make([]float64, st.A.Nnz())
					for i := range pv {
						pv[i] = rng.NormFloat64()
					}
					for i := range av {
						av[i] = rng.NormFloat64()
						if rng.Intn(5) == 0 {
							av[i] = specials[rng.Intn(len(specials))]
						}
					}
					k0 := mustNew(t, an)
					want := make([]float64, len(k0.kv))
					for i, idx := range an.pmap {
						want[idx] = pv[i]
					}
					for i, idx := range an.amap {
						want[idx] = av[i]
					}
					for _, plain := range []bool{false, true} {
						k := mustNew(t, an)
						for i := range k.kv {
							k.kv[i] = rng.NormFloat64()
						}
						noTransposeA = plain
						k.SetData(pv, av, 0)
						noTransposeA = false
						for i := range want {
							if math.Float64bits(k.kv[i]) != math.Float64bits(want[i]) {
								t.Fatalf("plain %v: value %d = %v, want %v", plain, i, k.kv[i], want[i])
							}
						}
					}
				})
			}
		}
	}
}
