package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// refineRig is a reuseRig after a kkt backward that reused the forward's
// record on v, ready for direct refineReuse calls: the record parsed into
// ws.reuse, ws.active and ws.rhs the backward's, x0 the record's first
// solve of K x = rhs.
type refineRig struct {
	*reuseRig
	v  *problem.Values
	x0 []float64
}

// newRefineRig solves BPQP-study instances (the ε-ridge LP, P = εI given
// dense, or the QP with P dense) of n variables and k equality and k
// inequality rows until a kkt backward reuses the record.
func newRefineRig(t *testing.T, lp bool, n, k int, seed int64) *refineRig {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	st, err := problem.NewDenseStructure(n, 2*k, problem.Cones{Zero: k, Nonneg: k}, true)
	if err != nil {
		t.Fatal(err)
	}
	r := newReuseRig(t, st)
	for s := 0; s < 8; s++ {
		var P, c, A, b []float64
		if lp {
			P, c, A, b, _ = testfam.BPQPLP(rng, n, k)
		} else {
			P, c, A, b, _ = testfam.BPQPQP(rng, n, k)
		}
		v := denseValues(st, P, c, A, b)
		sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
		res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
		r.slv.Solve(v, &res)
		if res.Info.Status != ipm.StatusSolved {
			continue
		}
		in := Incoming{X: make([]float64, n)}
		for i := range in.X {
			in.X[i] = 1
		}
		if f, _ := r.backward(t, v, sol, append([]float64(nil), r.buf...), in); f&FlagFactorReused == 0 {
			continue
		}
		if got := r.ws.reuse.diagP; got != lp {
			t.Fatalf("reuse diagP %v for lp %v", got, lp)
		}
		r.ws.setActiveRHS()
		x0 := append([]float64(nil), r.ws.rhs...)
		r.ws.reuse.Solve(x0)
		return &refineRig{reuseRig: r, v: v, x0: x0}
	}
	t.Fatalf("lp %v %dx%d: no sample reused its record", lp, n, k)
	return nil
}

// refine runs refineReuse from x (copied into ws.sol) against the active-set
// system of the values op with at most steps refinement steps, and returns
// its verdict and the solution it leaves.
func (r *refineRig) refine(op *problem.Values, x []float64, steps int) (bool, []float64) {
	w := r.ws
	pre := &w.reuse
	set := w.set
	pre.v, pre.diagP = op, w.diagonalP(op)
	w.set.IterRefineMax = steps
	copy(w.sol, x)
	ok := w.refineReuse()
	pre.v, w.set = nil, set
	return ok, append([]float64(nil), w.sol...)
}

// step is one refinement step from x, computed as refineReuse does (the
// operator's mulK, the record's Solve): x + K⁻¹(rhs − K_op x).
func (r *refineRig) step(op *problem.Values, x []float64) []float64 {
	k := scaledDual{n: r.st.N, active: r.ws.active, st: r.st, v: op, diagP: r.ws.diagonalP(op)}
	d := make([]float64, len(x))
	k.mulK(x, d)
	for i := range d {
		d[i] = r.ws.rhs[i] - d[i]
	}
	r.ws.reuse.Solve(d)
	for i := range d {
		d[i] += x[i]
	}
	return d
}

// residual is ‖rhs − K x‖∞ for the active-set system of op (mulK over P's
// whole pattern).
func (r *refineRig) residual(op *problem.Values, x []float64) float64 {
	k := scaledDual{n: r.st.N, active: r.ws.active, st: r.st, v: op}
	y := make([]float64, len(x))
	k.mulK(x, y)
	rn := 0.0
	for i := range y {
		rn = math.Max(rn, math.Abs(r.ws.rhs[i]-y[i]))
	}
	return rn
}

// kNormInf is ‖K‖∞ of op's active-set system, entry by entry over P's
// upper pattern (off-diagonal entries in both their rows) and the active
// rows of A; a decoupled row's 1.
func (r *refineRig) kNormInf(op *problem.Values) float64 {
	st := r.st
	rs := make([]float64, st.N+st.M)
	for j := 0; j < st.N; j++ {
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			rs[j] += math.Abs(op.P[k])
			if i := st.P.Rowval[k]; i != j {
				rs[i] += math.Abs(op.P[k])
			}
		}
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			if i := st.A.Rowval[k]; r.ws.active[i] {
				rs[j] += math.Abs(op.A[k])
				rs[st.N+i] += math.Abs(op.A[k])
			}
		}
	}
	kn := 0.0
	for i, a := range r.ws.active {
		if !a {
			rs[st.N+i] = 1
		}
	}
	for _, s := range rs {
		kn = math.Max(kn, s)
	}
	return kn
}

