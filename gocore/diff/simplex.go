package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// warmSimplex enables the parametric simplex path of the warm-started LP
// solves at a vertex (the basis LU; a variable for the tests, which
// compare it with the capacitance update of warmSolve).
var warmSimplex = true

// warmEtaMax is the number of eta factors after which the simplex path
// refactors the basis of the current active set (a variable for the
// tests).
var warmEtaMax = 40

// simplexPivotTol is the relative size (against the largest |entry| of the
// eta column α) below which a simplex pivot α_k is refused: the new basis
// would be (nearly) singular and the side goes to the interior point.
const simplexPivotTol = 1e-9

// simplexWork is the state of the parametric simplex path (warmSimplexSolve):
// the current basis as its rows by position, the multipliers and their
// direction by position, and the product-form (eta) update of the base
// LU. A pivot replaces row j at position k of the basis B by row r:
// Bᵀ' = Bᵀ E with E the identity whose column k is α = B⁻ᵀa_r, so
// B'⁻ᵀ = E⁻¹B⁻ᵀ and B'⁻¹ = B⁻¹E⁻ᵀ, each E costing O(n) in a solve.
type simplexWork struct {
	fac      *basisLU    // the LU the etas update (the forward's basis or a refactored one)
	brow     []int       // row of A at every basis position
	yb, dyb  []float64   // multipliers and their direction per unit t, by position
	etaK     []int       // per eta: its position k
	etaA     [][]float64 // per eta: α (length n)
	v1, arow []float64   // scratch, length n
	dd       []float64   // a_i·d for the inactive rows (by list position), length m
	// inact lists the inactive inequality rows (the ratio tests' and the
	// products' rows), inPos is each row's place in it (−1: active).
	inact, inPos []int
	// dualPivots counts the dual simplex pivots of the current sample
	// (tests); stale is set when the end point's retry refactored basis2
	// under etas that refer to it (tests compare the etas only otherwise).
	dualPivots int
	stale      bool
}

func (sx *simplexWork) init(n, m int) {
	if len(sx.yb) != n || len(sx.dd) != m {
		sx.yb, sx.dyb = make([]float64, n), make([]float64, n)
		sx.v1, sx.arow = make([]float64, n), make([]float64, n)
		sx.dd = make([]float64, m)
		sx.inact, sx.inPos = make([]int, 0, m), make([]int, m)
		sx.etaK, sx.etaA = sx.etaK[:0], sx.etaA[:0]
	}
}

// inAdd appends row i to the inactive list.
func (sx *simplexWork) inAdd(i int) {
	sx.inPos[i] = len(sx.inact)
	sx.inact = append(sx.inact, i)
}

// inRemove takes row i off the inactive list (the last row takes its place).
func (sx *simplexWork) inRemove(i int) {
	p, last := sx.inPos[i], len(sx.inact)-1
	if p < 0 {
		return
	}
	sx.inact[p] = sx.inact[last]
	sx.inPos[sx.inact[p]] = p
	sx.inact = sx.inact[:last]
	sx.inPos[i] = -1
}

// rowDots writes out[k] = a_i·d for the rows i = rows[k] (the row form's
// bound rows as one product, its general rows as dense dots).
func (w *Workspace) rowDots(v *problem.Values, rows []int, d, out []float64) {
	r := &w.warm.rowsA
	if !r.OK {
		for k, i := range rows {
			out[k] = w.warmRowDot(v, i, d)
		}
		return
	}
	n := r.N
	for k, i := range rows {
		switch c := r.BCol[i]; {
		case c >= 0:
			out[k] = r.BVal[i] * d[c]
		case c == -1:
			p := r.GPos[i]
			out[k] = vec.Dot(r.Dense[p*n:p*n+n], d)
		default:
			out[k] = 0
		}
	}
}

// ftran overwrites v (length n, by basis position) with B⁻¹v (by column).
func (sx *simplexWork) ftran(v []float64) {
	for e := len(sx.etaK) - 1; e >= 0; e-- {
		k, a := sx.etaK[e], sx.etaA[e]
		// Eᵀz = v: z_i = v_i (i ≠ k), αᵀz = v_k.
		s := v[k] - (vec.Dot(a, v) - a[k]*v[k])
		v[k] = s / a[k]
	}
	sx.fac.solveA(v)
}

