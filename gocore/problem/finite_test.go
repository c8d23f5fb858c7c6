package problem

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// sparseUpper is a seeded upper pattern of order n with every diagonal
// entry and about a third of the others.
func sparseUpper(rng *rand.Rand, n int) CSC {
	p := CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			if i == j || rng.Intn(3) == 0 {
				p.Rowval = append(p.Rowval, i)
			}
		}
		p.Colptr[j+1] = len(p.Rowval)
	}
	return p
}

// wantGather is ½(F + Fᵀ) on the pattern p, entry by entry.
func wantGather(p CSC, full []float64) []float64 {
	n := p.Cols
	out := make([]float64, p.Nnz())
	for j := 0; j < n; j++ {
		for k := p.Colptr[j]; k < p.Colptr[j+1]; k++ {
			i := p.Rowval[k]
			out[k] = 0.5 * (full[i*n+j] + full[j*n+i])
		}
	}
	return out
}

func sameBits(a, b []float64) int {
	for k := range a {
		if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
			return k
		}
	}
	return -1
}

// TestGatherDensePFinite: GatherDensePFinite writes GatherDenseP's values
// bit for bit (the full upper pattern by its eight-row bands, orders
// around and across a band, and a sparse pattern) and reports false for a
// NaN or ±Inf at every position of F in turn (upper, lower, diagonal; a
// band or tail that skipped an entry fails), true on finite values.
func TestGatherDensePFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 24, 33} {
		for _, pat := range []struct {
			name string
			p    CSC
		}{{"full", UpperPattern(n)}, {"sparse", sparseUpper(rng, n)}} {
			t.Run(fmt.Sprintf("n=%d/%s", n, pat.name), func(t *testing.T) {
				st, err := NewStructure(n, 0, Cones{}, pat.p, EmptyPattern(0, n))
				if err != nil {
					t.Fatal(err)
				}
				full := make([]float64, n*n)
				for i := range full {
					full[i] = rng.NormFloat64()
				}
				got := make([]float64, pat.p.Nnz())
				if !st.GatherDensePFinite(got, full) {
					t.Fatal("finite F reported not finite")
				}
				if k := sameBits(got, wantGather(pat.p, full)); k >= 0 {
					t.Fatalf("value %d differs", k)
				}
				plain := make([]float64, pat.p.Nnz())
				st.GatherDenseP(plain, full)
				if k := sameBits(plain, got); k >= 0 {
					t.Fatalf("GatherDenseP's value %d differs", k)
				}
				for pos := range full {
					keep := full[pos]
					full[pos] = bad[pos%len(bad)]
					if st.GatherDensePFinite(got, full) {
						t.Fatalf("F[%d, %d] = %v reported finite", pos/n, pos%n, full[pos])
					}
					full[pos] = keep
				}
			})
		}
	}
}

// TestTransposeFinite: TransposeFinite writes Transpose's entries and
// reports false for a NaN or ±Inf at every position of src in turn, true
// on finite values.
func TestTransposeFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	for _, rows := range []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 13, 17} {
		for _, cols := range []int{1, 3, 8, 13} {
			src := make([]float64, rows*cols)
			for i := range src {
				src[i] = rng.NormFloat64()
			}
			ld := rows + 2
			got, want := make([]float64, ld*cols), make([]float64, ld*cols)
			if !TransposeFinite(got, ld, src, rows, cols) {
				t.Fatalf("rows=%d cols=%d: finite src reported not finite", rows, cols)
			}
			Transpose(want, ld, src, rows, cols)
			if k := sameBits(got, want); k >= 0 {
				t.Fatalf("rows=%d cols=%d: entry %d differs", rows, cols, k)
			}
			for pos := range src {
				keep := src[pos]
				src[pos] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[pos%3]
				if TransposeFinite(got, ld, src, rows, cols) {
					t.Fatalf("rows=%d cols=%d: src[%d] = %v reported finite", rows, cols, pos, src[pos])
				}
				src[pos] = keep
			}
		}
	}
}

