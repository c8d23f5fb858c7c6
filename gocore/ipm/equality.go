package ipm

// Inconsistent equality systems (issue 14). When Ax = b restricted to the
// zero-cone rows has no solution, the KKT matrix of the interior point is
// singular up to the regularization and the iteration ends in a numerical
// error instead of finding the Farkas certificate y (Aᵀy = 0, bᵀy < 0) that
// the equality block alone provides: the component of b orthogonal to the
// range of A_eq. After a solve fails, equalityCertificate computes that
// component by repeated regularized projections and, when it passes the
// usual certificate test, the solve ends primal_infeasible with it.

// eqProjections is the number of regularized projections. Each removes all
// but a factor ρ/(σ² + ρ) of the range component (σ a singular value of the
// scaled A_eq), so three leave ~ρ³ for σ ≈ 1 and the components with
// σ² ≲ ρ, which are as good as null directions at this regularization.
const eqProjections = 4

// equalityCertificate looks for a certificate of primal infeasibility in
// the equality rows alone. On success it leaves the (scaled) certificate in
// w.z with τ = 0 and returns true; otherwise the iterate is unusable for a
// solution and the caller keeps its failure status.
func (w *Solver) equalityCertificate() bool {
	st := w.an.St
	n := st.N
	if !w.hasEq {
		return false
	}
	if w.eqA == nil {
		w.eqA = make([]float64, len(w.av))
		w.eqP = make([]float64, len(w.pv))
	}
	// A_eq: the zero-cone rows of the scaled A; the other rows decoupled.
	for j := 0; j < n; j++ {
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			w.eqA[k] = 0
			if w.eqRow[st.A.Rowval[k]] {
				w.eqA[k] = w.av[k]
			}
		}
	}
	// K = [ρI A_eqᵀ; A_eq −I] (H = I on every row), ρ the static
	// regularization, so that refinement converges to the ρ-regularized
	// solution: K [x; t] = [0; r] gives t = −(I − A_eq(A_eqᵀA_eq + ρI)⁻¹A_eqᵀ) r.
	w.ownP() // the SetData below overwrites the KKT system's P values
	w.kkt.SetData(w.eqP, w.eqA, w.set.StaticReg)
	w.kkt.SetIdentityH()
	w.kkt.SetRowsH(w.eqRow, 1)
	ok := w.factor()
	r := w.z
	for i := range r {
		r[i] = 0
		if w.eqRow[i] {
			r[i] = w.bv[i]
		}
	}
	for it := 0; ok && it < eqProjections; it++ {
		for i := 0; i < n; i++ {
			w.rhs[i] = 0
		}
		copy(w.rhs[n:], r)
		if ok = w.solveKKT(); ok {
			for i := range r {
				r[i] = -w.sol[n+i]
			}
		}
	}
	// Restore the problem's KKT values for a later use of this workspace.
	w.kkt.SetData(w.pv, w.av, 0)
	if w.prox != 0 {
		w.kkt.AddDiagX(w.proxS)
	}
	if !ok {
		return false
	}
	// r is the part of b̃_eq orthogonal to range(Ã_eq): b̃ᵀr = ‖r‖² > 0, so
	// y = −r is the certificate direction (bᵀy < 0).
	for i := range r {
		r[i] = -r[i]
	}
	w.tau, w.kappa = 0, 1
	return w.primalInfeasible()
}

// reducedMet reports whether info meets the reduced tolerances.
func (w *Solver) reducedMet(info *Info) bool {
	return info.ResPrimal <= w.set.ReducedTolFeas && info.ResDual <= w.set.ReducedTolFeas &&
		(info.GapAbs <= w.set.ReducedTolGap || info.GapRel <= w.set.ReducedTolGap)
}
