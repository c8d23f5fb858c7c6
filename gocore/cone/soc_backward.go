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
func (c *SOC) ProjectionH(h, s, y []float64) { socDerivativeH(h, s, y) }

// derivBig stands for an infinite eigenvalue of H (a direction in which dy
// must vanish): large enough to decouple it, small enough for the
// regularized factorization and refinement to stay accurate.
const derivBig = 1e10

// socDerivativeH writes the d×d block H with ds = −H dy that linearizes the
// complementarity of a second-order cone block at (s, y), as the derivative
// of the projection does (diffcp's residual map): with u = y − s, y = Π(u)
// and s = Π(u) − u, so dy = M du and ds = (M − I) du for M = DΠ(u), and
// H = M⁻¹ − I on M's eigenvectors. For u = (t, x) with ‖x‖ > |t|:
// eigenvalue 1 on (1, x̂)/√2 (H = 0), 0 on (1, −x̂)/√2 (H = ∞) and
// m = (1 + t/‖x‖)/2 on the directions (0, v ⊥ x̂) (H = (1 − m)/m).
// u ∈ K gives H = 0 (s = 0) and u ∈ −K gives H = ∞·I (y = 0).
//
// The NT scaling W² of the interior-point iterate has the same limit only
// in exact arithmetic: at a solution within rounding of the boundary it is
// meaningless, which made the kkt gradient of active SOC blocks wrong.
func socDerivativeH(h, s, y []float64) {
	d := len(s)
	for i := range h {
		h[i] = 0
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
		return
	case nx <= -t: // u ∈ −K: y = 0
		for i := 0; i < d; i++ {
			h[i*d+i] = derivBig
		}
		return
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
			h[i*d+j] = v
		}
	}
	// big·e2e2ᵀ: e2 = (1, −x̂)/√2.
	e2 := func(i int) float64 {
		if i == 0 {
			return 1 / math.Sqrt2
		}
		return -xh(i) / math.Sqrt2
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			h[i*d+j] += derivBig * e2(i) * e2(j)
		}
	}
}
