package main

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// BenchmarkSolveB1 is one lpgd_solve + lpgd_backward call at B = 1 on a
// dense QP of n = 10 (m = 10 inequalities, p = 2 equalities, A split in
// the two row blocks the Python layer passes), as the QP layer calls the
// library per instance; the helpers' C buffers count too. Fixed per-call
// costs of the ABI path:
//
//	go test ./capi -run '^$' -bench SolveB1 -benchmem -cpuprofile cpu.out
func BenchmarkSolveB1(b *testing.B) {
	q := denseQP10()
	h, code, msg := testNewDense(q)
	if code != 0 {
		b.Fatal(code, msg)
	}
	defer testFree(h)
	gx := make([]float64, q.n)
	gx[0] = 1
	rl := testFactorLen(h)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := testSolveRec(h, q, 1, q.m(), 0, rl)
		if out.code != 0 {
			b.Fatal(out.msg)
		}
		bw := testBackward(h, q, 1, q.m(), out, gx, nil, int(diff.MethodKKT), 0.1)
		if bw.code != 0 {
			b.Fatal(bw.msg)
		}
	}
}

// denseQP10 is the dense QP layer's B = 1, n = 10 problem (m = 10
// inequalities, p = 2 equalities, A split in the two row blocks the Python
// layer passes; x0 strictly feasible by construction), seeded.
func denseQP10() *testDenseQP {
	rng := rand.New(rand.NewSource(10))
	n := 10
	p, mi := n/5, n
	P := testfam.GramP(rng, n)
	c := make([]float64, n)
	x0 := make([]float64, n)
	for i := range c {
		c[i], x0[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	A := make([]float64, (p+mi)*n)
	bb := make([]float64, p+mi)
	for r := 0; r < p+mi; r++ {
		for j := 0; j < n; j++ {
			A[r*n+j] = rng.NormFloat64()
			bb[r] += A[r*n+j] * x0[j]
		}
		if r >= p {
			bb[r] += rng.Float64() // slack
		}
	}
	return &testDenseQP{n: n, zero: p, nonneg: mi, hasP: true, P: P, c: c, A: A, b: bb, split: []int{p, mi}}
}
