package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// unscaled holds the iterate (or a direction) mapped back to the caller's
// problem, and products with the caller's data; the termination criteria
// and the result are computed on it.
type unscaled struct {
	xu, zu, su []float64
	pxu, axu   []float64
	atz        []float64
	// normB, normC: ‖b‖∞ and ‖c‖∞ of the caller's data; normsOK: they
	// are this Solve's (dataNorms).
	normB, normC float64
	normsOK      bool
}

func newUnscaled(n, m int) unscaled {
	return unscaled{xu: make([]float64, n), zu: make([]float64, m), su: make([]float64, m),
		pxu: make([]float64, n), axu: make([]float64, m), atz: make([]float64, n)}
}

// equalityRows returns the mask of the equality rows (RowsEquality: the
// zero cones' rows, whose slacks FixSlack zeroes) and whether there are
// any.
func equalityRows(cones *cone.Composite) ([]bool, bool) {
	eq := make([]bool, cones.Dim())
	class := make([]cone.RowClass, len(eq))
	cones.RowClasses(class)
	has := false
	for i, c := range class {
		eq[i] = c == cone.RowsEquality
		has = has || eq[i]
	}
	return eq, has
}

// unscaled writes the unscaled iterate x̄ = Dx/τ, z̄ = Ez/(kτ), s̄ = E⁻¹s/τ
// (scale = 1/τ) or the unscaled directions (scale = 1).
func (w *Solver) unscale(scale float64) {
	xu := w.xu
	d, x := w.dScale[:len(xu)], w.x[:len(xu)]
	for i := range xu {
		xu[i] = d[i] * x[i] * scale
	}
	zu := w.zu
	e, z := w.eScale[:len(zu)], w.z[:len(zu)]
	k := w.cScale
	for i := range zu {
		zu[i] = e[i] * z[i] * scale / k
	}
	w.unscaleSlack(scale)
}

// converged evaluates the termination criteria on the unscaled iterate and
// fills the objective and residual fields of info.
func (w *Solver) converged(info *Info) bool {
	if w.scaledProducts() {
		return w.convergedScaled(info)
	}
	st := w.an.St
	v := w.orig
	w.unscale(1 / w.tau)
	for i := range w.pxu {
		w.pxu[i] = 0
		w.atz[i] = 0
	}
	for i := range w.axu {
		w.axu[i] = 0
	}
	if w.origDiagP {
		st.MulPDiagonal(w.pxu, v.P, w.xu) // MulP's numbers
	} else {
		st.MulP(w.pxu, v.P, w.xu, 1)
	}
	for i := range w.pxu {
		w.pxu[i] += w.prox * w.xu[i]
	}
	st.MulA(w.axu, v.A, w.xu, 1)
	st.MulAT(w.atz, v.A, w.zu, 1)
	xpx := dot(w.xu, w.pxu)
	pobj := 0.5*xpx + dot(v.C, w.xu)
	dobj := -0.5*xpx - dot(v.B, w.zu)
	// The residuals' maxima and the norms of their terms in one pass each
	// (the norms as vec.NormInf takes them: a NaN raises none).
	// ‖b‖∞ and ‖c‖∞ are the solve's (dataNorms).
	nb, nc := w.dataNorms()
	var rp, rd float64
	var nax, nsu float64
	axu := w.axu
	su, b := w.su[:len(axu)], v.B[:len(axu)]
	for i, a := range axu {
		rp = nanMax(rp, math.Abs(a+su[i]-b[i]))
		nax, nsu = absMax(nax, a), absMax(nsu, su[i])
	}
	var npx, natz float64
	pxu := w.pxu
	atz, c := w.atz[:len(pxu)], v.C[:len(pxu)]
	for i, p := range pxu {
		rd = nanMax(rd, math.Abs(p+atz[i]+c[i]))
		npx, natz = absMax(npx, p), absMax(natz, atz[i])
	}
	return w.finishConverged(info, pobj, dobj, rp, rd, nb, nc, nax, nsu, npx, natz)
}

