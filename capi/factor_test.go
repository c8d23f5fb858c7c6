package main

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
)

// randQPBatch is a batch of random feasible dense QPs (n variables, zero
// equality and nonneg inequality rows, every sample its own data).
func randQPBatch(rng *rand.Rand, n, zero, nonneg, batch int) *testDenseQP {
	m := zero + nonneg
	q := &testDenseQP{n: n, zero: zero, nonneg: nonneg, hasP: true, ps: n * n, cs: n, as: m * n, bs: m}
	for k := 0; k < batch; k++ {
		M := make([]float64, n*n)
		for i := range M {
			M[i] = rng.NormFloat64()
		}
		P := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				for l := 0; l < n; l++ {
					P[i*n+j] += M[l*n+i] * M[l*n+j] / float64(n)
				}
			}
			P[i*n+i] += 0.1
		}
		x0 := make([]float64, n)
		for j := range x0 {
			x0[j] = rng.NormFloat64()
		}
		A := make([]float64, m*n)
		b := make([]float64, m)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				A[i*n+j] = rng.NormFloat64()
				b[i] += A[i*n+j] * x0[j]
			}
			if i >= zero {
				b[i] += rng.Float64()
			}
		}
		c := make([]float64, n)
		for j := range c {
			c[j] = 3 * rng.NormFloat64()
		}
		q.P, q.c, q.A, q.b = append(q.P, P...), append(q.c, c...), append(q.A, A...), append(q.b, b...)
	}
	return q
}

// TestFactorRecordThroughABI: lpgd_solve writes factor records when asked
// (lpgd_sizes.factor_len words per sample), lpgd_backward's kkt method
// reuses them (LPGD_FLAG_FACTOR_REUSED) with the gradients of a backward
// without them (1e-12 relative), records of another batch order or garbage
// are ignored or refine to the same gradients, and a short factor_len is an
// argument error.
func TestFactorRecordThroughABI(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	n, zero, nonneg, batch := 30, 6, 30, 6
	m := zero + nonneg
	q := randQPBatch(rng, n, zero, nonneg, batch)
	h, code, msg := testNewDense(q)
	if code != 0 {
		t.Fatalf("structure_new: %d %s", code, msg)
	}
	defer testFree(h)
	fl := testFactorLen(h)
	if fl == 0 {
		t.Fatal("factor_len 0 for a dense QP")
	}
	plain := testSolve(h, q, batch, m, 0)
	out := testSolveRec(h, q, batch, m, 0, fl+3) // a longer stride is allowed
	if out.code != 0 || plain.code != 0 {
		t.Fatalf("solve: %d %s / %d %s", out.code, out.msg, plain.code, plain.msg)
	}
	for i := range out.x {
		if out.x[i] != plain.x[i] {
			t.Fatalf("x[%d] with records %v, without %v", i, out.x[i], plain.x[i])
		}
	}
	gx := make([]float64, batch*n)
	gy := make([]float64, batch*m)
	for i := range gx {
		gx[i] = rng.NormFloat64()
	}
	for i := range gy {
		gy[i] = rng.NormFloat64()
	}
	kkt := int(diff.MethodKKT)
	ref := testBackward(h, q, batch, m, plain, gx, gy, kkt, 0.1)
	got := testBackward(h, q, batch, m, out, gx, gy, kkt, 0.1)
	if ref.code != 0 || got.code != 0 {
		t.Fatalf("backward: %d %s / %d %s", ref.code, ref.msg, got.code, got.msg)
	}
	reused := 0
	for k := 0; k < batch; k++ {
		if ref.flags[k]&int32(diff.FlagFactorReused) != 0 {
			t.Fatalf("sample %d: reuse flagged without records", k)
		}
		if got.flags[k]&int32(diff.FlagFactorReused) != 0 {
			reused++
		}
	}
	if reused < batch/2 {
		t.Errorf("records reused on %d of %d samples (flags %v)", reused, batch, got.flags)
	}
	cmp := func(what string, a, b testBackwardOut) {
		t.Helper()
		num, den := 0.0, 1e-300
		for _, p := range [][2][]float64{{a.gP, b.gP}, {a.gc, b.gc}, {a.gA, b.gA}, {a.gb, b.gb}} {
			for i := range p[0] {
				num = math.Max(num, math.Abs(p[0][i]-p[1][i]))
				den = math.Max(den, math.Abs(p[1][i]))
			}
		}
		if num > 1e-12*den {
			t.Errorf("%s: gradients differ from the refactoring backward by %.3g relative", what, num/den)
		}
	}
	cmp("records", got, ref)
	// Records in another order (sample k gets sample k+1's), and garbage.
	shifted := out
	shifted.rec = append(append([]float64(nil), out.rec[out.recLen:]...), out.rec[:out.recLen]...)
	cmp("shifted records", testBackward(h, q, batch, m, shifted, gx, gy, kkt, 0.1), ref)
	garbage := out
	garbage.rec = make([]float64, len(out.rec))
	for i := range garbage.rec {
		garbage.rec[i] = out.rec[i]
		if i%5 == 0 {
			garbage.rec[i] = rng.NormFloat64()
		}
	}
	cmp("garbage records", testBackward(h, q, batch, m, garbage, gx, gy, kkt, 0.1), ref)
	// BPQP and LPGD ignore the records.
	bp := testBackward(h, q, batch, m, out, gx, gy, int(diff.MethodBPQP), 0.1)
	if bp.code != 0 {
		t.Fatalf("bpqp backward: %d %s", bp.code, bp.msg)
	}
	// A short factor_len, forward and backward.
	if short := testSolveRec(h, q, batch, m, 0, fl-1); short.code != codeArgument || !strings.Contains(short.msg, "factor_len") {
		t.Errorf("short factor_len: code %d msg %q", short.code, short.msg)
	}
	shortB := out
	shortB.recLen = fl - 1
	if bw := testBackward(h, q, batch, m, shortB, gx, gy, kkt, 0.1); bw.code != codeArgument {
		t.Errorf("backward with a short factor_len: code %d msg %q", bw.code, bw.msg)
	}
	if neg := testSolveRec(h, q, batch, m, 0, -5); neg.code != codeArgument {
		t.Errorf("negative factor_len: code %d msg %q", neg.code, neg.msg)
	}
}

