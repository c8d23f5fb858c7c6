package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// Refinement tolerances for KKT solves (Clarabel's iterative_refinement_abstol
// and _reltol).
const (
	refineAbsTol = 1e-12
	refineRelTol = 1e-13
	// minStep is the step length below which the iteration is declared stuck.
	minStep = 1e-8
)

// Result receives a solution. X (len N), Y and S (len M) are caller-owned.
type Result struct {
	X, Y, S []float64
	Info    Info
}

// Solver is a per-worker interior-point workspace for one Analysis. All
// memory is allocated by NewSolver; Solve does not allocate. A Solver is not
// safe for concurrent use; make one per goroutine.
type Solver struct {
	an    *Analysis
	set   Settings
	kkt   *KKTSystem
	cones []cone.Cone
	isSOC []bool

	// prox is the proximal weight ρ (the solved problem has P + ρI);
	// proxS its scaled diagonal k·ρ·D².
	prox  float64
	proxS []float64

	// Scaled problem data and scalings.
	pv, cv, av, bv []float64
	dScale, eScale []float64
	cScale         float64
	orig           *problem.Values

	// Iterates and steps.
	x, z, s      []float64
	tau, kappa   float64
	dx, dz, ds   []float64
	dtau, dkappa float64
	dzA, dsA     []float64

	// Residuals and scratch.
	rx, rz, px []float64
	rtau       float64
	x1, z1     []float64
	rhs, sol   []float64
	refWork    []float64
	dsh        []float64
	dsRHS      []float64
	xi         []float64
	tmpN, tmpM []float64
	xu, zu, su []float64
	pxu, axu   []float64
	atz        []float64
	hz         []float64
	denConst   float64
	degree     int // barrier degree ν of K
	pol        *polishWork
}

// NewSolver allocates a workspace for an analysed structure.
func NewSolver(an *Analysis, set Settings) (*Solver, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	st := an.St
	n, m := st.N, st.M
	w := &Solver{an: an, set: set}
	kkt, err := NewKKTSystem(an, set.StaticReg, set.IterRefineMax)
	if err != nil {
		return nil, err
	}
	w.kkt = kkt
	w.cones = kkt.Cones
	w.isSOC = make([]bool, len(w.cones))
	for k, c := range w.cones {
		_, w.isSOC[k] = c.(*cone.SOC)
		w.degree += c.Degree()
	}
	dim := n + m
	w.proxS = make([]float64, n)
	w.pv = make([]float64, st.P.Nnz())
	w.av = make([]float64, st.A.Nnz())
	w.cv = make([]float64, n)
	w.bv = make([]float64, m)
	w.dScale = make([]float64, n)
	w.eScale = make([]float64, m)
	vec := func(k int) []float64 { return make([]float64, k) }
	w.x, w.z, w.s = vec(n), vec(m), vec(m)
	w.dx, w.dz, w.ds = vec(n), vec(m), vec(m)
	w.dzA, w.dsA = vec(m), vec(m)
	w.rx, w.rz, w.px = vec(n), vec(m), vec(n)
	w.x1, w.z1 = vec(n), vec(m)
	w.rhs, w.sol = vec(dim), vec(dim)
	w.refWork = vec(2 * dim)
	w.dsh, w.dsRHS = vec(m), vec(m)
	w.xi = vec(n)
	w.tmpN, w.tmpM = vec(n), vec(m)
	w.xu, w.zu, w.su = vec(n), vec(m), vec(m)
	w.pxu, w.axu, w.atz = vec(n), vec(m), vec(n)
	w.hz = vec(m)
	w.pol = newPolishWork(an, w.cones)
	return w, nil
}

// Analysis returns the structure analysis the solver was made for.
func (w *Solver) Analysis() *Analysis { return w.an }

// Settings returns the solver settings.
func (w *Solver) Settings() Settings { return w.set }

// SetSettings replaces the settings (validated).
func (w *Solver) SetSettings(set Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	w.set = set
	w.kkt.delta = set.StaticReg
	w.kkt.refMx = set.IterRefineMax
	return nil
}

// SetProx sets the proximal weight ρ ≥ 0: subsequent solves minimize
// ½xᵀ(P + ρI)x + cᵀx (used by LPGD's proximal perturbation).
func (w *Solver) SetProx(rho float64) { w.prox = rho }

