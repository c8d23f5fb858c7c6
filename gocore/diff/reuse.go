package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Tolerances the solve with a reused factorization must meet
// (kkt.System's refinement tolerances); otherwise the system is factored.
const (
	reuseAbsTol = 1e-12
	reuseRelTol = 1e-13
)

// reuseBackwardTol is the normwise backward error ‖r − K sol‖∞ /
// (‖K‖∞‖sol‖∞) at which a solve with a reused record is accepted when P
// is diagonal and the residual tolerances above are out of reach: an
// ε-ridge LP's backward solutions are ~1/ε and any factorization's refined
// residual floors at ~u·‖K‖∞‖sol‖∞ (as kkt.System's for the same systems,
// kkt.SetActiveRowsDiagonalX).
const reuseBackwardTol = 1e-12

// activeKNormInf is ‖K‖∞ of the unscaled active-set system s.mulK
// applies, for a diagonal P only (s.diagP, diagonalP: every off-diagonal
// value is ±0, so only each column's diagonal entry, its last, is read):
// |P_jj| and the active rows of A; a decoupled row's −1. When P is not
// diagonal it returns NaN, which every comparison refuses: a caller's
// acceptance test fails closed and it factors. rs (n+m words) receives
// the row sums and mask (m words) the all-ones/zero mask of the active
// rows: both are the caller's scratch, overwritten (refineReuse passes
// its step, free when it asks). Column j's sum is four partial sums,
// branch-free: an inactive row's entry adds +0 (the mask clears |a|'s
// bits) and its row sum is overwritten; a branch on the random active set
// mispredicted and one running sum was a chain of dependent adds. The
// sums are exact up to their order (relative (n+m)u).
func (s *scaledDual) activeKNormInf(rs []float64, mask []uint64) float64 {
	if !s.diagP {
		return math.NaN()
	}
	st, v := s.st, s.v
	n, m := st.N, st.M
	rs = rs[:n+m]
	clear(rs)
	rz := rs[n:]
	act := s.active[:m]
	mask = mask[:m]
	for i, a := range act {
		mask[i] = 0
		if a {
			mask[i] = math.MaxUint64
		}
	}
	pc, pr, pv := st.P.Colptr, st.P.Rowval, v.P
	ac, ar, avs := st.A.Colptr, st.A.Rowval, v.A
	for j := 0; j < n; j++ {
		var s0, s1, s2, s3 float64
		if lo, hi := pc[j], pc[j+1]; hi > lo && pr[hi-1] == j {
			s0 = math.Abs(pv[hi-1])
		}
		rows := ar[ac[j]:ac[j+1]]
		vals := avs[ac[j]:ac[j+1]]
		vals = vals[:len(rows)]
		t := 0
		for ; t+4 <= len(rows); t += 4 {
			i0, i1, i2, i3 := rows[t], rows[t+1], rows[t+2], rows[t+3]
			a0, a1, a2, a3 := math.Abs(vals[t]), math.Abs(vals[t+1]), math.Abs(vals[t+2]), math.Abs(vals[t+3])
			rz[i0] += a0
			rz[i1] += a1
			rz[i2] += a2
			rz[i3] += a3
			s0 += math.Float64frombits(math.Float64bits(a0) & mask[i0])
			s1 += math.Float64frombits(math.Float64bits(a1) & mask[i1])
			s2 += math.Float64frombits(math.Float64bits(a2) & mask[i2])
			s3 += math.Float64frombits(math.Float64bits(a3) & mask[i3])
		}
		for ; t < len(rows); t++ {
			i := rows[t]
			a := math.Abs(vals[t])
			rz[i] += a
			s0 += math.Float64frombits(math.Float64bits(a) & mask[i])
		}
		rs[j] = (s0 + s1) + (s2 + s3)
	}
	for i, a := range act {
		if !a {
			rz[i] = 1
		}
	}
	return vec.NormInf(rs)
}

