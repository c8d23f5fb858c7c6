package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// TestDenseDualRowBlocks: DenseDual's Solve and MulVec with the groups of
// four rows in one kernel call each way (vec.Dot4Rows, Axpy4Rows) give the
// results of one Dot4/Axpy4 call per group bit for bit, on the BPQP
// study's systems at orders with and without row and column tails (every
// row coupled: the block path; a zero A row: the per-group path, which
// must agree too), dense P and ε-ridge.
func TestDenseDualRowBlocks(t *testing.T) {
	defer func(v bool) { noRowBlocks = v }(noRowBlocks)
	rng := rand.New(rand.NewSource(41))
	blocks := 0
	for _, c := range []struct {
		nx, m   int
		lp      bool
		zeroRow int
	}{
		{10, 10, false, -1}, {11, 6, false, -1}, {50, 20, false, -1}, {53, 23, false, -1}, {100, 40, false, -1},
		{50, 20, true, -1}, {50, 20, false, 7}, {21, 9, false, -1},
	} {
		pat, vals := bpqpKKT(rng, c.nx, c.m, c.lp, c.zeroRow)
		var out [2][][]float64
		for k, off := range []bool{false, true} {
			noRowBlocks = off
			f, err := NewDenseDual(pat, c.nx)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Factor(vals); err != nil {
				t.Fatal(err)
			}
			if !off && f.nr == f.mr && f.rowsConsecutive() {
				blocks++
			}
			b := randVec(rand.New(rand.NewSource(3)), pat.N)
			x := append([]float64(nil), b...)
			f.Solve(x)
			x2 := append([]float64(nil), b...)
			f.Solve(x2) // a later solve of the same factorization
			y := make([]float64, pat.N)
			f.MulVec(x, y)
			out[k] = [][]float64{x, x2, y}
		}
		for v, what := range []string{"solve", "second solve", "product"} {
			for i := range out[0][v] {
				if math.Float64bits(out[0][v][i]) != math.Float64bits(out[1][v][i]) {
					t.Fatalf("%+v %s: [%d] = %v, per group %v", c, what, i, out[0][v][i], out[1][v][i])
				}
			}
		}
	}
	if blocks == 0 {
		t.Error("no system took the row-block path")
	}
}
