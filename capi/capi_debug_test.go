//go:build lpgd_debug

package main

// Tests of panic recovery; they need the lpgd_debug_panic hook (go test
// -tags lpgd_debug ./capi, run by make test-go).

import (
	"fmt"
	"math"
	"math/rand"
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

// TestPanicInDeferredPSDTest: a sample whose solve panics before its
// deferred PSD test has a verdict (lpgd_debug_panic mode 3, in the check
// after the first factorization) gets the test's outcome as when it ran
// before the solve: a rejected P is the call's PSD error with status 0,
// NaN solutions and the factor record's body untouched, not an internal
// error; an accepted P's sample is the internal error.
func TestPanicInDeferredPSDTest(t *testing.T) {
	defer testDebugPanic(0, 0)
	const shift, fill = 1e-8, 42.0
	for name, q := range rejectQPs(rand.New(rand.NewSource(13)), shift) {
		t.Run(name, func(t *testing.T) {
			h, code, msg := testNewDense(q)
			if code != codeOK {
				t.Fatal(code, msg)
			}
			defer testFree(h)
			fl := testFactorLen(h)
			testDebugPanic(3, 0)
			out := testSolveFilled(h, q, fl, fill)
			testDebugPanic(0, 0)
			if out.code != codeData || !strings.Contains(out.msg, "P is not positive semidefinite") || out.status[0] != 0 {
				t.Fatalf("code %d %q status %d", out.code, out.msg, out.status[0])
			}
			if !math.IsNaN(out.x[0]) {
				t.Errorf("x[0] = %g", out.x[0])
			}
			for i, e := range out.rec {
				if want := map[bool]float64{true: 0, false: fill}[i < 8]; e != want {
					t.Fatalf("factor record word %d = %g, want %g", i, e, want)
				}
			}
		})
	}
	// An accepted P (the BPQP study's QP): the panic is the sample's.
	q := bpqpInstance(rand.New(rand.NewSource(50)), 50, 10, false)
	h, code, msg := testNewDense(q)
	if code != codeOK {
		t.Fatal(code, msg)
	}
	defer testFree(h)
	checks := psdCheckCount.Load()
	testDebugPanic(3, 0)
	out := testSolve(h, q, 1, q.m(), 0)
	testDebugPanic(0, 0)
	if psdCheckCount.Load() == checks {
		t.Fatal("the PSD test was not deferred to the solve")
	}
	if out.code != codeOK || ipm.Status(out.status[0]) != ipm.StatusInternalError || !math.IsNaN(out.x[0]) {
		t.Errorf("accepted P: code %d %q status %d x[0] %g", out.code, out.msg, out.status[0], out.x[0])
	}
}
