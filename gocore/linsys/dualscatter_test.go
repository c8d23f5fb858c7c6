package linsys

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// TestScatterRuns: scatterRuns cuts dst into maximal runs of constant
// stride, leaving out the −1 entries, on a table of cases.
func TestScatterRuns(t *testing.T) {
	for _, tc := range []struct {
		dst  []int
		want []scatterRun
	}{
		{nil, nil},
		{[]int{-1, -1}, nil},
		{[]int{7}, []scatterRun{{0, 1, 7, 0}}},
		{[]int{0, 1, 2, 3}, []scatterRun{{0, 4, 0, 1}}},
		{[]int{0, 5, 10, 11, 12}, []scatterRun{{0, 3, 0, 5}, {3, 2, 11, 1}}},
		{[]int{3, -1, 4, 5, -1, 9}, []scatterRun{{0, 1, 3, 0}, {2, 2, 4, 1}, {5, 1, 9, 0}}},
		{[]int{9, 6, 3, 0, 2}, []scatterRun{{0, 4, 9, -3}, {4, 1, 2, 0}}},
	} {
		if got := scatterRuns(tc.dst, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("scatterRuns(%v) = %v, want %v", tc.dst, got, tc.want)
		}
	}
}

// refScatter returns the entry-by-entry scatter of vals (f.dst, f.dst2)
// into a cleared buffer: what f.buf holds after a full scatter.
func refScatter(f *DenseDual, vals []float64) []float64 {
	ref := make([]float64, len(f.buf))
	for k, v := range vals {
		ref[f.dst[k]] += v
		if d2 := f.dst2[k]; d2 >= 0 {
			ref[d2] += v
		}
	}
	return ref
}

// sameBuf fails unless f.buf holds want bit for bit.
func sameBuf(t *testing.T, what string, f *DenseDual, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(f.buf[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: buf[%d] = %v, the reference scatter %v", what, i, f.buf[i], want[i])
		}
	}
}

// TestDenseDualScatterRuns: Factor's full scatter by runs writes the
// values of the entry-by-entry scatter (dst, dst2) bit for bit, on random
// KKT patterns (sparse and dense x blocks, −0 values among them) and on
// cvxpy's form with an extended x block (a permuted order).
func TestDenseDualScatterRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(66))
	check := func(f *DenseDual, vals []float64) {
		t.Helper()
		for k := range vals {
			if rng.Intn(17) == 0 {
				vals[k] = math.Copysign(0, -1)
			}
		}
		_ = f.Factor(vals) // the scatter precedes any refusal
		sameBuf(t, "full scatter", f, refScatter(f, vals))
	}
	for _, sz := range []struct {
		nx, m int
		dens  float64
	}{{1, 1, 1}, {5, 9, 0.3}, {13, 8, 1}, {40, 17, 0.5}, {60, 20, 1}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, sz.dens, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		check(f, vals)
	}
	for _, sz := range []struct{ nz, mi int }{{3, 5}, {17, 17}} {
		L := make([]float64, sz.nz*sz.nz)
		for i := range L {
			L[i] = rng.Float64()
		}
		pat, vals, order, signs := cvxpyKKT(rng, sz.nz, sz.mi, L)
		f, err := NewDenseDualOrder(pat, 3*sz.nz, order, signs)
		if err != nil {
			t.Fatal(err)
		}
		check(f, vals)
	}
}