// scaledData returns v with P and A multiplied by c: its active-set system is
// c·K on the coupled rows, so the record's solve (K⁻¹) over- or
// undershoots it by the factor c.
func scaledData(v *problem.Values, c float64) *problem.Values {
	o := *v
	o.P = append([]float64(nil), v.P...)
	o.A = append([]float64(nil), v.A...)
	for i := range o.P {
		o.P[i] *= c
	}
	for i := range o.A {
		o.A[i] *= c
	}
	return &o
}

// TestRefineReuseStep: refineReuse against an operator the record's
// solve misjudges by a factor c (the data scaled by c, the record of the
// unscaled: a record of other data). At c = 3 the first step overshoots
// (residual 2‖r‖ → 4‖r‖) and must be undone: the solution returned is
// the first solve bit for bit and its residual the smaller one; keeping
// the worse step while reporting the earlier residual fails it. At
// c = 1.8 the step improves the residual without halving it (0.8 → 0.64):
// the step is kept and refinement stops, the solution the test's own
// x0 + K⁻¹(rhs − c K x0). At c = 1 (the record's data) the refinement
// meets the tolerance. On the ε-ridge LP (diagonal P: the backward-error
// acceptance applies) and the dense QP; the verdict is checked against
// the returned solution's residual where it is not within 2× of a
// threshold.
func TestRefineReuseStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		lp   bool
		n, k int
	}{{"lp", true, 50, 10}, {"qp", false, 30, 8}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRefineRig(t, tc.lp, tc.n, tc.k, int64(tc.n+tc.k))
			steps := r.ws.set.IterRefineMax
			if steps < 1 {
				t.Fatalf("IterRefineMax %d: no step to test", steps)
			}
			for _, c := range []float64{3, 1.8, 1} {
				op := scaledData(r.v, c)
				ok, x := r.refine(op, r.x0, steps)
				r0, rn := r.residual(op, r.x0), r.residual(op, x)
				switch c {
				case 3:
					// The step's own residual, to confirm the scenario.
					if x1r := r.residual(op, r.step(op, r.x0)); x1r <= r0 {
						t.Fatalf("c %v: the step did not make the residual worse (%.3g → %.3g)", c, r0, x1r)
					}
					for i := range x {
						if x[i] != r.x0[i] {
							t.Fatalf("c %v: entry %d is %v, want the first solve's %v (the worse step kept)", c, i, x[i], r.x0[i])
						}
					}
				case 1.8:
					x1 := r.step(op, r.x0)
					for i := range x {
						if want := x1[i]; x[i] != want {
							t.Fatalf("c %v: entry %d is %v, want x0 + step %v", c, i, x[i], want)
						}
					}
					if !(rn < r0 && rn > r0/2) {
						t.Fatalf("c %v: residual %.3g → %.3g, want a step that neither worsens nor halves it", c, r0, rn)
					}
				case 1:
					if !ok {
						t.Fatalf("c %v: the record's own system was not accepted (residual %.3g)", c, rn)
					}
				}
				if rn > r0 {
					t.Errorf("c %v: the returned solution's residual %.3g exceeds the first solve's %.3g", c, rn, r0)
				}
				// The verdict follows the returned solution's residual.
				tol := reuseAbsTol + reuseRelTol*normInf(r.ws.rhs)
				bound := tol
				if tc.lp {
					bound = math.Max(tol, reuseBackwardTol*r.kNormInf(op)*normInf(x))
				}
				if rn < bound/2 && !ok || rn > 2*bound && ok {
					t.Errorf("c %v: verdict %v at residual %.3g, bound %.3g", c, ok, rn, bound)
				}
			}
		})
	}
}

