package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// kktBackward: implicit differentiation with the complementarity
// linearized at the solution, ds = −H dy, H from cone.Cone.ProjectionH:
// the NT scaling W² = diag(s/y) for the nonnegative cone (as in OptNet),
// the derivative of the projection for a second-order or PSD cone. Where a
// second-order cone's H stands for an infinite eigenvalue by big·ddᵀ (a
// block on its boundary, or inactive), the solution of the factored system
// is refined against the limit system dy ⊥ d (kktRefineLimit).
func (w *Workspace) kktBackward(v *problem.Values, sol Solution, g *Grad) (Flags, error) {
	if flags, ok := w.polishedActiveSet(sol); ok {
		return w.kktPolished(v, sol, flags, g)
	}
	n := w.an.St.N
	w.kkt.SetData(v.P, v.A, 0)
	w.kkt.SetProjectionH(sol.S, sol.Y)
	if err := w.kkt.Factor(); err != nil {
		return 0, &BackwardError{"kkt: factorization of the KKT system at the solution failed"}
	}
	var flags Flags
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	copy(w.rhs[:n], w.gx)
	copy(w.rhs[n:], w.gy)
	if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"kkt: adjoint solve produced non-finite values"}
	}
	w.kktRefineLimit(v, sol)
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
	return flags, nil
}

// kktLimit is kktRefineLimit's scratch, allocated on first use and only
// for problems with second-order cones (cone.Composite.SplitBlocks).
type kktLimit struct {
	blk         []limBlock
	hfin        []float64 // the split blocks' finite H, dim×dim each, at hoff
	dir         []float64 // their directions (dim entries each, at doff)
	lam, lamT   []float64 // the multipliers of dy ⊥ d (at doff; one per direction): current and trial
	res, dz, zt []float64 // n+m
	hz          []float64 // m
}

// limBlock is one split block of kktLimit: its place in the rows, in hfin
// and in dir/lam, and cone.Composite.ProjectionSplitBlock's answer.
type limBlock struct {
	b, first, dim, hoff, doff int
	nd                        int     // infinite directions: 0, 1 (dir) or dim (the axes)
	big                       float64 // the value H gives them
}

// kktLimitSteps bounds kktRefineLimit's corrections. Each one gains about
// −log10(ε·big·‖K⁻¹‖ + ‖K⁻¹‖/big) digits (six on bench_bpqp_soc's SOCPs:
// two corrections reach rounding there); the third is a margin.
const kktLimitSteps = 3

// kktLimitTol: kktRefineLimit stops when the next correction, predicted
// from the last one's contraction, is below this fraction of ‖z‖∞.
const kktLimitTol = 1e-15

// kktRefineLimit refines the adjoint w.sol = K_big⁻¹ w.rhs against the
// limit system that the big values of the second-order cones' H stand for
// (cone.Composite.SplitBlocks). It returns at once when no block splits
// (no second-order cone), and keeps w.sol as it is when no correction
// improves it.
//
// On a cone's boundary H = H_fin + big·e2e2ᵀ is dense, so the
// factorization and the refinement against K_big see the rounding of its
// big part, about big·ε in H e1 (which is 0: the equality ds ⊥ y), and the
// gradient inherited it: with big = 1e10, kkt was 3.8e-6 off central
// differences of tight re-solves on bench_bpqp_soc's worst sample (the
// cone at the apex there, H = 0, and a nonnegative row's H = s/y ≈ 4e15
// only moved that rounding around), and the 1/big left in dy along e2 is a
// second error of the same kind. With E the unit directions and
// λ = big·Eᵀz, K_big z = r is
//
//	[K_fin  −E   ] [z]   [r]
//	[−Eᵀ    1/big] [λ] = [0],
//
// whose limit 1/big → 0 (Eᵀz = 0: the exact linearization) is refined
// with K_big as the preconditioner: for the residuals r₁ = r − K_fin z + Eλ
// and r₂ = Eᵀz, K_big dz = r₁ + big·E r₂ and dλ = big(r₂ + Eᵀdz). K_fin z
// is formed from the data and H_fin (the split blocks') or the factored
// system's H (every other block), never from big, so the residual is free
// of that rounding. A correction is kept only if it decreases the limit
// system's residual max(‖r₁‖∞, ‖r₂‖∞) (a non-finite one does not), and the
// first that does not ends the steps.
func (w *Workspace) kktRefineLimit(v *problem.Values, sol Solution) {
	cs := w.kkt.Cones()
	split := cs.SplitBlocks()
	if len(split) == 0 {
		return
	}
	z := w.sol
	prev := normInf(z)
	if prev == 0 { // zero incoming gradient: z = 0 is exact
		return
	}
	n, m := w.an.St.N, w.an.St.M
	if w.lim == nil {
		L := &kktLimit{blk: make([]limBlock, len(split)), res: make([]float64, n+m), dz: make([]float64, n+m), zt: make([]float64, n+m), hz: make([]float64, m)}
		var hlen, dlen int
		for j, b := range split {
			first, dim := cs.Block(b)
			L.blk[j] = limBlock{b: b, first: first, dim: dim, hoff: hlen, doff: dlen}
			hlen += dim * dim
			dlen += dim
		}
		L.hfin, L.dir = make([]float64, hlen), make([]float64, dlen)
		L.lam, L.lamT = make([]float64, dlen), make([]float64, dlen)
		w.lim = L
	}
	L := w.lim
	found := false
	for j := range L.blk {
		bk := &L.blk[j]
		bk.nd, bk.big = cs.ProjectionSplitBlock(bk.b, L.hfin[bk.hoff:bk.hoff+bk.dim*bk.dim], L.dir[bk.doff:bk.doff+bk.dim], sol.S, sol.Y)
		found = found || bk.nd > 0
	}
	if !found {
		return
	}
	// λ = big·Eᵀz.
	for i := range L.lam {
		L.lam[i] = 0
	}
	for j := range L.blk {
		L.limitMultipliers(&L.blk[j], L.lam, z[n:], nil)
	}
	rho := w.limitResidual(v, z, L.lam, L.res)
	for it := 0; it < kktLimitSteps && rho > 0; it++ {
		if !w.kkt.Solve(L.res, L.dz) {
			break // keep z
		}
		// The trial z + dz and λ + dλ, dλ = big(r₂ + Eᵀdz) with z before
		// the update in r₂.
		for i, d := range L.dz {
			L.zt[i] = z[i] + d
		}
		copy(L.lamT, L.lam)
		for j := range L.blk {
			L.limitMultipliers(&L.blk[j], L.lamT, z[n:], L.dz[n:])
		}
		rt := w.limitResidual(v, L.zt, L.lamT, L.res)
		if !(rt < rho) {
			break
		}
		copy(z, L.zt)
		copy(L.lam, L.lamT)
		rho = rt
		// The corrections contract by about dn/prev each: stop when the
		// next one would be below the tolerance.
		dn := normInf(L.dz)
		if dn/prev*dn <= kktLimitTol*normInf(z) {
			break
		}
		prev = dn
	}
}