// Solve solves the problem with values v (validated by the caller with
// Structure.CheckValues) and writes the solution into res.
func (w *Solver) Solve(v *problem.Values, res *Result) {
	st := w.an.St
	n := st.N
	w.orig = v
	copy(w.pv, v.P)
	copy(w.cv, v.C)
	copy(w.av, v.A)
	copy(w.bv, v.B)
	w.equilibrate()

	// Static KKT entries.
	w.kkt.SetData(w.pv, w.av, 0)
	if w.prox != 0 {
		for j := 0; j < n; j++ {
			w.kkt.kv[w.an.Diag[j]] += w.proxS[j]
		}
	}

	info := &res.Info
	*info = Info{Status: StatusUnsolved}
	if !w.initialize() {
		info.Status = StatusNumericalError
		w.writeResult(res)
		return
	}
	status := StatusMaxIterations
	iter := 0
	for ; ; iter++ {
		w.residuals()
		if w.converged(info) {
			status = StatusSolved
			break
		}
		// Certificates are only tested once κ/τ > 1, i.e. when the
		// homogeneous iteration is heading for τ → 0 (Clarabel's ktratio
		// test): a feasible problem with large duals can otherwise pass for
		// an approximate Farkas certificate.
		if w.kappa >= w.tau && w.primalInfeasible() {
			status = StatusPrimalInfeasible
			break
		}
		if w.kappa >= w.tau && w.dualInfeasible() {
			status = StatusDualInfeasible
			break
		}
		if iter >= w.set.MaxIter {
			status = StatusMaxIterations
			break
		}
		ok := w.step()
		if !ok {
			status = StatusNumericalError
			w.residuals()
			w.converged(info)
			break
		}
	}
	info.Iter = iter
	if status == StatusMaxIterations || status == StatusNumericalError {
		if info.ResPrimal <= w.set.ReducedTolFeas && info.ResDual <= w.set.ReducedTolFeas &&
			(info.GapAbs <= w.set.ReducedTolGap || info.GapRel <= w.set.ReducedTolGap) {
			status = StatusAlmostSolved
		}
	}
	if w.set.Polish && status.OK() && w.polish(info) {
		status = StatusSolved
	}
	info.Status = status
	w.writeResult(res)
}

// factor factors the regularized KKT matrix.
func (w *Solver) factor() bool { return w.kkt.Factor() == nil }

// solveKKT solves K [x; z] = rhs into sol with iterative refinement.
func (w *Solver) solveKKT() bool { return w.kkt.Solve(w.rhs, w.sol) }

func (w *Solver) hasQuadratic() bool {
	if w.prox != 0 {
		return true
	}
	for _, v := range w.pv {
		if v != 0 {
			return true
		}
	}
	return false
}

// initialize sets a starting point as Clarabel does: for a QP the solution
// of the KKT system with H = I; for an LP two least-squares solves for the
// primal (x, s) and the dual z. s and z are then shifted into their cones.
func (w *Solver) initialize() bool {
	st := w.an.St
	n, m := st.N, st.M
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
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		c.ShiftToCone(w.s[o:o+d], false)
		c.ShiftToCone(w.z[o:o+d], true)
	}
	w.tau, w.kappa = 1, 1
	return true
}

