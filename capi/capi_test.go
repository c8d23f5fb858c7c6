package main

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
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

// Row blocks give the same solution and gradients as one block, for every
// split and batch-stride combination.
func TestRowBlocksMatchOneBlock(t *testing.T) {
	q := eqQP()
	h, _, _ := testNewDense(q)
	defer testFree(h)
	// Batch of 2 with batched b and shared A.
	q.b = []float64{1, 0, 0, 2, 0, 0}
	q.bs = 3
	ref := testSolve(h, q, 2, 3, 0)
	gx := []float64{1, 0, 0.5, -1}
	refBw := testBackward(h, q, 2, 3, ref, gx, nil, int(diff.MethodKKT), 0.1)
	if ref.code != 0 || refBw.code != 0 {
		t.Fatalf("reference: %s %s", ref.msg, refBw.msg)
	}
	for _, split := range [][]int{{1, 2}, {0, 1, 2}, {1, 1, 1}, {3, 0}} {
		for _, batchedA := range []bool{false, true} {
			qs := *q
			qs.split = split
			if batchedA {
				qs.A = append(append([]float64(nil), q.A...), q.A...)
				qs.as = 6
			}
			got := testSolve(h, &qs, 2, 3, 0)
			bw := testBackward(h, &qs, 2, 3, got, gx, nil, int(diff.MethodKKT), 0.1)
			if got.code != 0 || bw.code != 0 {
				t.Fatalf("split %v: %s %s", split, got.msg, bw.msg)
			}
			for _, pair := range [][2][]float64{{got.x, ref.x}, {got.y, ref.y}, {bw.gA, refBw.gA}, {bw.gb, refBw.gb}, {bw.gc, refBw.gc}} {
				for i := range pair[0] {
					if pair[0][i] != pair[1][i] {
						t.Fatalf("split %v batchedA %v: %v != %v", split, batchedA, pair[0], pair[1])
					}
				}
			}
		}
	}
}

// A CSC A given in two row blocks (each the CSC values of its rows)
// solves the same problem as one block.
func TestCSCRowBlocks(t *testing.T) {
	// eqQP in CSC: P = I (diagonal pattern), A = [1 1; -1 0; 0 -1].
	pcp, prv := []int64{0, 1, 2}, []int64{0, 1}
	acp, arv := []int64{0, 2, 4}, []int64{0, 1, 0, 2}
	h, code, msg := testNewCSC(2, []testCone{{0, 1, 0}, {1, 2, 0}}, pcp, prv, acp, arv)
	if code != 0 {
		t.Fatal(msg)
	}
	defer testFree(h)
	P, c := []float64{1, 1}, []float64{-1, -1}
	one := testCSCSolve(h, 2, 3, P, c, [][]float64{{1, -1, 1, -1}}, [][]float64{{1, 0, 0}})
	// Block 0 = row 0: entries (0,0), (0,1); block 1 = rows 1-2: (1,0), (2,1).
	two := testCSCSolve(h, 2, 3, P, c, [][]float64{{1, 1}, {-1, -1}}, [][]float64{{1}, {0, 0}})
	if one.code != 0 || two.code != 0 || one.status[0] != int32(ipm.StatusSolved) {
		t.Fatalf("%d %s / %d %s", one.code, one.msg, two.code, two.msg)
	}
	for i := range one.x {
		if one.x[i] != two.x[i] || math.Abs(one.x[i]-0.5) > 1e-7 {
			t.Errorf("x: one block %v, two blocks %v", one.x, two.x)
		}
	}
	// A block whose value count does not match its rows' entries is refused
	// only through a short buffer the library cannot see; a NULL one is named.
	bad := testCSCSolve(h, 2, 3, P, c, [][]float64{{1, 1}, nil}, [][]float64{{1}, {0, 0}})
	if bad.code != codeArgument || !strings.Contains(bad.msg, "A (row block 1) is NULL") {
		t.Errorf("NULL block: code %d msg %q", bad.code, bad.msg)
	}
}

// The cone list is taken in any order: Nonneg(2) × Zero(1) with A's rows
// permuted is eqQP.
func TestConeListOrder(t *testing.T) {
	h, code, msg := testNew(2, []testCone{{coneNonneg, 2, 0}, {coneZero, 1, 0}},
		testPattern{layout: layoutDense}, testPattern{layout: layoutDense}, 0)
	if code != 0 {
		t.Fatal(msg)
	}
	defer testFree(h)
	q := eqQP()
	q.A = []float64{-1, 0, 0, -1, 1, 1}
	q.b = []float64{0, 0, 1}
	out := testSolve(h, q, 1, 3, 0)
	if out.code != 0 || out.status[0] != int32(ipm.StatusSolved) {
		t.Fatalf("code %d status %v %s", out.code, out.status, out.msg)
	}
	if math.Abs(out.x[0]-0.5) > 1e-7 || math.Abs(out.x[1]-0.5) > 1e-7 || out.s[2] != 0 {
		t.Errorf("x = %v, s = %v", out.x, out.s)
	}
}

