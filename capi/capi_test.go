package main

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// eqQP: min ½‖x‖² − x₁ − x₂ s.t. x₁ + x₂ = 1, x ≥ 0 → x = (½, ½).
func eqQP() *testDenseQP {
	return &testDenseQP{n: 2, zero: 1, nonneg: 2, hasP: true,
		P: []float64{1, 0, 0, 1}, c: []float64{-1, -1}, A: []float64{1, 1, -1, 0, 0, -1}, b: []float64{1, 0, 0}}
}

func TestSolveAndBackwardThroughABI(t *testing.T) {
	before := testHandleCount()
	q := eqQP()
	h, code, msg := testNewDense(q)
	if code != 0 {
		t.Fatalf("structure_new: %d %s", code, msg)
	}
	out := testSolve(h, q, 1, 3, 0)
	if out.code != 0 || out.status[0] != int32(ipm.StatusSolved) {
		t.Fatalf("solve: code %d status %v msg %s", out.code, out.status, out.msg)
	}
	if math.Abs(out.x[0]-0.5) > 1e-7 || math.Abs(out.x[1]-0.5) > 1e-7 {
		t.Errorf("x = %v", out.x)
	}
	// dL/dc for L = x₁: x = ½ + (c₂ − c₁)/2 ... closed form: ∂x₁/∂c = (−½, ½).
	bw := testBackward(h, q, 1, 3, out, []float64{1, 0}, nil, int(diff.MethodKKT), 0.1)
	if bw.code != 0 || bw.status[0] != int32(ipm.StatusSolved) {
		t.Fatalf("backward: %d %v %s", bw.code, bw.status, bw.msg)
	}
	if math.Abs(bw.gc[0]+0.5) > 1e-6 || math.Abs(bw.gc[1]-0.5) > 1e-6 {
		t.Errorf("gc = %v, want (−½, ½)", bw.gc)
	}
	// Symmetric dense P gradient.
	if math.Abs(bw.gP[1]-bw.gP[2]) > 1e-12 {
		t.Errorf("gP not symmetric: %v", bw.gP)
	}
	if c := testFree(h); c != 0 {
		t.Fatal(c)
	}
	if c := testFree(h); c != codeHandle {
		t.Errorf("double free gave %d, want %d", c, codeHandle)
	}
	if testHandleCount() != before {
		t.Errorf("leaked handles: %d → %d", before, testHandleCount())
	}
}

func TestBatchStridesAndInfeasibleSample(t *testing.T) {
	testSetThreads(2)
	defer testSetThreads(0)
	q := eqQP()
	h, _, _ := testNewDense(q)
	defer testFree(h)
	// Batch of 3, b batched: sample 1 is infeasible (x₁ + x₂ = −1, x ≥ 0).
	q.b = []float64{1, 0, 0, -1, 0, 0, 2, 0, 0}
	q.bs = 3
	out := testSolve(h, q, 3, 3, 0)
	if out.code != 0 {
		t.Fatalf("code %d %s", out.code, out.msg)
	}
	want := []ipm.Status{ipm.StatusSolved, ipm.StatusPrimalInfeasible, ipm.StatusSolved}
	for k, s := range want {
		if ipm.Status(out.status[k]) != s {
			t.Errorf("sample %d: status %v, want %v", k, ipm.Status(out.status[k]), s)
		}
	}
	if math.Abs(out.x[4]-1) > 1e-7 {
		t.Errorf("sample 2 x = %v", out.x[4:6])
	}
	bw := testBackward(h, q, 3, 3, out, []float64{1, 0, 1, 0, 1, 0}, nil, int(diff.MethodKKT), 0.1)
	if bw.code != 0 || ipm.Status(bw.status[1]) != ipm.StatusPrimalInfeasible {
		t.Fatalf("backward: code %d statuses %v", bw.code, bw.status)
	}
	if bw.gc[2] != 0 || bw.gc[3] != 0 {
		t.Errorf("failed sample should have zero gradient, got %v", bw.gc[2:4])
	}
}

