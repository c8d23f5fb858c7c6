package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
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

// activeKNormInf is ‖K‖∞ of the unscaled active-set system mulK applies
// (P and the active rows of A; a decoupled row's −1). Column j's own
// entries are summed in a local (rs[j] has no other term yet: the later
// columns add to it) and zero values are skipped (|0| adds +0 to a
// nonnegative sum): the BPQP study's ε-ridge LPs give P = εI dense, 250 k
// zeros at n = 500. The sums are those of the entry-by-entry loop, bit
// for bit.
func (w *Workspace) activeKNormInf(v *problem.Values) float64 {
	st := w.an.St
	n := st.N
	rs := w.rwork[:n+st.M]
	clear(rs)
	rz := rs[n:]
	act := w.active[:st.M]
	pc, pr, pv := st.P.Colptr, st.P.Rowval, v.P
	ac, ar, avs := st.A.Colptr, st.A.Rowval, v.A
	for j := 0; j < n; j++ {
		s := 0.0
		rows := pr[pc[j]:pc[j+1]]
		vals := pv[pc[j]:pc[j+1]]
		vals = vals[:len(rows)]
		for t, i := range rows {
			x := vals[t]
			if x == 0 {
				continue
			}
			a := math.Abs(x)
			s += a
			if i != j {
				rs[i] += a
			}
		}
		rows = ar[ac[j]:ac[j+1]]
		vals = avs[ac[j]:ac[j+1]]
		vals = vals[:len(rows)]
		for t, i := range rows {
			if act[i] {
				a := math.Abs(vals[t])
				s += a
				rz[i] += a
			}
		}
		rs[j] = s
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
// refined against K itself (the values v, unscaled): the result meets the
// same residual tolerances as a solve with a fresh factorization. It
// reports false — nothing to reuse, or the refinement did not reach the
// tolerances (a record of other data) — and the caller factors.
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
	if pre.mul == nil {
		pre.n, pre.active, pre.st = st.N, w.active, st
		pre.mul = pre.mulK
	}
	if !pre.pf.Parse(sol.Factor, st, w.fp) {
		return false
	}
	for i, a := range w.active {
		if a != (pre.pf.Active[i] == 1) {
			return false
		}
	}
	pre.v = v
	defer func() { pre.v = nil }()
	n := st.N
	w.setActiveRHS()
	copy(w.sol, w.rhs)
	pre.Solve(w.sol)
	res := linsys.RefineWith(pre, pre.mul, w.rhs, w.sol, w.rwork, w.set.IterRefineMax, reuseAbsTol, reuseRelTol)
	if !(res <= reuseAbsTol+reuseRelTol*vec.NormInf(w.rhs)) &&
		!(w.diagonalP(v) && res <= reuseBackwardTol*w.activeKNormInf(v)*vec.NormInf(w.sol)) {
		return false
	}
	for _, x := range w.sol {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	for i, a := range w.active {
		if !a {
			w.sol[n+i] = 0
		}
	}
	return true
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
	mul    func(x, y []float64) // mulK, bound once
}

// mulK computes y = K x for the unscaled active-set system: [P Aᵀ; A 0] on
// the active rows, −x_i on the inactive (decoupled) ones.
func (s *scaledDual) mulK(x, y []float64) {
	n, st, v := s.n, s.st, s.v
	ux, vz := x[:n], x[n:]
	yx, yz := y[:n], y[n:]
	clear(y)
	st.MulP(yx, v.P, ux, 1)
	st.MulAT(yx, v.A, vz, 1)
	st.MulA(yz, v.A, ux, 1)
	for i, a := range s.active {
		if !a {
			yz[i] = -vz[i]
		}
	}
}

func (s *scaledDual) Dim() int               { return s.pf.Factor.Dim() }
func (s *scaledDual) Regularized() int       { return 0 }
func (s *scaledDual) Factor([]float64) error { return linsys.ErrSingular }
func (s *scaledDual) Solve(b []float64) {
	n, pf := s.n, s.pf
	bx, bz := b[:n], b[n:]
	for j, d := range pf.D {
		bx[j] *= pf.K * d
	}
	for i, e := range pf.E {
		if s.active[i] {
			bz[i] *= e
		}
	}
	pf.Factor.Solve(b)
	for j, d := range pf.D {
		bx[j] *= d
	}
	for i, e := range pf.E {
		if s.active[i] {
			bz[i] *= e / pf.K
		}
	}
}
