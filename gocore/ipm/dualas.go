package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// The dual active-set start (dualActiveStart): before the interior-point
// iterations of a small strictly convex QP, Goldfarb and Idnani's dual
// active-set method (Math. Programming 27, 1983) finds the active set of
// the equilibrated problem, and the polish's active-set solve and tests
// (polishSolve, earlyAccept) turn it into the returned solution. For a
// QP of a few dozen variables the method needs one Cholesky factorization
// of P̃ and O(n²) work for each row it adds or drops (a handful), where the
// interior-point method takes 6–9 iterations of a factorization each. The
// method only proposes the active set: the point returned is the polish's
// exact solution of that set, accepted by the same termination tests as
// the early polish's (feasible, sign-correct, exactly complementary,
// within the tolerances), so a wrong proposal costs time, not accuracy —
// the solve then continues with the interior-point iterations from the
// initial point as if the start had not run. A solution with an inactive
// row of near-zero slack (weakInactive: possibly a degenerate point) is
// left to the interior-point method too, whose polish returns the
// multipliers of the optimal set's interior.

// dualActiveMaxN is the largest number of variables the start is tried
// for (a variable, not a constant, so that tests can switch it off with
// 0 and compare); dualActiveCap bounds it (the memory NewSolver
// allocates).
var dualActiveMaxN = 32

const (
	dualActiveCap = 32
	// dualActiveMaxEntries bounds m·n (the dense copy of Ã).
	dualActiveMaxEntries = 1 << 14
	// dualActivePivot: P̃'s Cholesky pivots must exceed this times its
	// largest diagonal entry (a P̃ closer to singular is left to the
	// interior-point method: the dual method's steps are then
	// ill-conditioned).
	dualActivePivot = 1e-12
	// dualActiveDep: a row whose normal has less than this fraction of
	// its squared H⁻¹-norm outside the active rows' span is taken as
	// dependent on them (no primal step along it).
	dualActiveDep = 1e-12
	// dualActiveViol: a row is violated when its slack is below −this
	// times max(1, ‖b̃‖∞) (below the polish's clip, polishClip) less
	// dualActiveRound times ‖ã_i‖₁ times the largest ‖x‖∞ of the run:
	// the rounding of x, which starts at −P̃⁻¹c̃. On the BPQP study's
	// ε-ridge LPs (P = 10⁻⁶I) that start is ~10⁵ and a row active at a
	// degenerate vertex (slack exactly 0 there) showed a slack of −1.3e-11
	// after the steps that bring x back to ~0.1; taken as violated it could
	// not be added (n rows were active) and the start failed.
	dualActiveViol  = 1e-12
	dualActiveRound = 1e-14
)

// dualActive is the dual active-set method's memory (allocated by
// NewSolver for structures it may apply to, see newDualActive).
type dualActive struct {
	n, m  int
	l     []float64 // n×n row-major: H = P̃, then its Cholesky factor L
	j     []float64 // J = L⁻ᵀQ, column-major (column k at k·n)
	r     []float64 // R, column-major n×n (upper triangular, q×q used)
	a     []float64 // Ã row-major m×n
	x     []float64 // the primal iterate
	d     []float64 // Jᵀn_p
	z     []float64 // the primal step direction
	rr    []float64 // the dual step direction R⁻¹d₁
	w     []float64 // Householder scratch
	s     []float64 // Ãx
	norm1 []float64 // ‖ã_i‖₁
	u     []float64 // multipliers of the active rows (Goldfarb–Idnani's signs)
	act   []int     // the active rows in order
	sgn   []float64 // each active row's orientation σ (−1 for an equality added from above)
	on    []bool    // row i is active
	// adds and drops count the last run's active-set changes (tests).
	adds, drops int
}

