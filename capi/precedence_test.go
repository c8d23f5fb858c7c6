package main

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
)

// precedenceQP is bpqpInstance(n = 9) over a batch of b samples, its
// operands shared (stride 0) or batched (each sample a scaled copy of
// the first), with the entry P[1, 2] of the last sample set to bad when
// bad is not 0.
func precedenceQP(b int, shared bool, bad float64) *testDenseQP {
	const n = 9
	q0 := bpqpInstance(rand.New(rand.NewSource(n)), n, n/5+1, false)
	q := *q0
	if shared {
		q.P = append([]float64(nil), q0.P...)
	} else {
		rep := func(v []float64, scale float64) []float64 {
			var out []float64
			for k := 0; k < b; k++ {
				for _, x := range v {
					out = append(out, x*(1+scale*float64(k)))
				}
			}
			return out
		}
		q.P, q.c, q.A, q.b = rep(q0.P, 0.25), rep(q0.c, 0.5), rep(q0.A, 0), rep(q0.b, 0.1)
		q.ps, q.cs, q.as, q.bs = len(q0.P), len(q0.c), len(q0.A), len(q0.b)
	}
	if bad != 0 {
		q.P[(b-1)*q.ps+1*n+2] = bad
	}
	return &q
}

// TestBackwardDataErrorFirst: lpgd_backward reports a non-finite value
// of P, c, A or b (the error an up-front test of the values gives,
// testDataErr, and lpgd_solve's) before an argument error found after
// reading them — a short factor_len — and before a non-finite incoming
// gradient, as lpgd_solve reports its data errors first; at B = 1 with
// shared operands (the Python layer's unbatched inputs) as with batched
// ones. Without the non-finite value those arguments are the error.
func TestBackwardDataErrorFirst(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	type args struct {
		short  bool // factor_len 1
		gx, gy int  // index of a non-finite incoming entry (−1: none)
	}
	cases := []struct {
		name string
		a    args
		arg  string // the error without the bad value
	}{
		{"short factor_len", args{short: true, gx: -1, gy: -1}, "factor_len is 1, want at least"},
		{"NaN in gx", args{gx: 1, gy: -1}, "gx[1] = NaN is not finite (batch element 0)"},
		{"Inf in gy", args{gx: -1, gy: 0}, "gy[0] = +Inf is not finite (batch element 0)"},
		{"short factor_len, NaN in gx", args{short: true, gx: 1, gy: -1}, "factor_len is 1, want at least"},
	}
	for _, b := range []int{1, 3} {
		for _, shared := range []bool{true, false} {
			clean := precedenceQP(b, shared, 0)
			bad := precedenceQP(b, shared, nan)
			h, code, msg := testNewDense(clean)
			if code != 0 {
				t.Fatal(code, msg)
			}
			m, n := clean.m(), clean.n
			rl := testFactorLen(h)
			if rl < 2 {
				t.Fatalf("factor_len %d: the case needs a record", rl)
			}
			sol := testSolveRec(h, clean, b, m, 0, rl)
			if sol.code != 0 {
				t.Fatal(sol.code, sol.msg)
			}
			want := testSolve(h, bad, b, m, 0)
			wantP := "P[1, 2] = NaN is not finite (shared across the batch)"
			if !shared {
				wantP = fmt.Sprintf("P[1, 2] = NaN is not finite (batch element %d)", b-1)
			}
			if rc, rm := testDataErr(h, bad, b); want.code != codeData || want.msg != wantP || rc != want.code || rm != want.msg {
				t.Fatalf("B=%d shared=%v: solve %d %q, up-front tests %d %q, want %q", b, shared, want.code, want.msg, rc, rm, wantP)
			}
			for _, tc := range cases {
				t.Run(fmt.Sprintf("B=%d/shared=%v/%s", b, shared, tc.name), func(t *testing.T) {
					s := sol
					if tc.a.short {
						s.recLen = 1
					}
					gx, gy := make([]float64, b*n), make([]float64, b*m)
					gx[0] = 1
					if tc.a.gx >= 0 {
						gx[tc.a.gx] = nan
					}
					if tc.a.gy >= 0 {
						gy[tc.a.gy] = inf
					}
					for _, method := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
						got := testBackward(h, bad, b, m, s, gx, gy, int(method), 0.1)
						if got.code != want.code || got.msg != want.msg {
							t.Errorf("method %d: backward %d %q, want the data error %d %q", method, got.code, got.msg, want.code, want.msg)
						}
						arg := testBackward(h, clean, b, m, s, gx, gy, int(method), 0.1)
						if arg.code == 0 || !strings.Contains(arg.msg, tc.arg) {
							t.Errorf("method %d, clean values: backward %d %q, want %q", method, arg.code, arg.msg, tc.arg)
						}
					}
				})
			}
			testFree(h)
		}
	}
}
