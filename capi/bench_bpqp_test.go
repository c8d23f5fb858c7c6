package main

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
)

// bpqpInstance is the BPQP study's random QP (lp false) or ε-ridge LP
// (benchmarks/problems.py bpqp_qp / bpqp_lp; gocore/internal/testfam's
// BPQPQP and BPQPLP, which the capi cannot import) with P dense and the
// k equality and k inequality rows in the two row blocks the Python layer
// passes, and the PSD test the QP layer asks lpgd_solve for.
func bpqpInstance(rng *rand.Rand, n, k int, lp bool) *testDenseQP {
	P := make([]float64, n*n)
	if lp {
		for i := 0; i < n; i++ {
			P[i*n+i] = 1e-6
		}
	} else {
		Pp := make([]float64, n*n)
		for i := range Pp {
			Pp[i] = rng.Float64()
		}
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				var s float64
				for l := 0; l < n; l++ {
					s += Pp[l*n+i] * Pp[l*n+j]
				}
				P[i*n+j], P[j*n+i] = s, s
			}
			P[i*n+i] += 1e-3
		}
	}
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.Float64()
	}
	A := make([]float64, 2*k*n)
	for i := range A {
		A[i] = rng.Float64()
	}
	b := make([]float64, 2*k)
	c := make([]float64, n)
	for i := range b {
		for j := 0; j < n; j++ {
			b[i] += A[i*n+j] * z[j]
		}
		if i >= k {
			s := rng.NormFloat64()
			if lp && s > 0 {
				b[i] += s
			} else if lp {
				for j := 0; j < n; j++ {
					c[j] += A[i*n+j] * s
				}
			}
		}
	}
	if !lp {
		for i := range c {
			c[i] = rng.Float64()
		}
	}
	return &testDenseQP{n: n, zero: k, nonneg: k, hasP: true, P: P, c: c, A: A, b: b, split: []int{k, k},
		psdSymTol: 1e3 * 2.220446049250313e-16, psdShift: 1e-8}
}

// BenchmarkBPQPCall is one lpgd_solve + lpgd_backward call at B = 1 on the
// BPQP study's instances (bpqpInstance), as its one-by-one protocol calls
// the library from Python (the PSD test of P included):
//
//	go test ./capi -run '^$' -bench BPQPCall -cpuprofile cpu.out
func BenchmarkBPQPCall(b *testing.B) {
	for _, lp := range []bool{false, true} {
		for _, method := range []diff.Method{diff.MethodKKT, diff.MethodBPQP} {
			n, k := 500, 100
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
				rl := 0
				if method == diff.MethodKKT {
					rl = testFactorLen(h)
				}
				b.ResetTimer()
				t0 := cpuTime()
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
				b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// cpuTime is the process's user CPU time, all threads (the measure on a
// loaded machine).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}
