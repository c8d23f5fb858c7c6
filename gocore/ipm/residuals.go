package ipm

// residuals of the scaled homogeneous problem at the current iterate.
type residuals struct {
	rx, rz, px []float64 // rx, rz and P̃x (len N, M, N)
	rtau       float64
}

func newResiduals(n, m int) residuals {
	return residuals{rx: make([]float64, n), rz: make([]float64, m), px: make([]float64, n)}
}

// residuals computes rx = P̃x + Ãᵀz + c̃τ, rz = Ãx + s − b̃τ and
// rτ = κ + c̃ᵀx + b̃ᵀz + xᵀP̃x/τ on the scaled problem.
func (w *Solver) computeResiduals() {
	st := w.an.St
	for i := range w.px {
		w.px[i] = 0
	}
	w.mulP(w.px, w.x)
	for i := range w.rx {
		w.rx[i] = w.px[i] + w.cv[i]*w.tau
	}
	st.MulAT(w.rx, w.av, w.z, 1)
	for i := range w.rz {
		w.rz[i] = w.s[i] - w.bv[i]*w.tau
	}
	st.MulA(w.rz, w.av, w.x, 1)
	w.rtau = w.kappa + dot(w.cv, w.x) + dot(w.bv, w.z) + dot(w.x, w.px)/w.tau
}

// mulP computes y = (P̃ + ρ̃)x on the scaled problem.
func (w *Solver) mulP(y, x []float64) {
	for i := range y {
		y[i] = w.proxS[i] * x[i]
	}
	w.an.St.MulP(y, w.pv, x, 1)
}
