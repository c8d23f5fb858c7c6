//go:build lpgd_debug

package main

// Tests of panic recovery; they need the lpgd_debug_panic hook (go test
// -tags lpgd_debug ./capi, run by make test-go).

import (
	"math"
	"strings"
	"testing"

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
