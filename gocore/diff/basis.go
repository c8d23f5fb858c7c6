package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// basisPivotTol is the relative size (against the largest |entry| of the
// basis matrix) below which an LU pivot of the basis is taken as zero: the
// active rows are dependent and the warm start does not apply.
const basisPivotTol = 1e-12

// basisLU solves with the base KKT matrix K₀ of an LP vertex without
// forming K₀. With P + ρI = 0 and exactly n active rows W (a vertex: the
// basis A_W is square), K₀ = [0, A_Wᵀ; A_W, 0] on the active rows and −1 on
// the decoupled inactive ones, so K₀[zx; zy] = [r₁; r₂] splits into
// A_W zx = r₂_W, A_Wᵀ zy_W = r₁ and zy_i = −r₂_i (i inactive). An LU
// factorization of the n × n basis (partial pivoting, PA_W = LU) costs
// ⅔n³ flops against ⅓(n+m)³ for K₀'s LDLᵀ, and a solve 4n² against
// 2(n+m)² plus the refinement's product with K₀ — the base factorization
// and every update column of the warm-started LP solves. The basis's
// bound rows (one nonzero: a box or sign constraint) fix their variables
// and are solved directly, so the LU is of the other rows on the other
// columns only.
type basisLU struct {
	n    int
	rows []int     // active rows in basis order (row k of A_W)
	pos  []int     // per constraint row: its basis position, −1 when inactive
	a    []float64 // A_W, row-major n × n (kept for the refinement)
	t    []float64 // scratch, length n
	d    []float64 // refinement scratch, length n + m
	// Bound rows (a single nonzero value: a box or sign constraint) fix
	// their variable and are solved directly; only the remaining rows D on
	// the remaining columns U are factored (PA_DU = LU, nd × nd).
	colOf []int     // per basis row: the column it fixes, −1 for a row of D
	dRows []int     // basis rows of D
	uCols []int     // columns of U
	nd    int       // |D| = |U|
	lu    []float64 // L (unit, below the diagonal) and U of A_DU, row-major
	piv   []int     // row k of PA_DU is row piv[k] of A_DU
	fixed []bool    // per column: fixed by a bound row
	cand  []int     // per basis row: the column of its single nonzero, −1
	rd    []float64 // scratch, length nd
	// The bound rows in basis order (fRows) with their columns (fCols),
	// their diagonal values a_kc (fVal), and A_DF: the rows of D on the
	// fixed columns, row-major nd × nf, so that the solves' products with
	// the fixed part read nf instead of n values per row of D.
	fRows, fCols []int
	fVal, adf    []float64
	xf           []float64 // scratch, length nf
}