// reusePolish solves the kkt backward's active-set system (kktPolished's,
// no weakly active rows) with the forward polish's factorization recorded
// in sol.Factor, into w.sol, when the record parses for this structure and
// its active set is w.active. The record factors the equilibrated system
// K̃ = diag(D, E) [kP Aᵀ; A 0] diag(D, E) (active rows), so
// K [u; v] = r is solved as u = Dũ, v = Eṽ/k with K̃ [ũ; ṽ] = [kDr_x; Er_z],
// refined against K itself (the values v, unscaled; refineReuse): the
// result meets the same residual tolerances as a solve with a fresh
// factorization. It reports false — nothing to reuse, or the refinement
// did not reach the tolerances (a record of other data) — and the caller
// factors.
func (w *Workspace) reusePolish(v *problem.Values, sol Solution) bool {
	if sol.Factor == nil {
		return false
	}
	st := w.an.St
	if !w.fpSet {
		// Once per workspace: the hash reads every pattern entry.
		w.fp, w.fpSet = ipm.StructureFingerprint(st), true
	}
	pre := &w.reuse
	if pre.st == nil {
		pre.n, pre.active, pre.st = st.N, w.active, st
	}
	if !pre.pf.Parse(sol.Factor, st, w.fp) {
		return false
	}
	for i, a := range w.active {
		if a != (pre.pf.Active[i] == 1) {
			return false
		}
	}
	pre.v, pre.diagP = v, w.diagonalP(v)
	// A diagonal P's record has, as DenseDual factors it, a diagonal x
	// block: checked (its factor read once) rather than assumed.
	pre.diagX = pre.diagP && pre.pf.Factor.DiagonalX()
	defer func() { pre.v = nil }()
	n := st.N
	w.setActiveRHS()
	copy(w.sol, w.rhs)
	pre.Solve(w.sol)
	if !w.refineReuse() {
		return false
	}
	if !vec.AllFinite(w.sol) {
		return false
	}
	for i, a := range w.active {
		if !a {
			w.sol[n+i] = 0
		}
	}
	return true
}

// refineReuse refines reusePolish's solve w.sol of K w.sol = w.rhs against
// K (w.reuse.mulK) and reports whether it meets the tolerances
// (reuseAbsTol + reuseRelTol‖rhs‖∞ on the residual; for a diagonal P,
// once the refinement stalled, also the normwise backward error
// reuseBackwardTol, backwardStable). It steps as
// linsys.RefineWith — at most IterRefineMax steps, stopping at the
// tolerance or when a step stops halving the residual — except that a
// step that made the residual worse is undone by restoring a copy of the
// solution it started from, whose residual norm is known, instead of
// subtracting the step and computing the residual again: an ε-ridge LP's
// refinement (a first residual ~1e-8, ~1e-10 after one step, the second
// step no better) ends that way on most samples, and the product with K
// it saves is a quarter of the refinement's.
func (w *Workspace) refineReuse() bool {
	pre := &w.reuse
	b, x := w.rhs, w.sol
	d := len(x)
	r, dx, keep := w.rwork[:d], w.rwork[d:2*d], w.rwork[2*d:3*d]
	bnorm := vec.NormInf(b)
	tol := reuseAbsTol + reuseRelTol*bnorm
	b, dx, keep = b[:d], dx[:d], keep[:d] // one length: no bounds checks below
	res := func() float64 {
		pre.mulK(x, r)
		for i, bi := range b {
			r[i] = bi - r[i]
		}
		return vec.NormInf(r)
	}
	rn := res()
	stalled := false
	for it := 0; it < w.set.IterRefineMax && rn > tol; it++ {
		copy(dx, r)
		pre.Solve(dx)
		copy(keep, x)
		for i, e := range dx {
			x[i] += e
		}
		prev := rn
		rn = res()
		if rn > prev*0.5 {
			stalled = true
			if rn > prev {
				copy(x, keep)
				rn = prev
			}
			break
		}
	}
	if rn <= tol {
		return true
	}
	// The backward-error test only once the refinement stalled (a step
	// stopped halving the residual: its rounding floor), never when the
	// steps ran out while it still converged — a record of other data
	// (the data scaled by 1.1-1.3) contracts by 0.1-0.3 a step, and its
	// residual after IterRefineMax steps passed the test with gradients
	// 1e-10 to 2e-6 off.
	if !pre.diagP || !stalled {
		return false
	}
	if w.actMask == nil {
		w.actMask = make([]uint64, len(pre.active))
	}
	return pre.backwardStable(x, rn, dx, w.actMask)
}