// newDualActive returns the start's memory for a structure with zero and
// nonnegative cones only (polyhedral) that fits dualActiveCap and
// dualActiveMaxEntries, nil otherwise.
func newDualActive(st *problem.Structure, polyhedral bool) *dualActive {
	n, m := st.N, st.M
	if !polyhedral || n > dualActiveCap || m*n > dualActiveMaxEntries {
		return nil
	}
	return &dualActive{n: n, m: m,
		l: make([]float64, n*n), j: make([]float64, n*n), r: make([]float64, n*n),
		a: make([]float64, m*n), x: make([]float64, n), d: make([]float64, n),
		z: make([]float64, n), rr: make([]float64, n), w: make([]float64, n),
		s: make([]float64, m), norm1: make([]float64, m), u: make([]float64, n+1), act: make([]int, n),
		sgn: make([]float64, n), on: make([]bool, m)}
}

// dualActiveStart runs the dual active-set method on the equilibrated
// problem and, when it ends with an active set, polishes that set
// (polishSolve, with up to polishTries corrected guesses) and tests the
// point as the early polish does (earlyAccept). It reports whether the
// solve is done (info then describes the polished point); otherwise the
// iterate, info and the KKT system are as they were. Called once per
// solve, before the first interior-point step (after the initialization,
// whose factorization a pending x-block check examines, and whose products
// the polish's active-set system reuses: the same path with a check and
// without), for strictly convex QPs with zero and nonnegative cones of at
// most dualActiveMaxN variables (without a proximal term, with polishing
// on). Run before the initialization instead it executed 17 % fewer
// instructions at the BPQP study's QP 10×5, but its polished point then
// differed from the one with a check pending by rounding (the active-set
// system formed afresh instead of from the initialization's products).
func (w *Solver) dualActiveStart(info *Info) bool {
	g := w.das
	p := w.pol
	if g == nil || g.n > dualActiveMaxN || !w.set.Polish || !p.ok || w.prox != 0 ||
		w.stopRequested() != StatusUnsolved || !w.hasQuadratic() {
		return false
	}
	if !g.run(w) {
		return false
	}
	for i := range p.active {
		p.active[i] = g.on[i] || p.isZero[i]
	}
	w.polishRows()
	w.saveStop()
	ipmInfo := *info
	fs := w.kkt.FactorState()
	for try := 0; try < polishTries; try++ {
		flipped, ok := w.polishSolve(false)
		if !ok {
			break
		}
		if flipped {
			continue
		}
		// Not with an inactive row of near-zero slack (weakly active): its
		// row may be dependent on the active ones (a degenerate point,
		// whose multipliers are not unique; the polish after the
		// interior-point iterations returns those nearest the interior
		// point, see polishRound), and whether it counts as active is
		// the interior-point method's call.
		if w.earlyAccept(info, ipmInfo, false) && !w.weakInactive() {
			info.Polished = true
			return true
		}
		break
	}
	w.restoreStop()
	// The KKT data of the solve, and the adaptive factorization state the
	// initialization's factorization left (ResetTo resets it to that of
	// fresh data): the interior-point iteration goes on as without the
	// start (TestDualActiveDeclineLeavesNoTrace).
	w.resetKKT()
	w.kkt.RestoreFactorState(fs)
	*info = ipmInfo
	return false
}