// TestRefineReuseBackwardError: the normwise backward-error acceptance
// for a diagonal P (backwardStable; the ε-ridge LP, wide: ‖K‖∞ is a row
// of A over n columns, several times the x rows' sums), the first solve
// moved along a direction e to place the residual:
// well under reuseBackwardTol·rowsum·‖x‖ (accepted by the row of x's
// largest entry, activeKRowSum), between that and reuseBackwardTol‖K‖∞‖x‖
// (accepted only by the full norm, activeKNormInf), and 10 and 1e3 times
// over the latter (rejected: an overestimated bound, e.g. the row sum
// ×1e6, accepts them). Each placement is checked against the test's own
// ‖K‖∞ and row sums before the verdict. refineReuse with no step (not
// stalled) refuses every one of them. On the dense QP (no
// backward-error acceptance) a residual under the tolerance is accepted
// and one 10 times over is not.
func TestRefineReuseBackwardError(t *testing.T) {
	t.Run("lp", func(t *testing.T) {
		r := newRefineRig(t, true, 100, 5, 9)
		testBackwardError(t, r, []beCase{
			{"row sum", 0.1, false, true},
			{"full norm only", 0, false, true},
			{"10x over", 10, true, false},
			{"1e3x over", 1e3, true, false},
		})
	})
	t.Run("qp", func(t *testing.T) {
		r := newRefineRig(t, false, 30, 8, 4)
		st := r.st
		tol := reuseAbsTol + reuseRelTol*normInf(r.ws.rhs)
		e := direction(r, rand.New(rand.NewSource(1)))
		k := scaledDual{n: st.N, active: r.ws.active, st: st, v: r.v}
		y := make([]float64, len(e))
		k.mulK(e, y)
		kn := normInf(y)
		for _, c := range []struct {
			mult   float64
			accept bool
		}{{0.3, true}, {10, false}} {
			x := append([]float64(nil), r.x0...)
			for i := range x {
				x[i] += c.mult * tol / kn * e[i]
			}
			rn := r.residual(r.v, x)
			if c.accept && rn > 0.5*tol || !c.accept && rn < 5*tol {
				t.Fatalf("residual %.3g misplaced for %v×tol %.3g", rn, c.mult, tol)
			}
			if ok, _ := r.refine(r.v, x, 0); ok != c.accept {
				t.Errorf("residual %.3g (tol %.3g): verdict %v, want %v", rn, tol, ok, c.accept)
			}
		}
	})
}

// direction is a random direction over the x block and the active rows
// (an inactive row's multiplier stays 0, as every solve leaves it).
func direction(r *refineRig, rng *rand.Rand) []float64 {
	n := r.st.N
	e := make([]float64, len(r.x0))
	for i := range e {
		if i < n || r.ws.active[i-n] {
			e[i] = rng.NormFloat64()
		}
	}
	return e
}

// beCase places a residual for testBackwardError: where times
// reuseBackwardTol·‖K‖∞‖x‖ (ofNorm) or ·rowsum·‖x‖, or with where 0 the
// geometric mean of the two; accept is the verdict wanted.
type beCase struct {
	name   string
	where  float64
	ofNorm bool
	accept bool
}

// testBackwardError checks refineReuse's verdict (no refinement step) on
// the first solve moved along a random direction to each case's residual.
func testBackwardError(t *testing.T, r *refineRig, cases []beCase) {
	t.Helper()
	st := r.st
	n := st.N
	tol := reuseAbsTol + reuseRelTol*normInf(r.ws.rhs)
	e := direction(r, rand.New(rand.NewSource(2)))
	k := scaledDual{n: n, active: r.ws.active, st: st, v: r.v}
	y := make([]float64, len(e))
	k.mulK(e, y)
	ke := normInf(y)
	// x's largest x entry and ‖x‖∞ from the first solve; the moves below
	// are far smaller than its entries and must keep both (checked).
	xn, jmax := 0.0, 0
	for j, xj := range r.x0[:n] {
		if a := math.Abs(xj); a > xn {
			xn, jmax = a, j
		}
	}
	xn = math.Max(xn, normInf(r.x0[n:]))
	rowSum := 0.0
	for p := st.P.Colptr[jmax]; p < st.P.Colptr[jmax+1]; p++ {
		if st.P.Rowval[p] == jmax {
			rowSum += math.Abs(r.v.P[p])
		}
	}
	for p := st.A.Colptr[jmax]; p < st.A.Colptr[jmax+1]; p++ {
		if r.ws.active[st.A.Rowval[p]] {
			rowSum += math.Abs(r.v.A[p])
		}
	}
	kn := r.kNormInf(r.v)
	if kn < 4*rowSum {
		t.Fatalf("‖K‖∞ %.3g is not 4× the row sum %.3g: no room between the bounds", kn, rowSum)
	}
	rowBound, normBound := reuseBackwardTol*rowSum*xn, reuseBackwardTol*kn*xn
	scratch, mask := make([]float64, len(e)), make([]uint64, st.M)
	for _, c := range cases {
		target := c.where * rowBound
		if c.ofNorm {
			target = c.where * normBound
		} else if c.where == 0 {
			target = math.Sqrt(rowBound * normBound)
		}
		x := append([]float64(nil), r.x0...)
		for i := range x {
			x[i] += target / ke * e[i]
		}
		rn := r.residual(r.v, x)
		// Where the residual landed, from the test's own norms of the
		// returned x.
		xj, jx := 0.0, 0
		for j, v := range x[:n] {
			if a := math.Abs(v); a > xj {
				xj, jx = a, j
			}
		}
		if jx != jmax {
			t.Fatalf("%s: the move changed x's largest entry (%d → %d)", c.name, jmax, jx)
		}
		xnx := math.Max(xj, normInf(x[n:]))
		rb, nb := reuseBackwardTol*rowSum*xnx, reuseBackwardTol*kn*xnx
		if rn <= tol {
			t.Fatalf("%s: residual %.3g within the tolerance %.3g", c.name, rn, tol)
		}
		switch {
		case c.accept && !c.ofNorm && c.where != 0 && rn > rb/2,
			c.accept && c.where == 0 && (rn < 1.5*rb || rn > nb/1.5),
			!c.accept && rn < 5*nb:
			t.Fatalf("%s: residual %.3g misplaced (row-sum bound %.3g, norm bound %.3g)", c.name, rn, rb, nb)
		}
		pre := &r.ws.reuse
		pre.v, pre.diagP = r.v, true
		ok := pre.backwardStable(x, rn, scratch, mask)
		pre.v = nil
		if ok != c.accept {
			t.Errorf("%s: residual %.3g (row-sum bound %.3g, norm bound %.3g): verdict %v, want %v", c.name, rn, rb, nb, ok, c.accept)
		}
		// Without a refinement step the refinement has not stalled: the
		// backward error is not asked and the record is refused.
		if ok, _ := r.refine(r.v, x, 0); ok {
			t.Errorf("%s: accepted without a step (residual %.3g, tolerance %.3g)", c.name, rn, tol)
		}
	}
}

