package ipm

// FactoredXBlock returns the last successfully factored x block of the KKT
// system (kkt.System.FactoredXBlock: row-major nx×nx, lower triangle
// factored) with the equilibration of the last solve, dScale (D) and
// cScale (k): the x block is k·DPD plus diagonal terms (static
// regularization, proximal weight) when it is that solve's. ok is false
// when there is none or its order is not the problem's. The slices are
// the solver's own, valid until its next solve; the caller only reads
// them and verifies the relation itself (the C ABI's PSD test of P).
func (w *Solver) FactoredXBlock() (x []float64, dScale []float64, cScale float64, ok bool) {
	x, nx, ok := w.kkt.FactoredXBlock()
	if !ok || nx != w.an.St.N || len(w.dScale) != nx {
		return nil, nil, 0, false
	}
	return x, w.dScale, w.cScale, true
}
