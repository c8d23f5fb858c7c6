package diff

import (
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// interiorFloor keeps s and y strictly inside their cones when the KKT
// derivative builds the NT scaling at the solution (an exactly zero entry
// would give an infinite scaling).
const interiorFloor = 1e-30

// feasTol is the relative tolerance with which the LPGD fast path accepts a
// reduced (active-set) solution as primal and dual feasible.
const feasTol = 1e-9

// Workspace holds per-worker memory for backward passes on one analysis. It
// is not safe for concurrent use; make one per goroutine.
type Workspace struct {
	an  *ipm.Analysis
	set ipm.Settings
	kkt *ipm.KKTSystem
	ipm *ipm.Solver // lazily created for LPGD full re-solves

	rowEntries [][]int // A value indices of every row
	coneOfRow  []int
	isNonneg   []bool // row in the nonnegative cone
	isZero     []bool

	gx, gy       []float64
	rhs, sol     []float64
	sIn, yIn     []float64
	h            []float64
	active       []bool
	weak         []bool // weakly active rows of a polished solution
	pert         problem.Values
	xp, yp, sp   []float64 // perturbed solution
	xm, ym       []float64 // second perturbed solution
	res          ipm.Result
	reducedReady bool
	admm         *admmWork
	hBlock       []float64
}

// NewWorkspace allocates a backward workspace.
func NewWorkspace(an *ipm.Analysis, set ipm.Settings) (*Workspace, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	k, err := ipm.NewKKTSystem(an, set.StaticReg, set.IterRefineMax)
	if err != nil {
		return nil, err
	}
	st := an.St
	n, m := st.N, st.M
	w := &Workspace{an: an, set: set, kkt: k}
	w.rowEntries = make([][]int, m)
	for j := 0; j < n; j++ {
		for e := st.A.Colptr[j]; e < st.A.Colptr[j+1]; e++ {
			i := st.A.Rowval[e]
			w.rowEntries[i] = append(w.rowEntries[i], e)
		}
	}
	w.coneOfRow = make([]int, m)
	w.isNonneg = make([]bool, m)
	w.isZero = make([]bool, m)
	for ci, c := range k.Cones {
		o, d := an.ConeOff[ci], an.ConeDim[ci]
		_, nn := c.(*cone.Nonneg)
		_, z := c.(*cone.Zero)
		for i := o; i < o+d; i++ {
			w.coneOfRow[i] = ci
			w.isNonneg[i] = nn
			w.isZero[i] = z
		}
	}
	vec := func(k int) []float64 { return make([]float64, k) }
	w.gx, w.gy = vec(n), vec(m)
	w.rhs, w.sol = vec(n+m), vec(n+m)
	w.sIn, w.yIn = vec(m), vec(m)
	w.h = vec(m)
	w.active = make([]bool, m)
	w.weak = make([]bool, m)
	w.pert = problem.Values{P: vec(st.P.Nnz()), C: vec(n), A: vec(st.A.Nnz()), B: vec(m)}
	w.xp, w.yp, w.sp = vec(n), vec(m), vec(m)
	w.xm, w.ym = vec(n), vec(m)
	w.res = ipm.Result{X: w.xp, Y: w.yp, S: w.sp}
	return w, nil
}

// SetSettings changes the solver settings used by re-solves and KKT solves.
func (w *Workspace) SetSettings(set ipm.Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	w.set = set
	k, err := ipm.NewKKTSystem(w.an, set.StaticReg, set.IterRefineMax)
	if err != nil {
		return err
	}
	w.kkt = k
	if w.ipm != nil {
		return w.ipm.SetSettings(set)
	}
	return nil
}

// Backward computes the gradients of one sample into g. It returns flags
// describing the computation and an error (wrapping ErrBackward,
// ErrUnsupported or ErrOptions) on failure, in which case g is zeroed.
func (w *Workspace) Backward(v *problem.Values, sol Solution, in Incoming, opt *Options, g *Grad) (Flags, error) {
	if err := opt.Validate(); err != nil {
		return 0, err
	}
	st := w.an.St
	// Effective incoming gradients with the slack folded in.
	copy(w.gx, in.X)
	if in.S != nil {
		st.MulAT(w.gx, v.A, in.S, -1)
	}
	if in.Y != nil {
		copy(w.gy, in.Y)
	} else {
		for i := range w.gy {
			w.gy[i] = 0
		}
	}
	zeroGrad(g)
	if normInf(w.gx) == 0 && normInf(w.gy) == 0 {
		w.addSlackTerms(v, sol, in, g)
		return FlagZeroGrad, nil
	}
	var flags Flags
	var err error
	switch opt.Method {
	case MethodKKT:
		flags, err = w.kktBackward(v, sol, g)
	case MethodBPQP:
		flags, err = w.bpqpBackward(v, sol, opt, g)
	case MethodLPGD:
		flags, err = w.lpgdBackward(v, sol, opt, g)
	}
	if err != nil {
		zeroGrad(g)
		return flags, err
	}
	w.addSlackTerms(v, sol, in, g)
	return flags, nil
}

func zeroGrad(g *Grad) {
	for _, s := range [][]float64{g.P, g.C, g.A, g.B} {
		for i := range s {
			s[i] = 0
		}
	}
}

// addSlackTerms adds the direct terms of s = b − Ax: ∂b += gs, ∂A −= gs xᵀ.
func (w *Workspace) addSlackTerms(v *problem.Values, sol Solution, in Incoming, g *Grad) {
	if in.S == nil {
		return
	}
	st := w.an.St
	if g.B != nil {
		for i := range g.B {
			g.B[i] += in.S[i]
		}
	}
	if g.A != nil {
		for j := 0; j < st.N; j++ {
			for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
				g.A[k] -= in.S[st.A.Rowval[k]] * sol.X[j]
			}
		}
	}
}

