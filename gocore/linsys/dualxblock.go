package linsys

import "errors"

// FactoredXBlock returns the x block of the last full scatter, row-major
// nx×nx (the lower triangle, diagonal included, is the matrix its LDLᵀ
// factored), when that factorization succeeded with every pivot at least
// DynamicEps and none regularized; ok is false otherwise (no valid
// factorization, a refused x block, an extended x block of
// NewDenseDualOrder). A successful floating-point LDLᵀ with positive
// pivots bounds the block's smallest eigenvalue from below by minus its
// backward error (a multiple of n·ε·trace): the C ABI takes the PSD test
// of a caller's P from it instead of factoring P again. The slice is the
// factorizer's own, valid until its next Factor; the caller only reads it.
func (f *DenseDual) FactoredXBlock() (x []float64, nx int, ok bool) {
	if f.order != nil || f.kv != nil || !f.valid || f.refused {
		return nil, 0, false
	}
	return f.px[:f.nx*f.nx], f.nx, true
}

// ErrXBlockStop is DenseDual.Factor's error when the hook set by
// SetXBlockHook stopped the factorization after the x block.
var ErrXBlockStop = errors.New("linsys: factorization stopped after the x block")

// XBlockHook is told by DenseDual about the next x block it factors or
// refuses (SetXBlockHook).
type XBlockHook interface {
	// XBlock gets the x block as FactoredXBlock returns it (ok true:
	// factored with every pivot at least DynamicEps, none regularized,
	// the plain x block) or ok false and x nil (refused, or an extended
	// x block); it returns false to stop the factorization there:
	// Factor returns ErrXBlockStop before any work on the rows.
	XBlock(x []float64, nx int, ok bool) bool
}

// SetXBlockHook sets h (nil: none) for the next Factor that decides an
// x block: its formation's, right after the x block's LDLᵀ and before C,
// or a Factor that reuses the last one (same x block and A; the x block
// of that Factor) or its refusal. h is called once and then cleared. A
// caller that stops a Factor after a successful x block finds the values
// formed again by the next Factor; a refusal is kept as before.
func (f *DenseDual) SetXBlockHook(h XBlockHook) { f.xhook = h }

// xblockHook calls and clears the hook for the x block just decided (ok:
// factored as FactoredXBlock requires, less the valid mark Factor sets
// after); it reports whether the factorization goes on.
func (f *DenseDual) xblockHook(ok bool) bool {
	h := f.xhook
	if h == nil {
		return true
	}
	f.xhook = nil
	if !ok || f.order != nil || f.kv != nil {
		return h.XBlock(nil, f.nx, false)
	}
	return h.XBlock(f.px[:f.nx*f.nx], f.nx, true)
}

// xblockRefused is err after a refused x block, or ErrXBlockStop when the
// hook stops there.
func (f *DenseDual) xblockRefused(err error) error {
	if f.xhook != nil && !f.xblockHook(false) {
		return ErrXBlockStop
	}
	return err
}

// Fast returns the chain's first form (the one Factor tries first while
// the tier is 0).
func (c *Chain) Fast() Factorizer { return c.fast }
