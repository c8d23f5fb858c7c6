//go:build lpgd_debug

package main

// Tests of panic recovery; they need the lpgd_debug_panic hook (go test
// -tags lpgd_debug ./capi, run by make test-go).

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

func TestPanicsBecomeErrors(t *testing.T) {
	q := eqQP()
	h, _, _ := testNewDense(q)
	defer testFree(h)
	testDebugPanic(1, 0)
	out := testSolve(h, q, 1, 3, 0)
	if out.code != codeInternal || !strings.Contains(out.msg, "panic") {
		t.Errorf("export panic: code %d msg %q", out.code, out.msg)
	}
	// Worker panic for sample 1 of 3: that sample is marked, others solve.
	testDebugPanic(2, 1)
	defer testDebugPanic(0, 0)
	q.b = []float64{1, 0, 0, 1, 0, 0, 1, 0, 0}
	q.bs = 3
	out = testSolve(h, q, 3, 3, 0)
	if out.code != 0 {
		t.Fatalf("code %d %s", out.code, out.msg)
	}
	if ipm.Status(out.status[1]) != ipm.StatusInternalError || ipm.Status(out.status[0]) != ipm.StatusSolved || ipm.Status(out.status[2]) != ipm.StatusSolved {
		t.Errorf("statuses %v", out.status)
	}
	if !math.IsNaN(out.x[2]) {
		t.Errorf("panicked sample should be NaN, got %v", out.x[2:4])
	}
}

// TestPanicBeforeTestsKeepsDataError: a sample that panics before it
// tests its values (the lpgd_debug_panic hook fires before the sample's
// work) leaves the call's data error to the up-front test: lpgd_solve and
// lpgd_backward fail with the non-finite entry (precedenceQP's P[1, 2] in
// the panicking last sample, or shared) instead of succeeding with an
// internal-error status; clean values still succeed with that status.
func TestPanicBeforeTestsKeepsDataError(t *testing.T) {
	defer testDebugPanic(0, 0)
	for _, b := range []int{1, 3} {
		for _, shared := range []bool{true, false} {
			t.Run(fmt.Sprintf("B=%d/shared=%v", b, shared), func(t *testing.T) {
				clean := precedenceQP(b, shared, 0)
				bad := precedenceQP(b, shared, math.NaN())
				h, code, msg := testNewDense(clean)
				if code != 0 {
					t.Fatal(code, msg)
				}
				defer testFree(h)
				m, n := clean.m(), clean.n
				testDebugPanic(0, 0)
				sol := testSolve(h, clean, b, m, 0)
				want := testSolve(h, bad, b, m, 0)
				if sol.code != 0 || want.code != codeData || !strings.Contains(want.msg, "P[1, 2] = NaN is not finite") {
					t.Fatalf("clean solve %d %q, bad solve %d %q", sol.code, sol.msg, want.code, want.msg)
				}
				gx := make([]float64, b*n)
				gx[0] = 1
				testDebugPanic(2, int64(b-1))
				if got := testSolve(h, bad, b, m, 0); got.code != want.code || got.msg != want.msg {
					t.Errorf("solve: %d %q, want %d %q", got.code, got.msg, want.code, want.msg)
				}
				for _, method := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
					if got := testBackward(h, bad, b, m, sol, gx, nil, int(method), 0.1); got.code != want.code || got.msg != want.msg {
						t.Errorf("method %d: backward %d %q (status %v), want %d %q", method, got.code, got.msg, got.status, want.code, want.msg)
					}
					got := testBackward(h, clean, b, m, sol, gx, nil, int(method), 0.1)
					if got.code != 0 || got.status[b-1] != int32(ipm.StatusInternalError) || !strings.Contains(got.msg, "panic") {
						t.Errorf("method %d, clean values: backward %d %q, status %v", method, got.code, got.msg, got.status)
					}
				}
			})
		}
	}
}
