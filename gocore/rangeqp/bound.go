package rangeqp

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// cholTol is the relative size (against the largest diagonal entry)
// below which a Cholesky pivot of Bound is refused: P + ρI is not
// positive definite on the free columns, or the active general rows are
// dependent; the caller then factors K₀ by kkt.System.
const cholTol = 1e-12

// Bound solves with the active-set KKT matrix K₀ = [P + ρI + D, A_Wᵀ;
// A_W, 0] (−1 on the decoupled inactive rows; D an optional diagonal) of a
// QP by the range space of its free variables: diff's warm-started LPGD
// solves and ipm's polish use it. The active bound rows (a single nonzero:
// a box or sign row, from the row form Rows) fix their columns F; on the
// free columns U the system
//
//	[P_UU  A_DUᵀ] [x_U]   [r_U − P_UF x_F]
//	[A_DU   0   ] [y_D] = [r_D − A_DF x_F]
//
// (D the active general rows) is solved with the Cholesky factor
// P_UU = LLᵀ, Y = L⁻¹A_DUᵀ and the Cholesky factor of S = YᵀY; the bound
// rows' multipliers follow from the stationarity rows of F. On the LPGD
// benchmark's QP (n = 100, a third of the active rows bound rows) this
// factors ~70 + 30 unknowns by two Cholesky factorizations instead of the
// ~170 of K₀'s LDLᵀ. It requires P + ρI positive definite on U and A_DU of
// full row rank; Factor reports false otherwise.
type Bound struct {
	// MinFixed is the fewest active bound rows (fixed columns) for which
	// Factor applies (0: any number).
	MinFixed int

	n, m    int
	p       []float64 // P + ρI + D, dense symmetric n × n
	fRows   []int     // active bound rows
	fCols   []int     // their columns
	fVal    []float64 // their values
	fixed   []bool    // per column
	uCols   []int     // free columns
	dRows   []int     // active general rows
	dIdx    []int     // their index among Rows' general rows
	l       []float64 // L, nu × nu row-major, lower
	y       []float64 // Y row-major: row d is L⁻¹(a_d on U)ᵀ, nd × nu
	ls      []float64 // Cholesky factor of S, nd × nd row-major, lower
	g, w, t []float64 // scratch
	zx      []float64 // scratch, length n
	d, dz   []float64 // scratch, length n + m
	nzF     []int     // scratch: apply's nonzero fixed columns
	rows    *Rows
	active  []bool
}

