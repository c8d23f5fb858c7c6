package diff

import (
	"fmt"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Workspace holds per-worker memory for backward passes on one analysis. It
// is not safe for concurrent use; make one per goroutine.
type Workspace struct {
	an  *kkt.Analysis
	set ipm.Settings
	kkt *kkt.System
	ipm *ipm.Solver // lazily created for LPGD full re-solves

	intr ipm.Interrupt // set by SetInterrupt
	cur  ipm.Interrupt // of the running Backward call (intr + TimeLimit)

	noDiagX bool // tests: active-set systems by SetActiveRows even for a diagonal P
	pDiag   bool // SetPDiagonal: the values' off-diagonal P entries are known zero

	rowEntries [][]int         // A value indices of every row
	rows       []cone.RowClass // class of every row (equality, inequality, …)

	gx, gy     []float64
	rhs, sol   []float64
	yIn        []float64
	h          []float64
	active     []bool
	weak       []bool // weakly active rows of a polished solution
	bpqpAct    []bool // BPQP's active set while bpqpReuse compares (lazily)
	pert       problem.Values
	xp, yp, sp []float64 // perturbed solution
	xm, ym     []float64 // second perturbed solution
	keep       []float64 // autoTauRescale's copy of xp, yp, xm, ym (lazily)
	lagRows    []int     // lagrangianDiff's rows with a nonzero multiplier
	// denseDone: the method wrote Grad.DenseP and Grad.DenseA (each of
	// its writers does; Backward zeroes them on every other return).
	denseDone    bool
	res          ipm.Result
	reducedReady bool      // LPGD: base system factored and base point optimal
	reducedTried bool      // LPGD: warmBase ran for this sample
	warm         *warmWork // LPGD warm-started active-set solves (lazy)
	stats        Stats
	admm         *admmWork
	sSOC, ySOC   []float64 // BPQP with second-order cones: (s, y) for ProjectionH
	lim          *kktLimit // kkt's refinement against the limit system (lazily, SOC problems only)
	fp           float64   // ipm.StructureFingerprint of the analysis's structure (fpSet: computed)
	fpSet        bool
	rwork        []float64 // 3(n+m): refinement scratch of the factor reuse (reuse.go)
	reuse        scaledDual
	actMask      []uint64 // activeKNormInf's all-ones/zero mask of the active rows (lazily)
}

// NewWorkspace allocates a backward workspace with its own KKT system.
func NewWorkspace(an *kkt.Analysis, set ipm.Settings) (*Workspace, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	k, err := kkt.New(an, set.StaticReg, set.IterRefineMax)
	if err != nil {
		return nil, err
	}
	return NewWorkspaceOn(k, set)
}

// NewWorkspaceOn allocates a backward workspace that factors its systems in
// k, typically the KKT system of the forward solver of the same batch
// worker (ipm.Solver.KKT): a backward pass assembles the system anew, so
// sharing it only excludes concurrent use, and it saves the largest
// buffers of a dense problem (the KKT values and the dense factor, O(n²)
// each). LPGD's full re-solves still use a solver of their own.
func NewWorkspaceOn(k *kkt.System, set ipm.Settings) (*Workspace, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	k.SetRegularization(set.StaticReg, set.IterRefineMax)
	an := k.Analysis()
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
	w.rows = make([]cone.RowClass, m)
	k.Cones().RowClasses(w.rows)
	vec := func(k int) []float64 { return make([]float64, k) }
	w.gx, w.gy = vec(n), vec(m)
	w.rhs, w.sol = vec(n+m), vec(n+m)
	w.yIn = vec(m)
	w.h = vec(m)
	w.active = make([]bool, m)
	w.weak = make([]bool, m)
	// P and A of the perturbed problem alias the caller's (LPGD perturbs
	// only c and b): no O(nnz) copies.
	w.pert = problem.Values{C: vec(n), B: vec(m)}
	w.xp, w.yp, w.sp = vec(n), vec(m), vec(m)
	w.xm, w.ym = vec(n), vec(m)
	w.res = ipm.Result{X: w.xp, Y: w.yp, S: w.sp}
	w.rwork = vec(3 * (n + m))
	return w, nil
}

// SetSettings changes the solver settings used by re-solves and KKT solves.
func (w *Workspace) SetSettings(set ipm.Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	w.set = set
	w.kkt.SetRegularization(set.StaticReg, set.IterRefineMax)
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
	if err := w.checkDense(g); err != nil {
		zeroGrad(g)
		return 0, err
	}
	// The dense outputs are written once, by the method's writer (no
	// zeroing pass over a caller's buffer first), or zeroed on the returns
	// without one.
	zeroSparse(g)
	w.denseDone = false
	w.stats = Stats{}
	w.startInterrupt()
	if normInf(w.gx) == 0 && normInf(w.gy) == 0 {
		zeroDense(g)
		w.addSlackTerms(v, sol, in, g)
		return FlagZeroGrad, nil
	}
	if err := w.stopped(); err != nil {
		zeroDense(g)
		return 0, err
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
	if !w.denseDone {
		zeroDense(g)
	}
	w.addSlackTerms(v, sol, in, g)
	return flags, nil
}

// checkDense checks g's dense outputs against the structure: DenseP needs
// P's full upper pattern and n² entries, DenseA A's full pattern and row
// blocks of whole rows covering its m rows.
func (w *Workspace) checkDense(g *Grad) error {
	st := w.an.St
	n, m := st.N, st.M
	if g.DenseP != nil && (st.P.Nnz() != n*(n+1)/2 || len(g.DenseP) != n*n) {
		return fmt.Errorf("%w: a dense ∂P needs P's full upper pattern and n² = %d entries (got %d)", ErrUnsupported, n*n, len(g.DenseP))
	}
	if g.DenseA == nil {
		return nil
	}
	if !st.DenseA() {
		return fmt.Errorf("%w: a dense ∂A needs A's full pattern", ErrUnsupported)
	}
	rows := 0
	for _, blk := range g.DenseA {
		if n == 0 || len(blk)%n != 0 {
			if n == 0 && len(blk) == 0 {
				continue
			}
			return fmt.Errorf("%w: a dense ∂A row block of %d entries is not whole rows of %d", ErrUnsupported, len(blk), n)
		}
		rows += len(blk) / n
	}
	if n > 0 && rows != m {
		return fmt.Errorf("%w: the dense ∂A row blocks cover %d rows, A has %d", ErrUnsupported, rows, m)
	}
	return nil
}

// denseRows calls f(i, row) for each row i of g.DenseA in order.
func denseRows(g *Grad, n int, f func(i int, row []float64)) {
	i := 0
	for _, blk := range g.DenseA {
		for r := 0; r+n <= len(blk) && n > 0; r += n {
			f(i, blk[r:r+n:r+n])
			i++
		}
	}
}

// LastStats returns the statistics of the last Backward call (LPGD's
// active-set changes and how its perturbed problems were solved).
func (w *Workspace) LastStats() Stats { return w.stats }

func zeroGrad(g *Grad) {
	zeroSparse(g)
	zeroDense(g)
}

// zeroSparse zeroes g's pattern-form outputs (P, C, A, B).
func zeroSparse(g *Grad) {
	for _, s := range [][]float64{g.P, g.C, g.A, g.B} {
		clear(s)
	}
}

// zeroDense zeroes g's dense outputs (DenseP, DenseA's blocks).
func zeroDense(g *Grad) {
	clear(g.DenseP)
	for _, blk := range g.DenseA {
		clear(blk)
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
	x := sol.X[:st.N]
	denseRows(g, st.N, func(i int, row []float64) {
		si := in.S[i]
		for j, xj := range x {
			row[j] -= si * xj
		}
	})
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
				g.A[k] = -(float64(yEff[i]*u[j]) + float64(vv[i]*x[j]))
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
					g.P[k] = -(float64(u[i]*x[j]) + float64(u[j]*x[i]))
				}
			}
		}
	}
	w.adjointDense(u, vv, x, yEff, g)
}