// TestFactorRecordOtherStructure: the records of one structure given to
// another of the same sizes (other cone split) are rejected: no reuse, the
// gradients of a backward without records.
func TestFactorRecordOtherStructure(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	n, batch := 20, 3
	q1 := randQPBatch(rng, n, 4, 20, batch)
	q2 := randQPBatch(rng, n, 5, 19, batch)
	h1, c1, m1 := testNewDense(q1)
	h2, c2, m2 := testNewDense(q2)
	if c1 != 0 || c2 != 0 {
		t.Fatalf("structure_new: %s %s", m1, m2)
	}
	defer testFree(h1)
	defer testFree(h2)
	m := 24
	fl := max(testFactorLen(h1), testFactorLen(h2))
	o1 := testSolveRec(h1, q1, batch, m, 0, fl)
	o2 := testSolveRec(h2, q2, batch, m, 0, fl)
	if o1.code != 0 || o2.code != 0 {
		t.Fatal(o1.msg, o2.msg)
	}
	gx := make([]float64, batch*n)
	for i := range gx {
		gx[i] = rng.NormFloat64()
	}
	kkt := int(diff.MethodKKT)
	plain := o2
	plain.rec = nil
	ref := testBackward(h2, q2, batch, m, plain, gx, nil, kkt, 0.1)
	mixed := o2
	mixed.rec = o1.rec
	got := testBackward(h2, q2, batch, m, mixed, gx, nil, kkt, 0.1)
	for k := 0; k < batch; k++ {
		if got.flags[k]&int32(diff.FlagFactorReused) != 0 {
			t.Errorf("sample %d: another structure's record reused", k)
		}
	}
	for i := range ref.gc {
		if got.gc[i] != ref.gc[i] {
			t.Fatalf("gc[%d] %v, want %v", i, got.gc[i], ref.gc[i])
		}
	}
}