func TestErrorMessages(t *testing.T) {
	seen := map[string]bool{}
	for _, code := range []int32{codeOK, codeArgument, codeData, codeSettings, codeHandle, codeInternal} {
		msg := testErrorMessage(code)
		if msg == "" || seen[msg] || msg == testErrorMessage(42) {
			t.Errorf("code %d: message %q", code, msg)
		}
		seen[msg] = true
	}
	if testErrorMessage(42) != "unknown call code" || testErrorMessage(1) != "unknown call code" {
		t.Errorf("unknown code: %q", testErrorMessage(42))
	}
	if !strings.HasPrefix(testErrorMessage(codeData), "data error") {
		t.Errorf("data: %q", testErrorMessage(codeData))
	}
}

// Workers are pooled per handle: repeated calls reuse them.
func TestWorkerPoolPerHandle(t *testing.T) {
	testSetThreads(2)
	defer testSetThreads(0)
	q := eqQP()
	q.b = []float64{1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}
	q.bs = 3
	h, _, _ := testNewDense(q)
	defer testFree(h)
	if testPoolSize(h) != 0 {
		t.Fatal("new handle has pooled workers")
	}
	for i := 0; i < 5; i++ {
		if out := testSolve(h, q, 4, 3, 0); out.code != 0 {
			t.Fatal(out.msg)
		}
	}
	if n := testPoolSize(h); n < 1 || n > 2 {
		t.Errorf("pool holds %d workers after calls on 2 threads", n)
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
	_, code, msg := testNewCSC(2, []testCone{{1, 1, 0}}, []int64{0, 1, 2}, []int64{0, 1}, []int64{0, 1, 2}, []int64{0, 5})
	if code != codeArgument || !strings.Contains(msg, "out of range") {
		t.Errorf("pattern: code %d msg %q", code, msg)
	}
	// Cones that do not add up.
	// Cone lists: each bad entry is named by its index.
	pcp, prv, acp, arv := []int64{0, 1, 2}, []int64{0, 1}, []int64{0, 1, 2}, []int64{0, 1}
	for _, tc := range []struct {
		name  string
		cones []testCone
		want  string
	}{
		{"unknown kind", []testCone{{1, 1, 0}, {7, 1, 0}}, "cones[1]: unknown cone kind 7"},
		{"kind out of range", []testCone{{1 << 40, 2, 0}}, "cones[0].kind is 1099511627776"},
		{"negative dim", []testCone{{0, -1, 0}, {1, 3, 0}}, "cones[0].dim is -1"},
		{"empty soc", []testCone{{1, 2, 0}, {2, 0, 0}}, "cones[1]: soc cone dimension 0 < 1"},
		{"rows of A", []testCone{{1, 1, 0}}, "out of range"},
		{"pow alpha", []testCone{{5, 3, 1.5}}, "cones[0]: pow cone alpha 1.5 is not in the open interval (0, 1)"},
		{"pow alpha zero", []testCone{{1, 1, 0}, {5, 3, 0}}, "cones[1]: pow cone alpha 0 is not in the open interval (0, 1)"},
		{"param of nonneg", []testCone{{1, 2, 0.5}}, "cones[0]: nonneg cone takes no parameter"},
	} {
		_, code, msg := testNewCSC(2, tc.cones, pcp, prv, acp, arv)
		if code != codeArgument || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: code %d msg %q, want %q", tc.name, code, msg, tc.want)
		}
	}
	// Adjacent blocks of one kind are one block; empty blocks are allowed.
	h2, code, msg := testNewCSC(2, []testCone{{0, 0, 0}, {1, 1, 0}, {1, 1, 0}}, pcp, prv, acp, arv)
	if code != 0 {
		t.Fatalf("valid cone list refused: %d %s", code, msg)
	}
	if info, c := testInfo(h2); c != 0 || info != [5]int64{2, 2, 2, 2, info[4]} {
		t.Errorf("info %v code %d", info, c)
	}
	testFree(h2)
	if _, c := testInfo(h2); c != codeHandle {
		t.Errorf("info on a freed handle: code %d", c)
	}
	// Layouts: NONE is for P only; unknown layouts are refused.
	for _, tc := range []struct {
		p, a int64
		want string
	}{{layoutCSC, layoutNone, "A.layout"}, {7, layoutDense, "P.layout"}} {
		_, code, msg := testNew(2, []testCone{{1, 2, 0}}, testPattern{tc.p, pcp, prv}, testPattern{tc.a, acp, arv}, 0)
		if code != codeArgument || !strings.Contains(msg, tc.want) {
			t.Errorf("layouts %d/%d: code %d msg %q", tc.p, tc.a, code, msg)
		}
	}
	if _, code, msg := testNew(2, []testCone{{1, 2, 0}}, testPattern{layout: layoutDense}, testPattern{layout: layoutDense}, 9); code != codeSettings {
		t.Errorf("linear_solver 9: code %d msg %q", code, msg)
	}
	// Row blocks that do not cover A.
	q4 := *q
	q4.split = []int{1, 1}
	out = testSolve(h, &q4, 1, 3, 0)
	if out.code != codeArgument || !strings.Contains(out.msg, "cover 2 rows, A has 3") {
		t.Errorf("short row blocks: code %d msg %q", out.code, out.msg)
	}
	q4.split = []int{1, 3}
	out = testSolve(h, &q4, 1, 3, 0)
	if out.code != codeArgument || !strings.Contains(out.msg, "row block 1") {
		t.Errorf("long row blocks: code %d msg %q", out.code, out.msg)
	}
	// A NaN in the second block names the global row and the block.
	q5 := *q
	q5.A = []float64{1, 1, -1, 0, 0, math.NaN()}
	q5.split = []int{1, 2}
	out = testSolve(h, &q5, 1, 3, 0)
	if out.code != codeData || !strings.Contains(out.msg, "A (row block 1)[2, 1]") {
		t.Errorf("NaN in a block: code %d msg %q", out.code, out.msg)
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
		"LPGD_STATUS_TIME_LIMIT":      int64(ipm.StatusTimeLimit), "LPGD_STATUS_INTERRUPTED": int64(ipm.StatusInterrupted),
		"LPGD_OK": codeOK, "LPGD_E_ARGUMENT": codeArgument, "LPGD_E_DATA": codeData, "LPGD_E_SETTINGS": codeSettings,
		"LPGD_E_HANDLE": codeHandle, "LPGD_E_INTERNAL": codeInternal,
		"LPGD_LAYOUT_CSC": layoutCSC, "LPGD_LAYOUT_DENSE": layoutDense,
		"LPGD_BACKWARD_KKT": int64(diff.MethodKKT), "LPGD_BACKWARD_BPQP": int64(diff.MethodBPQP), "LPGD_BACKWARD_LPGD": int64(diff.MethodLPGD),
		"LPGD_SIDE_RIGHT": int64(diff.SideRight), "LPGD_SIDE_LEFT": int64(diff.SideLeft), "LPGD_SIDE_CENTRAL": int64(diff.SideCentral),
		"LPGD_FALLBACK_NONE": int64(diff.FallbackNone), "LPGD_FALLBACK_OTHER_SIDE": int64(diff.FallbackOtherSide),
		"LPGD_FALLBACK_SMALLER_TAU": int64(diff.FallbackSmallerTau),
		"LPGD_BPQP_DIRECT":          int64(diff.BPQPDirect), "LPGD_BPQP_ADMM": int64(diff.BPQPADMM),
		"LPGD_FLAG_REGULARIZED": int64(diff.FlagRegularized), "LPGD_FLAG_WEAKLY_ACTIVE": int64(diff.FlagWeaklyActive),
		"LPGD_FLAG_FAST_PATH": int64(diff.FlagFastPath), "LPGD_FLAG_FALLBACK_USED": int64(diff.FlagFallbackUsed),
		"LPGD_FLAG_ZERO_GRAD": int64(diff.FlagZeroGrad), "LPGD_FLAG_FACTOR_REUSED": int64(diff.FlagFactorReused),
		"LPGD_ABI_VERSION": abiVersion, "LPGD_LAYOUT_NONE": layoutNone,
		"LPGD_CONE_ZERO": int64(cone.KindZero), "LPGD_CONE_NONNEG": int64(cone.KindNonneg), "LPGD_CONE_SOC": int64(cone.KindSOC),
		"LPGD_CONE_PSD": int64(cone.KindPSD), "LPGD_CONE_EXP": int64(cone.KindExp),
		"LPGD_CONE_POW": int64(cone.KindPow),
		"LPGD_TOL_NONE": int64(ipm.TolNone), "LPGD_TOL_REDUCED": int64(ipm.TolReduced), "LPGD_TOL_FULL": int64(ipm.TolFull),
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
		if strings.HasPrefix(name, "LPGD_STATUS_") || strings.HasPrefix(name, "LPGD_E_") || strings.HasPrefix(name, "LPGD_CONE_") || strings.HasPrefix(name, "LPGD_TOL_") {
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
		if n > 50 || m > 50 || n < -2 || m < -2 || zero > 50 || nonneg > 50 || zero < -2 || nonneg < -2 {
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
		h, code, _ := testNewCSC(int(n), []testCone{{0, zero, 0}, {1, nonneg, 0}, {2, m - zero - nonneg, 0}}, pcp, prv, acp, arv)
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