// residuals computes rx = P̃x + Ãᵀz + c̃τ, rz = Ãx + s − b̃τ and
// rτ = κ + c̃ᵀx + b̃ᵀz + xᵀP̃x/τ on the scaled problem.
func (w *Solver) residuals() {
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

// unscaled writes the unscaled iterate x̄ = Dx/τ, z̄ = Ez/(kτ), s̄ = E⁻¹s/τ
// (scale = 1/τ) or the unscaled directions (scale = 1).
func (w *Solver) unscaled(scale float64) {
	for i := range w.xu {
		w.xu[i] = w.dScale[i] * w.x[i] * scale
	}
	for i := range w.zu {
		w.zu[i] = w.eScale[i] * w.z[i] * scale / w.cScale
		w.su[i] = w.s[i] * scale / w.eScale[i]
	}
	for i := range w.cones {
		if _, ok := w.cones[i].(*cone.Zero); ok {
			o, d := w.an.ConeOff[i], w.an.ConeDim[i]
			for j := o; j < o+d; j++ {
				w.su[j] = 0
			}
		}
	}
}

// converged evaluates the termination criteria on the unscaled iterate and
// fills the objective and residual fields of info.
func (w *Solver) converged(info *Info) bool {
	st := w.an.St
	v := w.orig
	w.unscaled(1 / w.tau)
	for i := range w.pxu {
		w.pxu[i] = 0
		w.atz[i] = 0
	}
	for i := range w.axu {
		w.axu[i] = 0
	}
	st.MulP(w.pxu, v.P, w.xu, 1)
	for i := range w.pxu {
		w.pxu[i] += w.prox * w.xu[i]
	}
	st.MulA(w.axu, v.A, w.xu, 1)
	st.MulAT(w.atz, v.A, w.zu, 1)
	xpx := dot(w.xu, w.pxu)
	pobj := 0.5*xpx + dot(v.C, w.xu)
	dobj := -0.5*xpx - dot(v.B, w.zu)
	var rp, rd float64
	for i := range w.axu {
		rp = math.Max(rp, math.Abs(w.axu[i]+w.su[i]-v.B[i]))
	}
	for i := range w.pxu {
		rd = math.Max(rd, math.Abs(w.pxu[i]+w.atz[i]+v.C[i]))
	}
	rp /= math.Max(1, math.Max(normInf(v.B), math.Max(normInf(w.axu), normInf(w.su))))
	rd /= math.Max(1, math.Max(normInf(v.C), math.Max(normInf(w.pxu), normInf(w.atz))))
	gapAbs := math.Abs(pobj - dobj)
	gapRel := gapAbs / math.Max(1, math.Min(math.Abs(pobj), math.Abs(dobj)))
	info.PObj, info.DObj = pobj, dobj
	info.ResPrimal, info.ResDual = rp, rd
	info.GapAbs, info.GapRel = gapAbs, gapRel
	if math.IsNaN(rp) || math.IsNaN(rd) || math.IsNaN(gapAbs) {
		return false
	}
	return rp <= w.set.TolFeas && rd <= w.set.TolFeas &&
		(gapAbs <= w.set.TolGapAbs || gapRel <= w.set.TolGapRel)
}

// primalInfeasible checks for a Farkas certificate y ∈ K*, Aᵀy ≈ 0, bᵀy < 0
// in the unscaled dual direction.
func (w *Solver) primalInfeasible() bool {
	st := w.an.St
	v := w.orig
	w.unscaled(1)
	nz := normInf(w.zu)
	if nz == 0 || math.IsNaN(nz) {
		return false
	}
	by := dot(v.B, w.zu) / nz
	if !(by < -w.set.TolInfeasAbs) {
		return false
	}
	for i := range w.atz {
		w.atz[i] = 0
	}
	st.MulAT(w.atz, v.A, w.zu, 1/nz)
	return normInf(w.atz) <= -w.set.TolInfeasRel*by
}

// dualInfeasible checks for a certificate Px ≈ 0, Ax + s ≈ 0 (s ∈ K),
// cᵀx < 0 in the unscaled primal direction.
func (w *Solver) dualInfeasible() bool {
	st := w.an.St
	v := w.orig
	w.unscaled(1)
	nx := normInf(w.xu)
	if nx == 0 || math.IsNaN(nx) {
		return false
	}
	cx := dot(v.C, w.xu) / nx
	if !(cx < -w.set.TolInfeasAbs) {
		return false
	}
	for i := range w.pxu {
		w.pxu[i] = 0
	}
	for i := range w.axu {
		w.axu[i] = 0
	}
	st.MulP(w.pxu, v.P, w.xu, 1/nx)
	for i := range w.pxu {
		w.pxu[i] += w.prox * w.xu[i] / nx
	}
	st.MulA(w.axu, v.A, w.xu, 1/nx)
	for i := range w.axu {
		w.axu[i] += w.su[i] / nx
	}
	tol := -w.set.TolInfeasRel * cx
	return normInf(w.pxu) <= tol && normInf(w.axu) <= tol
}

// step performs one predictor–corrector iteration. It returns false on a
// numerical failure.
func (w *Solver) step() bool {
	st := w.an.St
	n, m := st.N, st.M
	var sz float64
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		sz += c.Complementarity(w.s[o:o+d], w.z[o:o+d])
	}
	mu := (sz + w.tau*w.kappa) / float64(w.degree+1)
	w.kkt.SetScaling(w.s, w.z)
	if !w.factor() {
		return false
	}
	// Constant system K [x1; z1] = [−c̃; b̃].
	for i := 0; i < n; i++ {
		w.rhs[i] = -w.cv[i]
	}
	copy(w.rhs[n:], w.bv)
	if !w.solveKKT() {
		return false
	}
	copy(w.x1, w.sol[:n])
	copy(w.z1, w.sol[n:])
	// Denominator of Δτ: −(κ/τ + z1ᵀHz1 + (x1−ξ)ᵀP(x1−ξ)), ξ = x/τ.
	for i := 0; i < n; i++ {
		w.xi[i] = w.x[i] / w.tau
		w.tmpN[i] = w.x1[i] - w.xi[i]
	}
	for i := range w.dx {
		w.dx[i] = 0
	}
	w.mulP(w.dx, w.tmpN)
	w.kkt.MulH(w.hz, w.z1)
	// The explicit H matches the matrix the solves used; near the cone
	// boundary its large entries can cancel to a non-negative value, and
	// then the quadratic form is taken through W instead.
	w.denConst = -(w.kappa/w.tau + dot(w.z1, w.hz) + dot(w.tmpN, w.dx))
	if !(w.denConst < 0) {
		w.denConst = -(w.kappa/w.tau + w.kkt.QuadH(w.z1) + dot(w.tmpN, w.dx))
	}
	if !(w.denConst < 0) {
		return false
	}

	// Affine (predictor) step.
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		c.LambdaSquare(w.dsRHS[o : o+d])
	}
	if !w.solveStep(1, w.dsRHS, w.tau*w.kappa) {
		return false
	}
	alphaA := w.stepLength(1)
	sigma := math.Pow(1-alphaA, 3)
	copy(w.dzA, w.dz)
	copy(w.dsA, w.ds)
	dtauA, dkappaA := w.dtau, w.dkappa

	// Combined (corrector) step.
	sm := sigma * mu
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		c.LambdaSquare(w.dsRHS[o : o+d])
		c.CombinedShift(w.dsRHS[o:o+d], w.dzA[o:o+d], w.dsA[o:o+d], sm)
	}
	if !w.solveStep(1-sigma, w.dsRHS, w.tau*w.kappa+dtauA*dkappaA-sm) {
		return false
	}
	alpha := w.stepLength(1) * w.set.MaxStepFraction
	if alpha < minStep {
		return false
	}
	for i := 0; i < n; i++ {
		w.x[i] += alpha * w.dx[i]
	}
	for i := 0; i < m; i++ {
		w.z[i] += alpha * w.dz[i]
		w.s[i] += alpha * w.ds[i]
	}
	w.tau += alpha * w.dtau
	w.kappa += alpha * w.dkappa
	return true
}

