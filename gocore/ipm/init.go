package ipm

// initialize sets a starting point as Clarabel does: for a QP the solution
// of the KKT system with H = I; for an LP two least-squares solves for the
// primal (x, s) and the dual z. s and z are then shifted into their cones.
//
// With a non-symmetric cone (cone.NonSymmetric) the start is Clarabel's
// unit initialization instead: x = 0, (s, z) every block's unit point (the
// central-ray point of an exponential cone), τ = κ = 1; the least-squares
// start would need a shift into cones that have no identity element.
func (w *Solver) initialize() bool {
	st := w.an.St
	n, m := st.N, st.M
	w.dualScaling = false
	if !w.cones.Symmetric() {
		for i := range w.x {
			w.x[i] = 0
		}
		w.cones.UnitInit(w.s, w.z)
		w.tau, w.kappa = 1, 1
		return true
	}
	w.kkt.SetIdentityH()
	if !w.factor() {
		return false
	}
	if w.hasQuadratic() {
		for i := 0; i < n; i++ {
			w.rhs[i] = -w.cv[i]
		}
		copy(w.rhs[n:], w.bv)
		if !w.solveKKT() {
			return false
		}
		copy(w.x, w.sol[:n])
		copy(w.z, w.sol[n:])
		for i := 0; i < m; i++ {
			w.s[i] = -w.z[i]
		}
	} else {
		for i := 0; i < n; i++ {
			w.rhs[i] = 0
		}
		copy(w.rhs[n:], w.bv)
		if !w.solveKKT() {
			return false
		}
		copy(w.x, w.sol[:n])
		for i := 0; i < m; i++ {
			w.s[i] = -w.sol[n+i]
		}
		for i := 0; i < n; i++ {
			w.rhs[i] = -w.cv[i]
		}
		for i := 0; i < m; i++ {
			w.rhs[n+i] = 0
		}
		if !w.solveKKT() {
			return false
		}
		copy(w.z, w.sol[n:])
	}
	w.cones.ShiftToCone(w.s, w.z)
	w.tau, w.kappa = 1, 1
	return true
}
