package ipm

import (
	"math"
)

// iterate is the point (x, z, s, τ, κ) of the homogeneous embedding on the
// scaled problem; z is the dual y of the scaled problem.
type iterate struct {
	x, z, s    []float64
	tau, kappa float64
}

func newIterate(n, m int) iterate {
	return iterate{x: make([]float64, n), z: make([]float64, m), s: make([]float64, m)}
}

// advance moves the iterate by α along d.
func (it *iterate) advance(alpha float64, d *direction) {
	x, dx := it.x, d.dx[:len(it.x)]
	for i := range x {
		x[i] += alpha * dx[i]
	}
	z, s := it.z, it.s[:len(it.z)]
	dz, ds := d.dz[:len(z)], d.ds[:len(z)]
	for i := range z {
		z[i] += alpha * dz[i]
		s[i] += alpha * ds[i]
	}
	it.tau += alpha * d.dtau
	it.kappa += alpha * d.dkappa
}

// writeResult maps the final iterate (or certificate) back to the caller's
// buffers.
func (w *Solver) writeResult(res *Result) {
	nan := math.NaN()
	switch res.Info.Status {
	case StatusPrimalInfeasible:
		w.unscale(1)
		by := dot(w.orig.B, w.zu)
		for i := range res.X {
			res.X[i] = nan
		}
		for i := range res.Y {
			res.Y[i] = -w.zu[i] / by
			res.S[i] = nan
		}
	case StatusDualInfeasible:
		w.unscale(1)
		cx := dot(w.orig.C, w.xu)
		for i := range res.X {
			res.X[i] = -w.xu[i] / cx
		}
		for i := range res.Y {
			res.Y[i] = nan
			res.S[i] = -w.su[i] / cx
		}
	default:
		if w.tau > 0 {
			w.unscale(1 / w.tau)
			copy(res.X, w.xu)
			copy(res.Y, w.zu)
			copy(res.S, w.su)
		} else {
			for i := range res.X {
				res.X[i] = nan
			}
			for i := range res.Y {
				res.Y[i] = nan
				res.S[i] = nan
			}
		}
	}
}
