package main

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// bpqpInstance is the BPQP study's random QP (lp false) or ε-ridge LP
// (benchmarks/problems.py bpqp_qp / bpqp_lp; testfam.BPQPQP and BPQPLP)
// with P dense and the k equality and k inequality rows in the two row
// blocks the Python layer passes, and the PSD test the QP layer asks
// lpgd_solve for.
func bpqpInstance(rng *rand.Rand, n, k int, lp bool) *testDenseQP {
	gen := testfam.BPQPQP
	if lp {
		gen = testfam.BPQPLP
	}
	P, c, A, b, cones := gen(rng, n, k)
	return &testDenseQP{n: n, zero: cones.Zero, nonneg: cones.Nonneg, hasP: true, P: P, c: c, A: A, b: b,
		split: []int{cones.Zero, cones.Nonneg}, psdSymTol: 1e3 * 2.220446049250313e-16, psdShift: 1e-8}
}

// BenchmarkBPQPCall is one lpgd_solve + lpgd_backward call at B = 1 on the
// BPQP study's instances (bpqpInstance; 10×5, 50×10, 100×20 and 500×100), as
// its one-by-one protocol calls the library from Python (the PSD test of P
// included, and the forward's factorization record that both methods'
// backwards reuse):
//
//	go test ./capi -run '^$' -bench BPQPCall -cpuprofile cpu.out
func BenchmarkBPQPCall(b *testing.B) {
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}, {500, 100}} {
		for _, lp := range []bool{false, true} {
			for _, method := range []diff.Method{diff.MethodKKT, diff.MethodBPQP} {
				n, k := sz[0], sz[1]
				kind := map[bool]string{false: "qp", true: "lp"}[lp]
				mname := map[diff.Method]string{diff.MethodKKT: "kkt", diff.MethodBPQP: "bpqp"}[method]
				b.Run(fmt.Sprintf("%s/%dx%d/%s", kind, n, k, mname), func(b *testing.B) {
					q := bpqpInstance(rand.New(rand.NewSource(int64(n+k))), n, k, lp)
					h, code, msg := testNewDense(q)
					if code != 0 {
						b.Fatal(code, msg)
					}
					defer testFree(h)
					gx := make([]float64, n)
					for i := range gx {
						gx[i] = 1
					}
					// The forward keeps its factorization record for both
					// methods, as the Python layer asks (Run.factor_records:
					// the kkt backward and BPQP's direct solver reuse it).
					rl := testFactorLen(h)
					b.ResetTimer()
					t0 := testfam.CPUTime()
					for i := 0; i < b.N; i++ {
						out := testSolveRec(h, q, 1, q.m(), 0, rl)
						if out.code != 0 {
							b.Fatal(out.msg)
						}
						bw := testBackward(h, q, 1, q.m(), out, gx, nil, int(method), 0.1)
						if bw.code != 0 {
							b.Fatal(bw.msg)
						}
					}
					b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// BenchmarkBPQPCallCycle is BenchmarkBPQPCall over 8 instances of the same
// sizes in turn, as the study's one-by-one protocol cycles through its
// samples: each call's values differ from the previous call's, so the
// factorizations' value caches miss and every call scatters, factors and
// stores its values (one instance repeated skips them). Only ∂c is asked
// for, as the study's loss on q asks. It is the call pair whose memory
// footprint (cache lines touched per call) the forward's and backward's
// buffers are sized for:
//
//	go test ./capi -run '^$' -bench 'BPQPCallCycle/qp/100x20' -benchtime 2000x
func BenchmarkBPQPCallCycle(b *testing.B) {
	bpqpCycles(b, func(b *testing.B, h uint64, qs []*testDenseQP, gx []float64, rl int) {
		b.ResetTimer()
		t0 := testfam.CPUTime()
		for i := 0; i < b.N; i++ {
			q := qs[i%len(qs)]
			out := testSolveRec(h, q, 1, q.m(), 0, rl)
			if out.code != 0 {
				b.Fatal(out.msg)
			}
			bw := testBackwardGC(h, q, 1, q.m(), out, gx, int(diff.MethodBPQP), 0.1)
			if bw.code != 0 {
				b.Fatal(bw.msg)
			}
		}
		b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
	})
}

// bpqpCycles runs body as a sub-benchmark per BPQP study size (QP and LP,
// 10×5, 50×10, 100×20) on a dense handle with 8 instances of that size,
// the incoming gradient gx = 1 and the handle's factor record length rl.
func bpqpCycles(b *testing.B, body func(b *testing.B, h uint64, qs []*testDenseQP, gx []float64, rl int)) {
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}} {
		for _, lp := range []bool{false, true} {
			n, k := sz[0], sz[1]
			kind := map[bool]string{false: "qp", true: "lp"}[lp]
			b.Run(fmt.Sprintf("%s/%dx%d", kind, n, k), func(b *testing.B) {
				var qs []*testDenseQP
				for s := 0; s < 8; s++ {
					qs = append(qs, bpqpInstance(rand.New(rand.NewSource(int64(n+k+s))), n, k, lp))
				}
				h, code, msg := testNewDense(qs[0])
				if code != 0 {
					b.Fatal(code, msg)
				}
				defer testFree(h)
				gx := make([]float64, n)
				for i := range gx {
					gx[i] = 1
				}
				body(b, h, qs, gx, testFactorLen(h))
			})
		}
	}
}

// BenchmarkBPQPBackwardCycle is BenchmarkBPQPCallCycle's backward alone: the
// 8 instances are solved once (their factor records kept) and each
// iteration calls lpgd_backward (BPQP, ∂c only) on the next one, so a
// profile or an instruction count of the run is the backward's:
//
//	go test ./capi -run '^$' -bench 'BPQPBackwardCycle/lp/50x10' -benchtime 2000x
func BenchmarkBPQPBackwardCycle(b *testing.B) {
	bpqpCycles(b, func(b *testing.B, h uint64, qs []*testDenseQP, gx []float64, rl int) {
		outs := make([]testSolveOut, len(qs))
		for i, q := range qs {
			if outs[i] = testSolveRec(h, q, 1, q.m(), 0, rl); outs[i].code != 0 {
				b.Fatal(outs[i].msg)
			}
		}
		b.ResetTimer()
		t0 := testfam.CPUTime()
		for i := 0; i < b.N; i++ {
			q := qs[i%len(qs)]
			bw := testBackwardGC(h, q, 1, q.m(), outs[i%len(qs)], gx, int(diff.MethodBPQP), 0.1)
			if bw.code != 0 {
				b.Fatal(bw.msg)
			}
		}
		b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
	})
}
