package main

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// BenchmarkSmallQP times the library's fixed costs on tiny QPs called one
// at a time (issue 16): the forward alone (fwd) and forward + backward
// (fwdbwd) of the BPQP study's QP 10×5 with method bpqp (the forward
// writing its factor records, as the Python layer asks for them with
// this method), and the forward of
// the dense QP layer's B = 1, n = 10 problem (m = 10, p = 2; dense). The
// cpu-ns/op metric is the process CPU time per call (the box is shared):
//
//	go test ./capi -run '^$' -bench SmallQP -count 10
func BenchmarkSmallQP(b *testing.B) {
	bp := bpqpInstance(rand.New(rand.NewSource(15)), 10, 5, false)
	dense := smallDenseQP()
	for _, c := range []struct {
		name string
		q    *testDenseQP
		bwd  bool
	}{{"bpqp10x5/fwd", bp, false}, {"bpqp10x5/fwdbwd", bp, true}, {"dense10/fwd", dense, false}} {
		b.Run(c.name, func(b *testing.B) {
			q := c.q
			h, code, msg := testNewDense(q)
			if code != 0 {
				b.Fatal(code, msg)
			}
			defer testFree(h)
			gx := make([]float64, q.n)
			for i := range gx {
				gx[i] = 1
			}
			rl := testFactorLen(h) // the Python layer keeps records for bpqp
			b.ResetTimer()
			t0 := testfam.CPUTime()
			for i := 0; i < b.N; i++ {
				out := testSolveRec(h, q, 1, q.m(), 0, rl)
				if out.code != 0 || out.status[0] != 1 {
					b.Fatal(out.code, out.status, out.msg)
				}
				if c.bwd {
					bw := testBackward(h, q, 1, q.m(), out, gx, nil, int(diff.MethodBPQP), 0.1)
					if bw.code != 0 {
						b.Fatal(bw.msg)
					}
				}
			}
			b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// smallDenseQP is the dense QP layer's B = 1, n = 10 problem of
// benchmarks.bench_overhead's shape (m = 10 inequalities, p = 2
// equalities, strictly feasible by construction).
func smallDenseQP() *testDenseQP {
	q := denseQP10()
	q.psdSymTol, q.psdShift = 1e3*2.220446049250313e-16, 1e-8
	return q
}
