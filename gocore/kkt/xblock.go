package kkt

import "github.com/lpgd-go/lpgd_go/gocore/linsys"

// FactoredXBlock returns linsys.DenseDual.FactoredXBlock of the
// factorizer that served the last Factor (through a linsys.Chain), ok
// false when another form served or the dense dual form has no successful
// x-block factorization.
func (k *System) FactoredXBlock() (x []float64, nx int, ok bool) {
	f := k.fac
	for {
		c, isChain := f.(*linsys.Chain)
		if !isChain {
			break
		}
		f = c.Current()
	}
	d, isDual := f.(*linsys.DenseDual)
	if !isDual {
		return nil, 0, false
	}
	return d.FactoredXBlock()
}

// DenseDualXBlock reports whether the analysis chose the x-eliminated
// dense form with its plain x block (not the extended one of an
// equality-eliminated order): the form whose factorizations
// FactoredXBlock can return.
func (an *Analysis) DenseDualXBlock() bool { return an.dual && an.dualOrder == nil }

// SetXBlockHook sets h (nil: none) on the dense dual form that the system
// tries first (linsys.DenseDual.SetXBlockHook): Factor returns
// linsys.ErrXBlockStop, at once, when h stops it. It reports whether the
// system has that form (false: h is not set).
func (k *System) SetXBlockHook(h linsys.XBlockHook) bool {
	f := k.fac
	for {
		c, isChain := f.(*linsys.Chain)
		if !isChain {
			break
		}
		f = c.Fast()
	}
	d, isDual := f.(*linsys.DenseDual)
	if !isDual {
		return false
	}
	d.SetXBlockHook(h)
	return true
}