// TestReuseRejectsOtherData: the backward (kkt and bpqp) on the ε-ridge
// LP's data scaled by c (P, c, A, b: the same solution, s scaled, the
// same active set) with the record of the unscaled data, whose solve
// misses by c − 1 a refinement step. At c = 1.001 the refinement converges:
// the record is reused with the refactoring backward's gradients (1e-12).
// Up to c = 1.4 it may be reused only with gradients within 1e-9 (the
// refinement stalled at its rounding floor: ~1e-10 here at c = 1.1): a
// backward-error test after IterRefineMax steps that still converged
// reused c = 1.3 with gradients 1.8e-6 off. At c = 1.8 and 3 a step
// barely helps or overshoots (a residual of 0.64 or 2 times the
// right-hand side's, ~1e-5 of ‖K‖∞‖x‖∞): the record must be refused, the
// gradients the refactoring backward's; an acceptance bound overestimated
// by 1e6 (the row sum) reuses it with gradients 64% off.
func TestReuseRejectsOtherData(t *testing.T) {
	r := newRefineRig(t, true, 50, 10, 60)
	st, n := r.st, r.st.N
	sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
	res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
	r.slv.Solve(r.v, &res)
	if res.Info.Status != ipm.StatusSolved || !res.Info.Polished {
		t.Fatalf("status %v polished %v", res.Info.Status, res.Info.Polished)
	}
	rec := append([]float64(nil), r.buf...)
	in := Incoming{X: make([]float64, n)}
	for i := range in.X {
		in.X[i] = 1
	}
	for _, c := range []float64{1.001, 1.003, 1.01, 1.03, 1.1, 1.2, 1.3, 1.4, 1.8, 3} {
		v := scaledData(r.v, c)
		v.C, v.B = append([]float64(nil), r.v.C...), append([]float64(nil), r.v.B...)
		for i := range v.C {
			v.C[i] *= c
		}
		for i := range v.B {
			v.B[i] *= c
		}
		s := sol
		s.S = append([]float64(nil), sol.S...)
		for i := range s.S {
			s.S[i] *= c
		}
		for _, m := range []Method{MethodKKT, MethodBPQP} {
			run := func(rec []float64) (Flags, *Grad) { return backwardWithRecord(t, r.ws, st, v, s, in, m, rec) }
			_, g0 := run(nil)
			f, g := run(rec)
			reused := f&FlagFactorReused != 0
			tol := 1e-12
			switch {
			case c < 1.002 && !reused:
				t.Errorf("c %v method %d: the record was not reused", c, m)
			case c > 1.5 && reused:
				t.Errorf("c %v method %d: the record of other data was reused", c, m)
			case c >= 1.002 && c < 1.5 && reused:
				tol = 1e-9
			}
			if d := gradDiff(g, g0); d > tol {
				t.Errorf("c %v method %d: gradients differ from the refactoring backward's by %.3g (flags %d)", c, m, d, f)
			}
		}
	}
}