// run is Goldfarb and Idnani's dual method on
//
//	minimize ½xᵀP̃x + c̃ᵀx  subject to  ã_iᵀx = b̃_i (zero-cone rows), ã_iᵀx ≤ b̃_i (the others)
//
// (w's equilibrated data). It starts from the unconstrained minimizer
// −P̃⁻¹c̃ and adds violated rows one at a time — the equality rows first,
// then the most violated inequality — dropping an active inequality
// whose multiplier would turn negative, until no row is violated by more
// than dualActiveViol·max(1, ‖b̃‖∞). The active rows' normals are kept
// independent: with L⁻¹N = Q[R; 0] (N the active normals, P̃ = LLᵀ),
// J = L⁻ᵀQ gives the primal step z = J₂J₂ᵀn_p and the dual step
// R⁻¹J₁ᵀn_p; adding a row is one Householder reflection of J's trailing
// columns, dropping one Givens rotations of R's rows and J's columns. It
// reports whether it ended with such an active set (g.on); false when P̃
// is not positive definite by dualActivePivot, a row to add depends on
// the active ones with no row to drop (an infeasible or degenerate
// problem), or after 2(n + m) + 10 changes (cycling by rounding).
func (g *dualActive) run(w *Solver) bool {
	n, m := g.n, g.m
	st := w.an.St
	if !g.factor(st, w.pv, w.diagP) {
		return false
	}
	// Ã by rows, and their 1-norms.
	a := g.a
	for i := range a {
		a[i] = 0
	}
	for col := 0; col < n; col++ {
		for k := st.A.Colptr[col]; k < st.A.Colptr[col+1]; k++ {
			a[st.A.Rowval[k]*n+col] = w.av[k]
		}
	}
	for i := 0; i < m; i++ {
		s := 0.0
		for _, v := range a[i*n : (i+1)*n] {
			s += math.Abs(v)
		}
		g.norm1[i] = s
	}
	// x = −J Jᵀ c̃.
	J, x, d := g.j, g.x, g.d
	vec.DotRows(J, n, n, w.cv, n, d)
	for i := range x {
		x[i] = 0
	}
	for k := range d {
		d[k] = -d[k]
	}
	vec.AxpyRows(d, J, n, n, x, n)
	for i := range g.on {
		g.on[i] = false
	}
	g.adds, g.drops = 0, 0
	tol := dualActiveViol * math.Max(1, normInf(w.bv))
	xmax := normInf(x)
	isZero := w.pol.isZero
	q := 0
	nextEq := 0
	maxSteps := 2*(n+m) + 10
	steps := 0
	for {
		// The row p to add, oriented (σ) so that its slack sp < 0.
		p := -1
		for nextEq < m && !isZero[nextEq] {
			nextEq++
		}
		var sp, sigma float64
		if nextEq < m {
			p = nextEq
			nextEq++
			sp, sigma = w.bv[p]-vec.Dot(a[p*n:(p+1)*n], x), 1
			if sp > 0 {
				sp, sigma = -sp, -1
			}
		} else {
			vec.DotRows(a, n, m, x, n, g.s)
			worst := 0.0
			for i := 0; i < m; i++ {
				if g.on[i] || isZero[i] {
					continue
				}
				si := w.bv[i] - g.s[i]
				if si < worst && si < -tol-dualActiveRound*xmax*g.norm1[i] {
					worst, p = si, i
				}
			}
			if p < 0 {
				return true
			}
			sp, sigma = worst, 1
		}
		ap := a[p*n : (p+1)*n]
		up := 0.0
		for {
			steps++
			if steps > maxSteps {
				return false
			}
			// d = Jᵀn_p with n_p = −σã_p; z = J₂d₂; r = R⁻¹d₁.
			vec.DotRows(J, n, n, ap, n, d)
			var d1, d2 float64
			for k := 0; k < n; k++ {
				dk := -sigma * d[k]
				d[k] = dk
				if k < q {
					d1 += dk * dk
				} else {
					d2 += dk * dk
				}
			}
			z := g.z
			for i := range z {
				z[i] = 0
			}
			if q < n {
				vec.AxpyRows(d[q:], J[q*n:], n, n-q, z, n)
			}
			rr := g.rr
			for i := q - 1; i >= 0; i-- {
				v := d[i]
				for k := i + 1; k < q; k++ {
					v -= g.r[k*n+i] * rr[k]
				}
				rr[i] = v / g.r[i*n+i]
			}
			// The partial step t1 (an active inequality's multiplier
			// reaches zero) and the full step t2 (row p's slack does).
			t1, drop := math.Inf(1), -1
			for k := 0; k < q; k++ {
				if rr[k] > 0 && !isZero[g.act[k]] {
					if t := g.u[k] / rr[k]; t < t1 {
						t1, drop = t, k
					}
				}
			}
			t2 := math.Inf(1)
			if d2 > dualActiveDep*(d1+d2) {
				t2 = -sp / d2
			}
			if math.IsInf(t1, 1) && math.IsInf(t2, 1) {
				return false
			}
			t := math.Min(t1, t2)
			if !math.IsInf(t2, 1) {
				vec.Axpy(t, z, x)
				xmax = math.Max(xmax, normInf(x))
			}
			for k := 0; k < q; k++ {
				g.u[k] -= t * rr[k]
			}
			up += t
			if t2 <= t1 {
				g.add(q, p, sigma, up)
				q++
				break
			}
			if drop < 0 { // t2 NaN: not finite data
				return false
			}
			g.remove(drop, q)
			q--
			sp = sigma * (w.bv[p] - vec.Dot(ap, x))
		}
	}
}