// backwardStable reports whether the residual norm rn of s's solution x
// is a normwise backward error rn/(‖K‖∞‖x‖∞) of at most reuseBackwardTol,
// for a diagonal P only (false otherwise). ‖K‖∞ ≥ the sum of any one row
// of |K|: the row of x's largest entry (O(m) values, activeKRowSum)
// settles the test on the study's LPs (it passes by orders of magnitude),
// and the full norm (activeKNormInf, its scratch rs and mask overwritten:
// refineReuse passes its step dx, no longer needed) is read only when it
// does not.
func (s *scaledDual) backwardStable(x []float64, rn float64, rs []float64, mask []uint64) bool {
	if !s.diagP {
		return false
	}
	xn, jmax := 0.0, 0
	for j, xj := range x[:s.n] {
		if a := math.Abs(xj); a > xn {
			xn, jmax = a, j
		}
	}
	xn = math.Max(xn, vec.NormInf(x[s.n:]))
	return rn <= reuseBackwardTol*s.activeKRowSum(jmax)*xn ||
		rn <= reuseBackwardTol*s.activeKNormInf(rs, mask)*xn
}

// activeKRowSum is the sum of |K|'s row j < n of the active-set system
// s.mulK applies, for a diagonal P only (as activeKNormInf: |P_jj| and the
// active rows of A's column j; NaN when P is not diagonal), a lower bound
// of ‖K‖∞.
func (s *scaledDual) activeKRowSum(j int) float64 {
	if !s.diagP {
		return math.NaN()
	}
	st, v := s.st, s.v
	sum := 0.0
	if lo, hi := st.P.Colptr[j], st.P.Colptr[j+1]; hi > lo && st.P.Rowval[hi-1] == j {
		sum = math.Abs(v.P[hi-1])
	}
	for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
		if s.active[st.A.Rowval[k]] {
			sum += math.Abs(v.A[k])
		}
	}
	return sum
}

// scaledDual solves the unscaled active-set system with a polish factor
// record's factorization of the equilibrated one (reusePolish); mulK is
// the product with that system (the values v, the active rows).
type scaledDual struct {
	pf     ipm.PolishFactor
	n      int
	active []bool
	st     *problem.Structure
	v      *problem.Values
	diagP  bool // v's P is diagonal (diagonalP): mulK, activeKNormInf and activeKRowSum read its diagonal only
	diagX  bool // the record's x block is diagonal: Solve skips its triangular solves
	// pdiag[j] is the position of P's diagonal entry j in its values (the
	// column's last entry), −1 when the pattern has none. mulK computes it
	// (diagPositions) on its first diagonal product and keeps it: the cache
	// stays valid because st is fixed per workspace (reusePolish sets it
	// once and never reassigns it).
	pdiag []int
}

// diagPositions is scaledDual.pdiag for st: the rows of a column increase
// and end at most at the diagonal (problem.New checks it), so column j's
// diagonal entry, when present, is its last.
func diagPositions(st *problem.Structure) []int {
	pc, pr := st.P.Colptr, st.P.Rowval
	pd := make([]int, st.N)
	for j := range pd {
		pd[j] = -1
		if lo, hi := pc[j], pc[j+1]; hi > lo && pr[hi-1] == j {
			pd[j] = hi - 1
		}
	}
	return pd
}