// TestGatherDensePScan: GatherDensePScan's measures are linsys.ScanSquare's
// bit for bit (Fro2 summed in its order: a pivot at the PSD test's edge
// must go the same way at B = 1 as in a batch) and its values
// GatherDenseP's, on seeded symmetric, asymmetric, upper triangular
// (lower triangle zero), diagonal and -0 lower matrices at orders around
// the 8×8 tile (and the study's 10 and 50: a narrow tile of two
// columns); a NaN or ±Inf anywhere gives ok false, as an overflowing
// Fro2 may, and one nonzero anywhere below the diagonal LowerZero false.
func TestGatherDensePScan(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for _, n := range []int{1, 2, 7, 8, 9, 10, 15, 16, 17, 23, 33, 50, 100} {
		for kind := 0; kind < 5; kind++ {
			t.Run(fmt.Sprintf("n=%d/kind=%d", n, kind), func(t *testing.T) {
				st, err := NewDenseStructure(n, 0, Cones{}, true)
				if err != nil {
					t.Fatal(err)
				}
				full := make([]float64, n*n)
				for i := 0; i < n; i++ {
					for j := 0; j <= i; j++ {
						v := rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
						full[i*n+j], full[j*n+i] = v, v
						switch kind {
						case 1: // asymmetric
							full[i*n+j] += 1e-3 * rng.NormFloat64()
						case 2: // upper triangular
							if i != j {
								full[i*n+j] = 0
							}
						case 3: // diagonal
							if i != j {
								full[i*n+j], full[j*n+i] = 0, 0
							}
						case 4: // -0 below the diagonal
							if i != j {
								full[i*n+j] = math.Copysign(0, -1)
							}
						}
					}
				}
				got := make([]float64, n*(n+1)/2)
				sc, ok := st.GatherDensePScan(got, full)
				if !ok {
					t.Fatal("finite F reported not finite")
				}
				want := linsys.ScanSquare(full, n)
				if math.Float64bits(sc.Asym) != math.Float64bits(want.Asym) || math.Float64bits(sc.Scale) != math.Float64bits(want.Scale) ||
					math.Float64bits(sc.Fro2) != math.Float64bits(want.Fro2) || sc.LowerZero != want.LowerZero {
					t.Fatalf("scan %+v, linsys.ScanSquare %+v", sc, want)
				}
				if k := sameBits(got, wantGather(st.P, full)); k >= 0 {
					t.Fatalf("value %d differs", k)
				}
				if n > 17 {
					return
				}
				if kind == 2 {
					// One nonzero (the least subnormal) below the
					// diagonal, at each position in turn: LowerZero false.
					for i := 1; i < n; i++ {
						for j := 0; j < i; j++ {
							full[i*n+j] = 5e-324
							if sc, _ := st.GatherDensePScan(got, full); sc.LowerZero {
								t.Fatalf("F[%d, %d] = 5e-324: lower triangle reported zero", i, j)
							}
							full[i*n+j] = 0
						}
					}
				}
				for pos := range full {
					keep := full[pos]
					full[pos] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[pos%3]
					if _, ok := st.GatherDensePScan(got, full); ok {
						t.Fatalf("F[%d, %d] = %v reported finite", pos/n, pos%n, full[pos])
					}
					full[pos] = keep
				}
			})
		}
	}
	st, _ := NewDenseStructure(2, 0, Cones{}, true)
	if _, ok := st.GatherDensePScan(make([]float64, 3), []float64{1e200, 0, 0, 1}); ok {
		t.Error("overflowing Fro2 reported finite")
	}
	diag := CSC{Rows: 3, Cols: 3, Colptr: []int{0, 1, 2, 3}, Rowval: []int{0, 1, 2}}
	sp, err := NewStructure(3, 0, Cones{}, diag, EmptyPattern(0, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("GatherDensePScan on a diagonal pattern did not panic")
		}
	}()
	sp.GatherDensePScan(make([]float64, 6), make([]float64, 9))
}
