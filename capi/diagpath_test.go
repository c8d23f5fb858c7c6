package main

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// pDiagRecord installs pDiagHook for a batch of nb samples and returns
// what each sample of the next calls reported: fwd[k] (lpgd_solve) and
// bwd[k] (lpgd_backward) are -1 when not reported, else 0 (general
// gather) or 1 (diagonal gather). reset clears them between calls.
func pDiagRecord(t *testing.T, nb int) (fwd, bwd []int8, reset func()) {
	t.Helper()
	fwd, bwd = make([]int8, nb), make([]int8, nb)
	reset = func() {
		for k := range fwd {
			fwd[k], bwd[k] = -1, -1
		}
	}
	reset()
	// Each sample writes its own entry (disjoint between goroutines);
	// the call's end orders the writes before the test reads them.
	pDiagHook = func(k int, backward, diag bool) {
		v := int8(0)
		if diag {
			v = 1
		}
		if backward {
			bwd[k] = v
		} else {
			fwd[k] = v
		}
	}
	t.Cleanup(func() { pDiagHook = nil })
	return fwd, bwd, reset
}

// sameBits fails t when got and want differ in any bit (NaNs included).
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values with the diagonal gather, %d without", what, len(got), len(want))
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s[%d] = %v with the diagonal gather, %v without", what, i, got[i], want[i])
		}
	}
}

// sameSolve fails t when two lpgd_solve outputs differ: code, message,
// statuses, and x, y, s, info and the factor records bit for bit.
func sameSolve(t *testing.T, what string, a, b testSolveOut) {
	t.Helper()
	// The message buffer is written only on an error.
	if a.code != b.code || (a.code != 0 && a.msg != b.msg) {
		t.Fatalf("%s: call %d %q with the diagonal gather, %d %q without", what, a.code, a.msg, b.code, b.msg)
	}
	for k := range b.status {
		if a.status[k] != b.status[k] {
			t.Fatalf("%s: status[%d] %d with the diagonal gather, %d without", what, k, a.status[k], b.status[k])
		}
	}
	sameBits(t, what+": x", a.x, b.x)
	sameBits(t, what+": y", a.y, b.y)
	sameBits(t, what+": s", a.s, b.s)
	sameBits(t, what+": info", a.info, b.info)
	sameBits(t, what+": factor", a.rec, b.rec)
}

// sameBackward is sameSolve for lpgd_backward outputs.
func sameBackward(t *testing.T, what string, a, b testBackwardOut) {
	t.Helper()
	// The message buffer is written only on an error.
	if a.code != b.code || (a.code != 0 && a.msg != b.msg) {
		t.Fatalf("%s: call %d %q with the diagonal gather, %d %q without", what, a.code, a.msg, b.code, b.msg)
	}
	for k := range b.status {
		if a.status[k] != b.status[k] || a.flags[k] != b.flags[k] {
			t.Fatalf("%s: status/flags[%d] %d/%d with the diagonal gather, %d/%d without", what, k, a.status[k], a.flags[k], b.status[k], b.flags[k])
		}
	}
	sameBits(t, what+": gP", a.gP, b.gP)
	sameBits(t, what+": gc", a.gc, b.gc)
	sameBits(t, what+": gA", a.gA, b.gA)
	sameBits(t, what+": gb", a.gb, b.gb)
}

// wantPath fails t unless got[k] is want[k] for every sample (1: the
// diagonal gather, 0: the general one).
func wantPath(t *testing.T, what string, got, want []int8) {
	t.Helper()
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("%s: sample %d reported %d, want %d (1: diagonal gather, 0: general, -1: not reported); all %v", what, k, got[k], want[k], got)
		}
	}
}