// factor builds A_W from the active rows (A's values av on its CSC
// pattern colptr, rowval, read in storage order) and factors it. It reports false when the
// number of active rows is not n or the basis is (numerically) singular.
// Bound rows of the basis (one nonzero value) fix their variables and
// leave the LU the rest: on the LPGD benchmark's box LP about half of a
// vertex's 100 active rows are box rows, and the 50-odd remaining ones
// cost an eighth of the full LU.
//
// With the row form r (built, ok) the basis is copied from it instead: the
// bound rows as their value, the general rows as dense rows, and the bound
// rows are known without scanning the n × n basis.
func (b *basisLU) factor(n int, active []bool, colptr, rowval []int, av []float64, r *aRows) bool {
	b.n = n
	b.rows = b.rows[:0]
	if cap(b.pos) < len(active) {
		b.pos = make([]int, len(active))
	}
	pos := b.pos[:len(active)]
	for i, act := range active {
		pos[i] = -1
		if act {
			pos[i] = len(b.rows)
			b.rows = append(b.rows, i)
		}
	}
	if len(b.rows) != n {
		return false
	}
	if cap(b.a) < n*n {
		b.a, b.lu = make([]float64, n*n), make([]float64, n*n)
		b.piv, b.t = make([]int, n), make([]float64, n)
		b.colOf, b.dRows, b.uCols = make([]int, n), make([]int, 0, n), make([]int, 0, n)
		b.fixed = make([]bool, n)
		b.rd = make([]float64, n)
	}
	b.a, b.t = b.a[:n*n], b.t[:n]
	b.colOf, b.fixed = b.colOf[:n], b.fixed[:n]
	clear(b.a)
	if cap(b.cand) < n {
		b.cand = make([]int, n)
	}
	cand := b.cand[:n] // per basis row: the column of a single nonzero, −1
	amax := 0.0
	if r != nil && r.OK {
		for k, i := range b.rows {
			cand[k] = -1
			switch c := r.BCol[i]; {
			case c >= 0:
				b.a[k*n+c] = r.BVal[i]
				amax = max(amax, math.Abs(r.BVal[i]))
				cand[k] = c
			case c == -1:
				p := r.GPos[i]
				row := r.Dense[p*n : p*n+n]
				copy(b.a[k*n:k*n+n], row)
				amax = max(amax, vec.NormInf(row))
			}
		}
		return b.factorGathered(amax)
	}
	// By columns, in storage order (a row's entries of a dense CSC pattern
	// are m values apart: gathering by rows missed the cache on each).
	// A dense column (all m rows stored, in order) is read at the active
	// rows only.
	m := len(active)
	for j := 0; j < n; j++ {
		lo, hi := colptr[j], colptr[j+1]
		if hi-lo == m {
			col := av[lo:hi]
			for k, i := range b.rows {
				v := col[i]
				b.a[k*n+j] = v
				amax = max(amax, math.Abs(v))
			}
			continue
		}
		for e := lo; e < hi; e++ {
			if k := pos[rowval[e]]; k >= 0 {
				b.a[k*n+j] = av[e]
				amax = max(amax, math.Abs(av[e]))
			}
		}
	}
	for k := 0; k < n; k++ {
		c, cnt := -1, 0
		for j, v := range b.a[k*n : k*n+n] {
			if v != 0 {
				c, cnt = j, cnt+1
				if cnt > 1 {
					break
				}
			}
		}
		if cnt != 1 {
			c = -1
		}
		cand[k] = c
	}
	return b.factorGathered(amax)
}

// factorGathered factors the gathered basis b.a (largest |entry| amax)
// with b.cand the column of each row's single nonzero (−1: a general
// row): the first bound row of each column fixes it.
func (b *basisLU) factorGathered(amax float64) bool {
	n := b.n
	if amax == 0 {
		return false
	}
	tol := basisPivotTol * amax
	clear(b.fixed)
	b.dRows, b.uCols = b.dRows[:0], b.uCols[:0]
	for k := 0; k < n; k++ {
		row := b.a[k*n : k*n+n]
		c := b.cand[k]
		if c >= 0 && !b.fixed[c] {
			if !(math.Abs(row[c]) > tol) {
				return false
			}
			b.fixed[c] = true
			b.colOf[k] = c
			continue
		}
		b.colOf[k] = -1
		b.dRows = append(b.dRows, k)
	}
	for j, f := range b.fixed {
		if !f {
			b.uCols = append(b.uCols, j)
		}
	}
	nd := len(b.dRows) // = len(b.uCols): each bound row fixes one column
	b.nd = nd
	b.fRows, b.fCols, b.fVal = b.fRows[:0], b.fCols[:0], b.fVal[:0]
	for k, c := range b.colOf {
		if c >= 0 {
			b.fRows = append(b.fRows, k)
			b.fCols = append(b.fCols, c)
			b.fVal = append(b.fVal, b.a[k*n+c])
		}
	}
	nf := len(b.fRows)
	if cap(b.adf) < nd*nf {
		b.adf = make([]float64, nd*nf)
	}
	if cap(b.xf) < nf {
		b.xf = make([]float64, nf)
	}
	b.adf, b.xf = b.adf[:nd*nf], b.xf[:nf]
	for p, k := range b.dRows {
		row, dst := b.a[k*n:k*n+n], b.adf[p*nf:p*nf+nf]
		for f, c := range b.fCols {
			dst[f] = row[c]
		}
	}
	b.lu, b.piv, b.rd = b.lu[:nd*nd], b.piv[:nd], b.rd[:nd]
	lu := b.lu
	for p, k := range b.dRows {
		row := b.a[k*n : k*n+n]
		for q, j := range b.uCols {
			lu[p*nd+q] = row[j]
		}
	}
	for k := 0; k < nd; k++ {
		p := k
		for r := k + 1; r < nd; r++ {
			if math.Abs(lu[r*nd+k]) > math.Abs(lu[p*nd+k]) {
				p = r
			}
		}
		b.piv[k] = p
		if !(math.Abs(lu[p*nd+k]) > tol) {
			return false
		}
		if p != k {
			for c := 0; c < nd; c++ {
				lu[k*nd+c], lu[p*nd+c] = lu[p*nd+c], lu[k*nd+c]
			}
		}
		inv := 1 / lu[k*nd+k]
		urow := lu[k*nd+k+1 : k*nd+nd]
		for r := k + 1; r < nd; r++ {
			f := lu[r*nd+k] * inv
			lu[r*nd+k] = f
			if f != 0 {
				vec.Axpy(-f, urow, lu[r*nd+k+1:r*nd+nd])
			}
		}
	}
	return true
}

