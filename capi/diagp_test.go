package main

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestDiagonalPGatherBits checks lpgd_backward with the diagonal gather of
// a dense P (problem.GatherDensePDiagonal, declared to diff by
// Workspace.SetPDiagonal) against the full gather (gatherDiagonalP off):
// every gradient, status and flag bit for bit, for each method, on the
// BPQP study's ε-ridge LPs (P = εI: the diagonal path) and QPs (refused:
// the full gather either way), with incoming gradients on x and y. A
// diagonal gather that wrote other values, or a declaration that sent a
// backward to other products or factorizations, fails it.
func TestDiagonalPGatherBits(t *testing.T) {
	defer func() { gatherDiagonalP = true }()
	bits := func(t *testing.T, what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s[%d] = %v with the diagonal gather, %v without", what, i, got[i], want[i])
			}
		}
	}
	for _, sz := range [][2]int{{10, 5}, {50, 10}} {
		for _, lp := range []bool{true, false} {
			for seed := int64(0); seed < 3; seed++ {
				t.Run(fmt.Sprintf("%dx%d/lp=%v/%d", sz[0], sz[1], lp, seed), func(t *testing.T) {
					n, k := sz[0], sz[1]
					rng := rand.New(rand.NewSource(seed + 40))
					q := bpqpInstance(rng, n, k, lp)
					if lp {
						for i := 0; i < n; i++ {
							for j := 0; j < n; j++ {
								if i != j && math.Float64bits(q.P[i*n+j]) != 0 {
									t.Fatalf("LP instance's P[%d,%d] = %v: not the diagonal path", i, j, q.P[i*n+j])
								}
							}
						}
					}
					h, code, msg := testNewDense(q)
					if code != 0 {
						t.Fatal(code, msg)
					}
					defer testFree(h)
					out := testSolveRec(h, q, 1, q.m(), 0, testFactorLen(h))
					if out.code != 0 {
						t.Fatal(out.msg)
					}
					gx, gy := make([]float64, n), make([]float64, q.m())
					for i := range gx {
						gx[i] = rng.NormFloat64()
					}
					for i := range gy {
						gy[i] = rng.NormFloat64()
					}
					for method := 0; method <= 2; method++ {
						gatherDiagonalP = true
						a := testBackward(h, q, 1, q.m(), out, gx, gy, method, 1e-3)
						gatherDiagonalP = false
						b := testBackward(h, q, 1, q.m(), out, gx, gy, method, 1e-3)
						if a.code != 0 || b.code != 0 {
							t.Fatalf("method %d: %d %s / %d %s", method, a.code, a.msg, b.code, b.msg)
						}
						if a.status[0] != b.status[0] || a.flags[0] != b.flags[0] {
							t.Fatalf("method %d: status/flags %d/%d with, %d/%d without", method, a.status[0], a.flags[0], b.status[0], b.flags[0])
						}
						m := fmt.Sprintf("method %d: ", method)
						bits(t, m+"gP", a.gP, b.gP)
						bits(t, m+"gc", a.gc, b.gc)
						bits(t, m+"gA", a.gA, b.gA)
						bits(t, m+"gb", a.gb, b.gb)
					}
				})
			}
		}
	}
}
