package cone

import "math"

// This file holds the second-order-cone operations used outside the
// interior-point iteration: the equilibration's rectification and the
// backward pass's linearization at a solution on the cone boundary.

// RectifyScaling implements Cone: a second-order cone is invariant only
// under a uniform scaling of its rows, so every row gets the smallest.
func (c *SOC) RectifyScaling(e []float64) {
	mn := math.Inf(1)
	for _, v := range e {
		mn = math.Min(mn, v)
	}
	for i := range e {
		e[i] = mn
	}
}

// Rows implements Cone: the faces of a second-order cone are not linear.
func (c *SOC) Rows() RowClass { return RowsNonPolyhedral }

// ProjectionH implements Cone: see socDerivativeH.
func (c *SOC) ProjectionH(h, s, y []float64) { socDerivativeH(h, s, y, c.splitScratch(), socDerivBig) }

// splitScratch returns the d-vector scratch of socDerivativeH (the
// direction of socProjectionSplit), allocated on first use (by the
// backward pass or the tangent refinement only).
func (c *SOC) splitScratch() []float64 {
	if c.split == nil {
		c.split = make([]float64, c.d)
	}
	return c.split
}

// projectionSplit implements projectionSplitter: see socProjectionSplit.
func (c *SOC) projectionSplit(hfin, dir, s, y []float64) (int, float64) {
	return socProjectionSplit(hfin, dir, s, y)
}

// derivBig stands for an infinite eigenvalue of H (a direction in which dy
// must vanish): large enough to decouple it, small enough for the
// regularized factorization and refinement to stay accurate.
const derivBig = 1e10

// socDerivBig stands for the infinite eigenvalue of a boundary block's H,
// on e2 = (1, −x̂)/√2 (see socDerivativeH): big·e2e2ᵀ is dense, so its
// rounding pollutes the block's O(1) entries by big·ε (H e1 = big·ε·e2
// instead of 0: the equality ds ⊥ y perturbed) while a finite value leaves
// dy ≈ 1/big along e2. 1/√ε balances the two, as for the PSD cone
// (psdDerivBig): on bench_bpqp_soc's worst sample BPQP's gradient went
// from 3.9e-7 to 8.6e-8 off central differences of tight re-solves, and
// up to 7.8e-6 to ≤ 1.4e-8 on socFixture's QPs and LPs. The kkt backward
// removes both errors (kktRefineLimit, through ProjectionSplit). The
// diagonal y = 0 case keeps derivBig (no rounding across entries).
const socDerivBig = psdDerivBig

// socDerivativeH writes the d×d block H with ds = −H dy that linearizes the
// complementarity of a second-order cone block at (s, y), as the derivative
// of the projection does (diffcp's residual map): with u = y − s, y = Π(u)
// and s = Π(u) − u, so dy = M du and ds = (M − I) du for M = DΠ(u), and
// H = M⁻¹ − I on M's eigenvectors. For u = (t, x) with ‖x‖ > |t|:
// eigenvalue 1 on (1, x̂)/√2 (H = 0), 0 on (1, −x̂)/√2 (H = ∞) and
// m = (1 + t/‖x‖)/2 on the directions (0, v ⊥ x̂) (H = (1 − m)/m).
// u ∈ K gives H = 0 (s = 0) and u ∈ −K gives H = ∞·I (y = 0).
//
// The classification is the one a rule on s relative to y would make,
// without a threshold: u = y − s lies in K when y's margin y₀ − ‖ȳ‖
// covers s (s₀ + ‖s̄‖ ≤ y₀ − ‖ȳ‖ suffices), so an interior-point
// solution with s at the apex (s ~ μ) and y interior is the fully active
// block H = 0, and the symmetric case (y ~ μ, s interior) the inactive
// block H = ∞·I; the NT scaling W² of the iterate has these limits only in
// exact arithmetic: at a solution within rounding of the boundary it is
// meaningless, which made the kkt gradient of active SOC blocks wrong.
//
// H is written as socProjectionSplit's finite part plus big·ddᵀ for its
// infinite directions d, with eBig for big on a boundary block's e2
// (ProjectionH: socDerivBig; the solver's tangent refinement, NewtonPair,
// keeps derivBig); dir is scratch of d entries.
func socDerivativeH(h, s, y, dir []float64, eBig float64) {
	d := len(s)
	k, big := socProjectionSplit(h, dir, s, y)
	switch {
	case k == d: // the coordinate axes (y = 0)
		for i := 0; i < d; i++ {
			h[i*d+i] += big
		}
	case k == 1: // e2, on the boundary
		for r := 0; r < d; r++ {
			for c := 0; c < d; c++ {
				h[r*d+c] += eBig * dir[r] * dir[c]
			}
		}
	}
}

// socProjectionSplit writes socDerivativeH's H at (s, y) in parts: its
// finite part into hfin (d×d, row-major), and returns the number k of its
// infinite eigenvalues and the value ProjectionH gives them: none when
// s = 0 (k = 0); on the boundary the one unit direction e2 = (1, −x̂)/√2,
// written into dir (d entries), with socDerivBig (k = 1 < d); when y = 0
// all of them, the coordinate axes (k = d, dir not written), with
// derivBig. (For d = 1 there is no boundary: k = 1 = d is y = 0.)
func socProjectionSplit(hfin, dir, s, y []float64) (int, float64) {
	d := len(s)
	for i := range hfin[:d*d] {
		hfin[i] = 0
	}
	t := y[0] - s[0]
	var nx float64
	for i := 1; i < d; i++ {
		u := y[i] - s[i]
		nx += u * u
	}
	nx = math.Sqrt(nx)
	switch {
	case nx <= t: // u ∈ K: y interior or apex, s = 0
		return 0, 0
	case nx <= -t: // u ∈ −K: y = 0
		return d, derivBig
	}
	m := 0.5 * (1 + t/nx)
	ht := (1 - m) / m
	if ht > derivBig {
		ht = derivBig
	}
	// H = ht·(I − e1e1ᵀ − e2e2ᵀ) + big·e2e2ᵀ with e1 = (1, x̂)/√2,
	// e2 = (1, −x̂)/√2; I − e1e1ᵀ − e2e2ᵀ = diag(0, I − x̂x̂ᵀ).
	xh := func(i int) float64 { return (y[i] - s[i]) / nx }
	for i := 1; i < d; i++ {
		for j := 1; j < d; j++ {
			v := -ht * xh(i) * xh(j)
			if i == j {
				v += ht
			}
			hfin[i*d+j] = v
		}
	}
	dir[0] = 1 / math.Sqrt2
	for i := 1; i < d; i++ {
		dir[i] = -xh(i) / math.Sqrt2
	}
	return 1, socDerivBig
}

var _ projectionSplitter = (*SOC)(nil)