// solveA overwrites x (length n, indexed by basis row) with A_W⁻¹x
// (indexed by column): the bound rows give their variables, the rest is
// A_DU z_U = x_D − A_DF z_F.
func (b *basisLU) solveA(x []float64) {
	nf := len(b.fRows)
	xf := b.xf
	for f, k := range b.fRows {
		xf[f] = x[k] / b.fVal[f]
	}
	rd := b.rd
	for p, k := range b.dRows {
		rd[p] = x[k] - vec.Dot(b.adf[p*nf:p*nf+nf], xf)
	}
	b.luSolve(rd)
	for f, c := range b.fCols {
		x[c] = xf[f]
	}
	for q, j := range b.uCols {
		x[j] = rd[q]
	}
}

// luSolve overwrites x (length nd) with A_DU⁻¹x.
func (b *basisLU) luSolve(x []float64) {
	n, lu := b.nd, b.lu
	for k := 0; k < n; k++ {
		if p := b.piv[k]; p != k {
			x[k], x[p] = x[p], x[k]
		}
	}
	for k := 1; k < n; k++ {
		x[k] -= vec.Dot(lu[k*n:k*n+k], x[:k])
	}
	for k := n - 1; k >= 0; k-- {
		s := x[k]
		if k+1 < n {
			s -= vec.Dot(lu[k*n+k+1:k*n+n], x[k+1:n])
		}
		x[k] = s / lu[k*n+k]
	}
}

// solveAT overwrites x (length n, indexed by column) with A_W⁻ᵀx (indexed
// by basis row): A_DUᵀ y_D = x_U, then each bound row's multiplier from
// its column, y_k = (x_c − (A_Dᵀy_D)_c) / a_kc.
func (b *basisLU) solveAT(x []float64) {
	nf := len(b.fRows)
	rd := b.rd
	for q, j := range b.uCols {
		rd[q] = x[j]
	}
	b.luSolveT(rd)
	if nf > 0 {
		// (A_DFᵀ y_D) on the fixed columns, then each bound row's multiplier.
		wf := b.xf
		for f, c := range b.fCols {
			wf[f] = x[c]
		}
		for p := range b.dRows {
			if rd[p] != 0 {
				vec.Axpy(-rd[p], b.adf[p*nf:p*nf+nf], wf)
			}
		}
		for f, k := range b.fRows {
			x[k] = wf[f] / b.fVal[f]
		}
	}
	for p, k := range b.dRows {
		x[k] = rd[p]
	}
}