// adjointGrads writes the gradients from the adjoint solution (u, v) of
// K [u; v] = [gx; gy]: ∂c = −u, ∂b = v, ∂A = −(y uᵀ + v xᵀ),
// ∂P = −½(u xᵀ + x uᵀ) (stored-value form). yEff is the dual used in ∂A.
func (w *Workspace) adjointGrads(u, vv, x, yEff []float64, g *Grad) {
	st := w.an.St
	if g.C != nil {
		for j := range g.C {
			g.C[j] = -u[j]
		}
	}
	if g.B != nil {
		copy(g.B, vv)
	}
	if g.A != nil {
		for j := 0; j < st.N; j++ {
			for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
				i := st.A.Rowval[k]
				g.A[k] = -(yEff[i]*u[j] + vv[i]*x[j])
			}
		}
	}
	if g.P != nil {
		for j := 0; j < st.N; j++ {
			for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
				i := st.P.Rowval[k]
				if i == j {
					g.P[k] = -u[i] * x[i]
				} else {
					g.P[k] = -(u[i]*x[j] + u[j]*x[i])
				}
			}
		}
	}
}

// interior copies s and y into sIn, yIn, nudged strictly inside their cones.
func (w *Workspace) interior(sol Solution) {
	copy(w.sIn, sol.S)
	copy(w.yIn, sol.Y)
	for ci, c := range w.kkt.Cones {
		o, d := w.an.ConeOff[ci], w.an.ConeDim[ci]
		switch c.(type) {
		case *cone.Zero:
			for i := o; i < o+d; i++ {
				w.sIn[i] = 0
			}
		case *cone.Nonneg:
			for i := o; i < o+d; i++ {
				w.sIn[i] = math.Max(w.sIn[i], interiorFloor)
				w.yIn[i] = math.Max(w.yIn[i], interiorFloor)
			}
		default:
			pushSOC(w.sIn[o : o+d])
			pushSOC(w.yIn[o : o+d])
		}
	}
}

