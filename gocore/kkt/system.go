package kkt

import (
	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// System assembles, factors and solves
//
//	K = [ P + ρI   Aᵀ ]
//	    [ A       −H  ]
//
// on an Analysis pattern, with static regularization ±δ on the diagonal of
// the factored copy and iterative refinement against the unregularized K.
// H is block-diagonal over the cones; it is set from the cones' NT scaling
// (SetScaling), to the identity (SetIdentityH) or row by row (SetDiagH, for
// diagonal cones). It is shared by the interior-point iteration and the
// backward passes. Not safe for concurrent use.
type System struct {
	an    *Analysis
	cones *cone.Composite
	hs    []float64 // H packed as cone.Composite lays it out
	hrow  []float64 // per-row diagonal H (SetActiveRows)
	fac   linsys.Factorizer
	kv    []float64 // unregularized values
	dsave []float64 // diagonal of kv while factorAt regularizes it in place
	work  []float64
	delta float64 // static regularization δ
	dUsed float64 // δ of the last factorization (see Factor)
	dCur  float64 // δ the next factorization starts from
	fixed bool    // raising δ did not remove regularized pivots: stop trying
	noLow bool    // lowering δ did not help refinement: stop trying
	diagH bool    // every cone block is diagonal (no second-order cones)
	solB  []float64
	refMx int
	mul   func(x, y []float64) // y = K x (unregularized)
	res   float64              // final refinement residual of the last Solve
	// Fast (normal-equations) mode of the factorization (tier.go).
	tier      linsys.Tiered         // nil: the factorization has a single form
	wantFast  bool                  // the H set last allows the fast forms
	wantExact bool                  // the active-set system set last may use an exact form (SetActiveRowsSameData)
	tierCur   int                   // first form to try (raised by failures since the last SetData)
	noFast    bool                  // SetFastAllowed(false)
	regFree   linsys.ExactForms     // forms that factor K without static regularization (nil: none)
	asForms   linsys.ActiveSetForms // forms that may serve the polish's active-set systems (nil: none)
	stats     TierStats
}

// New allocates a KKT system for an analysis with static regularization
// staticReg (δ) and at most refineMax refinement steps per solve.
func New(an *Analysis, staticReg float64, refineMax int) (*System, error) {
	st := an.St
	k := &System{an: an, delta: staticReg, refMx: refineMax}
	k.cones = cone.NewComposite(st.Cones)
	k.hs = make([]float64, k.cones.HLen())
	k.hrow = make([]float64, st.M)
	f, err := an.NewFactorizer()
	if err != nil {
		return nil, err
	}
	k.fac = f
	nnz := len(an.pat.Rowval)
	k.kv = make([]float64, nnz)
	k.dsave = make([]float64, an.Dim)
	k.work = make([]float64, 2*an.Dim)
	k.solB = make([]float64, an.Dim)
	k.diagH = k.AllDiagonal()
	if t, ok := f.(linsys.Tiered); ok && an.fastOK {
		k.tier = t
		k.regFree, _ = f.(linsys.ExactForms)
		k.asForms, _ = f.(linsys.ActiveSetForms)
	}
	if d, ok := f.(linsys.Multiplier); ok {
		// Dense product with the factored (regularized) copy, minus the
		// static regularization: much faster than the sparse product.
		k.mul = func(x, y []float64) {
			d.MulVec(x, y)
			for i, sg := range an.signs {
				y[i] -= sg * k.dUsed * x[i]
			}
		}
	} else {
		k.mul = func(x, y []float64) { linsys.SymMulVec(&an.pat, k.kv, x, y) }
	}
	return k, nil
}

// Analysis returns the analysis the system was made for.
func (k *System) Analysis() *Analysis { return k.an }

// Cones returns the product cone whose scaling forms H.
func (k *System) Cones() *cone.Composite { return k.cones }

// SetRegularization changes the static regularization δ and the refinement
// limit for the following SetData and solves.
func (k *System) SetRegularization(staticReg float64, refineMax int) {
	k.delta, k.refMx = staticReg, refineMax
}

// SetData writes P + ρI and A into the matrix (values on the structure's
// patterns) and clears H.
func (k *System) SetData(pv, av []float64, rho float64) {
	k.dCur, k.fixed, k.noLow = k.delta, false, false
	k.tierCur, k.wantFast, k.wantExact = 0, false, false
	for i := range k.kv {
		k.kv[i] = 0
	}
	for i, idx := range k.an.pmap {
		k.kv[idx] = pv[i]
	}
	if rho != 0 {
		for j := 0; j < k.an.St.N; j++ {
			k.kv[k.an.diag[j]] += rho
		}
	}
	for i, idx := range k.an.amap {
		k.kv[idx] = av[i]
	}
}

// AddDiagX adds d[j] to the diagonal entry of variable j (the x block),
// after SetData; used for a proximal term ρ scaled by the equilibration.
func (k *System) AddDiagX(d []float64) {
	for j, v := range d {
		k.kv[k.an.diag[j]] += v
	}
}

// SetARow overwrites the values of row i of A in the matrix with scale·A
// (scale 0 decouples the row; used for inactive constraints).
func (k *System) SetARow(i int, av []float64, scale float64, rowEntries []int) {
	for _, e := range rowEntries {
		k.kv[k.an.amap[e]] = scale * av[e]
	}
}

// SetActiveRows turns the system set by SetData into the active-set system
//
//	[ P + ρI   A_actᵀ ]
//	[ A_act    0      ]
//
// used by the solver's polish and by the backward passes (BPQP, the LPGD
// fast path, kkt on a polished solution): an active row keeps its A row and
// gets H = 0; an inactive row is decoupled (A row zeroed, H = 1), so its
// multiplier solves −y_i = rhs_i. av are the A values SetData wrote. Only
// valid when every cone block is diagonal (AllDiagonal).
func (k *System) SetActiveRows(av []float64, active []bool) {
	st := k.an.St
	for j := 0; j < st.N; j++ {
		for e := st.A.Colptr[j]; e < st.A.Colptr[j+1]; e++ {
			if !active[st.A.Rowval[e]] {
				k.kv[k.an.amap[e]] = 0
			}
		}
	}
	for i, act := range active {
		if act {
			k.hrow[i] = 0
		} else {
			k.hrow[i] = 1
		}
	}
	k.SetDiagH(k.hrow)
}

// SetActiveRowsSameData is SetActiveRows for an active-set system whose
// data (SetData, AddDiagX) are those of the interior-point systems factored
// since the last SetData, as the solver's polish has: a form that factors
// K exactly (linsys.ExactForms: DenseDual) may serve it, reusing the
// products of P and A it formed for those systems (DenseDual masks the
// decoupled rows instead of forming A(P + δI)⁻¹Aᵀ again). Its refined
// residual is checked as for the interior-point systems; a breakdown,
// regularized pivots (dependent active rows) or a missed residual moves
// to the accurate form.
func (k *System) SetActiveRowsSameData(av []float64, active []bool) {
	k.SetActiveRows(av, active)
	k.wantExact = true
}

// SetIdentityH sets H = I on every cone block except the zero cone (H = 0),
// the scaling of the starting point.
func (k *System) SetIdentityH() {
	k.wantFast = true
	k.wantExact = false
	k.cones.SetIdentityScaling()
	k.cones.ScalingH(k.hs)
	k.writeH()
}

// SetScaling sets H = WᵀW from the NT scaling of every cone at the interior
// point (s, z).
func (k *System) SetScaling(s, z []float64) {
	k.wantFast = true
	k.wantExact = false
	k.cones.UpdateScaling(s, z)
	k.cones.ScalingH(k.hs)
	k.writeH()
}

// SetProjectionH sets H to the linearization of complementarity at a
// solution (s, y) used by the kkt backward pass (cone.Cone.ProjectionH).
func (k *System) SetProjectionH(s, y []float64) {
	k.wantFast = false
	k.wantExact = false
	k.cones.ProjectionH(k.hs, s, y)
	k.writeH()
}

// SetNewtonPairH sets H to the tangent space of the complementarity set at
// a complementary pair (ŝ, ŷ) near (s, y), written into (sh, yh), for the
// solver's tangent Newton refinement (cone.Composite.NewtonPair); false
// (H unchanged in the matrix) when some block has no such pair.
func (k *System) SetNewtonPairH(s, y, sh, yh []float64) bool {
	if !k.cones.NewtonPair(s, y, sh, yh, k.hs) {
		return false
	}
	k.wantFast = false
	k.writeH()
	return true
}

// SetDiagH sets H to diag(h) for all rows; only valid when every cone block
// is diagonal (AllDiagonal).
func (k *System) SetDiagH(h []float64) {
	k.wantFast = false
	k.wantExact = false
	k.cones.DiagH(k.hs, h)
	k.writeH()
}

// AllDiagonal reports whether every cone block has a diagonal H.
func (k *System) AllDiagonal() bool { return k.cones.Diagonal() }

// writeH writes −H into the (z, z) block of the unregularized matrix.
func (k *System) writeH() {
	for p, idx := range k.an.hmap {
		if idx >= 0 {
			k.kv[idx] = -k.hs[p]
		}
	}
}

// MulH computes out = H v.
func (k *System) MulH(out, v []float64) { k.cones.MulH(k.hs, out, v) }

// QuadH returns vᵀHv = Σ‖W_k v_k‖² over the cones, from the scaling set by
// SetScaling (stable where the explicit H has large cancelling entries).
func (k *System) QuadH(v []float64) float64 { return k.cones.QuadH(v) }

// FactorState is the adaptive state of a System's factorization that
// persists across factorizations of one data set (since the last SetData):
// the regularization δ the next factorization starts from, whether raising
// or lowering δ has been given up, the first form to try and which forms
// the H set last allows. Values compare with ==.
type FactorState struct {
	dCur                float64
	fixed, noLow        bool
	tierCur             int
	wantFast, wantExact bool
}

// FactorState returns the current adaptive factorization state.
func (k *System) FactorState() FactorState {
	return FactorState{dCur: k.dCur, fixed: k.fixed, noLow: k.noLow, tierCur: k.tierCur,
		wantFast: k.wantFast, wantExact: k.wantExact}
}

// RestoreFactorState restores a state returned by FactorState, for a caller
// that borrowed the system for another matrix (calling SetData, which
// resets it) and gives it back to an iteration that has not finished. The
// matrix values, H and the factorization are not restored: the caller's
// next use must set H and factor again (as every interior-point step does).
func (k *System) RestoreFactorState(s FactorState) {
	k.dCur, k.fixed, k.noLow, k.tierCur = s.dCur, s.fixed, s.noLow, s.tierCur
	k.wantFast, k.wantExact = s.wantFast, s.wantExact
}
