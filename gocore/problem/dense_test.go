package problem

import (
	"math"
	"math/rand"
	"testing"
)

// Transpose writes dst[j·ld + i] = src[i·cols + j] for every size around
// its eight-row blocks, into a larger dst at an offset (a row block of A)
// without touching the entries outside the block.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, rows := range []int{0, 1, 7, 8, 9, 16, 23} {
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

// TestGatherDensePBlocked: on the full upper pattern (the blocked paths)
// and on a partial one (the column loops), at orders around the block of
// eight, GatherDenseP writes ½(F[i,j] + F[j,i]) at each pattern entry,
// bit for bit, for a non-symmetric F, and ScatterDenseP splits each
// off-diagonal gradient entry evenly, zero off the pattern.
func TestGatherDensePBlocked(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	for _, n := range []int{1, 2, 7, 8, 9, 16, 17, 37} {
		for _, full := range []bool{true, false} {
			p := UpperPattern(n)
			if !full && n > 1 {
				// Drop entry (0, n−1): column n−1 is no longer full.
				j := n - 1
				cp := append([]int(nil), p.Colptr...)
				rv := append(append([]int(nil), p.Rowval[:cp[j]]...), p.Rowval[cp[j]+1:]...)
				cp[n]--
				p = CSC{Rows: n, Cols: n, Colptr: cp, Rowval: rv}
			}
			s, err := NewStructure(n, 0, Cones{}, p, EmptyPattern(0, n))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.fullUpperP(); got != (full || n == 1) {
				t.Fatalf("n=%d full=%v: fullUpperP = %v", n, full, got)
			}
			F := make([]float64, n*n)
			for i := range F {
				F[i] = rng.NormFloat64()
			}
			dst := make([]float64, p.Nnz())
			for i := range dst {
				dst[i] = math.NaN()
			}
			// ScatterDenseP into a NaN-filled matrix: every entry written,
			// ½g off the diagonal on both sides, g on it, 0 off the pattern.
			g := make([]float64, p.Nnz())
			for i := range g {
				g[i] = rng.NormFloat64()
			}
			out := make([]float64, n*n)
			for i := range out {
				out[i] = math.NaN()
			}
			s.ScatterDenseP(out, g)
			want := make([]float64, n*n)
			for j := 0; j < n; j++ {
				for k := p.Colptr[j]; k < p.Colptr[j+1]; k++ {
					if i := p.Rowval[k]; i == j {
						want[i*n+j] = g[k]
					} else {
						want[i*n+j], want[j*n+i] = 0.5*g[k], 0.5*g[k]
					}
				}
			}
			for i := range want {
				if out[i] != want[i] {
					t.Fatalf("n=%d full=%v: ScatterDenseP entry %d = %v, want %v", n, full, i, out[i], want[i])
				}
			}
			s.GatherDenseP(dst, F)
			for j := 0; j < n; j++ {
				for k := p.Colptr[j]; k < p.Colptr[j+1]; k++ {
					i := p.Rowval[k]
					if want := 0.5 * (F[i*n+j] + F[j*n+i]); dst[k] != want {
						t.Fatalf("n=%d full=%v: entry (%d,%d) = %v, want %v", n, full, i, j, dst[k], want)
					}
				}
			}
		}
	}
}