// btran overwrites v (length n, by column) with B⁻ᵀv (by basis position).
func (sx *simplexWork) btran(v []float64) {
	sx.fac.solveAT(v)
	for e := range sx.etaK {
		sx.etaInv(e, v)
	}
}

// etaInv overwrites v with E_e⁻¹v: z_k = v_k/α_k, z_i = v_i − α_i z_k.
func (sx *simplexWork) etaInv(e int, v []float64) {
	k, a := sx.etaK[e], sx.etaA[e]
	zk := v[k] / a[k]
	if zk != 0 {
		vec.Axpy(-zk, a, v)
	}
	v[k] = zk
}

// pushEta appends the eta of a pivot at position k with column α.
func (sx *simplexWork) pushEta(k int, alpha []float64) {
	e := len(sx.etaK)
	sx.etaK = append(sx.etaK, k)
	if e == len(sx.etaA) {
		sx.etaA = append(sx.etaA, make([]float64, len(alpha)))
	}
	copy(sx.etaA[e], alpha)
}

// warmRowDot is a_i·d (row i of A).
func (w *Workspace) warmRowDot(v *problem.Values, i int, d []float64) float64 {
	ww := w.warm
	if r := &ww.rowsA; r.OK {
		switch c := r.BCol[i]; {
		case c >= 0:
			return r.BVal[i] * d[c]
		case c == -1:
			p := r.GPos[i]
			return vec.Dot(r.Dense[p*r.N:p*r.N+r.N], d)
		}
		return 0
	}
	s := 0.0
	for _, e := range w.rowEntries[i] {
		s += v.A[e] * d[ww.acol[e]]
	}
	return s
}

// warmRow writes row i of A into dst (length n).
func (w *Workspace) warmRow(v *problem.Values, i int, dst []float64) {
	ww := w.warm
	if ww.rowsA.OK {
		ww.rowsA.Row(i, dst)
		return
	}
	clear(dst)
	for _, e := range w.rowEntries[i] {
		dst[ww.acol[e]] = v.A[e]
	}
}

// warmU solves u = K₀⁻¹[−gx; −gy_W₀] on first use in the sample (shared by
// both sides and every τ).
func (w *Workspace) warmU() bool {
	ww := w.warm
	if ww.uReady {
		return true
	}
	activeRHS(ww.r, w.gx[:w.an.St.N], w.gy, w.active[:w.an.St.M], -1)
	fac := ww.fac
	ww.fac = &ww.basis // u is relative to W₀'s factorization
	ok := w.warmK0Solve(ww.r, ww.u, true)
	ww.fac = fac
	ww.uReady = ok
	return ok
}