func TestCallErrors(t *testing.T) {
	q := eqQP()
	h, _, _ := testNewDense(q)
	defer testFree(h)
	// NaN names the argument, index and batch element.
	q2 := *q
	q2.c = []float64{-1, -1, -1, math.NaN()}
	q2.cs = 2
	out := testSolve(h, &q2, 2, 3, 0)
	if out.code != codeData || !strings.Contains(out.msg, "c[1]") || !strings.Contains(out.msg, "batch element 1") {
		t.Errorf("NaN: code %d msg %q", out.code, out.msg)
	}
	// Bad settings size.
	out = testSolve(h, q, 1, 3, 8)
	if out.code != codeSettings {
		t.Errorf("settings size: code %d msg %q", out.code, out.msg)
	}
	// Bad handle.
	out = testSolve(987654, q, 1, 3, 0)
	if out.code != codeHandle {
		t.Errorf("bad handle: code %d", out.code)
	}
	// Bad stride.
	q3 := *q
	q3.cs = 1
	out = testSolve(h, &q3, 2, 3, 0)
	if out.code != codeArgument || !strings.Contains(out.msg, "stride") {
		t.Errorf("stride: code %d msg %q", out.code, out.msg)
	}
	// Bad pattern in a CSC structure (row out of range).
	_, code, msg := testNewCSC(2, 1, 0, 1, nil, []int64{0, 1, 2}, []int64{0, 1}, []int64{0, 1, 2}, []int64{0, 5})
	if code != codeArgument || !strings.Contains(msg, "out of range") {
		t.Errorf("pattern: code %d msg %q", code, msg)
	}
	// Cones that do not add up.
	_, code, msg = testNewCSC(2, 1, 1, 1, nil, []int64{0, 1, 2}, []int64{0, 1}, []int64{0, 1, 1}, []int64{0})
	if code != codeArgument || !strings.Contains(msg, "cone") {
		t.Errorf("cones: code %d msg %q", code, msg)
	}
}

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

