package problem

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestGatherDensePTiled checks GatherDenseP's tiled path on the full upper
// pattern (orders around and across its eight-row bands) against the entry-by-entry
// ½(F + Fᵀ) on the pattern, bit for bit, and the plain path on a sparse
// upper pattern of the same order. A tile that skipped the last partial
// block, a row or the diagonal, or read F's transpose alone, fails it.
func TestGatherDensePTiled(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, n := range []int{1, 5, 31, 32, 33, 64, 65, 100, 257} {
		full := make([]float64, n*n)
		for i := range full {
			full[i] = rng.NormFloat64()
		}
		sparse := CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
		for j := 0; j < n; j++ {
			for i := 0; i <= j; i++ {
				if i == j || rng.Intn(3) == 0 {
					sparse.Rowval = append(sparse.Rowval, i)
				}
			}
			sparse.Colptr[j+1] = len(sparse.Rowval)
		}
		for _, tc := range []struct {
			name string
			p    CSC
		}{{"full upper", UpperPattern(n)}, {"sparse upper", sparse}} {
			st, err := NewStructure(n, 0, Cones{}, tc.p, EmptyPattern(0, n))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, tc.p.Nnz())
			for k := range got {
				got[k] = math.NaN()
			}
			st.GatherDenseP(got, full)
			for j := 0; j < n; j++ {
				for k := tc.p.Colptr[j]; k < tc.p.Colptr[j+1]; k++ {
					i := tc.p.Rowval[k]
					want := 0.5 * (full[i*n+j] + full[j*n+i])
					if math.Float64bits(got[k]) != math.Float64bits(want) {
						t.Fatalf("n=%d %s: entry (%d,%d) = %v, want %v", n, tc.name, i, j, got[k], want)
					}
				}
			}
		}
	}
}

// BenchmarkGatherDenseP is GatherDenseP on the full upper pattern (the
// QP layer's dense P, gathered on every call).
func BenchmarkGatherDenseP(b *testing.B) {
	for _, n := range []int{100, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			st, err := NewStructure(n, 0, Cones{}, UpperPattern(n), EmptyPattern(0, n))
			if err != nil {
				b.Fatal(err)
			}
			full := make([]float64, n*n)
			for i := range full {
				full[i] = float64(i % 7)
			}
			dst := make([]float64, st.P.Nnz())
			for i := 0; i < b.N; i++ {
				st.GatherDenseP(dst, full)
			}
		})
	}
}

// TestGatherDensePDiagonal checks GatherDensePDiagonal against
// GatherDensePFinite: on a diagonal F (every off-diagonal entry +0, the
// diagonal finite, whatever dst held) it reports true and writes the same
// values bit for bit; any other F — one off-diagonal entry nonzero, −0,
// NaN or ±Inf in either triangle, a non-finite diagonal entry — and a
// sparse upper pattern report false and leave dst as it was. A scan that
// skipped a run, an entry at a run's end or a −0, or a gather that left a
// stale value off the diagonal, fails it.
func TestGatherDensePDiagonal(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	special := []float64{1e-300, -2.5, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 5e-324}
	for _, n := range []int{1, 2, 3, 7, 8, 9, 16, 17, 50, 65} {
		st, err := NewStructure(n, 0, Cones{}, UpperPattern(n), EmptyPattern(0, n))
		if err != nil {
			t.Fatal(err)
		}
		diag := func() []float64 {
			f := make([]float64, n*n)
			for j := 0; j < n; j++ {
				f[j*n+j] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
			}
			return f
		}
		stale := func() []float64 {
			d := make([]float64, n*(n+1)/2)
			for i := range d {
				d[i] = rng.NormFloat64()
			}
			return d
		}
		f := diag()
		f[0] = math.MaxFloat64 // 0.5·(d + d) overflows: written as the gather writes it
		got, want := stale(), make([]float64, n*(n+1)/2)
		if !st.GatherDensePDiagonal(got, f) {
			t.Fatalf("n=%d: diagonal F refused", n)
		}
		st.GatherDenseP(want, f)
		for k := range want {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("n=%d: value %d = %v, gather %v", n, k, got[k], want[k])
			}
		}
		refuse := func(what string, f []float64) {
			t.Helper()
			d := stale()
			keep := append([]float64(nil), d...)
			if st.GatherDensePDiagonal(d, f) {
				t.Fatalf("n=%d: %s accepted", n, what)
			}
			for k := range d {
				if math.Float64bits(d[k]) != math.Float64bits(keep[k]) {
					t.Fatalf("n=%d: %s wrote value %d", n, what, k)
				}
			}
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if i == j && n > 3 && i%3 != 0 || i != j && n > 9 && (i*n+j)%7 != 0 && j != i+1 && i != j+1 {
					continue // every entry at small n, a sample (and the band next to the diagonal) above
				}
				for _, v := range special {
					if i == j && (v-v == 0) {
						continue // a finite diagonal entry is diagonal
					}
					f := diag()
					f[i*n+j] = v
					refuse(fmt.Sprintf("F[%d,%d] = %v", i, j, v), f)
				}
			}
		}
		if n > 1 {
			dp := CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
			for j := 0; j < n; j++ {
				dp.Rowval = append(dp.Rowval, j)
				dp.Colptr[j+1] = j + 1
			}
			sp, err := NewStructure(n, 0, Cones{}, dp, EmptyPattern(0, n))
			if err != nil {
				t.Fatal(err)
			}
			d := stale()[:n]
			if sp.GatherDensePDiagonal(d, diag()) {
				t.Fatalf("n=%d: sparse pattern accepted", n)
			}
		}
	}
}
