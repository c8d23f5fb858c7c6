package kkt

import (
	"errors"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// exactFast enables the unregularized first attempt of the fast forms
// (factorAt). On the LPGD benchmark's box QP (DenseSchur's normal
// equations) the regularized factor needed one refinement step, i.e. a
// second triangular solve pair and residual product, on most of the three
// solves per iteration; unregularized, the first solve meets the
// refinement tolerances. A variable so that tests can compare.
var exactFast = true

// factorRetries is how many times Factor raises δ (by factorRetryGrowth)
// after a breakdown.
const (
	factorRetries     = 2
	factorRetryGrowth = 100
)

// Factor builds the regularized copy and factors it. If the factorization
// breaks down (a non-finite pivot) or needs dynamically regularized pivots,
// it is retried with δ raised 100-fold, at most twice, and a δ that worked
// is kept for the following factorizations of the same data (SetData
// resets it). Near the optimum of a degenerate LP both the x block (free
// variables: δ + z/s) and the equality rows (−δ) have pivots of size δ,
// and elimination errors of size ‖A‖²/δ flip pivot signs until the
// factorization overflows; a larger δ bounds that growth, and iterative
// refinement against the unregularized K (Solve) removes the larger
// perturbation from the solutions. When raising δ does not remove the
// regularized pivots (dependent equality rows need them at any δ), the
// matrix is factored at the starting δ again and later factorizations no
// longer retry unless they break down.
func (k *System) Factor() error {
	if k.dCur == 0 {
		k.dCur = k.delta
	}
	d := k.dCur
	var err error
	for try := 0; try <= factorRetries; try++ {
		err = k.factorAt(d)
		if errors.Is(err, linsys.ErrXBlockStop) {
			return err // the caller's x block hook stopped it (SetXBlockHook)
		}
		for try == 0 && k.fastUsed() && (err != nil || k.Regularized() > 0) {
			// A fast form broke down or needed regularized pivots:
			// without δ, the same form with it; else the next form
			// decides.
			if k.exactUsed {
				k.exactOff = true
			} else {
				k.escalate()
			}
			err = k.factorAt(d)
			if errors.Is(err, linsys.ErrXBlockStop) {
				return err
			}
		}
		if err == nil && (k.Regularized() == 0 || k.fixed) {
			k.dCur = d
			return nil
		}
		d *= factorRetryGrowth
	}
	if err != nil {
		return err
	}
	// Regularized pivots at every δ: they are structural (dependent rows),
	// not growth. Factor at the starting δ again and stop retrying.
	k.fixed = true
	return k.factorAt(k.dCur)
}

// Regularized returns the number of dynamically regularized pivots of the
// last factorization.
func (k *System) Regularized() int {
	if k.redUsed {
		return k.red.fac.Regularized()
	}
	return k.fac.Regularized()
}

// factorAt factors the matrix regularized by exactly d. The regularization
// is added to the diagonal of kv in place and the saved diagonal restored
// afterwards (bit for bit), instead of factoring a regularized copy of all
// nnz values: the factorizers copy the values into their own storage.
func (k *System) factorAt(d float64) error {
	k.facGen++ // a pending SolvePair solution is of the factorization before
	k.exactUsed = false
	if k.tier != nil {
		last := k.tiers - 1
		t := last
		switch {
		case k.wantFast && !k.noFast:
			t = min(k.tierCur, last)
		case k.wantExact && !k.noFast && k.tierCur == 0 && k.asForms != nil && k.asForms.ActiveSetForm(0):
			t = 0
		}
		if k.asForms != nil {
			k.asForms.SetActiveSet(k.wantExact)
		}
		k.tier.SetTier(t)
		if k.regFree != nil && k.regFree.ExactForm(t) {
			// This form factors K itself (it refuses a K that is not
			// safely definite): no static regularization, so the first
			// solve already meets the refinement tolerances where the
			// regularized factor needed a refinement step.
			d = 0
		} else if t < last && k.wantFast && !k.noFast && !k.exactOff && exactFast {
			// A fast (normal-equations) form of an interior-point system
			// is tried unregularized first; it gives way to the
			// regularized one for the rest of the data set on regularized
			// pivots, a breakdown or a refined residual above the fast
			// forms' bound (Factor, solve).
			d = 0
			k.exactUsed = true
		}
	}
	// kv[idx] + sign·0 is kv[idx] itself except for a −0 entry with a
	// positive sign (−0 + 0 = +0): with d = 0 the diagonal is left as it
	// is unless it holds such an entry (an exact form factors every
	// iteration of the B = 1 QPs at d = 0; the save, add and restore were
	// 1.5 % of such a call's instructions).
	if d != 0 || k.negZeroDiag() {
		for i, idx := range k.an.diag {
			k.dsave[i] = k.kv[idx]
			k.kv[idx] += k.an.signs[i] * d
		}
		defer k.restoreDiag()
	}
	k.dUsed = d
	k.redUsed = k.red != nil && k.wantFast && !k.noFast && !k.redOff
	var err error
	if k.redUsed {
		err = k.red.factor(k.kv, k.cones)
	} else {
		if ve, ok := k.fac.(linsys.ValuesVersionedRows); ok && !k.noVersion && k.maskVer != 0 && k.kvVer == k.maskVer {
			// An active-set system of the content factored before: that
			// content's version but at the decoupled rows' A values.
			ve.SetValuesVersionZeroRows(k.factorVersionOf(k.srcVer, d), k.zeroIdx)
		} else if vv, ok := k.fac.(linsys.ValuesVersioned); ok {
			vv.SetValuesVersion(k.factorVersion(d))
		}
		err = k.fac.Factor(k.kv)
	}
	// The form that served (a form may refuse values and pass them on:
	// linsys.Chain), kept for fastUsed and counted.
	k.fastNow = k.redUsed || (k.tier != nil && k.tier.Tier() < k.tiers-1)
	if k.fastNow {
		k.stats.Fast++
	}
	return err
}

// negZeroDiag reports whether a diagonal entry of kv that factorAt would
// add +0 to is −0.
func (k *System) negZeroDiag() bool {
	// −0 is the one value whose bits are the sign bit alone: one integer
	// test per entry (and the sign only on a hit), on local slices (through
	// k the loop reloaded kv and an at every entry).
	// The positive signs are the x block's, the first N pivots (Analyse):
	// the constraint rows' diagonal (−H, −0 on every zero-cone row) is
	// not read.
	kv := k.kv
	for _, idx := range k.an.diag[:k.an.St.N] {
		if math.Float64bits(kv[idx]) == negZeroBits {
			return true
		}
	}
	return false
}

// negZeroBits is the bit pattern of −0.
const negZeroBits = 1 << 63

// restoreDiag writes back the diagonal factorAt saved.
func (k *System) restoreDiag() {
	for i, idx := range k.an.diag {
		k.kv[idx] = k.dsave[i]
	}
}

// VersionSkips returns how many times a factorization of this system
// wrote only H because the values outside it kept their version
// (linsys.ValuesVersioned), without comparing them.
func (k *System) VersionSkips() int {
	if vv, ok := k.fac.(linsys.ValuesVersioned); ok {
		return vv.VersionSkips()
	}
	return 0
}

// SetValuesVersions turns the announcement of value versions to the
// factorization on (the default) or off (each factorization compares the
// values outside H with its last scatter's, as before versions).
func (k *System) SetValuesVersions(on bool) { k.noVersion = !on }
