package main

import (
	"math"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// poison is a non-finite value put at entry i of sample k's array of an
// operand ("P", "c", "A", "b"; sample 0 of a shared one).
type poison struct {
	op   string
	k, i int
	v    float64
}

// batchedEqQP is eqQP over a batch of four samples whose values differ
// (every operand batched unless shared names it: shared by all).
func batchedEqQP(shared string, split []int) *testDenseQP {
	base := eqQP()
	q := &testDenseQP{n: base.n, zero: base.zero, nonneg: base.nonneg, hasP: true, split: split}
	const B = 4
	rep := func(name string, v []float64, scale float64) ([]float64, int) {
		if strings.Contains(shared, name) {
			return append([]float64(nil), v...), 0
		}
		var out []float64
		for k := 0; k < B; k++ {
			for _, x := range v {
				out = append(out, x*(1+scale*float64(k)))
			}
		}
		return out, len(v)
	}
	q.P, q.ps = rep("P", base.P, 0.25)
	q.c, q.cs = rep("c", base.c, 0.5)
	q.A, q.as = rep("A", base.A, 0)
	q.b, q.bs = rep("b", base.b, 0.1)
	return q
}

// withPoison copies q with the entries of ps replaced.
func withPoison(q *testDenseQP, ps []poison) *testDenseQP {
	p := *q
	p.P, p.c, p.A, p.b = append([]float64(nil), q.P...), append([]float64(nil), q.c...), append([]float64(nil), q.A...), append([]float64(nil), q.b...)
	for _, x := range ps {
		switch x.op {
		case "P":
			p.P[x.k*p.ps+x.i] = x.v
		case "c":
			p.c[x.k*p.cs+x.i] = x.v
		case "A":
			p.A[x.k*p.as+x.i] = x.v
		case "b":
			p.b[x.k*p.bs+x.i] = x.v
		}
	}
	return &p
}

// lpgd_backward tests the finiteness of the batched values in its
// per-sample work (readInputsDeferred), in parallel, as lpgd_solve does; a
// non-finite value must still fail both calls with the data error the
// up-front check (inputs.finiteErr, testDataErr) gives for the same values: the first non-finite entry in
// the order P, c, then each row block's A and b, each over the batch —
// whatever sample a worker meets first.
func TestBackwardNonFiniteValuesAsSolve(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		shared string
		split  []int
		ps     []poison
	}{
		{"c in one sample", "", nil, []poison{{"c", 2, 1, nan}}},
		{"c before A", "", nil, []poison{{"A", 0, 3, inf}, {"c", 3, 0, nan}}},
		{"A before b", "", nil, []poison{{"b", 0, 2, nan}, {"A", 3, 1, -inf}}},
		{"lowest sample of one operand", "", nil, []poison{{"P", 3, 0, nan}, {"P", 1, 2, inf}}},
		{"block 0's b before block 1's A", "", []int{1, 2}, []poison{{"A", 0, 5, nan}, {"b", 2, 0, inf}}},
		{"block 1's A", "", []int{1, 2}, []poison{{"A", 2, 4, nan}}},
		{"shared c after batched P", "c", nil, []poison{{"c", 0, 0, nan}, {"P", 2, 3, nan}}},
		{"shared c alone", "c", nil, []poison{{"c", 0, 1, inf}}},
		{"batched b with shared A", "A", []int{1, 2}, []poison{{"b", 3, 2, nan}}},
		{"shared A before batched b", "A", []int{1, 2}, []poison{{"b", 0, 0, nan}, {"A", 0, 4, nan}}},
	}
	for _, threads := range []int64{1, 2} {
		testSetThreads(threads)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				q := batchedEqQP(tc.shared, tc.split)
				h, code, msg := testNewDense(q)
				if code != 0 {
					t.Fatal(code, msg)
				}
				defer testFree(h)
				const B = 4
				sol := testSolve(h, q, B, q.m(), 0)
				if sol.code != 0 {
					t.Fatal(sol.code, sol.msg)
				}
				gx := []float64{1, 0, 0, 1, 1, 1, -1, 2}
				for _, method := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
					clean := testBackward(h, q, B, q.m(), sol, gx, nil, int(method), 0.1)
					if clean.code != 0 {
						t.Fatalf("clean backward: %d %s", clean.code, clean.msg)
					}
					for k, s := range clean.status {
						if s != int32(ipm.StatusSolved) {
							t.Fatalf("clean backward: sample %d status %d", k, s)
						}
					}
					bad := withPoison(q, tc.ps)
					want := testSolve(h, bad, B, q.m(), 0)
					if want.code != codeData || !strings.Contains(want.msg, "is not finite") {
						t.Fatalf("solve: code %d msg %q, want a data error", want.code, want.msg)
					}
					if rc, rm := testDataErr(h, bad, B); rc != want.code || rm != want.msg {
						t.Fatalf("solve: code %d msg %q, the up-front tests %d %q", want.code, want.msg, rc, rm)
					}
					got := testBackward(h, bad, B, q.m(), sol, gx, nil, int(method), 0.1)
					if got.code != want.code || got.msg != want.msg {
						t.Errorf("method %d, %d threads: backward code %d msg %q, want %d %q", method, threads, got.code, got.msg, want.code, want.msg)
					}
				}
			})
		}
	}
	testSetThreads(0)
}
