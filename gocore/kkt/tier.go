package kkt

import "github.com/lpgd-go/lpgd_go/gocore/linsys"

// fastResidual is the relative refined residual ‖rhs − K sol‖∞ /
// max(1, ‖rhs‖∞) a solve through the fast (normal-equations) form of the
// factorization must reach; above it the system falls back to the accurate
// form for the rest of the data set (until the next SetData). The accurate
// form reaches the refinement tolerances (1e-12 absolute, 1e-13 relative)
// on well-posed systems, so this only catches the iterates where the
// reduced matrix P + GᵀD⁻¹G, with entries ‖g‖²/δ on the nearly active
// rows, has lost digits that refinement does not recover.
const fastResidual = 1e-10

// TierStats counts the factorizations of a System by form.
type TierStats struct {
	// Fast is the number of factorizations in the fast (normal-equations)
	// form.
	Fast int
	// Escalations is the number of times the fast form was abandoned for
	// the accurate one (a breakdown, regularized pivots or a refined
	// residual above fastResidual).
	Escalations int
}

// TierStats returns the counts since the System was made.
func (k *System) TierStats() TierStats { return k.stats }

// SetFastAllowed allows (the default) or forbids the fast form for the
// interior-point systems; forbidden, every factorization uses the accurate
// form (the path before the normal-equations form existed). For tests and
// diagnostics.
func (k *System) SetFastAllowed(on bool) { k.noFast = !on }

// fastUsed reports whether the last factorization used a fast form (any
// but the last, accurate one): the reduced form or a tier below the last
// (factorAt keeps it in fastNow; only factorAt sets redUsed and the
// tier, and factors).
func (k *System) fastUsed() bool { return k.fastNow }

// escalate abandons the current form for the next one until the next
// SetData.
func (k *System) escalate() {
	if k.redUsed {
		k.redOff = true
	} else {
		k.tierCur = k.tier.Tier() + 1
	}
	k.stats.Escalations++
}

// SetValueClass turns on (the default) or off the factorization's
// classification of constraint rows from their values (linsys.ValueClassed:
// the box rows of a dense G eliminated as single-entry rows); off, the
// pattern alone decides (the path before it existed). For tests and
// diagnostics.
func (k *System) SetValueClass(on bool) {
	if v, ok := k.fac.(linsys.ValueClassed); ok {
		v.SetValueClass(on)
	}
}