// convergedScaled is converged when computeResiduals' products are those
// at the current iterate (scaledProducts): P x̄ + ρx̄ = D⁻¹(P̃ + ρ̃)x/(kτ),
// A x̄ = E⁻¹Ãx/τ and Aᵀz̄ = D⁻¹Ãᵀz/(kτ) (x̄ = Dx/τ, z̄ = Ez/(kτ)), equal
// to the products with the caller's data up to rounding. One loop over
// the columns and one over the rows: each writes the unscaled iterate
// (unscale(1/τ), the equality rows' slacks set to zero as FixSlack sets
// them: eqRow) and its products, takes the objectives'
// dot products and the residuals' maxima with the norms of their terms:
// the same operations on the same numbers in the same order as unscale,
// the products' mapping, the dots and the residual passes one after the
// other (six passes and a cone call before).
func (w *Solver) convergedScaled(info *Info) bool {
	v := w.orig
	tau := w.tau
	scale := 1 / tau
	f := 1 / (w.cScale * w.tau)
	nb, nc := w.dataNorms()

	xu := w.xu
	n := len(xu)
	d, x := w.dScale[:n], w.x[:n]
	pxu, atz := w.pxu[:n], w.atz[:n]
	px, atzS, c := w.px[:n], w.atzS[:n], v.C[:n]
	var xpx, cx, rd, npx, natz float64
	for i := range xu {
		di := d[i]
		xi := di * x[i] * scale
		xu[i] = xi
		p := px[i] * f / di
		a := atzS[i] * f / di
		pxu[i], atz[i] = p, a
		xpx += float64(xi * p) // rounded products, as dot sums them
		cx += float64(c[i] * xi)
		rd = nanMax(rd, math.Abs(p+a+c[i]))
		npx, natz = absMax(npx, p), absMax(natz, a)
	}

	zu := w.zu
	m := len(zu)
	e, z, s := w.eScale[:m], w.z[:m], w.s[:m]
	su, axu, axS := w.su[:m], w.axu[:m], w.axS[:m]
	b, eq := v.B[:m], w.eqRow[:m]
	k := w.cScale
	var bz, rp, nax, nsu float64
	for i := range zu {
		ei := e[i]
		zi := ei * z[i] * scale / k
		zu[i] = zi
		si := s[i] * scale / ei
		if eq[i] {
			si = 0
		}
		su[i] = si
		a := axS[i] / (tau * ei)
		axu[i] = a
		bz += float64(b[i] * zi)
		rp = nanMax(rp, math.Abs(a+si-b[i]))
		nax, nsu = absMax(nax, a), absMax(nsu, si)
	}
	pobj := 0.5*xpx + cx
	dobj := -0.5*xpx - bz
	return w.finishConverged(info, pobj, dobj, rp, rd, nb, nc, nax, nsu, npx, natz)
}

// finishConverged is converged's end: the relative residuals and the gap
// from the objectives, the residuals' maxima rp, rd and the norms of their
// terms, written to info, and the tests.
func (w *Solver) finishConverged(info *Info, pobj, dobj, rp, rd, nb, nc, nax, nsu, npx, natz float64) bool {
	rp /= vec.Max(1, vec.Max(nb, vec.Max(nax, nsu)))
	rd /= vec.Max(1, vec.Max(nc, vec.Max(npx, natz)))
	gapAbs := math.Abs(pobj - dobj)
	gapRel := gapAbs / vec.Max(1, vec.Min(math.Abs(pobj), math.Abs(dobj)))
	info.PObj, info.DObj = pobj, dobj
	info.ResPrimal, info.ResDual = rp, rd
	info.GapAbs, info.GapRel = gapAbs, gapRel
	if math.IsNaN(rp) || math.IsNaN(rd) || math.IsNaN(gapAbs) {
		return false
	}
	return rp <= w.set.TolFeas && rd <= w.set.TolFeas &&
		(gapAbs <= w.set.TolGapAbs || gapRel <= w.set.TolGapRel)
}

// dataNorms returns ‖b‖∞ and ‖c‖∞ of the caller's data (as absMax takes
// them: a NaN raises none), computed once per Solve: converged took them
// again at every iterate.
func (w *Solver) dataNorms() (nb, nc float64) {
	if !w.normsOK {
		w.normB, w.normC = 0, 0
		for _, x := range w.orig.B {
			w.normB = absMax(w.normB, x)
		}
		for _, x := range w.orig.C {
			w.normC = absMax(w.normC, x)
		}
		w.normsOK = true
	}
	return w.normB, w.normC
}