// pushSOC moves (t, x) strictly inside the second-order cone if needed.
func pushSOC(v []float64) {
	var nx float64
	for _, a := range v[1:] {
		nx += a * a
	}
	nx = math.Sqrt(nx)
	min := nx*(1+1e-14) + interiorFloor
	if v[0] < min {
		v[0] = min
	}
}

// kktBackward: implicit differentiation with the complementarity
// linearized by the NT scaling at the solution, ds = −W²dy (for the
// nonnegative cone W² = diag(s/y), as in OptNet).
func (w *Workspace) kktBackward(v *problem.Values, sol Solution, g *Grad) (Flags, error) {
	if flags, ok := w.polishedActiveSet(sol); ok {
		return w.kktPolished(v, sol, flags, g)
	}
	n := w.an.St.N
	w.interior(sol)
	w.kkt.SetData(v.P, v.A, 0)
	w.kkt.SetScaling(w.sIn, w.yIn)
	// Second-order cones: replace W² by the limit taken through the
	// derivative of the projection (see socDerivativeH).
	for ci, c := range w.kkt.Cones {
		if c.Diagonal() {
			continue
		}
		o, d := w.an.ConeOff[ci], w.an.ConeDim[ci]
		if len(w.hBlock) < d*d {
			w.hBlock = make([]float64, d*d)
		}
		socDerivativeH(w.hBlock[:d*d], sol.S[o:o+d], sol.Y[o:o+d])
		w.kkt.SetBlockH(ci, w.hBlock[:d*d])
	}
	if err := w.kkt.Factor(); err != nil {
		return 0, &BackwardError{"kkt: factorization of the KKT system at the solution failed"}
	}
	var flags Flags
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	copy(w.rhs[:n], w.gx)
	copy(w.rhs[n:], w.gy)
	if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"kkt: adjoint solve produced non-finite values"}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, sol.Y, g)
	return flags, nil
}

// activeSet classifies the rows: zero-cone rows are always active; a
// nonnegative row is active when y_i > s_i. It returns the weakly-active flag.
func (w *Workspace) activeSet(sol Solution, opt *Options) Flags {
	var flags Flags
	ymax := math.Max(1, normInf(sol.Y))
	for i := range w.active {
		switch {
		case w.isZero[i]:
			w.active[i] = true
		case w.isNonneg[i]:
			w.active[i] = sol.Y[i] > sol.S[i]
			if w.active[i] && sol.Y[i] <= opt.ActiveTol*ymax {
				flags |= FlagWeaklyActive
			}
		}
	}
	return flags
}

// setReduced writes the reduced KKT [P + ρI, A_actᵀ; A_act, 0] with
// inactive rows decoupled (zero row, H = 1) and factors it.
func (w *Workspace) setReduced(v *problem.Values, rho float64) error {
	w.kkt.SetData(v.P, v.A, rho)
	w.kkt.SetActiveRows(v.A, w.active)
	return w.kkt.Factor()
}

func (w *Workspace) requireDiagonal(method string) error {
	if !w.kkt.AllDiagonal() {
		return fmt.Errorf("%w: %s supports zero and nonnegative cones only; use backward=\"kkt\" or LPGD for second-order cones", ErrUnsupported, method)
	}
	return nil
}