// warmSimplexSolve is warmSolve at an LP vertex (the basis LU): a
// parametric simplex method in product form. Along t ∈ [0, 1] the vertex's
// multipliers y_W(t) = −B⁻ᵀ(c + tΔc) and point x(t) = B⁻¹(b + tΔb)_W are
// affine; at a breakpoint either a multiplier reaches zero (a primal
// simplex pivot: its row leaves, the point moves along the freed edge to
// the blocking row, which enters) or an inactive row's slack does (a dual
// simplex pivot: the row enters, the dual ratio test picks the row that
// leaves). A pivot costs one solve with B (the edge, or the new Δx when b
// moves), one with Bᵀ (the eta column α = B⁻ᵀa_r) and O(n) per earlier
// eta; the multipliers and their direction are updated by E⁻¹ without a
// solve, and the products with A cover the inactive rows only. Every
// warmEtaMax pivots the basis of the current active set is refactored.
// The end point is solved on the last basis and accepted only when it
// passes warmAccept (else once more from a fresh, refined basis LU), so it
// is the perturbed problem's optimum. Returns the number of active-set
// changes (two per pivot) and false when it gave up (too many changes, an
// unbounded edge, a dual-infeasible primal breakpoint, a tiny pivot, a
// failed check): the caller then re-solves by the interior point.
func (w *Workspace) warmSimplexSolve(v *problem.Values, sigma, tau float64, x, y []float64) (int, bool) {
	st := w.an.St
	n, m := st.N, st.M
	ww := w.warm
	sx := &ww.sx
	sx.init(n, m)
	if !w.warmU() {
		return 0, false
	}
	ww.refactored, sx.stale = false, false
	copy(ww.act, w.active)
	copy(ww.x, ww.x0)
	sx.fac = &ww.basis
	sx.brow = append(sx.brow[:0], ww.basis.rows...)
	sx.etaK = sx.etaK[:0]
	stau := sigma * tau
	for j := 0; j < n; j++ {
		ww.dc[j] = stau * w.gx[j]
	}
	for i := 0; i < m; i++ {
		ww.db[i] = -stau * w.gy[i]
	}
	dbZero := isZero(ww.db)
	// y_W and Δy_W by position (u = K₀⁻¹[−gx; −gy_W₀]: Δy_W = στ·u_y, Δx = στ·u_x).
	for k, i := range sx.brow {
		sx.yb[k] = ww.y0[i]
		sx.dyb[k] = stau * ww.u[n+i]
	}
	if dbZero {
		clear(ww.dx)
	} else {
		for j := 0; j < n; j++ {
			ww.dx[j] = stau * ww.u[j]
		}
	}
	// Slacks and their direction on the inactive rows (0 on the active ones).
	sx.inact = sx.inact[:0]
	for i := 0; i < m; i++ {
		ww.s[i], ww.ds[i], sx.inPos[i] = 0, 0, -1
		if !ww.act[i] && w.rows[i] == cone.RowsInequality {
			sx.inAdd(i)
		}
	}
	w.rowDots(v, sx.inact, ww.x, sx.dd)
	for k, i := range sx.inact {
		ww.s[i] = v.B[i] - sx.dd[k]
	}
	w.simplexSlackDir(v, dbZero)
	maxChanges := max(WarmMaxChanges, 4*n)
	dscale := math.Max(normInf(ww.dc), normInf(ww.db))
	changes := 0
	t := 0.0
	for t < 1 {
		eps := 1e-12 * math.Max(dscale, math.Max(normInf(ww.dx), normInf(sx.dyb)))
		// Ratio test: a multiplier (position k) or an inactive slack (row r)
		// reaching zero first.
		step, k, r := 1-t, -1, -1
		for q, i := range sx.brow {
			if d := sx.dyb[q]; d < -eps && w.rows[i] == cone.RowsInequality {
				if a := max(sx.yb[q], 0) / -d; a < step {
					step, k = a, q
				}
			}
		}
		if !dbZero {
			for _, i := range sx.inact {
				if d := ww.ds[i]; d < -eps {
					if a := max(ww.s[i], 0) / -d; a < step {
						step, k, r = a, -1, i
					}
				}
			}
		}
		t += step
		vec.Axpy(step, sx.dyb, sx.yb)
		if !dbZero {
			vec.Axpy(step, ww.dx, ww.x)
			vec.Axpy(step, ww.ds, ww.s)
		}
		if k < 0 && r < 0 {
			break
		}
		if changes >= maxChanges {
			return changes, false
		}
		alpha := sx.arow
		if k >= 0 {
			// Primal pivot: row j leaves; the point moves along the edge d
			// (B d = −e_k: row j's slack grows) to the first blocking row.
			j := sx.brow[k]
			sx.yb[k] = 0
			d := sx.v1
			clear(d)
			d[k] = -1
			sx.ftran(d)
			ww.solves++
			deps := 1e-12 * math.Max(1, normInf(d))
			theta := math.Inf(1)
			w.rowDots(v, sx.inact, d, sx.dd)
			for q, i := range sx.inact {
				if dd := sx.dd[q]; dd > deps {
					// a = s_i/dd < θ without the division.
					if s := max(ww.s[i], 0); s < theta*dd {
						theta, r = s/dd, i
					}
				}
			}
			if r < 0 {
				return changes, false // unbounded edge
			}
			vec.Axpy(theta, d, ww.x)
			for q, i := range sx.inact {
				ww.s[i] -= theta * sx.dd[q]
			}
			ww.s[j] = theta
			w.warmRow(v, r, alpha)
			sx.btran(alpha)
			ww.solves++
		} else {
			// Dual pivot: row r enters; its multiplier grows from zero and
			// the first multiplier it drives to zero leaves (y_W − θα ≥ 0).
			w.warmRow(v, r, alpha)
			sx.btran(alpha)
			ww.solves++
			aeps := simplexPivotTol * normInf(alpha)
			theta := math.Inf(1)
			for q, i := range sx.brow {
				if a := alpha[q]; a > aeps && w.rows[i] == cone.RowsInequality {
					if th := max(sx.yb[q], 0) / a; th < theta {
						theta, k = th, q
					}
				}
			}
			if k < 0 {
				return changes, false // the perturbed problem is infeasible
			}
			sx.dualPivots++
		}
		if !(math.Abs(alpha[k]) > simplexPivotTol*normInf(alpha)) {
			return changes, false
		}
		j := sx.brow[k]
		ww.s[r] = 0
		sx.pushEta(k, alpha)
		e := len(sx.etaK) - 1
		sx.etaInv(e, sx.yb) // the entering row's multiplier at position k
		sx.etaInv(e, sx.dyb)
		ww.act[j], ww.act[r] = false, true
		sx.inRemove(r)
		sx.inAdd(j)
		sx.brow[k] = r
		changes += 2
		if len(sx.etaK) >= warmEtaMax {
			if !w.simplexRefactor(v, t) {
				return changes, false
			}
		}
		if !dbZero {
			// Δx = B⁻¹Δb_W on the new basis.
			for q, i := range sx.brow {
				ww.dx[q] = ww.db[i]
			}
			sx.ftran(ww.dx)
			ww.solves++
			w.simplexSlackDir(v, false)
		}
	}
	// The end point on the last basis: x = B⁻¹(b + Δb)_W, y_W = −B⁻ᵀ(c + Δc).
	p := &w.pert
	for j := 0; j < n; j++ {
		p.C[j] = v.C[j] + ww.dc[j]
	}
	for i := 0; i < m; i++ {
		p.B[i] = v.B[i] + ww.db[i]
	}
	if len(sx.etaK) > 0 || sx.fac != &ww.basis || !dbZero {
		// (At the forward's basis with b fixed, x is the base point.)
		for q, i := range sx.brow {
			ww.x[q] = p.B[i]
		}
		sx.ftran(ww.x)
		ww.solves++
	}
	for j := 0; j < n; j++ {
		sx.v1[j] = -p.C[j]
	}
	sx.btran(sx.v1)
	ww.solves++
	copy(x, ww.x)
	clear(y)
	for q, i := range sx.brow {
		y[i] = sx.v1[q]
	}
	if w.warmAccept(v, 0, x, y) {
		return changes, true
	}
	// Once more from a fresh basis LU of the last active set, refined.
	sx.stale = sx.fac == &ww.basis2
	if !ww.basis2.factor(n, ww.act, st.A.Colptr, st.A.Rowval, v.A, &ww.rowsA) {
		return changes, false
	}
	ww.refactors++
	activeRHS(ww.r, p.C[:n], p.B, ww.act[:m], 1)
	ww.solves++
	if res := ww.basis2.solveK0(ww.r, ww.z, m, true); !(res <= 1e-9) || !finite(ww.z) {
		return changes, false
	}
	return changes, w.warmEnd(v, 0, x, y)
}