// Factor builds and factors the range-space form for the active set
// (P's values pv on st's upper pattern, proximal weight rho, the diagonal
// dx (nil: none), the row form r of A). It reports false when it does not
// apply: r not built, two active bound rows on one column, an empty active
// row, more active general rows than free columns, fewer than MinFixed
// active bound rows, P + ρI + D not
// positive definite on the free columns or the active general rows
// dependent (a Cholesky pivot at most cholTol times the largest diagonal).
func (q *Bound) Factor(st *problem.Structure, pv []float64, rho float64, dx []float64, active []bool, r *Rows) bool {
	n, m := st.N, st.M
	if !r.OK {
		return false
	}
	q.n, q.m, q.rows, q.active = n, m, r, active
	if len(q.p) != n*n {
		q.p, q.l = make([]float64, n*n), make([]float64, n*n)
		q.fixed = make([]bool, n)
		q.g, q.w, q.t, q.zx = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	if len(q.d) != n+m {
		q.d = make([]float64, n+m)
	}
	q.fRows, q.fCols, q.fVal = q.fRows[:0], q.fCols[:0], q.fVal[:0]
	q.dRows, q.dIdx = q.dRows[:0], q.dIdx[:0]
	clear(q.fixed)
	for i, a := range active {
		if !a {
			continue
		}
		switch c := r.BCol[i]; {
		case c >= 0:
			if q.fixed[c] {
				return false // two active bound rows on one column
			}
			q.fixed[c] = true
			q.fRows = append(q.fRows, i)
			q.fCols = append(q.fCols, c)
			q.fVal = append(q.fVal, r.BVal[i])
		case c == -1:
			q.dRows = append(q.dRows, i)
			q.dIdx = append(q.dIdx, r.GPos[i])
		default:
			return false // an empty active row
		}
	}
	q.uCols = q.uCols[:0]
	for j, f := range q.fixed {
		if !f {
			q.uCols = append(q.uCols, j)
		}
	}
	nu, nd := len(q.uCols), len(q.dRows)
	if nd > nu || len(q.fRows) < q.MinFixed {
		return false
	}
	clear(q.p)
	cp, rv := st.P.Colptr, st.P.Rowval
	for j := 0; j < n; j++ {
		for e := cp[j]; e < cp[j+1]; e++ {
			i := rv[e]
			q.p[i*n+j] = pv[e]
			q.p[j*n+i] = pv[e]
		}
		q.p[j*n+j] += rho
		if dx != nil {
			q.p[j*n+j] += dx[j]
		}
	}
	// Cholesky of P_UU.
	l := q.l[:nu*nu]
	dmax := 0.0
	for a, j := range q.uCols {
		row := q.p[j*n : j*n+n]
		for b := 0; b <= a; b++ {
			l[a*nu+b] = row[q.uCols[b]]
		}
		dmax = max(dmax, row[j])
	}
	if !cholesky(l, nu, cholTol*dmax) {
		return false
	}
	// Y = L⁻¹A_DUᵀ by rows, S = YYᵀ (row form: S_ab = y_a·y_b).
	if cap(q.y) < nd*nu {
		q.y = make([]float64, nd*nu)
	}
	if cap(q.ls) < nd*nd {
		q.ls = make([]float64, nd*nd)
	}
	q.y, q.ls = q.y[:nd*nu], q.ls[:nd*nd]
	for a, p := range q.dIdx {
		arow := r.Dense[p*n : p*n+n]
		ya := q.y[a*nu : a*nu+nu]
		for b, j := range q.uCols {
			ya[b] = arow[j]
		}
	}
	lowerSolveRows(l, nu, q.y, nd)
	smax := 0.0
	var out [4]float64
	for a := 0; a < nd; a++ {
		ya := q.y[a*nu : a*nu+nu]
		sa := q.ls[a*nd : a*nd+a+1]
		b := 0
		for ; b+4 <= a+1; b += 4 {
			vec.Dot4(q.y[b*nu:], q.y[(b+1)*nu:], q.y[(b+2)*nu:], q.y[(b+3)*nu:], ya, nu, &out)
			sa[b], sa[b+1], sa[b+2], sa[b+3] = out[0], out[1], out[2], out[3]
		}
		for ; b <= a; b++ {
			sa[b] = vec.Dot(ya, q.y[b*nu:b*nu+nu])
		}
		smax = max(smax, sa[a])
	}
	return cholesky(q.ls, nd, cholTol*smax)
}

// lowerSolveRows overwrites each of the nr rows x_r (length k, row-major
// in x) with L⁻¹x_r, four rows at a time (vec.Dot4 shares L's row).
func lowerSolveRows(l []float64, k int, x []float64, nr int) {
	r := 0
	var out [4]float64
	for ; r+4 <= nr; r += 4 {
		x0, x1, x2, x3 := x[r*k:r*k+k], x[(r+1)*k:(r+1)*k+k], x[(r+2)*k:(r+2)*k+k], x[(r+3)*k:(r+3)*k+k]
		for i := 0; i < k; i++ {
			li := l[i*k : i*k+i]
			vec.Dot4(x0, x1, x2, x3, li, i, &out)
			d := l[i*k+i]
			x0[i] = (x0[i] - out[0]) / d
			x1[i] = (x1[i] - out[1]) / d
			x2[i] = (x2[i] - out[2]) / d
			x3[i] = (x3[i] - out[3]) / d
		}
	}
	for ; r < nr; r++ {
		lowerSolve(l, k, x[r*k:r*k+k])
	}
}

// cholesky overwrites the lower triangle of the k × k row-major matrix a
// with its Cholesky factor; false when a pivot is at most tol.
func cholesky(a []float64, k int, tol float64) bool {
	for j := 0; j < k; j++ {
		rj := a[j*k : j*k+j]
		d := a[j*k+j] - vec.Dot(rj, rj)
		if !(d > tol) {
			return false
		}
		d = math.Sqrt(d)
		a[j*k+j] = d
		i := j + 1
		var out [4]float64
		for ; i+4 <= k; i += 4 {
			vec.Dot4(a[i*k:], a[(i+1)*k:], a[(i+2)*k:], a[(i+3)*k:], rj, j, &out)
			a[i*k+j] = (a[i*k+j] - out[0]) / d
			a[(i+1)*k+j] = (a[(i+1)*k+j] - out[1]) / d
			a[(i+2)*k+j] = (a[(i+2)*k+j] - out[2]) / d
			a[(i+3)*k+j] = (a[(i+3)*k+j] - out[3]) / d
		}
		for ; i < k; i++ {
			a[i*k+j] = (a[i*k+j] - vec.Dot(a[i*k:i*k+j], rj)) / d
		}
	}
	return true
}

// lowerSolve overwrites x with L⁻¹x (L lower, k × k row-major).
func lowerSolve(l []float64, k int, x []float64) {
	for i := 0; i < k; i++ {
		x[i] = (x[i] - vec.Dot(l[i*k:i*k+i], x[:i])) / l[i*k+i]
	}
}

// upperSolve overwrites x with L⁻ᵀx (L lower, k × k row-major).
func upperSolve(l []float64, k int, x []float64) {
	for i := k - 1; i >= 0; i-- {
		x[i] /= l[i*k+i]
		if xi := x[i]; xi != 0 {
			vec.Axpy(-xi, l[i*k:i*k+i], x[:i])
		}
	}
}

// Apply writes z = K₀⁻¹r (r, z of length n + m, distinct).
func (q *Bound) Apply(r, z []float64) {
	n, m := q.n, q.m
	nu, nd := len(q.uCols), len(q.dRows)
	for i := 0; i < m; i++ {
		if !q.active[i] {
			z[n+i] = -r[n+i]
		}
	}
	zx := q.zx
	clear(zx)
	nz := q.nzF[:0] // the fixed columns with x_c ≠ 0 (an update column has none or one)
	for f, i := range q.fRows {
		if v := r[n+i]; v != 0 {
			c := q.fCols[f]
			zx[c] = v / q.fVal[f]
			nz = append(nz, c)
		}
	}
	q.nzF = nz
	nf := len(q.fRows)
	// g = r_U − P_UF x_F, h = r_D − A_DF x_F.
	g := q.g[:nu]
	for b, j := range q.uCols {
		s := r[j]
		if len(nz) > 0 {
			row := q.p[j*n : j*n+n]
			for _, c := range nz {
				s -= row[c] * zx[c]
			}
		}
		g[b] = s
	}
	t := q.t[:nd]
	for a, p := range q.dIdx {
		t[a] = -r[n+q.dRows[a]]
		if len(nz) > 0 {
			arow := q.rows.Dense[p*n : p*n+n]
			for _, c := range nz {
				t[a] += arow[c] * zx[c]
			}
		}
	}
	// w = L⁻¹g; S y_D = Yw − h; x_U = L⁻ᵀ(w − Yᵀy_D).
	lowerSolve(q.l[:nu*nu], nu, g)
	for a := 0; a < nd; a++ {
		t[a] += vec.Dot(q.y[a*nu:a*nu+nu], g)
	}
	lowerSolve(q.ls, nd, t)
	upperSolve(q.ls, nd, t)
	for a := 0; a < nd; a++ {
		if t[a] != 0 {
			vec.Axpy(-t[a], q.y[a*nu:a*nu+nu], g)
		}
		z[n+q.dRows[a]] = t[a]
	}
	upperSolve(q.l[:nu*nu], nu, g)
	for b, j := range q.uCols {
		zx[j] = g[b]
	}
	copy(z[:n], zx)
	if nf == 0 {
		return
	}
	// Bound rows: r_c = (P x)_c + (A_Dᵀ y_D)_c + val·y_k.
	w := q.w
	clear(w)
	for a, p := range q.dIdx {
		if ya := t[a]; ya != 0 {
			vec.Axpy(ya, q.rows.Dense[p*n:p*n+n], w)
		}
	}
	for f, i := range q.fRows {
		c := q.fCols[f]
		z[n+i] = (r[c] - vec.Dot(q.p[c*n:c*n+n], zx) - w[c]) / q.fVal[f]
	}
}

// Residual writes d = r − K₀z.
func (q *Bound) Residual(r, z, d []float64) {
	n, m := q.n, q.m
	copy(d, r)
	for j := 0; j < n; j++ {
		d[j] -= vec.Dot(q.p[j*n:j*n+n], z[:n])
	}
	yz := q.w
	clear(yz)
	for i := 0; i < m; i++ {
		if !q.active[i] {
			d[n+i] += z[n+i]
			continue
		}
		yi := z[n+i]
		switch c := q.rows.BCol[i]; {
		case c >= 0:
			d[n+i] -= q.rows.BVal[i] * z[c]
			yz[c] += q.rows.BVal[i] * yi
		case c == -1:
			row := q.rows.Dense[q.rows.GPos[i]*n : q.rows.GPos[i]*n+n]
			d[n+i] -= vec.Dot(row, z[:n])
			if yi != 0 {
				vec.Axpy(yi, row, yz)
			}
		}
	}
	for j := 0; j < n; j++ {
		d[j] -= yz[j]
	}
}

// Solve writes z = K₀⁻¹r; with refine, one step of iterative refinement
// against K₀ follows and the result is the relative residual after it
// (without refine, 0).
func (q *Bound) Solve(r, z []float64, refine bool) float64 {
	q.Apply(r, z)
	if !refine {
		return 0
	}
	d := q.d
	q.Residual(r, z, d)
	dz := q.d2()
	q.Apply(d, dz)
	vec.Axpy(1, dz, z)
	q.Residual(r, z, d)
	return vec.NormInf(d) / math.Max(1, vec.NormInf(r))
}

// d2 is a second scratch vector of length n + m.
func (q *Bound) d2() []float64 {
	if len(q.dz) != q.n+q.m {
		q.dz = make([]float64, q.n+q.m)
	}
	return q.dz
}