// bpqpBackward solves the backward QP min ½zᵀPz + gxᵀz s.t. A_act z = 0
// (and A_act z = −gy_act for dual gradients) on the active set, directly or
// by ADMM. Inactive rows have y = 0 and get zero gradients.
func (w *Workspace) bpqpBackward(v *problem.Values, sol Solution, opt *Options, g *Grad) (Flags, error) {
	if err := w.requireDiagonal("BPQP"); err != nil {
		return 0, err
	}
	n, m := w.an.St.N, w.an.St.M
	flags := w.activeSet(sol, opt)
	if err := w.setReduced(v, 0); err != nil {
		return flags, &BackwardError{"bpqp: factorization of the reduced KKT system failed"}
	}
	if w.kkt.Regularized() > 0 {
		flags |= FlagRegularized
	}
	copy(w.rhs[:n], w.gx)
	for i := 0; i < m; i++ {
		if w.active[i] {
			w.rhs[n+i] = w.gy[i]
		} else {
			w.rhs[n+i] = 0
		}
	}
	if opt.BPQPSolver == BPQPADMM {
		if err := w.admmSolve(v, opt); err != nil {
			return flags, err
		}
	} else if !w.kkt.Solve(w.rhs, w.sol) {
		return flags, &BackwardError{"bpqp: adjoint solve produced non-finite values"}
	}
	for i := 0; i < m; i++ {
		if w.active[i] {
			w.yIn[i] = sol.Y[i]
		} else {
			w.yIn[i] = 0
			w.sol[n+i] = 0
		}
	}
	w.adjointGrads(w.sol[:n], w.sol[n:], sol.X, w.yIn, g)
	return flags, nil
}

func normInf(v []float64) float64 { return vec.NormInf(v) }

// socBig stands for an infinite eigenvalue of H (a direction in which dy
// must vanish): large enough to decouple it, small enough for the
// regularized factorization and refinement to stay accurate.
const socBig = 1e10

// socDerivativeH writes the d×d block H with ds = −H dy that linearizes the
// complementarity of a second-order cone block at (s, y), as the derivative
// of the projection does (diffcp's residual map): with u = y − s, y = Π(u)
// and s = Π(u) − u, so dy = M du and ds = (M − I) du for M = DΠ(u), and
// H = M⁻¹ − I on M's eigenvectors. For u = (t, x) with ‖x‖ > |t|:
// eigenvalue 1 on (1, x̂)/√2 (H = 0), 0 on (1, −x̂)/√2 (H = ∞) and
// m = (1 + t/‖x‖)/2 on the directions (0, v ⊥ x̂) (H = (1 − m)/m).
// u ∈ K gives H = 0 (s = 0) and u ∈ −K gives H = ∞·I (y = 0).
//
// The NT scaling W² of the interior-point iterate has the same limit only
// in exact arithmetic: at a solution within rounding of the boundary it is
// meaningless, which made the kkt gradient of active SOC blocks wrong.
func socDerivativeH(h, s, y []float64) {
	d := len(s)
	for i := range h {
		h[i] = 0
	}
	t := y[0] - s[0]
	var nx float64
	for i := 1; i < d; i++ {
		u := y[i] - s[i]
		nx += u * u
	}
	nx = math.Sqrt(nx)
	switch {
	case nx <= t: // u ∈ K: y interior or apex, s = 0
		return
	case nx <= -t: // u ∈ −K: y = 0
		for i := 0; i < d; i++ {
			h[i*d+i] = socBig
		}
		return
	}
	m := 0.5 * (1 + t/nx)
	ht := (1 - m) / m
	if ht > socBig {
		ht = socBig
	}
	// H = ht·(I − e1e1ᵀ − e2e2ᵀ) + big·e2e2ᵀ with e1 = (1, x̂)/√2,
	// e2 = (1, −x̂)/√2; I − e1e1ᵀ − e2e2ᵀ = diag(0, I − x̂x̂ᵀ).
	xh := func(i int) float64 { return (y[i] - s[i]) / nx }
	for i := 1; i < d; i++ {
		for j := 1; j < d; j++ {
			v := -ht * xh(i) * xh(j)
			if i == j {
				v += ht
			}
			h[i*d+j] = v
		}
	}
	// big·e2e2ᵀ: e2 = (1, −x̂)/√2.
	e2 := func(i int) float64 {
		if i == 0 {
			return 1 / math.Sqrt2
		}
		return -xh(i) / math.Sqrt2
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			h[i*d+j] += socBig * e2(i) * e2(j)
		}
	}
}