// limitMultipliers adds big·Eᵀ(zy + dzy) over block bk's directions to
// lam (dzy nil: zero).
func (L *kktLimit) limitMultipliers(bk *limBlock, lam, zy, dzy []float64) {
	zb := zy[bk.first : bk.first+bk.dim]
	lb := lam[bk.doff : bk.doff+bk.dim]
	var db []float64
	if dzy != nil {
		db = dzy[bk.first : bk.first+bk.dim]
	}
	switch {
	case bk.nd == bk.dim: // the coordinate axes
		for i := range zb {
			t := zb[i]
			if db != nil {
				t += db[i]
			}
			lb[i] += bk.big * t
		}
	case bk.nd == 1:
		d := L.dir[bk.doff : bk.doff+bk.dim]
		t := vec.Dot(d, zb)
		if db != nil {
			t += vec.Dot(d, db)
		}
		lb[0] += bk.big * t
	}
}

// limitResidual writes into res the preconditioned residual of
// kktRefineLimit's limit system at (z, λ), r₁ + big·E r₂ with
// r₁ = r − K_fin z + Eλ and r₂ = Eᵀz, and returns max(‖r₁‖∞, ‖r₂‖∞):
// NaN when either has a NaN entry, so that kktRefineLimit refuses it.
func (w *Workspace) limitResidual(v *problem.Values, z, lam, res []float64) float64 {
	L, st := w.lim, w.an.St
	n := st.N
	zy := z[n:]
	copy(res, w.rhs)
	st.MulP(res[:n], v.P, z[:n], -1)
	st.MulAT(res[:n], v.A, zy, -1)
	st.MulA(res[n:], v.A, z[:n], -1)
	// H z with the split blocks' finite part in place of their H.
	w.kkt.MulH(L.hz, zy)
	for j := range L.blk {
		bk := &L.blk[j]
		h := L.hfin[bk.hoff : bk.hoff+bk.dim*bk.dim]
		zb := zy[bk.first : bk.first+bk.dim]
		for r := 0; r < bk.dim; r++ {
			L.hz[bk.first+r] = vec.Dot(h[r*bk.dim:r*bk.dim+bk.dim], zb)
		}
	}
	for i, h := range L.hz {
		res[n+i] += h
	}
	// r₁ += Eλ.
	for j := range L.blk {
		bk := &L.blk[j]
		rb, lb := res[n+bk.first:n+bk.first+bk.dim], lam[bk.doff:bk.doff+bk.dim]
		switch {
		case bk.nd == bk.dim:
			for i := range rb {
				rb[i] += lb[i]
			}
		case bk.nd == 1:
			vec.Axpy(lb[0], L.dir[bk.doff:bk.doff+bk.dim], rb)
		}
	}
	rho := normInfNaN(res)
	// + big·E r₂.
	for j := range L.blk {
		bk := &L.blk[j]
		rb, zb := res[n+bk.first:n+bk.first+bk.dim], zy[bk.first:bk.first+bk.dim]
		switch {
		case bk.nd == bk.dim:
			for i, zi := range zb {
				rho = math.Max(rho, math.Abs(zi))
				rb[i] += bk.big * zi
			}
		case bk.nd == 1:
			d := L.dir[bk.doff : bk.doff+bk.dim]
			r2 := vec.Dot(d, zb)
			rho = math.Max(rho, math.Abs(r2))
			vec.Axpy(bk.big*r2, d, rb)
		}
	}
	return rho
}

// normInfNaN is ‖v‖∞ as vec.NormInf, but NaN when v has a NaN entry
// (vec.NormInf skips them).
func normInfNaN(v []float64) float64 {
	var m float64
	for _, x := range v {
		if a := math.Abs(x); a > m {
			m = a
		} else if a != a {
			return a
		}
	}
	return m
}
