package main

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// denseBatch is a batch of B dense QPs (testfam.DenseQP: n = 5, 2
// equalities, 4 inequalities) of their own data, A and b in the row
// blocks split.
func denseBatch(rng *rand.Rand, B int, split []int) *testDenseQP {
	q := &testDenseQP{hasP: true, split: split}
	for k := 0; k < B; k++ {
		P, c, A, b, cones := testfam.DenseQP(rng, 5, 4, 2)
		q.n, q.zero, q.nonneg = 5, cones.Zero, cones.Nonneg
		q.P, q.c, q.A, q.b = append(q.P, P...), append(q.c, c...), append(q.A, A...), append(q.b, b...)
		q.ps, q.cs, q.as, q.bs = len(P), len(c), len(A), len(b)
	}
	return q
}

// sampleMajor rewrites a block-major gA (row width n; n = 1 for gb) of a
// batch of B into the sample-major layout, by the header's offsets.
func sampleMajor(g []float64, B, m, n int, split []int) []float64 {
	out := make([]float64, len(g))
	r0 := 0
	for _, rows := range split {
		for k := 0; k < B; k++ {
			src := g[B*n*r0+k*rows*n:][:rows*n]
			copy(out[k*m*n+r0*n:][:rows*n], src)
		}
		r0 += rows
	}
	return out
}

// lpgd_gradients.block_major writes each row block's gA and gb as one
// [batch, rows, n] region, the same numbers as the sample-major layout
// moved by the header's offsets: batched and shared (stride 0) A and b,
// several blocks with empty ones, batches of one and of three, a sample
// whose forward failed (its gradients zero in every block: the outputs
// start as NaN), kkt and LPGD.
func TestBlockMajorGradients(t *testing.T) {
	for _, split := range [][]int{{2, 4}, {0, 2, 0, 3, 1}, {6}} {
		for _, B := range []int{1, 3} {
			for _, shared := range []bool{false, true} {
				for _, method := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
					t.Run(fmt.Sprintf("%v/B%d/shared=%v/%d", split, B, shared, method), func(t *testing.T) {
						q := denseBatch(rand.New(rand.NewSource(int64(B+len(split)))), B, split)
						if shared { // one A and one b for the batch
							q.A, q.b = q.A[:q.as], q.b[:q.bs]
							q.as, q.bs = 0, 0
						}
						h, code, msg := testNewDense(q)
						if code != 0 {
							t.Fatal(msg)
						}
						defer testFree(h)
						m, n := q.m(), q.n
						out := testSolve(h, q, B, m, 0)
						if out.code != 0 {
							t.Fatal(out.msg)
						}
						failed := -1
						if B > 1 {
							failed = 1
							out.status[failed] = int32(ipm.StatusPrimalInfeasible)
						}
						gx := make([]float64, B*n)
						for i := range gx {
							gx[i] = math.Sin(float64(i + 1))
						}
						ref := testBackwardLayout(h, q, B, m, out, gx, nil, int(method), 0.1, false)
						got := testBackwardLayout(h, q, B, m, out, gx, nil, int(method), 0.1, true)
						if ref.code != 0 || got.code != 0 {
							t.Fatalf("codes %d %d: %s %s", ref.code, got.code, ref.msg, got.msg)
						}
						for _, chk := range []struct {
							name      string
							got, want []float64
						}{
							{"gA", sampleMajor(got.gA, B, m, n, split), ref.gA},
							{"gb", sampleMajor(got.gb, B, m, 1, split), ref.gb},
							{"gP", got.gP, ref.gP},
							{"gc", got.gc, ref.gc},
						} {
							for i, v := range chk.want {
								if math.IsNaN(v) || chk.got[i] != v {
									t.Fatalf("%s[%d] = %v, sample-major %v", chk.name, i, chk.got[i], v)
								}
							}
						}
						if failed >= 0 {
							for i, v := range ref.gA[failed*m*n : (failed+1)*m*n] {
								if v != 0 {
									t.Fatalf("failed sample's gA[%d] = %v", i, v)
								}
							}
						}
					})
				}
			}
		}
	}
}

// block_major with a CSC A is an argument error (its gA has no row-major
// blocks), checked before any work.
func TestBlockMajorNeedsDenseA(t *testing.T) {
	h, code, msg := testNewCSC(2, []testCone{{kind: 1, dim: 2}}, []int64{0, 0, 0}, nil, []int64{0, 1, 2}, []int64{0, 1})
	if code != 0 {
		t.Fatal(msg)
	}
	defer testFree(h)
	q := &testDenseQP{n: 2, nonneg: 2, c: []float64{1, 1}, A: []float64{1, 1}, b: []float64{1, 1}}
	sol := testSolveOut{x: []float64{0, 0}, y: []float64{0, 0}, s: []float64{1, 1}, status: []int32{1}}
	for _, major := range []bool{false, true} {
		bw := testBackwardLayout(h, q, 1, 2, sol, []float64{1, 0}, nil, int(diff.MethodKKT), 0.1, major)
		if major && (bw.code != codeArgument || !strings.Contains(bw.msg, "block_major")) {
			t.Fatalf("block_major on a CSC A: code %d %q, want an argument error", bw.code, bw.msg)
		}
		if !major && bw.code != 0 {
			t.Fatalf("sample-major on a CSC A: code %d %q", bw.code, bw.msg)
		}
	}
}
