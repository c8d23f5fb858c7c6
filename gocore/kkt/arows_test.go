package kkt

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestStridedRuns: the runs expand to the index list they were made of
// (dense A: one run per column), and a list without long strided runs
// (or a short one) gets none.
func TestStridedRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	dense := make([]int, 0, 48) // 8 rows × 6 columns, rows 7 values apart
	for j := 0; j < 6; j++ {
		for i := 0; i < 8; i++ {
			dense = append(dense, 100+i*7+j)
		}
	}
	var mixed []int // strides 1, 2 and −1
	for t := 0; t < 10; t++ {
		mixed = append(mixed, 3+t)
	}
	for t := 0; t < 10; t++ {
		mixed = append(mixed, 40+2*t)
	}
	for t := 0; t < 10; t++ {
		mixed = append(mixed, 30-t)
	}
	for _, idx := range [][]int{{}, {7}, dense, mixed} {
		runs := stridedRuns(idx)
		if runs == nil && len(idx) >= 20 {
			t.Fatalf("%v: no runs", idx)
		}
		if runs == nil {
			continue // short: amap it is
		}
		var got []int
		for r := 0; r+3 < len(runs); r += 4 {
			for t := 0; t < runs[r+2]; t++ {
				got = append(got, runs[r+1]+t*runs[r+3])
			}
			if runs[r] != len(got)-runs[r+2] {
				t.Fatalf("%v: run %v does not start at %d", idx, runs[r:r+4], len(got)-runs[r+2])
			}
		}
		if len(got) != len(idx) {
			t.Fatalf("%v: runs %v expand to %v", idx, runs, got)
		}
		for i := range idx {
			if got[i] != idx[i] {
				t.Fatalf("%v: runs %v expand to %v", idx, runs, got)
			}
		}
	}
	scattered := rng.Perm(40)
	if runs := stridedRuns(scattered); runs != nil {
		t.Fatalf("a permutation of 40 got %d runs, want none", len(runs)/4)
	}
}

// TestActiveRowsWithoutAmap: SetActiveRows and ResetTo, which address a
// row's A entries as the contiguous KKT values from arow[i], write bit for
// bit what the entry-by-entry path through amap writes (an analysis whose
// arow and aruns are cleared), zeroIdx included, on sparse and dense A
// with empty rows and columns; arow names each row's first entry.
func TestActiveRowsWithoutAmap(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, tc := range []struct {
		n, zero, nonneg int
		aD              float64
	}{{9, 2, 6, 1}, {12, 1, 9, 0.4}, {15, 0, 20, 0.15}, {6, 3, 3, 0.7}} {
		for _, ls := range linearSolvers {
			t.Run(fmt.Sprintf("%dx%d/%g/%s", tc.n, tc.zero+tc.nonneg, tc.aD, ls.name), func(t *testing.T) {
				m := tc.zero + tc.nonneg
				st, err := problem.NewStructure(tc.n, m, problem.Cones{Zero: tc.zero, Nonneg: tc.nonneg},
					randomUpperCSC(rng, tc.n, 0.3, 1), randomCSC(rng, m, tc.n, tc.aD))
				if err != nil {
					t.Fatal(err)
				}
				an, err := Analyse(st, ls.ls)
				if err != nil {
					t.Fatal(err)
				}
				if an.arow == nil {
					t.Fatal("no arow for a pattern without duplicates")
				}
				for i := 0; i < m; i++ {
					for k := st.A.Colptr[0]; k < st.A.Colptr[tc.n]; k++ {
						if st.A.Rowval[k] == i {
							if an.amap[k] != an.arow[i] {
								t.Fatalf("row %d starts at %d, its first entry is at %d", i, an.arow[i], an.amap[k])
							}
							break
						}
					}
				}
				plain := *an
				plain.arow, plain.aruns, plain.fullA, plain.aStride = nil, nil, false, 0
				k, ref := mustNew(t, an), mustNew(t, &plain)
				pv, av := make([]float64, st.P.Nnz()), make([]float64, st.A.Nnz())
				for i := range pv {
					pv[i] = rng.NormFloat64()
				}
				for i := range av {
					av[i] = rng.NormFloat64()
				}
				for round := 0; round < 3; round++ {
					active := make([]bool, m)
					for i := range active {
						active[i] = rng.Intn(3) > 0
					}
					for _, s := range []*System{k, ref} {
						s.ResetTo(pv, av, 0, nil)
						s.SetActiveRows(av, active)
					}
					same := func(what string) {
						t.Helper()
						for i := range k.kv {
							if math.Float64bits(k.kv[i]) != math.Float64bits(ref.kv[i]) {
								t.Fatalf("round %d %s: value %d = %v, the amap path's %v", round, what, i, k.kv[i], ref.kv[i])
							}
						}
						if fmt.Sprint(k.zeroIdx) != fmt.Sprint(ref.zeroIdx) {
							t.Fatalf("round %d %s: zeroIdx %v, the amap path's %v", round, what, k.zeroIdx, ref.zeroIdx)
						}
					}
					same("SetActiveRows")
					for _, s := range []*System{k, ref} {
						s.ResetTo(pv, av, 0, nil)
					}
					same("ResetTo")
				}
			})
		}
	}
}

// TestFullAPattern: ResetTo's full-pattern path runs only on a pattern
// whose columns hold rows 0, …, m−1 in order; a Structure with m·n entries
// of which one is a duplicate (rows {0, 0} and {0, 1}; problem.New rejects
// it, Analyse does not) has arow but not fullA, and ResetTo after a masked
// row restores what SetData writes (the full-pattern path wrote row 1's
// second entry into the next KKT value).
func TestFullAPattern(t *testing.T) {
	full, err := problem.NewStructure(2, 2, problem.Cones{Zero: 2},
		problem.CSC{Rows: 2, Cols: 2, Colptr: []int{0, 0, 0}},
		problem.CSC{Rows: 2, Cols: 2, Colptr: []int{0, 2, 4}, Rowval: []int{0, 1, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	dup := *full
	dup.A.Rowval = []int{0, 0, 0, 1}
	for _, ls := range linearSolvers {
		for _, tc := range []struct {
			st   *problem.Structure
			want bool
		}{{&dup, false}, {full, true}} {
			an, err := Analyse(tc.st, ls.ls)
			if err != nil {
				t.Fatal(err)
			}
			if an.fullA != tc.want {
				t.Fatalf("%s: fullA %v, want %v", ls.name, an.fullA, tc.want)
			}
			av := []float64{1, 3, 5, 7}
			k, ref := mustNew(t, an), mustNew(t, an)
			k.ResetTo(nil, av, 0, nil)
			k.SetActiveRows(av, []bool{true, false})
			k.ResetTo(nil, av, 0, nil)
			ref.SetData(nil, av, 0)
			for i := range k.kv {
				if math.Float64bits(k.kv[i]) != math.Float64bits(ref.kv[i]) {
					t.Fatalf("%s, fullA %v: value %d = %v after a masked row, SetData's %v", ls.name, tc.want, i, k.kv[i], ref.kv[i])
				}
			}
		}
	}
}