// factor sets l to the Cholesky factor of P̃ (from its upper-triangle
// values pv on st's pattern) and j to L⁻ᵀ, reporting false when a pivot
// is not above dualActivePivot times P̃'s largest diagonal entry. diag:
// P̃ is diagonal (its off-diagonal values zero: Solver.diagP), and J is
// its inverse square root (l is not used then).
func (g *dualActive) factor(st *problem.Structure, pv []float64, diag bool) bool {
	n := g.n
	if diag {
		return g.factorDiagonal(st, pv)
	}
	l := g.l
	for i := range l {
		l[i] = 0
	}
	for col := 0; col < n; col++ {
		for k := st.P.Colptr[col]; k < st.P.Colptr[col+1]; k++ {
			row := st.P.Rowval[k]
			l[row*n+col] = pv[k]
			l[col*n+row] = pv[k]
		}
	}
	dmax := 0.0
	for i := 0; i < n; i++ {
		dmax = math.Max(dmax, l[i*n+i])
	}
	if !(dmax > 0) || math.IsInf(dmax, 1) {
		return false
	}
	// Row-oriented Cholesky: row i's entries left of the diagonal from
	// dot products of row prefixes.
	for i := 0; i < n; i++ {
		ri := l[i*n : i*n+i]
		for k := 0; k < i; k++ {
			l[i*n+k] = (l[i*n+k] - vec.Dot(l[k*n:k*n+k], ri[:k])) / l[k*n+k]
		}
		piv := l[i*n+i] - vec.Dot(ri, ri)
		if !(piv > dualActivePivot*dmax) {
			return false
		}
		l[i*n+i] = math.Sqrt(piv)
	}
	// J = L⁻ᵀ: its column k is row k of M = L⁻¹, M's row i
	// (e_i − Σ_{t<i} L[i][t]·M's row t) / L[i][i], the rows t by fours.
	J := g.j
	for i := range J {
		J[i] = 0
	}
	var c4 [4]float64
	for i := 0; i < n; i++ {
		y := J[i*n : (i+1)*n]
		li := l[i*n : i*n+i]
		t := 0
		for ; t+4 <= i; t += 4 {
			c4 = [4]float64{-li[t], -li[t+1], -li[t+2], -li[t+3]}
			vec.Axpy4(&c4, J[t*n:], J[(t+1)*n:], J[(t+2)*n:], J[(t+3)*n:], y, t+4)
		}
		for ; t < i; t++ {
			vec.Axpy(-li[t], J[t*n:t*n+t+1], y)
		}
		y[i] = 1
		inv := 1 / l[i*n+i]
		for k := 0; k <= i; k++ {
			y[k] *= inv
		}
	}
	return true
}

// factorDiagonal is factor for a diagonal P̃: J = P̃^(−1/2).
func (g *dualActive) factorDiagonal(st *problem.Structure, pv []float64) bool {
	n := g.n
	J := g.j
	for i := range J {
		J[i] = 0
	}
	dmax := 0.0
	for col := 0; col < n; col++ {
		for k := st.P.Colptr[col]; k < st.P.Colptr[col+1]; k++ {
			if st.P.Rowval[k] == col {
				J[col*n+col] = pv[k]
				dmax = math.Max(dmax, pv[k])
			}
		}
	}
	if !(dmax > 0) || math.IsInf(dmax, 1) {
		return false
	}
	for col := 0; col < n; col++ {
		d := J[col*n+col]
		if !(d > dualActivePivot*dmax) {
			return false
		}
		J[col*n+col] = 1 / math.Sqrt(d)
	}
	return true
}