// solveStep computes the search direction for right-hand sides
// (f·rx, f·rz, f·rτ, ds, dκ) into dx, dz, ds, dtau, dkappa.
func (w *Solver) solveStep(f float64, dsIn []float64, dkappaIn float64) bool {
	st := w.an.St
	n, m := st.N, st.M
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		c.DsHat(w.dsh[o:o+d], dsIn[o:o+d])
	}
	for i := 0; i < n; i++ {
		w.rhs[i] = -f * w.rx[i]
	}
	for i := 0; i < m; i++ {
		w.rhs[n+i] = -f*w.rz[i] + w.dsh[i]
	}
	if !w.solveKKT() {
		return false
	}
	x2, z2 := w.sol[:n], w.sol[n:]
	// Numerator: −dτ + dκ/τ − (c̃ + 2P̃ξ)ᵀx2 − b̃ᵀz2, with P̃ξ = px/τ.
	num := -f*w.rtau + dkappaIn/w.tau - dot(w.cv, x2) - 2*dot(w.px, x2)/w.tau - dot(w.bv, z2)
	dtau := num / w.denConst
	for i := 0; i < n; i++ {
		w.dx[i] = x2[i] + dtau*w.x1[i]
	}
	for i := 0; i < m; i++ {
		w.dz[i] = z2[i] + dtau*w.z1[i]
	}
	w.kkt.MulH(w.ds, w.dz)
	for i := 0; i < m; i++ {
		w.ds[i] = -w.ds[i] - w.dsh[i]
	}
	w.dtau = dtau
	w.dkappa = -(dkappaIn + w.kappa*dtau) / w.tau
	return !math.IsNaN(dtau) && !math.IsInf(dtau, 0)
}

// stepLength returns the largest α ≤ amax keeping (s, z, τ, κ) interior.
func (w *Solver) stepLength(amax float64) float64 {
	a := amax
	if w.dtau < 0 {
		a = math.Min(a, -w.tau/w.dtau)
	}
	if w.dkappa < 0 {
		a = math.Min(a, -w.kappa/w.dkappa)
	}
	for k, c := range w.cones {
		o, d := w.an.ConeOff[k], w.an.ConeDim[k]
		az, as := c.StepLength(w.dz[o:o+d], w.ds[o:o+d], w.z[o:o+d], w.s[o:o+d], a)
		a = math.Min(a, math.Min(az, as))
	}
	return a
}

// writeResult maps the final iterate (or certificate) back to the caller's
// buffers.
func (w *Solver) writeResult(res *Result) {
	nan := math.NaN()
	switch res.Info.Status {
	case StatusPrimalInfeasible:
		w.unscaled(1)
		by := dot(w.orig.B, w.zu)
		for i := range res.X {
			res.X[i] = nan
		}
		for i := range res.Y {
			res.Y[i] = -w.zu[i] / by
			res.S[i] = nan
		}
	case StatusDualInfeasible:
		w.unscaled(1)
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
			w.unscaled(1 / w.tau)
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

// mulP computes y = (P̃ + ρ̃)x on the scaled problem.
func (w *Solver) mulP(y, x []float64) {
	for i := range y {
		y[i] = w.proxS[i] * x[i]
	}
	w.an.St.MulP(y, w.pv, x, 1)
}