// TestDiagonalPForward checks that lpgd_solve takes the diagonal gather
// of a dense P (problem.GatherDensePDiagonal) exactly where no PSD scan
// is done — B = 1 with psd_shift = 0, or B > 1 (the batch's PSD test runs
// before the solves) — on the BPQP study's ε-ridge LPs (P = εI) and never
// on its QPs, and that its outputs (x, y, s, status, info, factor
// records) are the general gather's bit for bit (gatherDiagonalP off).
// A diagonal gather that wrote other values, or one that was never taken
// (its branch dead), fails it.
func TestDiagonalPForward(t *testing.T) {
	defer func() { gatherDiagonalP = true }()
	const n, k = 20, 6
	for _, lp := range []bool{true, false} {
		for _, nb := range []int{1, 3} {
			for _, shift := range []float64{0, 1e-8} {
				t.Run(fmt.Sprintf("lp=%v/B=%d/shift=%g", lp, nb, shift), func(t *testing.T) {
					rng := rand.New(rand.NewSource(int64(nb) + 70))
					var q *testDenseQP
					for s := 0; s < nb; s++ {
						qs := bpqpInstance(rng, n, k, lp)
						if q == nil {
							q = qs
							continue
						}
						q.P = append(q.P, qs.P...)
						q.c = append(q.c, qs.c...)
						q.A = append(q.A, qs.A...)
						q.b = append(q.b, qs.b...)
					}
					m := q.m()
					q.ps, q.cs, q.as, q.bs = n*n, n, m*n, m
					q.psdShift = shift
					h, code, msg := testNewDense(q)
					if code != 0 {
						t.Fatal(code, msg)
					}
					defer testFree(h)
					fwd, _, reset := pDiagRecord(t, nb)
					rl := testFactorLen(h)
					gatherDiagonalP = true
					a := testSolveRec(h, q, nb, m, 0, rl)
					want := make([]int8, nb)
					for s := range want {
						if lp && (nb > 1 || shift == 0) {
							want[s] = 1
						}
					}
					wantPath(t, "with the diagonal gather", fwd, want)
					reset()
					gatherDiagonalP = false
					b := testSolveRec(h, q, nb, m, 0, rl)
					wantPath(t, "without", fwd, make([]int8, nb))
					if a.code != 0 {
						t.Fatal(a.msg)
					}
					for s := range a.status {
						if ipm.Status(a.status[s]) != ipm.StatusSolved {
							t.Fatalf("sample %d: status %d", s, a.status[s])
						}
					}
					sameSolve(t, "solve", a, b)
				})
			}
		}
	}
}

