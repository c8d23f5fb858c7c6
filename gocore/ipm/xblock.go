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

// XBlockChecker decides, at a solve's first KKT factorization, whether
// the solve goes on (SetXBlockCheck).
type XBlockChecker interface {
	// CheckXBlock gets the x block as FactoredXBlock returns it (ok true)
	// or ok false and nil slices (the x-eliminated dense form refused it
	// or did not factor it); false stops the solve at once.
	CheckXBlock(x, dScale []float64, cScale float64, ok bool) bool
}

// SetXBlockCheck sets the check of the next Solve only (nil: none; Solve
// takes it, so that no later solve sees it). That solve calls
// c.CheckXBlock once: from inside its first factorization, right after
// the x-eliminated dense form factored or refused the x block (before the
// rows' Schur complement, kkt.System.SetXBlockHook), or, when that
// factorization did not decide an x block, right after it. When the check
// returns false the solve ends at once with StatusUnsolved and NaN in
// X, Y and S (no iteration, no polish, no factor record). A solve that does not get there
// (its first factorization failed otherwise, a presolved problem,
// non-symmetric cones, a panic) does not call it; XBlockCheckable tells
// whether the solver's solves can. The C ABI decides its PSD test of P
// there (capi.psdCertified, else the explicit test), so that a P it
// rejects costs about the x block's factorization besides that test, not
// a solve of a non-convex problem.
func (w *Solver) SetXBlockCheck(c XBlockChecker) { w.xcheck = c }

// XBlockCheckable reports whether this solver's solves call the check set
// by SetXBlockCheck at their first factorization with the x-eliminated
// dense form's x block: the analysis uses that form with its plain x
// block (kkt.Analysis.DenseDualXBlock), the cones are symmetric (the
// starting point is a factored KKT solve) and no presolve can replace the
// solve by another problem's.
func (w *Solver) XBlockCheckable() bool {
	return w.pre == nil && w.cones.Symmetric() && w.an.DenseDualXBlock()
}

// xblockGate is the solver's linsys.XBlockHook for a check (Solve).
type xblockGate struct {
	w               *Solver
	c               XBlockChecker
	called, stopped bool
}

// XBlock implements linsys.XBlockHook: the check on the x block just
// factored (with the solve's scaling) or refused.
func (g *xblockGate) XBlock(x []float64, nx int, ok bool) bool {
	g.called = true
	w := g.w
	if !ok || nx != w.an.St.N || len(w.dScale) != nx {
		g.stopped = !g.c.CheckXBlock(nil, nil, 0, false)
	} else {
		g.stopped = !g.c.CheckXBlock(x, w.dScale, w.cScale, true)
	}
	return !g.stopped
}

// initializeChecked is initialize with the check c (nil: none) at its
// factorization; stopped: c stopped the solve.
func (w *Solver) initializeChecked(c XBlockChecker) (ok, stopped bool) {
	if c == nil {
		return w.initialize(), false
	}
	w.gate = xblockGate{w: w, c: c}
	w.kkt.SetXBlockHook(&w.gate)
	// Deferred: a panic inside initialize must not leave the hook for a
	// later solve or backward factorization of this KKT system.
	defer func() {
		w.kkt.SetXBlockHook(nil)
		w.gate = xblockGate{}
	}()
	ok = w.initialize()
	w.kkt.SetXBlockHook(nil)
	g := w.gate
	switch {
	case g.stopped:
		return false, true
	case !ok || g.called:
		return ok, false
	}
	// The factorization decided no x block (another form served, or the
	// reduced one): the check on what FactoredXBlock holds.
	x, d, k, fok := w.FactoredXBlock()
	return ok, !c.CheckXBlock(x, d, k, fok)
}