// luSolveT overwrites x (length nd) with A_DU⁻ᵀx: Uᵀz = x, Lᵀw = z,
// x = Pᵀw, by rows of U and L (axpy form, contiguous).
func (b *basisLU) luSolveT(x []float64) {
	n, lu := b.nd, b.lu
	for k := 0; k < n; k++ {
		x[k] /= lu[k*n+k]
		if k+1 < n && x[k] != 0 {
			vec.Axpy(-x[k], lu[k*n+k+1:k*n+n], x[k+1:n])
		}
	}
	for k := n - 1; k > 0; k-- {
		if x[k] != 0 {
			vec.Axpy(-x[k], lu[k*n:k*n+k], x[:k])
		}
	}
	for k := n - 1; k >= 0; k-- {
		if p := b.piv[k]; p != k {
			x[k], x[p] = x[p], x[k]
		}
	}
}

// solveK0 writes z = K₀⁻¹r (r, z of length n + m, distinct). With refine,
// one step of iterative refinement against A_W follows, and the result is
// the relative residual ‖r − K₀z‖∞ / max(1, ‖r‖∞) after it (without
// refine, 0).
func (b *basisLU) solveK0(r, z []float64, m int, refine bool) float64 {
	n := b.n
	b.apply(r, z, m)
	if !refine {
		return 0
	}
	if cap(b.d) < n+m {
		b.d = make([]float64, n+m)
	}
	d := b.d[:n+m]
	b.residual(r, z, d)
	b.correct(d, z, m)
	b.residual(r, z, d)
	return vec.NormInf(d) / math.Max(1, vec.NormInf(r))
}

// apply is z = K₀⁻¹r without refinement. A zero half of r (the x block,
// or the active rows) has a zero image, and its solve is skipped: the
// update columns of the warm start are K₀⁻¹[a_i; 0] and K₀⁻¹e_i, each with
// one zero half.
func (b *basisLU) apply(r, z []float64, m int) {
	n := b.n
	for i := n; i < n+m; i++ {
		z[i] = -r[i] // inactive rows; the active ones are overwritten
	}
	t := b.t
	nz := false
	for k, i := range b.rows {
		t[k] = r[n+i]
		nz = nz || t[k] != 0
	}
	if nz {
		b.solveA(t)
		copy(z[:n], t)
	} else {
		clear(z[:n])
	}
	if isZero(r[:n]) {
		for _, i := range b.rows {
			z[n+i] = 0
		}
		return
	}
	copy(t, r[:n])
	b.solveAT(t)
	for k, i := range b.rows {
		z[n+i] = t[k]
	}
}

// isZero reports whether every entry of v is zero.
func isZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// correct adds K₀⁻¹d to z (d is overwritten).
func (b *basisLU) correct(d, z []float64, m int) {
	n := b.n
	t := b.t
	for k, i := range b.rows {
		t[k] = d[n+i]
	}
	b.solveA(t)
	for j := 0; j < n; j++ {
		z[j] += t[j]
	}
	copy(t, d[:n])
	b.solveAT(t)
	for k, i := range b.rows {
		z[n+i] += t[k]
	}
	// Inactive rows are solved exactly (z_i = −r_i): d_i = 0 there.
}

// residual writes d = r − K₀z.
func (b *basisLU) residual(r, z, d []float64) {
	n := b.n
	copy(d, r)
	for i := n; i < len(r); i++ {
		d[i] += z[i] // inactive: K₀ row is −e_i
	}
	for k, i := range b.rows {
		row := b.a[k*n : k*n+n]
		d[n+i] = r[n+i] - vec.Dot(row, z[:n])
		if y := z[n+i]; y != 0 {
			vec.Axpy(-y, row, d[:n]) // A_Wᵀ y
		}
	}
}
