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
