package linsys

import "github.com/lpgd-go/lpgd_go/gocore/vec"

// PairSolver is implemented by the factorizations that solve two
// right-hand sides in one pass over the factor (DenseDual; Chain passes
// it on). SolvePair(b1, b2) overwrites b1 and b2 with K⁻¹b1 and K⁻¹b2,
// each bit for bit what Solve(b1) followed by Solve(b2) writes, and
// leaves the factorization in the state those two calls leave it in.
type PairSolver interface {
	SolvePair(b1, b2 []float64)
}

// PairMultiplier is implemented by the factorizations whose MulVec can
// take two vectors in one pass over the matrix (DenseDual; Chain passes
// it on): MulVecPair(x1, y1, x2, y2) is MulVec(x1, y1) followed by
// MulVec(x2, y2), bit for bit.
type PairMultiplier interface {
	MulVecPair(x1, y1, x2, y2 []float64)
}

// SolvePair implements PairSolver.
func (c *Chain) SolvePair(b1, b2 []float64) {
	if p, ok := c.cur().(PairSolver); ok {
		p.SolvePair(b1, b2)
		return
	}
	c.cur().Solve(b1)
	c.cur().Solve(b2)
}

// MulVecPair implements PairMultiplier (both factorizations must
// implement Multiplier).
func (c *Chain) MulVecPair(x1, y1, x2, y2 []float64) {
	if p, ok := c.cur().(PairMultiplier); ok {
		p.MulVecPair(x1, y1, x2, y2)
		return
	}
	m := c.cur().(Multiplier)
	m.MulVec(x1, y1)
	m.MulVec(x2, y2)
}

// PairCounter is implemented by the factorizations that count their
// two-vector solves (DenseDual; Chain sums its forms'): PairPathSolves
// returns how many SolvePair calls since the factorization was made took
// both vectors in one pass over the factor (DenseDual's pairPath, the
// two-vector kernels) rather than two one-vector solves; for tests and
// diagnostics.
type PairCounter interface {
	PairPathSolves() int
}

// PairPathSolves implements PairCounter: the sum over the chain's forms.
func (c *Chain) PairPathSolves() int {
	return pairPathSolves(c.fast) + pairPathSolves(c.rest)
}

// pairPathSolves is f's PairPathSolves, 0 when f keeps no count.
func pairPathSolves(f Factorizer) int {
	if p, ok := f.(PairCounter); ok {
		return p.PairPathSolves()
	}
	return 0
}

// PairPathSolves implements PairCounter.
func (f *DenseDual) PairPathSolves() int { return f.pairSolves }

var (
	_ PairCounter    = (*Chain)(nil)
	_ PairCounter    = (*DenseDual)(nil)
	_ PairSolver     = (*Chain)(nil)
	_ PairSolver     = (*DenseDual)(nil)
	_ PairMultiplier = (*Chain)(nil)
	_ PairMultiplier = (*DenseDual)(nil)
)

// pairPath reports whether solvePair and mulVecPair take both vectors in
// one pass: the identity order with every coupled row consecutive (an
// interior-point iteration's system); otherwise (an extended x block,
// masked or zero rows) the one-vector calls run twice.
func (f *DenseDual) pairPath() bool {
	return f.kv == nil && f.order == nil && !f.masked && !noRowBlocks && f.nr == f.mr && f.consec
}

