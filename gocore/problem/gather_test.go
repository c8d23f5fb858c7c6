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
