package kkt

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Refinement tolerances for KKT solves (Clarabel's iterative_refinement_abstol
// and _reltol).
const (
	refineAbsTol = 1e-12
	refineRelTol = 1e-13
)

// Residual is the final refinement residual ‖rhs − K sol‖∞ of the last
// Solve (K unregularized), over both blocks.
func (k *System) Residual() float64 { return k.res }

// refineBad is the relative residual above which Solve considers the
// refinement failed, block by block: ‖r_x‖∞ / max(1, ‖rhs_x‖∞) over the x
// rows or ‖r_z‖∞ / max(1, ‖rhs_z‖∞) over the constraint rows (refine). At
// 1e-6 it fires on STADAT1, and block by block also where the x rows'
// residual is of the size of c while b is 1e8 or more
// (TestCertificatesScaleWithData's box LPs). Below it, a refinement that
// stopped short of its tolerance (a correction that did not halve the
// residual) above the rounding floor also lowers δ (see Solve,
// stallBackward).
//
// minDelta bounds how far Solve lowers δ: the lowest δ tried is the first
// of δ/100, δ/10⁴, … above it, 1e-12 from the default 1e-8. With the
// stopped-short lowering but the floor at 1e-10 (minDelta 1e-11, its value
// before), LISWET7, 8, 10 and 11 failed the 1e-6 gap check and LISWET9
// and 12 ended max_iterations; from 1e-12 all of LISWET1..12 solve. A
// floor of 1e-14 failed LISWET9 and LISWET12 again. It is 5× the dynamic
// regularization's threshold (linsys.DynamicEps; 5e-13, between the
// default path's 1e-12 and 1e-14 with room for rounding), so that from a
// non-default δ (1e-9: 1e-11, then 1e-13 = DynamicEps) the lowest δ tried
// stays above the pivots the factorization regularizes.
const (
	refineBad = 1e-6
	minDelta  = 5 * linsys.DynamicEps
)

// keepDeltaBad is the lowest δ that a lowering on a large residual (above
// refineBad) keeps for the following factorizations; below it the lowered
// δ serves the solve that asked for it, and the next factorization starts
// from the kept one again. Keeping every lowering down to minDelta (the
// floor was 1e-10 before the stopped-short lowering) made the
// Maros–Mészáros YAO crawl, 49 → 185 iterations and almost_solved: its
// early solves hit the large-residual trigger once and the whole solve
// then ran at δ = 1e-12. With this bound YAO is solved (115 iterations)
// and LISWET1..12 keep their counts; a floor of 1e-11 on that trigger
// instead solved YAO in 39 but left LISWET12 almost_solved.
const keepDeltaBad = 1e-10

// refineLoose is the relative residual of each block (against its own
// right-hand side) below which refine accepts RefineWith's whole-rhs test
// (see refine): loose enough to sit above the rounding floor of a block
// whose right-hand side is small next to the solution, tight enough that
// the x rows of a problem with b ≫ c are solved (their residual was of the
// size of c, TestSolveBlockResidual asks ≤ 1e-9 against c).
const refineLoose = 1e-9

// Solve solves K sol = rhs with iterative refinement; it reports false if
// the solution is not finite. When the refinement stalls — relative
// residual of a block above refineBad, or stopped short of its tolerance
// because a correction did not halve the residual — K is refactored with δ
// lowered 100-fold (repeatedly, down to minDelta, while the residual
// improves); a lower δ that helped is kept for the following
// factorizations, and lowering is not tried again in this data set once
// it did not help. The static regularization is then too large a
// perturbation of an ill-conditioned K for the refinement to contract:
// the equilibrated STADAT1 problem's first solves stalled at 3e-4, and
// near the optimum of a degenerate QP (convex regression, the LISWET
// problems: the active rows' H ~ s/z far below δ) the contraction
// δ‖K_δ⁻¹‖ nears 1 and the solves stalled at 1e-10 — inaccurate enough
// that the iteration crawled for 70 or more iterations where the exact
// dense solve took 15. Only with diagonal cone blocks (LPs and QPs): with
// second-order cones the residual near the cone boundary comes from the
// H blocks, and a smaller δ only made the steps fail.
func (k *System) Solve(rhs, sol []float64) bool {
	return k.solve(rhs, sol, nil)
}

// SolveFrom is Solve with the refinement started from start (len Dim)
// instead of from the solution of the regularized system. For a singular
// but consistent K (dependent active rows of an active-set system, whose
// multipliers are then not unique) it returns the solution whose
// null-space component is start's: every refinement correction solves
// K_δ d = r with r in the range of K, and for a null vector u of K,
// uᵀK_δ d = δ·uᵀS d = uᵀr = 0 (S = diag(±1), the regularization's signs;
// the null vectors of a quasi-definite K with P ⪰ 0 have Pu_x = 0, A u_x = 0,
// Aᵀu_z = 0), so no correction moves along the null space. Solve starts
// from zero, i.e. returns the solution without a null-space component.
// Where K is nonsingular both give the same solution up to rounding.
func (k *System) SolveFrom(rhs, sol, start []float64) bool {
	return k.solve(rhs, sol, start)
}

// SolveUnrefined writes sol = K_δ⁻¹rhs with the current factorization
// only: no iterative refinement and no refactorization in another form (a
// fast form's solution may then be inaccurate). For callers that check
// what they build from it (the warm-started LPGD path's update columns and
// directions, whose end point is verified and re-solved with Solve when it
// misses); it reports false if the solution is not finite.
func (k *System) SolveUnrefined(rhs, sol []float64) bool {
	var f linsys.Factorizer = k.fac
	if k.redUsed {
		f = reducedFactorizer{k}
	}
	copy(sol, rhs)
	f.Solve(sol)
	return finite(sol)
}

func (k *System) solve(rhs, sol, start []float64) bool {
	k.solveRefined(rhs, sol, start)
	return k.settle(rhs, sol, start)
}

// settle is the rest of solve after the first refined solve (k.res,
// k.rel and k.short its refinement's): the fast forms' residual check and
// the lowering of δ, each of which refactors and solves again.
func (k *System) settle(rhs, sol, start []float64) bool {
	// The tests below scale their bounds by max(1, ‖rhs‖∞) ≥ 1: a
	// residual within both bounds at scale 1 passes them at any scale, and
	// then the norm is not taken (three solves per interior-point
	// iteration; 1.4 % of a B = 1, n = 10 forward). Every test decides as
	// with the norm.
	scale := 1.0
	if !(k.res <= min(fastResidual, refineBad)) {
		scale = math.Max(1, vec.NormInf(rhs))
	}
	for k.fastUsed() && !(k.res <= k.fastTol(scale, sol)) {
		// A fast form lost accuracy (or the solution is not finite):
		// without δ, refactor the same form with it; else in the next
		// form; and solve again.
		if k.exactUsed {
			k.exactOff = true
		} else {
			k.escalate()
		}
		if k.Factor() != nil {
			return false
		}
		k.solveRefined(rhs, sol, start)
	}
	rel := k.rel
	for !k.noLow && k.diagH && k.dUsed/factorRetryGrowth >= minDelta {
		// Below refineBad (a refinement that stopped short above the
		// rounding floor) a lower δ is kept if it lowers the relative
		// residual or the backward error: the first can sit at its floor
		// ~u‖K‖‖sol‖ for a large solution while the second drops 100-fold
		// (TestSolveLowersDeltaOnStall); judged by the second alone,
		// LISWET8 and LISWET11 ended almost_solved after 200 iterations
		// instead of solved after 121 and 131.
		var bw float64
		if !(rel > refineBad) {
			if !k.short {
				break
			}
			if bw = k.backwardError(rhs, sol); !(bw > stallBackward) {
				break
			}
		}
		prev, relPrev, shortPrev, dPrev := k.res, rel, k.short, k.dUsed
		copy(k.solB, sol)
		if k.factorAt(dPrev/factorRetryGrowth) == nil && k.Regularized() == 0 {
			k.solveRefined(rhs, sol, start)
			rel = k.rel
			better := rel < relPrev
			if bw > 0 && !better {
				better = k.backwardError(rhs, sol) < bw
			}
			if better {
				// Kept for the following factorizations — but a δ below
				// keepDeltaBad reached by the large-residual trigger alone
				// serves this solve only (see keepDeltaBad).
				if bw > 0 || k.dUsed >= keepDeltaBad {
					k.dCur = k.dUsed
				}
				continue
			}
		}
		// No better: back to the previous factorization and solution.
		k.noLow = true
		if k.factorAt(dPrev) != nil {
			return false
		}
		copy(sol, k.solB)
		k.res, k.rel, k.short = prev, relPrev, shortPrev
	}
	return finite(sol)
}

func (k *System) solveRefined(rhs, sol, start []float64) {
	var f linsys.Factorizer = k.fac
	if k.redUsed {
		f = reducedFactorizer{k}
	}
	if start != nil {
		// The first step from start, as the first solve is from zero.
		k.mul(start, sol)
		for i, r := range rhs {
			sol[i] = r - sol[i]
		}
		f.Solve(sol)
		for i, v := range start {
			sol[i] += v
		}
	} else {
		copy(sol, rhs)
		f.Solve(sol)
	}
	k.res, k.rel, k.short = k.refine(f, rhs, sol)
}

// refine is iterative refinement of sol (K_δ⁻¹rhs through f) against the
// unregularized K that judges the residual r = rhs − K sol block by block:
// the x rows (the dual-feasibility equations, right-hand side −c̃ and its
// corrections) against refineAbsTol + refineRelTol·‖rhs_x‖∞, the
// constraint rows against the same with ‖rhs_z‖∞. Judged against the
// whole ‖rhs‖∞ (linsys.RefineWith), a right-hand side b of 1e9 (x ~ 1e9,
// z ~ 1) let the refinement stop with ‖r_x‖∞ of order ‖c‖ — the x-rows'
// equations not solved at all — and with K_δ's contraction δ‖K_δ⁻¹‖ close
// to 1 there (the x block's Schur complement AᵀH⁻¹A ~ ‖A‖²z/s shrinks with
// s ~ b to the size of δ), the steps that did not reach ‖r_x‖ ≤ 1e-6 took
// 31 iterations at b×1e8 and none converged at b×1e9. The steps stop as
// RefineWith's do: converged (every block within its tolerance), after
// refMx corrections or when a correction does not halve the largest ratio
// ‖r_block‖∞ / tolerance (one that raised it is undone). It returns
// ‖r‖∞, the block-by-block relative residual refineBad bounds and whether
// the steps stopped short: a correction did not halve the ratio while
// some block was above its tolerance (not after refMx steps: a limit of 0
// asks for no refinement, and a step that halved the ratio each time is
// not a stall).
func (k *System) refine(f linsys.Factorizer, rhs, sol []float64) (res, rel float64, short bool) {
	dim := k.an.Dim
	v := k.newRefineVec(rhs, sol, k.work[:dim], k.work[dim:2*dim])
	k.mul(sol, v.r)
	v.judge()
	for v.active(k.refMx) {
		v.correct()
		f.Solve(v.dx)
		v.add()
		k.mul(sol, v.r)
		v.judge()
		v.step(k)
	}
	return v.result()
}

// refineVec is refine's state for one right-hand side, so that
// refinePair can step two of them together: the blocks' tolerances, the
// residual r = rhs − K sol and its blocks' norms, the correction dx, the
// ratio q and whether the steps are done, stopped or stopped short.
type refineVec struct {
	rhs, sol, r, dx []float64
	n               int
	tx, tz, tw      float64
	sx, sz          float64
	// rx, rz: the blocks' ‖r‖∞ at the last residual taken (r is written
	// by judge alone, so they are its norms at the end too).
	rx, rz, q, prev   float64
	done, stop, short bool
	it                int
}

func (k *System) newRefineVec(rhs, sol, r, dx []float64) refineVec {
	n := k.an.St.N
	bx, bz := vec.NormInf(rhs[:n]), vec.NormInf(rhs[n:])
	return refineVec{rhs: rhs, sol: sol, r: r, dx: dx, n: n,
		tx: refineAbsTol + refineRelTol*bx, tz: refineAbsTol + refineRelTol*bz,
		tw: refineAbsTol + refineRelTol*vec.Max(bx, bz),
		sx: vec.Max(1, bx), sz: vec.Max(1, bz)}
}

// judge turns r = K sol into the residual and sets q, the largest
// ‖r_block‖∞ / tolerance, and whether the refinement is done: every block
// within its own tolerance, or RefineWith's test on the whole right-hand
// side met with every block within refineLoose of its own right-hand
// side. The second keeps the old number of steps where a block's own
// tolerance lies below its rounding floor (u·(‖P‖‖x‖ + ‖A‖‖z‖): a
// solution large next to that block's right-hand side, b ≫ c), which the
// steps cannot reach.
func (v *refineVec) judge() {
	rhs := v.rhs // a local: through v the loop reloaded it at every entry
	rs := v.r[:len(rhs)]
	// Four entries a pass (the same subtractions; ~7 instructions an
	// entry one at a time, ~10 k of a QP 50x10 forward's judges).
	i := 0
	for ; i+4 <= len(rhs); i += 4 {
		b, r := rhs[i:i+4:i+4], rs[i:i+4:i+4]
		r[0], r[1], r[2], r[3] = b[0]-r[0], b[1]-r[1], b[2]-r[2], b[3]-r[3]
	}
	for ; i < len(rhs); i++ {
		rs[i] = rhs[i] - rs[i]
	}
	v.rx, v.rz = vec.NormInf(v.r[:v.n]), vec.NormInf(v.r[v.n:])
	v.q = vec.Max(v.rx/v.tx, v.rz/v.tz)
	v.done = v.q <= 1 || (vec.Max(v.rx, v.rz) <= v.tw && vec.Max(v.rx/v.sx, v.rz/v.sz) <= refineLoose)
}

// active reports whether another correction is taken (at most max; NaN:
// a non-finite solution, no step helps).
func (v *refineVec) active(max int) bool {
	return !v.stop && v.it < max && !v.done && !math.IsNaN(v.q)
}

// correct sets dx = r, the right-hand side of the correction's solve.
func (v *refineVec) correct() { copy(v.dx, v.r) }

// add adds the solved correction to sol.
func (v *refineVec) add() {
	for i, d := range v.dx {
		v.sol[i] += d
	}
	v.prev = v.q
}

// after judges a correction whose residual judge has taken: one that did
// not halve the ratio stops the steps short, and one that raised it is
// undone — then after reports true and the caller takes the residual of
// the restored sol again (and judges it).
func (v *refineVec) after() bool {
	v.it++
	if v.done || !(v.q > v.prev*0.5) {
		return false
	}
	v.short, v.stop = true, true
	if v.q > v.prev {
		for i, d := range v.dx {
			v.sol[i] -= d
		}
		return true
	}
	return false
}

// result returns ‖r‖∞, the block-by-block relative residual and whether
// the steps stopped short.
func (v *refineVec) result() (res, rel float64, short bool) {
	return vec.Max(v.rx, v.rz), vec.Max(v.rx/v.sx, v.rz/v.sz), v.short
}

// diagXBackwardTol is the normwise backward error ‖rhs − K sol‖∞ /
// (‖K‖∞‖sol‖∞) a fast form's solve of a SetActiveRowsDiagonalX system
// may leave. The backward passes' active-set systems of an ε-ridge LP
// (P = εI) have solutions of size ~1/ε: the accurate form's refined
// residual floors at ~u·‖K‖∞‖sol‖∞ (5e-10 for solutions of 1e5) as the
// x-eliminated form's does, both far above fastResidual·‖rhs‖∞, so that
// test alone sent every such solve to the accurate form for nothing.
const diagXBackwardTol = 1e-12

// fastTol is the refined residual a solve through a fast form must reach:
// fastResidual·scale, or for a SetActiveRowsDiagonalX system the backward
// error diagXBackwardTol relative to ‖K‖∞‖sol‖∞ where that is larger.
func (k *System) fastTol(scale float64, sol []float64) float64 {
	t := fastResidual * scale
	if !k.diagX || k.res <= t {
		return t
	}
	return math.Max(t, diagXBackwardTol*k.normInf()*vec.NormInf(sol))
}

// normInf is ‖K‖∞ (unregularized: the values SetData and the H setters
// wrote), the largest absolute row sum of the symmetric matrix.
func (k *System) normInf() float64 {
	pat := &k.an.pat
	rs := k.work[:pat.N]
	clear(rs)
	for j := 0; j < pat.N; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			a := math.Abs(k.kv[p])
			rs[j] += a
			if i := pat.Rowval[p]; i != j {
				rs[i] += a
			}
		}
	}
	return vec.NormInf(rs)
}