// mulK computes y = K x for the unscaled active-set system: [P Aᵀ; A 0] on
// the active rows, −x_i on the inactive (decoupled) ones. With diagP the
// product with P reads only its diagonal (each column's last entry): the
// off-diagonal ±0 values would add only ±0 (the same values, up to the
// sign of a zero) over n²/2 entries for an ε-ridge LP's dense P = εI.
func (s *scaledDual) mulK(x, y []float64) {
	n, st, v := s.n, s.st, s.v
	ux, vz := x[:n], x[n:]
	yx, yz := y[:n], y[n:]
	clear(y)
	if s.diagP {
		// The positions read once per workspace (diagPositions) rather
		// than from the pattern per entry: the same products.
		if s.pdiag == nil {
			s.pdiag = diagPositions(st)
		}
		pd, pv := s.pdiag, v.P
		yx, ux := yx[:len(pd)], ux[:len(pd)]
		for j, p := range pd {
			if p >= 0 {
				yx[j] = pv[p] * ux[j]
			}
		}
	} else {
		st.MulP(yx, v.P, ux, 1)
	}
	if m := st.M; m > 0 && st.DenseA() {
		mulADense(yx, yz, v.A, ux, vz, m)
	} else {
		st.MulAT(yx, v.A, vz, 1)
		st.MulA(yz, v.A, ux, 1)
	}
	act := s.active
	yz, vz = yz[:len(act)], vz[:len(act)]
	for i, a := range act {
		if !a {
			yz[i] = -vz[i]
		}
	}
}

// mulADense adds Aᵀvz to yx and A ux to yz for A's full pattern (values
// column-major, m rows; Structure.DenseA): per group of four columns
// j…j+3, yx[j+r] += Dot4's sums and yz += Axpy4's update, the remaining
// (at most three) columns with Dot and Axpy — each output's operations
// and order those of the column loop, bit for bit. The groups' sums come
// from one vec.Dot4Rows call per mulDenseRun columns and their updates
// from one vec.Axpy4Rows call, where the per-group Dot4 and Axpy4 calls'
// overhead dominated the BPQP study's short columns (m = 20 and 40).
func mulADense(yx, yz, av, ux, vz []float64, m int) {
	n := len(yx)
	vz, yz = vz[:m], yz[:m]
	g4 := n &^ 3
	var out [mulDenseRun]float64
	for j := 0; j < g4; {
		e := min(j+mulDenseRun, g4)
		o, yo := out[:e-j], yx[j:e]
		vec.Dot4Rows(av[j*m:e*m], m, (e-j)/4, vz, m, o)
		for r, s := range o {
			yo[r] += s
		}
		j = e
	}
	vec.Axpy4Rows(ux[:g4], av[:g4*m], m, g4/4, yz, m)
	if g4 == n {
		return
	}
	o := out[:n-g4]
	vec.DotRows(av[g4*m:n*m], m, n-g4, vz, m, o)
	for r, s := range o {
		yx[g4+r] += s
		vec.Axpy(ux[g4+r], av[(g4+r)*m:(g4+r+1)*m], yz)
	}
}

// mulDenseRun is the most columns (a multiple of four) whose sums
// mulADense takes from one vec.Dot4Rows call (a stack array holds them).
const mulDenseRun = 64

// Solve overwrites b with the solution of the unscaled active-set system:
// b scaled into the record's equilibration, solved with its factor, the
// solution scaled back.
func (s *scaledDual) Solve(b []float64) {
	pf := &s.pf
	// The scalings' loops run over slices of one length (no bounds check
	// per entry); the operations are unchanged.
	dd, ee, k := pf.D, pf.E, pf.K
	bx, bz := b[:len(dd)], b[s.n:][:len(ee)]
	act := s.active[:len(ee)]
	for i, e := range ee {
		if act[i] {
			bz[i] *= e
		}
	}
	if s.diagX {
		// b_x's scalings in the solve's passes (the same products).
		pf.Factor.SolveDiagonalXScaled(b, dd, k)
	} else {
		for j, d := range dd {
			bx[j] *= k * d
		}
		pf.Factor.Solve(b)
		for j, d := range dd {
			bx[j] *= d
		}
	}
	for i, e := range ee {
		if act[i] {
			bz[i] *= e / k
		}
	}
}