// add makes row p (orientation sigma, multiplier u) the q-th active row:
// a Householder reflection of J's columns q… maps d's trailing part onto
// its first entry, which with d's leading part becomes R's column q.
func (g *dualActive) add(q, p int, sigma, u float64) {
	n := g.n
	J, d := g.j, g.d
	alpha := 0.0
	for k := q; k < n; k++ {
		alpha += d[k] * d[k]
	}
	alpha = math.Sqrt(alpha)
	if q < n-1 {
		// v = d[q:] + sign(d_q)·α e₁; J₂ ← J₂(I − βvvᵀ), β = 1/(α(α + |d_q|)).
		v0 := d[q] + math.Copysign(alpha, d[q])
		beta := 1 / (alpha * (alpha + math.Abs(d[q])))
		wv := g.w
		for i := range wv {
			wv[i] = 0
		}
		d0 := d[q]
		d[q] = v0
		vec.AxpyRows(d[q:], J[q*n:], n, n-q, wv, n)
		d[q] = d0
		vec.Axpy(-beta*v0, wv, J[q*n:(q+1)*n])
		for k := q + 1; k < n; k++ {
			vec.Axpy(-beta*d[k], wv, J[k*n:(k+1)*n])
		}
		// The reflection maps d[q:] to −sign(d_q)·α e₁; column q of J
		// is negated where that is negative, so that R's diagonal is α.
		if !math.Signbit(d[q]) {
			col := J[q*n : (q+1)*n]
			for i := range col {
				col[i] = -col[i]
			}
		}
	} else if d[q] < 0 {
		col := J[q*n : (q+1)*n]
		for i := range col {
			col[i] = -col[i]
		}
	}
	copy(g.r[q*n:q*n+q], d[:q])
	g.r[q*n+q] = alpha
	g.act[q], g.sgn[q], g.u[q] = p, sigma, u
	g.on[p] = true
	g.adds++
}

// remove drops the active row at position k of q: R's column k is
// removed and the Hessenberg matrix left is made triangular again by
// Givens rotations of its rows, applied to J's columns alike.
func (g *dualActive) remove(k, q int) {
	n := g.n
	R, J := g.r, g.j
	g.on[g.act[k]] = false
	for c := k; c < q-1; c++ {
		copy(R[c*n:c*n+c+2], R[(c+1)*n:(c+1)*n+c+2])
		g.act[c], g.sgn[c], g.u[c] = g.act[c+1], g.sgn[c+1], g.u[c+1]
	}
	for c := k; c < q-1; c++ {
		x0, x1 := R[c*n+c], R[c*n+c+1]
		h := math.Hypot(x0, x1)
		cs, sn := x0/h, x1/h
		R[c*n+c], R[c*n+c+1] = h, 0
		for e := c + 1; e < q-1; e++ {
			r0, r1 := R[e*n+c], R[e*n+c+1]
			R[e*n+c], R[e*n+c+1] = cs*r0+sn*r1, -sn*r0+cs*r1
		}
		j0, j1 := J[c*n:(c+1)*n], J[(c+1)*n:(c+2)*n]
		for i := range j0 {
			a, b := j0[i], j1[i]
			j0[i], j1[i] = cs*a+sn*b, -sn*a+cs*b
		}
	}
	g.drops++
}

// weakInactive reports whether an inactive inequality row of the polished
// point has a slack at most earlyVertexStrict times the largest slack
// (at least 1).
func (w *Solver) weakInactive() bool {
	p := w.pol
	st := earlyVertexStrict * math.Max(1, normInf(w.s))
	for i, act := range p.active {
		if !act && !p.isZero[i] && !(w.s[i] > st) {
			return true
		}
	}
	return false
}
