package main

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// TestSolveB1TestsInTheGather: lpgd_solve at B = 1 tests the values in
// the pass that gathers them (inputs.loadChecked, with the PSD test's
// measures of P from problem.GatherDensePScan) and must fail with the
// error the tests run before any work give (testDataErr): the first
// non-finite entry (P above, below and on the diagonal, A in either row
// block, c, b), else the asymmetry or the failed factorization, P
// batched or shared; a non-finite entry before a PSD failure, and any
// data error before a short factor_len or a cancellation; lpgd_backward's loading pass
// (and its test of a sample it skips) the same non-finite entry. The solution of clean values is
// the one without the PSD test (another gather) bit for bit.
func TestSolveB1TestsInTheGather(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	type edit struct {
		op   string
		i    int
		v    float64
		add  bool // add v instead of setting it
		diag bool // v·n added to every diagonal entry (indefinite)
	}
	for _, n := range []int{9, 17, 50} {
		for _, lp := range []bool{false, true} {
			q0 := bpqpInstance(rand.New(rand.NewSource(int64(n))), n, n/5+1, lp)
			up, low, dg := 1*n+n-2, (n-2)*n+1, 3*n+3 // P[1, n−2], P[n−2, 1], P[3, 3]
			cases := []struct {
				name  string
				edits []edit
				want  string // substring of the message ("": success)
			}{
				{"clean", nil, ""},
				{"NaN above the diagonal", []edit{{op: "P", i: up, v: nan}}, fmt.Sprintf("P[1, %d] = NaN is not finite", n-2)},
				{"Inf below the diagonal", []edit{{op: "P", i: low, v: -inf}}, fmt.Sprintf("P[%d, 1] = -Inf is not finite", n-2)},
				{"NaN on the diagonal", []edit{{op: "P", i: dg, v: nan}}, "P[3, 3] = NaN is not finite"},
				{"Inf in A's first block", []edit{{op: "A", i: 2, v: inf}}, "is not finite"},
				{"NaN in A's last row", []edit{{op: "A", i: len(q0.A) - 1, v: nan}}, "is not finite"},
				{"NaN in c", []edit{{op: "c", i: n - 1, v: nan}}, "c[" + fmt.Sprint(n-1) + "] = NaN is not finite"},
				{"Inf in b", []edit{{op: "b", i: 0, v: inf}}, "is not finite"},
				{"asymmetric", []edit{{op: "P", i: up, v: 1e-3, add: true}}, "is not symmetric"},
				{"indefinite", []edit{{op: "P", v: -1, diag: true}}, "is not positive semidefinite"},
				{"asymmetric, NaN in b", []edit{{op: "P", i: up, v: 1e-3, add: true}, {op: "b", i: 1, v: nan}}, "is not finite"},
				{"indefinite, Inf in A", []edit{{op: "P", v: -1, diag: true}, {op: "A", i: n + 1, v: -inf}}, "is not finite"},
			}
			for _, shared := range []bool{false, true} {
				for _, tc := range cases {
					t.Run(fmt.Sprintf("n=%d/lp=%v/shared=%v/%s", n, lp, shared, tc.name), func(t *testing.T) {
						q := *q0
						q.P, q.A, q.c, q.b = append([]float64(nil), q0.P...), append([]float64(nil), q0.A...), append([]float64(nil), q0.c...), append([]float64(nil), q0.b...)
						if !shared {
							q.ps, q.cs, q.as, q.bs = n*n, n, len(q.A), len(q.b)
						}
						cleanQ := q
						cleanQ.P, cleanQ.A, cleanQ.c, cleanQ.b = q0.P, q0.A, q0.c, q0.b
						for _, e := range tc.edits {
							v := map[string][]float64{"P": q.P, "A": q.A, "c": q.c, "b": q.b}[e.op]
							switch {
							case e.diag:
								for i := 0; i < n; i++ {
									v[i*n+i] += e.v * float64(n) * 100
								}
							case e.add:
								v[e.i] += e.v
							default:
								v[e.i] = e.v
							}
						}
						h, code, msg := testNewDense(&q)
						if code != 0 {
							t.Fatal(code, msg)
						}
						defer testFree(h)
						wc, wm := testDataErr(h, &q, 1)
						got := testSolve(h, &q, 1, q.m(), 0)
						if tc.want == "" {
							if wc != 0 || got.code != 0 {
								t.Fatalf("clean values: reference %d %q, solve %d %q", wc, wm, got.code, got.msg)
							}
							if cx := testSolveCancelled(h, &q, 1); cx.code != 0 || cx.status[0] != int32(ipm.StatusInterrupted) {
								t.Fatalf("cancelled clean values: code %d %q, status %v", cx.code, cx.msg, cx.status)
							}
							plain := q
							plain.psdShift = 0
							ref := testSolve(h, &plain, 1, q.m(), 0)
							for i := range ref.x {
								if math.Float64bits(ref.x[i]) != math.Float64bits(got.x[i]) {
									t.Fatalf("x[%d] = %v with the PSD test, %v without", i, got.x[i], ref.x[i])
								}
							}
							return
						}
						if wc != codeData || !strings.Contains(wm, tc.want) {
							t.Fatalf("reference %d %q, want a data error with %q", wc, wm, tc.want)
						}
						if got.code != wc || got.msg != wm {
							t.Fatalf("solve %d %q, reference %d %q", got.code, got.msg, wc, wm)
						}
						// A cancelled call still tests the values first.
						if cx := testSolveCancelled(h, &q, 1); cx.code != wc || cx.msg != wm {
							t.Fatalf("cancelled: %d %q, want the data error %d %q", cx.code, cx.msg, wc, wm)
						}
						if strings.Contains(tc.want, "not finite") {
							// lpgd_backward tests the values it loads (and
							// those of a sample it skips) alike.
							sol := testSolve(h, &cleanQ, 1, q.m(), 0)
							gx := make([]float64, n)
							gx[0] = 1
							for _, st := range []int32{sol.status[0], 2} {
								sol.status[0] = st
								bw := testBackward(h, &q, 1, q.m(), sol, gx, nil, 0, 0.1)
								if bw.code != wc || bw.msg != wm {
									t.Fatalf("backward (forward status %d): %d %q, want %d %q", st, bw.code, bw.msg, wc, wm)
								}
							}
						}
						if rl := testFactorLen(h); rl > 1 {
							short := testSolveRec(h, &q, 1, q.m(), 0, 1)
							if short.code != wc || short.msg != wm {
								t.Fatalf("short factor_len: %d %q, want the data error %d %q", short.code, short.msg, wc, wm)
							}
						}
					})
				}
			}
		}
	}
	// Without a data error the short factor_len is the error.
	q := bpqpInstance(rand.New(rand.NewSource(3)), 10, 5, false)
	h, code, msg := testNewDense(q)
	if code != 0 {
		t.Fatal(code, msg)
	}
	defer testFree(h)
	if rl := testFactorLen(h); rl > 1 {
		if out := testSolveRec(h, q, 1, q.m(), 0, 1); out.code != codeArgument || !strings.Contains(out.msg, "factor_len") {
			t.Fatalf("short factor_len: %d %q, want an argument error", out.code, out.msg)
		}
	} else {
		t.Fatalf("factor_len %d: the case needs a record", rl)
	}
}
