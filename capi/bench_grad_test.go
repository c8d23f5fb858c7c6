package main

import (
	"math/rand"
	"syscall"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// boxBatch is the LPGD benchmark's QP (qp) or LP batch
// (benchmarks/bench_lpgd.py: testfam.BoxQP / BoxLP with n = 100, 50 random
// inequalities, the box, 10 equalities; B samples of their own data), A
// and b in the two row blocks the Python layer passes.
func boxBatch(B int, qp bool) *testDenseQP {
	rng := rand.New(rand.NewSource(7))
	q := &testDenseQP{hasP: qp}
	for k := 0; k < B; k++ {
		if qp {
			P, c, A, b, cones := testfam.BoxQP(rng, 100, 50, 10)
			q.zero, q.nonneg = cones.Zero, cones.Nonneg
			q.P, q.c, q.A, q.b = append(q.P, P...), append(q.c, c...), append(q.A, A...), append(q.b, b...)
			q.ps = len(P)
		} else {
			c, A, b, cones := testfam.BoxLP(rng, 100, 50, 10)
			q.zero, q.nonneg = cones.Zero, cones.Nonneg
			q.c, q.A, q.b = append(q.c, c...), append(q.A, A...), append(q.b, b...)
		}
	}
	q.n = 100
	q.cs, q.as, q.bs = len(q.c)/B, len(q.A)/B, len(q.b)/B
	q.split = []int{q.zero, q.nonneg}
	return q
}

// benchBackward times one prepared lpgd_backward call per iteration on
// the solved batch q (B samples, random incoming ∂ℓ/∂x, every gradient
// asked for, fresh calloc'd output buffers as the Python layer gives, τ =
// 0.1 central for LPGD), with its CPU time (both threads) and system time
// per call.
func benchBackward(b *testing.B, q *testDenseQP, B int, method diff.Method, blockMajor bool) {
	h, code, msg := testNewDense(q)
	if code != 0 {
		b.Fatal(code, msg)
	}
	defer testFree(h)
	out := testSolveRec(h, q, B, q.m(), 0, testFactorLen(h))
	if out.code != 0 {
		b.Fatal(out.msg)
	}
	gx := make([]float64, B*q.n)
	rng := rand.New(rand.NewSource(3))
	for i := range gx {
		gx[i] = rng.NormFloat64()
	}
	call, free := testPreparedBackward(h, q, B, out, gx, int(method), 0.1, blockMajor, true)
	defer free()
	b.ResetTimer()
	t0, s0 := testfam.CPUTime(), sysTime()
	for i := 0; i < b.N; i++ {
		if code := call(); code != 0 {
			b.Fatal(code)
		}
	}
	b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(sysTime()-s0)/float64(b.N), "sys-ns/op")
}

// BenchmarkBackwardBatch is one lpgd_backward call on the LPGD
// benchmark's QP batch (B = 64), kkt and LPGD (fast path), in the
// sample-major and the block-major gradient layout: the dense ∂P and
// ∂[A; G] are most of the bytes written.
//
//	go test ./capi -run '^$' -bench BackwardBatch -cpuprofile cpu.out
func BenchmarkBackwardBatch(b *testing.B) {
	const B = 64
	q := boxBatch(B, true)
	for _, method := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
		for _, blockMajor := range []bool{false, true} {
			name := map[diff.Method]string{diff.MethodKKT: "kkt", diff.MethodLPGD: "lpgd"}[method]
			name += map[bool]string{false: "/sample", true: "/block"}[blockMajor]
			b.Run(name, func(b *testing.B) { benchBackward(b, q, B, method, blockMajor) })
		}
	}
}

// BenchmarkBackwardBatchLP is one lpgd_backward call on the LPGD
// benchmark's LP batch (B = 64, block-major, LPGD with the parametric
// simplex warm start): the LP row of benchmarks/results/lpgd_overhead.md at
// the Go level.
//
//	go test ./capi -run '^$' -bench BackwardBatchLP -count 10
func BenchmarkBackwardBatchLP(b *testing.B) {
	const B = 64
	benchBackward(b, boxBatch(B, false), B, diff.MethodLPGD, true)
}

// sysTime is the process's system CPU time (the page faults of fresh
// output buffers count there).
func sysTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Stime.Nano()
}
