package kkt

import "github.com/lpgd-go/lpgd_go/gocore/linsys"

// ExportDualFactor writes the last factorization into dst when it was made
// by the x-eliminated dense form (linsys.DenseDual, natural order) without
// regularized pivots, in the layout of linsys.DenseDual.ExportFactor, and
// returns the words written; 0 when another form served or dst is too
// short. The factorization is of the matrix as factored: K plus the static
// regularization of the last factorization (none for the exact form the
// polish's active-set systems use), so a reader refines against K.
func (k *System) ExportDualFactor(dst []float64) int {
	f := k.fac
	for {
		c, ok := f.(*linsys.Chain)
		if !ok {
			break
		}
		f = c.Current()
	}
	d, ok := f.(*linsys.DenseDual)
	if !ok {
		return 0
	}
	return d.ExportFactor(dst)
}

// DualFactorMaxLen is the most words ExportDualFactor writes for this
// system (every constraint row coupled, at most as many as variables: an
// active-set system with more is singular and not exported), or 0 when the
// analysis does not use the x-eliminated dense form.
func (an *Analysis) DualFactorMaxLen() int {
	if !an.dual || an.dualOrder != nil {
		return 0
	}
	n, m := an.St.N, an.St.M
	return linsys.DualFactorLen(n, min(n, m))
}