// adjointDense is adjointGrads for g's dense outputs, row by row: ∂A's row
// i is −(yEff_i u + v_i x), ∂P's entry (i, j) −½(u_i x_j + u_j x_i) — the
// values ScatterDenseA and ScatterDenseP make of the pattern form, to the
// bit (the sum commutes; halving and negating are exact). Each product is
// rounded (float64) as the pattern form's are, so that a build which
// fuses multiply–adds (GOAMD64=v3, arm64) computes the same values.
func (w *Workspace) adjointDense(u, vv, x, yEff []float64, g *Grad) {
	n := w.an.St.N
	u, x = u[:n], x[:n]
	denseRows(g, n, func(i int, row []float64) {
		yi, vi := yEff[i], vv[i]
		u, x := u[:len(row)], x[:len(row)]
		for j := range row {
			row[j] = -(float64(yi*u[j]) + float64(vi*x[j]))
		}
	})
	if p := g.DenseP; p != nil {
		p = p[:n*n]
		for i := 0; i < n; i++ {
			ui, xi := u[i], x[i]
			p[i*n+i] = -ui * xi
			// The pair (i, j), j > i, once, u_lo x_hi + u_hi x_lo, into
			// both triangles (row i right of the diagonal, column i below
			// it: index k): ∂P is exactly symmetric, and each entry is the
			// value the row-by-row form gave either triangle.
			row := p[i*n+i+1 : i*n+n]
			us, xs := u[i+1:], x[i+1:]
			us, xs = us[:len(row)], xs[:len(row)]
			k := (i+1)*n + i
			for j := range row {
				t := 0.5 * -(float64(ui*xs[j]) + float64(us[j]*xi))
				row[j] = t
				p[k] = t
				k += n
			}
		}
	}
	w.denseDone = true
}

func normInf(v []float64) float64 { return vec.NormInf(v) }
