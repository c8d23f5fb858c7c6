package cone

import "math"

// Support for Newton steps on the complementarity conditions (used by the
// interior-point solver's refinement of tight solves, gocore/ipm/newton.go).

// NewtonSupported reports whether every block has a Newton linearization of
// its complementarity (zero, nonnegative, second-order and PSD cones).
func (k *Composite) NewtonSupported() bool {
	for _, c := range k.cones {
		switch c.(type) {
		case *Zero, *Nonneg, *SOC, *PSD:
		default:
			return false
		}
	}
	return true
}

// NewtonComplementarity writes the complementarity residual r(s, y) and
// reports the nonzeros of its Jacobian: r is s on zero-cone rows (their
// multiplier is free), s_i y_i on nonnegative rows and the Jordan product
// s∘y = (sᵀy, s₀y₁ + y₀s₁) on a second-order cone and svec((SY + YS)/2)
// on a PSD cone; visit(i, j, a, b) is
// called with ∂r_i/∂s_j = a and ∂r_i/∂y_j = b (rows and columns numbered
// over all m rows). At a strictly complementary solution this Jacobian,
// together with the linear KKT rows, is nonsingular. visit may be nil when
// only the residual is wanted.
func (k *Composite) NewtonComplementarity(s, y, r []float64, visit func(i, j int, a, b float64)) {
	psdVisit := visit // nil: PSD blocks skip their Jacobian
	if visit == nil {
		visit = func(int, int, float64, float64) {}
	}
	for blk, c := range k.cones {
		o := k.off[blk]
		sb, yb, rb := k.rows(s, blk), k.rows(y, blk), k.rows(r, blk)
		switch c := c.(type) {
		case *Zero:
			for i := range sb {
				rb[i] = sb[i]
				visit(o+i, o+i, 1, 0)
			}
		case *Nonneg:
			for i := range sb {
				rb[i] = sb[i] * yb[i]
				visit(o+i, o+i, yb[i], sb[i])
			}
		case *SOC:
			var sy float64
			for j := range sb {
				sy += sb[j] * yb[j]
				visit(o, o+j, yb[j], sb[j])
			}
			rb[0] = sy
			for i := 1; i < len(sb); i++ {
				rb[i] = sb[0]*yb[i] + yb[0]*sb[i]
				visit(o+i, o, yb[i], sb[i])
				visit(o+i, o+i, yb[0], sb[0])
			}
		case *PSD:
			c.newtonComplementarity(sb, yb, rb, o, psdVisit)
		}
	}
}

// ProjectNear moves s into K and y into K* (both self-dual here; the zero
// cone's s is set to 0 and its y left free) when they are outside by at
// most tol relative to their size, and reports false for a larger
// violation. Newton iterates converge to a boundary point from either side.
func (k *Composite) ProjectNear(s, y []float64, tol float64) bool {
	for blk, c := range k.cones {
		sb, yb := k.rows(s, blk), k.rows(y, blk)
		switch c := c.(type) {
		case *Zero:
			for i := range sb {
				sb[i] = 0
			}
		case *Nonneg:
			for _, v := range [][]float64{sb, yb} {
				scale := 1.0
				for _, a := range v {
					scale = math.Max(scale, math.Abs(a))
				}
				for i := range v {
					if v[i] < -tol*scale {
						return false
					}
					v[i] = math.Max(v[i], 0)
				}
			}
		case *SOC:
			for _, v := range [][]float64{sb, yb} {
				var nx float64
				for _, a := range v[1:] {
					nx += a * a
				}
				nx = math.Sqrt(nx)
				if v[0] < nx-tol*math.Max(1, nx) {
					return false
				}
				v[0] = math.Max(v[0], nx)
			}
		case *PSD:
			if !c.projectNear(sb, tol) || !c.projectNear(yb, tol) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// Violation returns the largest relative distance of s from K and of y
// from K* (0 inside; the zero cone's s and y count as inside), in the
// measure ProjectNear tests: the most negative entry (nonnegative rows) or
// eigenvalue (second-order: ‖x₁‖ − x₀; PSD: λmin) over the block's size.
func (k *Composite) Violation(s, y []float64) float64 {
	var worst float64
	for blk, c := range k.cones {
		sb, yb := k.rows(s, blk), k.rows(y, blk)
		for _, v := range [][]float64{sb, yb} {
			switch c := c.(type) {
			case *Nonneg:
				scale, mn := 1.0, 0.0
				for _, a := range v {
					scale = math.Max(scale, math.Abs(a))
					mn = math.Min(mn, a)
				}
				worst = math.Max(worst, -mn/scale)
			case *SOC:
				var nx float64
				for _, a := range v[1:] {
					nx += a * a
				}
				nx = math.Sqrt(nx)
				worst = math.Max(worst, (nx-v[0])/math.Max(1, nx))
			case *PSD:
				worst = math.Max(worst, c.violation(v))
			}
		}
	}
	return worst
}
