package problem

import (
	"math/rand"
	"testing"
)

// Transpose writes dst[j·ld + i] = src[i·cols + j] for every size around
// its eight-row blocks (and the four- and two-row bands of the last
// rows), into a larger dst at an offset (a row block of A) without
// touching the entries outside the block.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, rows := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 23} {
		for _, cols := range []int{0, 1, 3, 8, 13} {
			const off, extra = 2, 3
			ld := off + rows + extra
			src := make([]float64, rows*cols)
			for i := range src {
				src[i] = rng.NormFloat64()
			}
			dst := make([]float64, ld*max(cols, 1))
			for i := range dst {
				dst[i] = -7
			}
			Transpose(dst[off:], ld, src, rows, cols)
			for j := 0; j < cols; j++ {
				for r := 0; r < ld; r++ {
					want := -7.0
					if r >= off && r < off+rows {
						want = src[(r-off)*cols+j]
					}
					if got := dst[j*ld+r]; got != want {
						t.Fatalf("rows=%d cols=%d: dst[%d·%d+%d] = %v, want %v", rows, cols, j, ld, r, got, want)
					}
				}
			}
		}
	}
}

// GatherDenseA and ScatterDenseA agree with the entrywise definition on a
// full pattern (the transpose) and on a partial one.
func TestGatherScatterDenseA(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	partial := CSC{Rows: 11, Cols: 5, Colptr: []int{0, 2, 2, 5, 6, 9}, Rowval: []int{0, 10, 1, 2, 9, 4, 0, 3, 8}}
	for _, tc := range []struct {
		name string
		m, n int
		pat  CSC
	}{
		{"full", 19, 13, DensePattern(19, 13)},
		{"full-8", 16, 8, DensePattern(16, 8)},
		{"partial", 11, 5, partial},
	} {
		s, err := NewStructure(tc.n, tc.m, Cones{Nonneg: tc.m}, EmptyPattern(tc.n, tc.n), tc.pat)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.DenseA(), tc.name != "partial"; got != want {
			t.Fatalf("%s: DenseA() = %v, want %v", tc.name, got, want)
		}
		full := make([]float64, tc.m*tc.n)
		for i := range full {
			full[i] = rng.NormFloat64()
		}
		av := make([]float64, s.A.Nnz())
		s.GatherDenseA(av, full)
		back := make([]float64, tc.m*tc.n)
		for i := range back {
			back[i] = 5
		}
		s.ScatterDenseA(back, av)
		stored := make([]bool, tc.m*tc.n)
		for j := 0; j < tc.n; j++ {
			for k := s.A.Colptr[j]; k < s.A.Colptr[j+1]; k++ {
				i := s.A.Rowval[k]
				stored[i*tc.n+j] = true
				if av[k] != full[i*tc.n+j] {
					t.Fatalf("%s: gathered A[%d,%d] = %v, want %v", tc.name, i, j, av[k], full[i*tc.n+j])
				}
			}
		}
		for e := range back {
			want := 0.0
			if stored[e] {
				want = full[e]
			}
			if back[e] != want {
				t.Fatalf("%s: scattered entry %d = %v, want %v", tc.name, e, back[e], want)
			}
		}
	}
}