// finite reports whether every entry of v is finite.
func finite(v []float64) bool {
	// vec.AllFinite: x·0 is 0 for a finite x and NaN for ±Inf and NaN,
	// and a NaN stays in its sum; four sums, so that the additions do not
	// wait for each other (one sum, x − x, was bound by the addition's
	// latency: every KKT solve checks its solution).
	return vec.AllFinite(v)
}

// stallBackward is the componentwise backward error (backwardError)
// above which a refinement that stopped short counts as stalled (Solve
// lowers δ): ~4500 unit roundoffs, above the rounding floor of rows with
// thousands of entries; the stalls that slowed the LISWET problems and the
// convex regressions of ipm's tests were at 1e-9 and more. At the floor
// lowering δ cannot help: the box LPs of ipm's
// TestCertificatesScaleWithData with b scaled by 1e9 stop short there
// (relative residual 2e-7, backward error 2e-16), and a δ lowered on that
// made their iterations end at max_iterations.
const stallBackward = 1e-12

// backwardError is the componentwise (Oettli–Prager) backward error of
// sol, max over rows of |r_i| / (|K||sol| + |rhs|)_i with r = rhs − K sol
// (K unregularized); a row whose denominator is 0 counts only if its
// residual is not (then +Inf). Rounding alone leaves it at a small
// multiple of the unit roundoff, whatever the sizes of the blocks.
func (k *System) backwardError(rhs, sol []float64) float64 {
	pat := &k.an.pat
	dim := k.an.Dim
	r, den := k.work[:dim], k.work[dim:2*dim]
	k.mul(sol, r)
	for i, b := range rhs {
		r[i] = b - r[i]
		den[i] = math.Abs(b)
	}
	for j := 0; j < pat.N; j++ {
		sj := math.Abs(sol[j])
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			a := math.Abs(k.kv[p])
			i := pat.Rowval[p]
			den[i] += a * sj
			if i != j {
				den[j] += a * math.Abs(sol[i])
			}
		}
	}
	var w float64
	for i, ri := range r {
		if ri != 0 {
			w = math.Max(w, math.Abs(ri)/den[i])
		}
	}
	return w
}
