package kkt

import "github.com/lpgd-go/lpgd_go/gocore/linsys"

// pendingSolve is the second system of a SolvePair: its right-hand side
// and solution slices, its refinement's results and the factorization
// (facGen) they belong to.
type pendingSolve struct {
	ok         bool
	rhs, sol   []float64
	res, rel   float64
	short      bool
	gen        uint64
	solvesPair int // SolvePair calls whose second solve was left pending (PairSolves)
	// Of those, the ones whose first pass over the factor took both
	// vectors together (linsys.PairCounter advanced: PairKernelSolves).
	solvesKernel int
}

// SolvePair solves K sol1 = rhs1 as Solve does and, with the same
// factorization, the first refined solve of K sol2 = rhs2: both
// triangular passes over the factor and each refinement step's residual
// product take the two vectors together where the factorization offers it
// (linsys.PairSolver, PairMultiplier: DenseDual), each vector's arithmetic
// that of a solve of its own. SolveSecond(rhs2, sol2) then completes the
// second solve: the pair's result where no factorization happened since
// (the first system's checks may refactor: a fast form's residual, a
// lowered δ), else a Solve. The results, bit for bit, and the system's
// state are those of Solve(rhs1, sol1) followed, at SolveSecond, by
// Solve(rhs2, sol2) — so the caller may leave the second solve unused
// (the interior-point step that fails before its predictor) — provided
// rhs2 and sol2 are not written between the calls. It reports what Solve
// reports for the first system.
func (k *System) SolvePair(rhs1, sol1, rhs2, sol2 []float64) bool {
	k.pend.ok = false
	ps, ok := k.fac.(linsys.PairSolver)
	if !ok || k.redUsed {
		return k.Solve(rhs1, sol1)
	}
	dim := k.an.Dim
	if len(k.work2) < 2*dim {
		k.work2 = make([]float64, 2*dim)
	}
	copy(sol1, rhs1)
	copy(sol2, rhs2)
	kernel := k.pairPathSolves()
	ps.SolvePair(sol1, sol2)
	together := k.pairPathSolves() > kernel
	k.refinePair(k.fac, rhs1, sol1, rhs2, sol2)
	gen := k.facGen
	ok = k.settle(rhs1, sol1, nil)
	if k.facGen == gen {
		k.pend.ok, k.pend.rhs, k.pend.sol, k.pend.gen = true, rhs2, sol2, gen
		k.pend.solvesPair++
		if together {
			k.pend.solvesKernel++
		}
	}
	return ok
}

// SolveSecond completes the second solve of the last SolvePair (see
// there): Solve(rhs2, sol2), from the pair's refined solution when the
// factorization is still the one it used.
func (k *System) SolveSecond(rhs2, sol2 []float64) bool {
	p := &k.pend
	if !p.ok || p.gen != k.facGen || !sameSlice(rhs2, p.rhs) || !sameSlice(sol2, p.sol) {
		p.ok = false
		return k.Solve(rhs2, sol2)
	}
	p.ok = false
	k.res, k.rel, k.short = p.res, p.rel, p.short
	return k.settle(rhs2, sol2, nil)
}

// refinePair is refine on two systems, their steps taken together while
// both take one (a SolvePair of the corrections and one residual product
// for both); each vector's steps are those refine takes for it. The
// first's results go to k.res, k.rel, k.short, the second's to k.pend.
func (k *System) refinePair(f linsys.Factorizer, rhs1, sol1, rhs2, sol2 []float64) {
	dim := k.an.Dim
	ps := f.(linsys.PairSolver)
	v1 := k.newRefineVec(rhs1, sol1, k.work[:dim], k.work[dim:2*dim])
	v2 := k.newRefineVec(rhs2, sol2, k.work2[:dim], k.work2[dim:2*dim])
	k.mulPair(sol1, v1.r, sol2, v2.r)
	v1.judge()
	v2.judge()
	for {
		a1, a2 := v1.active(k.refMx), v2.active(k.refMx)
		if !a1 && !a2 {
			break
		}
		if a1 && a2 {
			v1.correct()
			v2.correct()
			ps.SolvePair(v1.dx, v2.dx)
			v1.add()
			v2.add()
			k.mulPair(sol1, v1.r, sol2, v2.r)
			v1.judge()
			v2.judge()
			v1.step(k)
			v2.step(k)
			continue
		}
		v := &v1
		if a2 {
			v = &v2
		}
		v.correct()
		f.Solve(v.dx)
		v.add()
		k.mul(v.sol, v.r)
		v.judge()
		v.step(k)
	}
	k.res, k.rel, k.short = v1.result()
	k.pend.res, k.pend.rel, k.pend.short = v2.result()
}

// step judges a correction whose residual judge has taken (after) and
// takes the residual of a restored solution again.
func (v *refineVec) step(k *System) {
	if v.after() {
		k.mul(v.sol, v.r)
		v.judge()
	}
}

// PairSolves returns how many SolvePair calls since the system was made
// solved both systems together (their second solve left for SolveSecond:
// no refactorization in the first's checks); for tests and diagnostics.
func (k *System) PairSolves() int { return k.pend.solvesPair }

// PairKernelSolves returns how many of PairSolves' pairs had their first
// solve's passes over the factor take both vectors together (DenseDual's
// two-vector kernels: linsys.PairCounter) rather than two one-vector
// solves (another factorization, or DenseDual off its pair path); for
// tests and diagnostics.
func (k *System) PairKernelSolves() int { return k.pend.solvesKernel }

// pairPathSolves is the factorization's count of two-vector solves
// (linsys.PairCounter; 0 when it keeps none).
func (k *System) pairPathSolves() int {
	if p, ok := k.fac.(linsys.PairCounter); ok {
		return p.PairPathSolves()
	}
	return 0
}
