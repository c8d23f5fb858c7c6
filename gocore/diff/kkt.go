package diff

import (
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
	if !w.kktRefineLimit(v, sol) {
		return flags, &BackwardError{"kkt: adjoint refinement produced non-finite values"}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
	return flags, nil
}

// kktLimit is kktRefineLimit's scratch (allocated on first use).
type kktLimit struct {
	hfin, dirs []float64 // cone.Composite.ProjectionSplit's, packed as HLen
	nd         []int     // directions per block
	big        []float64 // the value H gives them, per block
	lam        []float64 // m: the multipliers of dy ⊥ d, at the block's first rows
	res, dz    []float64 // n+m
	hz         []float64 // m
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
// (cone.ProjectionSplitter), and reports false if the result is not finite.
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
// is formed from the data and H_fin, never from big, so the residual is
// free of that rounding. A correction that does not halve the previous one
// (the first: is not below ‖z‖∞) is not applied, and the steps stop.
func (w *Workspace) kktRefineLimit(v *problem.Values, sol Solution) bool {
	cs := w.kkt.Cones()
	st := w.an.St
	n, m := st.N, st.M
	if w.lim == nil {
		nb := cs.Blocks()
		w.lim = &kktLimit{
			hfin: make([]float64, cs.HLen()), dirs: make([]float64, cs.HLen()),
			nd: make([]int, nb), big: make([]float64, nb),
			lam: make([]float64, m), res: make([]float64, n+m), dz: make([]float64, n+m), hz: make([]float64, m),
		}
	}
	L := w.lim
	if !cs.ProjectionSplit(L.hfin, L.dirs, L.nd, L.big, sol.S, sol.Y) {
		return true
	}
	z, res, dz := w.sol, L.res, L.dz
	zy := z[n:]
	for b := range L.nd {
		first, dim, hfirst := cs.Block(b)
		for j := 0; j < L.nd[b]; j++ {
			d := L.dirs[hfirst+j*dim : hfirst+j*dim+dim]
			L.lam[first+j] = L.big[b] * vec.Dot(d, zy[first:first+dim])
		}
	}
	prev := normInf(z)
	for it := 0; it < kktLimitSteps; it++ {
		// r₁ = r − K_fin z + Eλ, then r₁ + big·E r₂ with r₂ = Eᵀz:
		// r − K_fin z + E(λ + big·Eᵀz).
		copy(res, w.rhs)
		st.MulP(res[:n], v.P, z[:n], -1)
		st.MulAT(res[:n], v.A, zy, -1)
		st.MulA(res[n:], v.A, z[:n], -1)
		cs.MulH(L.hfin, L.hz, zy)
		for i, h := range L.hz {
			res[n+i] += h
		}
		for b := range L.nd {
			first, dim, hfirst := cs.Block(b)
			for j := 0; j < L.nd[b]; j++ {
				d := L.dirs[hfirst+j*dim : hfirst+j*dim+dim]
				c := L.lam[first+j] + L.big[b]*vec.Dot(d, zy[first:first+dim])
				vec.Axpy(c, d, res[n+first:n+first+dim])
			}
		}
		if !w.kkt.Solve(res, dz) {
			return false
		}
		dn := normInf(dz)
		if !(dn <= 0.5*prev) {
			break
		}
		// dλ = big(r₂ + Eᵀdz), with z before the update in r₂.
		for b := range L.nd {
			first, dim, hfirst := cs.Block(b)
			for j := 0; j < L.nd[b]; j++ {
				d := L.dirs[hfirst+j*dim : hfirst+j*dim+dim]
				zb, db := zy[first:first+dim], dz[n+first:n+first+dim]
				L.lam[first+j] += L.big[b] * (vec.Dot(d, zb) + vec.Dot(d, db))
			}
		}
		for i, d := range dz {
			z[i] += d
		}
		// The corrections contract by about dn/prev each: stop when the
		// next one would be below the tolerance.
		if dn/prev*dn <= kktLimitTol*normInf(z) {
			break
		}
		prev = dn
	}
	return true
}