// TestDiagonalPMixedBatch solves and differentiates (kkt, BPQP, LPGD) a
// batch whose samples take the diagonal gather of P or not, one after
// another on the same workers — ε-ridge LPs (P = εI: diagonal), a dense
// QP, an LP with one −0 off-diagonal entry (not all bits zero: general),
// LPs with an off-diagonal pair only in the last row and column (the last
// run vec.OrBitsRuns reads; 1e-300 and ε/4), with 1 and 3 threads, with
// and without the batch's PSD test, and checks
//
//   - which samples took the diagonal gather, in the forward and in what
//     the backward declared to diff (Workspace.SetPDiagonal): a flag left
//     from the sample before, or a refused P taken as diagonal, fails it;
//   - every output of both calls against the same batch with the
//     diagonal gather off, bit for bit (values the diagonal gather left
//     from a QP sample on the same worker would show);
//   - that a NaN off the diagonal, or an Inf on it, of an εI sample is
//     the call's data error, with the general path's message, in both
//     calls.
func TestDiagonalPMixedBatch(t *testing.T) {
	defer func() { gatherDiagonalP = true }()
	defer testSetThreads(0)
	const n, k = 16, 5
	const eps = 1e-6 // testfam.BPQPLP's ridge
	// The samples' kinds and whether they take the diagonal gather.
	kinds := []struct {
		name string
		diag bool
	}{
		{"εI", true}, {"QP", false}, {"εI", true}, {"−0", false}, {"last 1e-300", false},
		{"QP", false}, {"last ε/4", false}, {"εI", true}, {"εI", true},
	}
	nb := len(kinds)
	rng := rand.New(rand.NewSource(83))
	q := &testDenseQP{n: n, zero: k, nonneg: k, hasP: true, split: []int{k, k}, psdSymTol: 1e3 * 2.220446049250313e-16}
	m := q.m()
	q.ps, q.cs, q.as, q.bs = n*n, n, m*n, m
	want := make([]int8, nb)
	for s, kd := range kinds {
		gen := testfam.BPQPLP
		if kd.name == "QP" {
			gen = testfam.BPQPQP
		}
		P, c, A, b, _ := gen(rng, n, k)
		switch kd.name {
		case "−0":
			P[3*n+7] = math.Copysign(0, -1) // upper triangle only
		case "last 1e-300":
			P[(n-1)*n+n-2], P[(n-2)*n+n-1] = 1e-300, 1e-300
		case "last ε/4":
			P[(n-1)*n+n-2], P[(n-2)*n+n-1] = eps/4, eps/4
		}
		if kd.diag {
			want[s] = 1
		}
		q.P = append(q.P, P...)
		q.c = append(q.c, c...)
		q.A = append(q.A, A...)
		q.b = append(q.b, b...)
	}
	gx, gy := make([]float64, nb*n), make([]float64, nb*m)
	for i := range gx {
		gx[i] = rng.NormFloat64()
	}
	for i := range gy {
		gy[i] = rng.NormFloat64()
	}
	// Batches with a non-finite entry in an εI sample (the diagonal
	// gather must refuse it): a NaN below the diagonal (its run not
	// zero), and an Inf on the diagonal (its runs zero); each the call's
	// data error, the general path's message.
	type bad struct {
		q   testDenseQP
		msg string
	}
	var bads []bad
	for _, e := range []struct {
		s, i, j int
		v       float64
	}{{2, n - 1, 2, math.NaN()}, {7, 5, 5, math.Inf(1)}} {
		qb := *q
		qb.P = append([]float64(nil), q.P...)
		qb.P[e.s*n*n+e.i*n+e.j] = e.v
		bads = append(bads, bad{qb, fmt.Sprintf("P[%d, %d] = %v is not finite (batch element %d)", e.i, e.j, e.v, e.s)})
	}
	h, code, msg := testNewDense(q)
	if code != 0 {
		t.Fatal(code, msg)
	}
	defer testFree(h)
	rl := testFactorLen(h)
	fwd, bwd, reset := pDiagRecord(t, nb)
	none := make([]int8, nb)
	for i := range none {
		none[i] = -1
	}
	for _, threads := range []int64{1, 3} {
		for _, shift := range []float64{0, 1e-8} {
			t.Run(fmt.Sprintf("threads=%d/shift=%g", threads, shift), func(t *testing.T) {
				testSetThreads(threads)
				q.psdShift = shift
				var sol [2]testSolveOut
				for i, on := range []bool{true, false} {
					gatherDiagonalP = on
					reset()
					sol[i] = testSolveRec(h, q, nb, m, 0, rl)
					if sol[i].code != 0 {
						t.Fatal(sol[i].msg)
					}
					w := want
					if !on {
						w = make([]int8, nb)
					}
					wantPath(t, fmt.Sprintf("solve, diagonal gather %v", on), fwd, w)
				}
				for s := range sol[0].status {
					if ipm.Status(sol[0].status[s]) != ipm.StatusSolved {
						t.Fatalf("sample %d (%s): status %d", s, kinds[s].name, sol[0].status[s])
					}
				}
				sameSolve(t, "solve", sol[0], sol[1])
				for method := 0; method <= 2; method++ {
					var g [2]testBackwardOut
					for i, on := range []bool{true, false} {
						gatherDiagonalP = on
						reset()
						g[i] = testBackward(h, q, nb, m, sol[0], gx, gy, method, 1e-3)
						if g[i].code != 0 {
							t.Fatalf("method %d: %s", method, g[i].msg)
						}
						w := want
						if !on {
							w = make([]int8, nb)
						}
						wantPath(t, fmt.Sprintf("method %d backward, diagonal gather %v", method, on), bwd, w)
						wantPath(t, "lpgd_backward as a solve", fwd, none)
					}
					sameBackward(t, fmt.Sprintf("method %d", method), g[0], g[1])
				}
				for bi := range bads {
					qb := &bads[bi].q
					qb.psdShift = shift
					var ns [2]testSolveOut
					var nbk [2]testBackwardOut
					for i, on := range []bool{true, false} {
						gatherDiagonalP = on
						ns[i] = testSolveRec(h, qb, nb, m, 0, rl)
						nbk[i] = testBackward(h, qb, nb, m, sol[0], gx, gy, 1, 1e-3)
					}
					for i, out := range []struct {
						code int32
						msg  string
					}{{ns[0].code, ns[0].msg}, {ns[1].code, ns[1].msg}, {nbk[0].code, nbk[0].msg}, {nbk[1].code, nbk[1].msg}} {
						if out.code != codeData || out.msg != bads[bi].msg {
							t.Fatalf("call %d (solve, solve without, backward, backward without): %d %q, want %d %q", i, out.code, out.msg, codeData, bads[bi].msg)
						}
					}
				}
			})
		}
	}
}