// SolvePair implements PairSolver: solve's steps on both vectors, the
// triangular solves and W's products by the two-vector kernels.
func (f *DenseDual) SolvePair(b1, b2 []float64) {
	if !f.pairPath() {
		f.Solve(b1)
		f.Solve(b2)
		return
	}
	f.pairSolves++
	nx, mr := f.nx, f.mr
	if len(f.t2) != nx {
		f.t2, f.g2 = make([]float64, nx), make([]float64, nx)
		f.z2, f.zc2 = make([]float64, mr), make([]float64, mr)
	}
	t1, t2 := f.t[:nx], f.t2[:nx]
	copy(t1, b1[:nx])
	copy(t2, b2[:nx])
	if !f.diagX {
		dualLowerSolvePair(f.lp, nx, nx, t1, t2)
	}
	dp := f.dp[:nx]
	vec.Div(t1, t1, dp)
	vec.Div(t2, t2, dp)
	// z = Wt − b_z (solve's consecutive-rows path: every row coupled).
	nr, w := f.nr, f.w
	woff := f.woff[:nr]
	z1, z2 := f.z[:mr], f.z2[:mr]
	bz1, bz2 := b1[nx:nx+mr], b2[nx:nx+mr]
	ng := nr / 4
	zc1, zc2 := f.zc[:nr], f.zc2[:nr]
	dot4RowsPair(w[woff[0]:], nx, ng, t1, t2, nx, zc1[:4*ng], zc2[:4*ng])
	a := 4 * ng
	if a < nr {
		dotRowsTail(w[woff[a]:], nx, nr-a, t1, nx, zc1[a:nr])
		dotRowsTail(w[woff[a]:], nx, nr-a, t2, nx, zc2[a:nr])
	}
	// z = (W t) − b_z: solve's one pass (v − b, the loop's −b + v bit
	// for bit but for a NaN's sign or payload).
	bz1, bz2 = bz1[:len(z1)], bz2[:len(z1)]
	zc1, zc2 = zc1[:len(z1)], zc2[:len(z1)]
	for i := range z1 {
		z1[i] = zc1[i] - bz1[i]
		z2[i] = zc2[i] - bz2[i]
	}
	denseSolve4Pair(f.l, f.d, mr, z1, z2)
	// g = Wᵀz.
	g1, g2 := f.g[:nx], f.g2[:nx]
	clear(g1)
	clear(g2)
	axpy4RowsPair(z1[:4*ng], z2[:4*ng], w[woff[0]:], nx, ng, g1, g2, nx)
	for ; a < nr; a++ {
		p := woff[a]
		if zi := z1[a]; zi != 0 {
			axpy(zi, w[p:p+nx], g1)
		}
		if zi := z2[a]; zi != 0 {
			axpy(zi, w[p:p+nx], g2)
		}
	}
	vec.SubDiv(t1, g1, dp)
	vec.SubDiv(t2, g2, dp)
	// The row-block correction as two solves in turn decide it: the
	// second's test sees corrNeed as the first left it.
	if nr > 0 && f.nreg == 0 && !f.noCorrect {
		if (f.corrNeed || !f.corrSolved) && f.correct(b1[:nx+mr], t1, z1) {
			f.corrNeed = true
		}
		f.corrSolved = true
		if f.corrNeed && f.correct(b2[:nx+mr], t2, z2) {
			f.corrNeed = true
		}
	}
	f.corrSolved = true
	if !f.diagX {
		dualLowerTSolvePair(f.lp, nx, nx, t1, t2)
	}
	copy(b1[:nx], t1)
	copy(b1[nx:], z1)
	copy(b2[:nx], t2)
	copy(b2[nx:], z2)
}

// dotRowsTail is solve's one call for the consecutive rows left over by
// the groups of four (vec.DotRows).
func dotRowsTail(a []float64, lda, nrows int, x []float64, n int, out []float64) {
	vecDotRows(a, lda, nrows, x, n, out)
}

// MulVecPair implements PairMultiplier: mulVec's steps on both vectors,
// P's and A's rows by the two-vector kernels.
func (f *DenseDual) MulVecPair(x1, y1, x2, y2 []float64) {
	if !f.pairPath() {
		f.MulVec(x1, y1)
		f.MulVec(x2, y2)
		return
	}
	nx, mr := f.nx, f.mr
	xx1, xz1 := x1[:nx], x1[nx:nx+mr]
	xx2, xz2 := x2[:nx], x2[nx:nx+mr]
	px, av := f.px, f.a
	switch {
	case f.diagX:
		for k := range xx1 {
			d := px[k*nx+k]
			y1[k] = d * xx1[k]
			y2[k] = d * xx2[k]
		}
	case nx >= symMulMin:
		symMulLower(px, nx, xx1, y1[:nx])
		symMulLower(px, nx, xx2, y2[:nx])
	default:
		ng := nx / 4
		dot4RowsPair(px, nx, ng, xx1, xx2, nx, y1[:4*ng], y2[:4*ng])
		if j := 4 * ng; j < nx {
			vecDotRows(px[j*nx:], nx, nx-j, xx1, nx, y1[j:nx])
			vecDotRows(px[j*nx:], nx, nx-j, xx2, nx, y2[j:nx])
		}
	}
	h := f.h[:mr]
	yx1, yz1 := y1[:nx], y1[nx:nx+mr]
	yx2, yz2 := y2[:nx], y2[nx:nx+mr]
	ng := mr / 4
	dot4RowsPair(av, nx, ng, xx1, xx2, nx, yz1[:4*ng], yz2[:4*ng])
	for i := range yz1[:4*ng] {
		yz1[i] += h[i] * xz1[i]
		yz2[i] += h[i] * xz2[i]
	}
	axpy4RowsPair(xz1[:4*ng], xz2[:4*ng], av, nx, ng, yx1, yx2, nx)
	for i := 4 * ng; i < mr; i++ {
		ai := av[i*nx : i*nx+nx]
		yz1[i] = dot(ai, xx1) + h[i]*xz1[i]
		if xz1[i] != 0 {
			axpy(xz1[i], ai, yx1)
		}
		yz2[i] = dot(ai, xx2) + h[i]*xz2[i]
		if xz2[i] != 0 {
			axpy(xz2[i], ai, yx2)
		}
	}
}