// simplexSlackDir writes the inactive rows' slack direction
// Δs_i = Δb_i − a_i·Δx (zero when b does not move).
func (w *Workspace) simplexSlackDir(v *problem.Values, dbZero bool) {
	ww := w.warm
	sx := &ww.sx
	clear(ww.ds)
	if dbZero {
		return
	}
	w.rowDots(v, sx.inact, ww.dx, sx.dd)
	for q, i := range sx.inact {
		ww.ds[i] = ww.db[i] - sx.dd[q]
	}
}

// simplexRefactor factors the basis of the current active set (after
// warmEtaMax pivots), drops the etas and recomputes the multipliers at t
// and their direction on it (the forward's basis stays for the other
// side).
func (w *Workspace) simplexRefactor(v *problem.Values, t float64) bool {
	st := w.an.St
	n := st.N
	ww := w.warm
	sx := &ww.sx
	if !ww.basis2.factor(n, ww.act, st.A.Colptr, st.A.Rowval, v.A, &ww.rowsA) {
		return false
	}
	ww.refactors++
	sx.fac = &ww.basis2
	sx.etaK = sx.etaK[:0]
	sx.brow = append(sx.brow[:0], ww.basis2.rows...)
	for j := 0; j < n; j++ {
		sx.dyb[j] = -ww.dc[j]
		sx.yb[j] = -(v.C[j] + t*ww.dc[j])
	}
	sx.btran(sx.dyb)
	sx.btran(sx.yb)
	ww.solves += 2
	for q, i := range sx.brow {
		if w.rows[i] == cone.RowsInequality {
			sx.yb[q] = max(sx.yb[q], 0)
		}
	}
	return finite(sx.yb) && finite(sx.dyb)
}