// nanMax is math.Max(a, b) (bit for bit, a not −0), calling it only when
// a NaN is involved: math.Max is an assembly call on amd64, and converged
// took one per row and column every iteration.
func nanMax(a, b float64) float64 {
	if b > a {
		return b
	}
	if b <= a {
		return a
	}
	return math.Max(a, b)
}

// absMax is one step of vec.NormInf: m raised to |x| when that is larger.
func absMax(m, x float64) float64 {
	if a := math.Abs(x); a > m {
		return a
	}
	return m
}

// primalInfeasible checks for a Farkas certificate y ∈ K*, Aᵀy ≈ 0, bᵀy < 0
// in the unscaled dual direction.
func (w *Solver) primalInfeasible() bool {
	w.unscale(1)
	return w.primalCertificate()
}

// primalCertificate is primalInfeasible on the unscaled direction that
// unscale(1) wrote.
func (w *Solver) primalCertificate() bool {
	return w.primalCertificateFrom(normInf(w.zu), dot(w.orig.B, w.zu))
}

// certificates is unscale(1) followed by primalCertificate and, when that
// finds none, dualCertificate (the interior-point loop's test once κ ≥ τ),
// returning StatusPrimalInfeasible, StatusDualInfeasible or
// StatusUnsolved (neither). The direction's x̄ and z̄ are written in one
// loop each that also takes their norms and cᵀx̄, bᵀz̄ (as normInf and dot
// take them); s̄ only when the dual test gets to it (dualCertificateFrom).
// It runs at 75–100 % of the iterations of the BPQP study's QPs (10×5 to
// 100×20), 33–52 % of its LPs' and 9–100 % of the benchmark families'
// (boxlp100 least, pow100 most).
func (w *Solver) certificates() Status {
	const scale = 1.0 // unscale(1)'s
	v := w.orig
	zu := w.zu
	e, z, b := w.eScale[:len(zu)], w.z[:len(zu)], v.B[:len(zu)]
	k := w.cScale
	var nz, bz float64
	for i := range zu {
		zi := e[i] * z[i] * scale / k
		zu[i] = zi
		nz = absMax(nz, zi)
		bz += float64(b[i] * zi)
	}
	if w.primalCertificateFrom(nz, bz) {
		return StatusPrimalInfeasible
	}
	xu := w.xu
	d, x, c := w.dScale[:len(xu)], w.x[:len(xu)], v.C[:len(xu)]
	var nx, cx float64
	for i := range xu {
		xi := d[i] * x[i] * scale
		xu[i] = xi
		nx = absMax(nx, xi)
		cx += float64(c[i] * xi)
	}
	if w.dualCertificateFrom(nx, cx, false) {
		return StatusDualInfeasible
	}
	return StatusUnsolved
}

// unscaleSlack writes s̄ = E⁻¹s·scale with the equality rows' slacks zero
// (eqRow: the rows FixSlack zeroes; no cone call), unscale's s̄.
func (w *Solver) unscaleSlack(scale float64) {
	su := w.su
	e, s, eq := w.eScale[:len(su)], w.s[:len(su)], w.eqRow[:len(su)]
	for i := range su {
		si := s[i] * scale / e[i]
		if eq[i] {
			si = 0
		}
		su[i] = si
	}
}

// primalCertificateFrom is primalCertificate given ‖z̄‖∞ (nz) and bᵀz̄
// (bz) of the direction z̄ in w.zu.
func (w *Solver) primalCertificateFrom(nz, bz float64) bool {
	st := w.an.St
	v := w.orig
	if nz == 0 || math.IsNaN(nz) {
		return false
	}
	by := bz / nz
	if !(by < -w.set.TolInfeasAbs) {
		return false
	}
	if w.scaledProducts() {
		// Aᵀz̄ = D⁻¹Ãᵀz/k (z̄ = Ez/k).
		f := 1 / (w.cScale * nz)
		d := w.dScale
		atz, atzS := w.atz[:len(d)], w.atzS[:len(d)]
		for i, d := range d {
			atz[i] = atzS[i] * f / d
		}
	} else {
		for i := range w.atz {
			w.atz[i] = 0
		}
		st.MulAT(w.atz, v.A, w.zu, 1/nz)
	}
	return normInf(w.atz) <= w.set.TolInfeasRel*math.Min(-by, w.certScales().a)
}

