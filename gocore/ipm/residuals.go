package ipm

import "math"

// residuals of the scaled homogeneous problem at the current iterate.
type residuals struct {
	rx, rz, px []float64 // rx, rz and P̃x (len N, M, N)
	rtau       float64
	// The products of the last computeResiduals: axS = Ãx (len M) and
	// atzS = Ãᵀz (len N), with px; prodX and prodZ are the x and z they
	// were taken at, and prodOK says they belong to this Solve's data.
	// The termination tests map them to the caller's problem instead of
	// multiplying by P and A again (scaledProducts).
	axS, atzS    []float64
	prodX, prodZ []float64
	prodOK       bool
	// diagP: every off-diagonal value of the scaled P̃ is zero (found by
	// loadData, pDiagonal), and its products take the diagonal alone
	// (problem.MulPDiagonal: the same numbers bit for bit); an ε-ridge
	// LP's P = εI given dense is otherwise n² multiply–adds of zeros per
	// product. noDiagP: tests; always the general product.
	diagP, noDiagP bool
	// origDiagP: the caller's P (Values.P) is diagonal as well: diagP was
	// decided on P's values before any scaling (its compacted nonzeros,
	// or the scan without the equilibration), so a scaled value that
	// underflowed to zero cannot have made it so. The termination tests'
	// product with P then takes MulPDiagonal too (converged).
	origDiagP bool
}

func newResiduals(n, m int) residuals {
	return residuals{rx: make([]float64, n), rz: make([]float64, m), px: make([]float64, n),
		axS: make([]float64, m), atzS: make([]float64, n), prodX: make([]float64, n), prodZ: make([]float64, m)}
}

// residuals computes rx = P̃x + Ãᵀz + c̃τ, rz = Ãx + s − b̃τ and
// rτ = κ + c̃ᵀx + b̃ᵀz + xᵀP̃x/τ on the scaled problem, and keeps P̃x,
// Ãx and Ãᵀz for the termination tests. rx and rz are the same numbers,
// bit for bit, as adding the products into them: MulAT adds one sum per
// entry, so P̃x + c̃τ plus Ãᵀz alone is that sum; rz takes MulA into it
// (MulA adds column by column, which a separate Ãx would round
// differently), and Ãx is rz − (s − b̃τ): off from the product by the
// rounding of the sums, u·(|Ã||x| + |s| + |b̃|τ): the order of the direct
// product's own error in the residual Ãx + s − b̃τ that converged takes.
// The dual certificate takes Ãx + s without the b̃τ term, so there the
// u·|b̃|τ part is extra (against its 1e-8·|cᵀx| test; unbounded LPs with
// |b| up to 1e13 gave the same statuses and iterations either way).
//
// It reports whether the sums xᵀP̃x and b̃ᵀz came out non-NaN. A NaN
// entry of x makes xᵀP̃x NaN and one of z b̃ᵀz (a NaN times anything, plus
// anything, is NaN), so true means x and z hold no NaN: they equal the
// copies just taken (sameValues), and scaledProducts holds until they
// change. The report is conservative: false also when x and z hold no NaN
// but a sum does (Inf·0, Inf − Inf: an infinite x), and the caller then
// compares them (converged).
func (w *Solver) computeResiduals() bool {
	st := w.an.St
	w.mulP(w.px, w.x)
	clear(w.atzS)
	st.MulAT(w.atzS, w.av, w.z, 1)
	// The loops run on local slices of one length: a loop over the
	// Solver's fields reloaded every slice header (and τ) from w and
	// bounds-checked every access (the stores might alias w, for the
	// compiler), ~26 instructions an entry instead of ~7; the same
	// operations in the same order.
	// The dot products of rτ (c̃ᵀx, xᵀP̃x and b̃ᵀz, each summed in
	// index order as dot sums it, products rounded as there) and the
	// copies of x and z are taken in the loops over the same entries.
	tau := w.tau
	rx, px := w.rx, w.px[:len(w.rx)]
	cv, atz := w.cv[:len(rx)], w.atzS[:len(rx)]
	x, px0 := w.x[:len(rx)], w.prodX[:len(rx)]
	var cx, xpx, bz float64
	for i := range rx {
		rx[i] = px[i] + cv[i]*tau + atz[i]
		xi := x[i]
		cx += float64(cv[i] * xi)
		xpx += float64(xi * px[i])
		px0[i] = xi
	}
	rz := w.rz
	s, bv := w.s[:len(rz)], w.bv[:len(rz)]
	z, pz0 := w.z[:len(rz)], w.prodZ[:len(rz)]
	for i := range rz {
		rz[i] = s[i] - bv[i]*tau
		zi := z[i]
		bz += float64(bv[i] * zi)
		pz0[i] = zi
	}
	st.MulA(rz, w.av, w.x, 1)
	axS := w.axS[:len(rz)]
	for i := range axS {
		axS[i] = rz[i] - (s[i] - bv[i]*tau)
	}
	w.rtau = w.kappa + cx + bz + xpx/w.tau
	w.prodOK = true
	return !math.IsNaN(xpx) && !math.IsNaN(bz)
}

// residualsConverged is computeResiduals followed by converged: when the
// residuals found no NaN in x and z, computeResiduals' products are those
// of this iterate without comparing x and z with their copies
// (scaledProducts' 2·(N + M) comparisons, twice an iteration's loops over
// x and z), and the test takes them (convergedScaled) as converged would.
func (w *Solver) residualsConverged(info *Info) bool {
	if w.computeResiduals() {
		return w.convergedScaled(info)
	}
	return w.converged(info)
}

// scaledProducts reports whether px, axS and atzS are the products at the
// current x and z (computeResiduals ran at this iterate in this Solve).
// Comparing the 2·(N + M) numbers costs far less than the products with
// P and A that it saves; NaNs compare unequal, and the products are then
// taken again.
func (w *Solver) scaledProducts() bool {
	if !w.prodOK {
		return false
	}
	return sameValues(w.x, w.prodX) && sameValues(w.z, w.prodZ)
}

// sameValues reports whether a[i] == b[i] for every i < len(a) (len(b) ≥
// len(a)); a NaN compares unequal.
func sameValues(a, b []float64) bool {
	b = b[:len(a)]
	for i, v := range a {
		if v != b[i] {
			return false
		}
	}
	return true
}

// mulP computes y = (P̃ + ρ̃)x on the scaled problem.
func (w *Solver) mulP(y, x []float64) {
	ps, x := w.proxS[:len(y)], x[:len(y)]
	for i := range y {
		y[i] = ps[i] * x[i]
	}
	if w.diagP {
		w.an.St.MulPDiagonal(y, w.pv, x)
		return
	}
	w.an.St.MulP(y, w.pv, x, 1)
}

// pDiagonal reports whether every off-diagonal value of the scaled P̃ is
// zero. When the equilibration ran on P's nonzero values (compactP), their
// rows tell (a zero stays zero when scaled; a nonzero that underflowed
// leaves the general product, which is always right); otherwise the values
// are scanned, a dense P with off-diagonal values stopping at its second
// column.
func (w *Solver) pDiagonal() bool {
	if w.noDiagP {
		return false
	}
	if w.set.Equilibrate && w.compactP {
		ptr := w.nzPPtr
		for j := 0; j < w.an.St.N; j++ {
			for _, i := range w.nzPRow[ptr[j]:ptr[j+1]] {
				if i != j {
					return false
				}
			}
		}
		return true
	}
	return w.an.St.OffDiagonalZero(w.pv)
}