// The status, call-code and flag values in lpgd.h agree with the Go constants.
func TestHeaderAgreesWithGo(t *testing.T) {
	src, err := os.ReadFile("lpgd.h")
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]int64{}
	re := regexp.MustCompile(`(?m)^#define (LPGD_\w+) (-?\d+)`)
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, _ := strconv.ParseInt(m[2], 10, 64)
		defs[m[1]] = v
	}
	want := map[string]int64{
		"LPGD_STATUS_UNSOLVED": int64(ipm.StatusUnsolved), "LPGD_STATUS_SOLVED": int64(ipm.StatusSolved),
		"LPGD_STATUS_PRIMAL_INFEASIBLE": int64(ipm.StatusPrimalInfeasible), "LPGD_STATUS_DUAL_INFEASIBLE": int64(ipm.StatusDualInfeasible),
		"LPGD_STATUS_MAX_ITERATIONS": int64(ipm.StatusMaxIterations), "LPGD_STATUS_NUMERICAL_ERROR": int64(ipm.StatusNumericalError),
		"LPGD_STATUS_ALMOST_SOLVED": int64(ipm.StatusAlmostSolved), "LPGD_STATUS_INTERNAL_ERROR": int64(ipm.StatusInternalError),
		"LPGD_STATUS_BACKWARD_FAILED": int64(diff.StatusBackwardFailed),
		"LPGD_OK":                     codeOK, "LPGD_E_ARGUMENT": codeArgument, "LPGD_E_DATA": codeData, "LPGD_E_SETTINGS": codeSettings,
		"LPGD_E_HANDLE": codeHandle, "LPGD_E_INTERNAL": codeInternal,
		"LPGD_LAYOUT_CSC": layoutCSC, "LPGD_LAYOUT_DENSE": layoutDense,
		"LPGD_BACKWARD_KKT": int64(diff.MethodKKT), "LPGD_BACKWARD_BPQP": int64(diff.MethodBPQP), "LPGD_BACKWARD_LPGD": int64(diff.MethodLPGD),
		"LPGD_SIDE_RIGHT": int64(diff.SideRight), "LPGD_SIDE_LEFT": int64(diff.SideLeft), "LPGD_SIDE_CENTRAL": int64(diff.SideCentral),
		"LPGD_FALLBACK_NONE": int64(diff.FallbackNone), "LPGD_FALLBACK_OTHER_SIDE": int64(diff.FallbackOtherSide),
		"LPGD_FALLBACK_SMALLER_TAU": int64(diff.FallbackSmallerTau),
		"LPGD_BPQP_DIRECT":          int64(diff.BPQPDirect), "LPGD_BPQP_ADMM": int64(diff.BPQPADMM),
		"LPGD_FLAG_REGULARIZED": int64(diff.FlagRegularized), "LPGD_FLAG_WEAKLY_ACTIVE": int64(diff.FlagWeaklyActive),
		"LPGD_FLAG_FAST_PATH": int64(diff.FlagFastPath), "LPGD_FLAG_FALLBACK_USED": int64(diff.FlagFallbackUsed),
		"LPGD_FLAG_ZERO_GRAD": int64(diff.FlagZeroGrad),
	}
	for name, v := range want {
		got, ok := defs[name]
		if !ok {
			t.Errorf("%s missing from lpgd.h", name)
		} else if got != v {
			t.Errorf("%s = %d in lpgd.h, %d in Go", name, got, v)
		}
	}
	for name := range defs {
		if strings.HasPrefix(name, "LPGD_STATUS_") {
			if _, ok := want[name]; !ok {
				t.Errorf("%s in lpgd.h has no Go counterpart in this test", name)
			}
		}
	}
}

// FuzzStructureNew: arbitrary sizes and patterns never panic through the
// export and never leak a handle on error.
func FuzzStructureNew(f *testing.F) {
	f.Add(int64(2), int64(1), int64(0), int64(1), []byte{0, 1, 2, 0, 1, 0, 1, 2, 0, 1})
	f.Add(int64(3), int64(2), int64(1), int64(1), []byte{0, 0, 0, 0, 0, 2, 1, 0})
	f.Fuzz(func(t *testing.T, n, m, zero, nonneg int64, raw []byte) {
		if n > 50 || m > 50 || n < -2 || m < -2 {
			return
		}
		ints := make([]int64, len(raw))
		for i, b := range raw {
			ints[i] = int64(int8(b))
		}
		split := func(k int) []int64 {
			if k > len(ints) {
				k = len(ints)
			}
			out := ints[:k]
			ints = ints[k:]
			return out
		}
		nn := int(n)
		if nn < 0 {
			nn = 0
		}
		pcp := split(nn + 1)
		for len(pcp) < nn+1 {
			pcp = append(pcp, 0)
		}
		prv := split(len(ints) / 3)
		acp := split(nn + 1)
		for len(acp) < nn+1 {
			acp = append(acp, 0)
		}
		arv := ints
		// The exports read as many row indices as colptr claims: keep the
		// buffers large enough, as a C caller must.
		for int64(len(prv)) < maxI(pcp) {
			prv = append(prv, 0)
		}
		for int64(len(arv)) < maxI(acp) {
			arv = append(arv, 0)
		}
		before := testHandleCount()
		h, code, _ := testNewCSC(int(n), int(m), int(zero), int(nonneg), nil, pcp, prv, acp, arv)
		if code == 0 {
			testFree(h)
		}
		if testHandleCount() != before {
			t.Fatalf("handle leak")
		}
	})
}

func maxI(v []int64) int64 {
	var m int64
	for _, x := range v {
		if x > m {
			m = x
		}
	}
	return m
}