// certScale holds the matrix scales the certificate tests bound their
// residuals by (see certScales), computed once per Solve.
type certScale struct {
	a, ap float64 // max(1, ‖A‖max) and max(1, ‖A‖max, ‖P‖max)
	ok    bool    // computed for this Solve's data
}

// certScales returns max(1, ‖A‖max) and max(1, ‖A‖max, ‖P‖max). A
// certificate's residual must be small against its margin and against
// these: ‖Aᵀȳ‖ ≤ ε·min(−bᵀȳ, max(1, ‖A‖max)) for a normalized ȳ (the dual
// test likewise with −cᵀx̄ and the larger scale). The margin alone is not
// invariant when b alone is scaled: with ‖b‖ = 1e9 it accepted
// ‖Aᵀȳ‖ ≈ ‖A‖, a direction that is no certificate at all, and a feasible,
// unbounded LP was reported primal infeasible at its first iteration
// (TestCertificatesScaleWithData). The bound uses the signed margin, so an
// entry of b the direction does not use (a loose row x₀ ≤ 1e9) changes
// nothing (TestCertificatesIgnoreUnusedLargeEntries), and neither does
// cancellation between the terms of bᵀȳ (rows x₀ ≤ 1e6, x₀ ≥ 1e6 + 1:
// weighing by Σ|bᵢȳᵢ| asked a residual below rounding there,
// TestCertificatesCancellingRows).
func (w *Solver) certScales() certScale {
	if !w.cert.ok {
		v := w.orig
		a := math.Max(1, normInf(v.A))
		w.cert = certScale{a: a, ap: math.Max(a, normInf(v.P)), ok: true}
	}
	return w.cert
}

// dualInfeasible checks for a certificate Px ≈ 0, Ax + s ≈ 0 (s ∈ K),
// cᵀx < 0 in the unscaled primal direction.
func (w *Solver) dualInfeasible() bool {
	w.unscale(1)
	return w.dualCertificate()
}

// dualCertificate is dualInfeasible on the unscaled direction that
// unscale(1) wrote.
func (w *Solver) dualCertificate() bool {
	return w.dualCertificateFrom(normInf(w.xu), dot(w.orig.C, w.xu), true)
}

// dualCertificateFrom is dualCertificate given ‖x̄‖∞ (nx) and cᵀx̄ (cx)
// of the direction x̄ in w.xu; suOK: w.su holds the direction's s̄ (else
// it is written, unscaleSlack(1), when the test needs it).
func (w *Solver) dualCertificateFrom(nx, cx float64, suOK bool) bool {
	st := w.an.St
	v := w.orig
	if nx == 0 || math.IsNaN(nx) {
		return false
	}
	cx /= nx
	if !(cx < -w.set.TolInfeasAbs) {
		return false
	}
	tol := w.set.TolInfeasRel * math.Min(-cx, w.certScales().ap)
	if w.scaledProducts() {
		// P x̄ + ρx̄ = D⁻¹(P̃ + ρ̃)x/k and A x̄ = E⁻¹Ãx (x̄ = Dx); the
		// second only when the first passes.
		f := 1 / (w.cScale * nx)
		d := w.dScale
		pxu, px := w.pxu[:len(d)], w.px[:len(d)]
		for i, d := range d {
			pxu[i] = px[i] * f / d
		}
		if !(normInf(w.pxu) <= tol) {
			return false
		}
		if !suOK {
			w.unscaleSlack(1)
		}
		for i, e := range w.eScale {
			w.axu[i] = w.axS[i]/(nx*e) + w.su[i]/nx
		}
		return normInf(w.axu) <= tol
	}
	for i := range w.pxu {
		w.pxu[i] = 0
	}
	for i := range w.axu {
		w.axu[i] = 0
	}
	st.MulP(w.pxu, v.P, w.xu, 1/nx)
	for i := range w.pxu {
		w.pxu[i] += w.prox * w.xu[i] / nx
	}
	if !(normInf(w.pxu) <= tol) {
		return false
	}
	if !suOK {
		w.unscaleSlack(1)
	}
	st.MulA(w.axu, v.A, w.xu, 1/nx)
	for i := range w.axu {
		w.axu[i] += w.su[i] / nx
	}
	return normInf(w.axu) <= tol
}

// directionCertificate tests the last step's solution of the constant KKT
// system, x1 (K[x1; z1] = [−c̃; b̃]), then its Newton direction Δx, each of
// either sign, as a certificate of dual infeasibility with s̄ = 0: on the
// caller's data, cᵀx̄ < −TolInfeasAbs and ‖Px̄‖∞, ‖Ax̄‖∞ ≤ TolInfeasRel ·
// min(−cᵀx̄, max(1, ‖A‖, ‖P‖)), all relative to ‖x̄‖∞ (dualCertificate's
// tests with s̄ = 0, which every cone holds). Called at a failed step: an
// objective unbounded along a direction d with Pd = 0 and Ad = 0 (a
// column empty in P and A, a null vector of the equality rows and the
// rows' normals) makes K singular along d, the regularized solves' x1 and
// Δx are dominated by d (∝ 1/δ), the step length underflows (the
// direction is ~1e15 at a unit iterate) and the iterate never moves
// towards d, so the iterate's certificate test cannot pass. On success
// the iterate is replaced by the certificate (x = ±x̄ scaled, s = 0) for
// writeResult. Without a quadratic-free null direction the products are
// far from zero and the test fails; whatever passes is a valid
// certificate to those tolerances.
func (w *Solver) directionCertificate() bool {
	for _, cand := range [][]float64{w.x1, w.dx} {
		if w.directionCertifies(cand) {
			return true
		}
	}
	// Inverse iteration: K[y; ·] = [x1; 0] multiplies x1's component along
	// d by ~1/δ again and the rest by O(1).
	n := w.an.St.N
	cand := w.x1[:n]
	for it := 0; it < dirCertInverseSteps; it++ {
		f := normInf(cand)
		if !(f > 0) || math.IsInf(f, 0) {
			return false
		}
		for i, v := range cand {
			w.rhs[i] = v / f
		}
		for i := n; i < len(w.rhs); i++ {
			w.rhs[i] = 0
		}
		if !w.solveKKT() {
			return false
		}
		cand = w.sol[:n]
		if w.directionCertifies(cand) {
			return true
		}
	}
	return false
}

// dirCertInverseSteps is the number of inverse-iteration solves
// directionCertificate tries after x1 and Δx.
const dirCertInverseSteps = 2

// directionCertifies is directionCertificate's test of one candidate
// (scaled, n entries; either sign); on success the iterate becomes it.
func (w *Solver) directionCertifies(cand []float64) bool {
	st := w.an.St
	v := w.orig
	xu := w.xu
	d, dx, c := w.dScale[:len(xu)], cand[:len(xu)], v.C[:len(xu)]
	var nx, cx float64
	for i := range xu {
		xi := d[i] * dx[i]
		xu[i] = xi
		nx = absMax(nx, xi)
		cx += float64(c[i] * xi)
	}
	if nx == 0 || math.IsNaN(nx) || math.IsInf(nx, 0) || math.IsNaN(cx) {
		return false
	}
	sign := 1.0
	if cx > 0 {
		sign = -1
	}
	cx = -math.Abs(cx) / nx
	if !(cx < -w.set.TolInfeasAbs) {
		return false
	}
	tol := w.set.TolInfeasRel * math.Min(-cx, w.certScales().ap)
	for i := range w.pxu {
		w.pxu[i] = 0
	}
	st.MulP(w.pxu, v.P, xu, 1/nx)
	for i := range w.pxu {
		w.pxu[i] += w.prox * xu[i] / nx
	}
	if !(normInf(w.pxu) <= tol) {
		return false
	}
	for i := range w.axu {
		w.axu[i] = 0
	}
	st.MulA(w.axu, v.A, xu, 1/nx)
	if !(normInf(w.axu) <= tol) {
		return false
	}
	x, s := w.x[:len(dx)], w.s[:len(w.axu)]
	for i, v := range dx {
		x[i] = sign * v
	}
	for i := range s {
		s[i] = 0
	}
	return true
}
