package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// KKTSystem assembles, factors and solves
//
//	K = [ P + ρI   Aᵀ ]
//	    [ A       −H  ]
//
// on an Analysis pattern, with static regularization ±δ on the diagonal of
// the factored copy and iterative refinement against the unregularized K.
// H is block-diagonal over the cones; it is set from the cones' NT scaling
// (SetScaling), to the identity (SetIdentityH) or row by row (SetRowH, for
// the diagonal cones). It is shared by the interior-point iteration and the
// backward passes. Not safe for concurrent use.
type KKTSystem struct {
	an    *Analysis
	Cones []cone.Cone
	hbuf  [][]float64
	fac   linsys.Factorizer
	kv    []float64 // unregularized values
	kreg  []float64 // regularized values (factored)
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
	// RefineResidual is the final residual ‖rhs − K sol‖∞ of the last Solve.
	RefineResidual float64
}

// NewKKTSystem allocates a KKT system for an analysis.
func NewKKTSystem(an *Analysis, staticReg float64, refineMax int) (*KKTSystem, error) {
	st := an.St
	k := &KKTSystem{an: an, delta: staticReg, refMx: refineMax}
	k.Cones = cone.Build(st.Cones)
	k.hbuf = make([][]float64, len(k.Cones))
	for i, c := range k.Cones {
		if c.Diagonal() {
			k.hbuf[i] = make([]float64, c.Dim())
		} else {
			k.hbuf[i] = make([]float64, c.Dim()*c.Dim())
		}
	}
	f, err := an.NewFactorizer()
	if err != nil {
		return nil, err
	}
	k.fac = f
	nnz := len(an.Pat.Rowval)
	k.kv = make([]float64, nnz)
	k.kreg = make([]float64, nnz)
	k.work = make([]float64, 2*an.Dim)
	k.solB = make([]float64, an.Dim)
	k.diagH = k.AllDiagonal()
	if d, ok := f.(interface{ MulVec(x, y []float64) }); ok {
		// Dense product with the factored (regularized) copy, minus the
		// static regularization: much faster than the sparse product.
		k.mul = func(x, y []float64) {
			d.MulVec(x, y)
			for i, sg := range an.Signs {
				y[i] -= sg * k.dUsed * x[i]
			}
		}
	} else {
		k.mul = func(x, y []float64) { linsys.SymMulVec(&an.Pat, k.kv, x, y) }
	}
	return k, nil
}

// Analysis returns the analysis the system was made for.
func (k *KKTSystem) Analysis() *Analysis { return k.an }

// SetData writes P + ρI and A into the matrix (values on the structure's
// patterns) and clears H.
func (k *KKTSystem) SetData(pv, av []float64, rho float64) {
	k.dCur, k.fixed, k.noLow = k.delta, false, false
	for i := range k.kv {
		k.kv[i] = 0
	}
	for i, idx := range k.an.PMap {
		k.kv[idx] = pv[i]
	}
	if rho != 0 {
		for j := 0; j < k.an.St.N; j++ {
			k.kv[k.an.Diag[j]] += rho
		}
	}
	for i, idx := range k.an.AMap {
		k.kv[idx] = av[i]
	}
}

// SetARow overwrites the values of row i of A in the matrix with scale·A
// (scale 0 decouples the row; used for inactive constraints).
func (k *KKTSystem) SetARow(i int, av []float64, scale float64, rowEntries []int) {
	for _, e := range rowEntries {
		k.kv[k.an.AMap[e]] = scale * av[e]
	}
}

// SetIdentityH sets H = I on every cone block except the zero cone (H = 0).
func (k *KKTSystem) SetIdentityH() {
	for i, c := range k.Cones {
		h := k.hbuf[i]
		d := c.Dim()
		for j := range h {
			h[j] = 0
		}
		if _, isZero := c.(*cone.Zero); !isZero {
			if c.Diagonal() {
				for j := 0; j < d; j++ {
					h[j] = 1
				}
			} else {
				for j := 0; j < d; j++ {
					h[j*d+j] = 1
				}
			}
		}
	}
	k.writeH()
}

// SetScaling sets H = WᵀW from the NT scaling of every cone at the interior
// point (s, z).
func (k *KKTSystem) SetScaling(s, z []float64) {
	for i, c := range k.Cones {
		o, d := k.an.ConeOff[i], k.an.ConeDim[i]
		c.UpdateScaling(s[o:o+d], z[o:o+d])
		c.HBlock(k.hbuf[i])
	}
	k.writeH()
}

// SetHFromCones sets H from the cones' current scaling (UpdateScaling must
// have been called on k.Cones).
func (k *KKTSystem) SetHFromCones() {
	for i, c := range k.Cones {
		c.HBlock(k.hbuf[i])
	}
	k.writeH()
}

// SetDiagH sets H to diag(h) for all rows; only valid when every cone block
// is diagonal (zero, nonnegative, SOC of dimension 1).
func (k *KKTSystem) SetDiagH(h []float64) {
	for i, c := range k.Cones {
		o, d := k.an.ConeOff[i], k.an.ConeDim[i]
		copy(k.hbuf[i][:d], h[o:o+d])
		_ = c
	}
	k.writeH()
}

// AllDiagonal reports whether every cone block has a diagonal H.
func (k *KKTSystem) AllDiagonal() bool {
	for _, c := range k.Cones {
		if !c.Diagonal() {
			return false
		}
	}
	return true
}

func (k *KKTSystem) writeH() {
	n := k.an.St.N
	for i, c := range k.Cones {
		h := k.hbuf[i]
		d := c.Dim()
		o := k.an.ConeOff[i]
		if c.Diagonal() {
			for j := 0; j < d; j++ {
				k.kv[k.an.Diag[n+o+j]] = -h[j]
			}
			continue
		}
		mp := k.an.SOCMap[i]
		for ii := 0; ii < d; ii++ {
			for jj := ii; jj < d; jj++ {
				k.kv[mp[ii*d+jj]] = -h[ii*d+jj]
			}
		}
	}
}

// factorRetries is how many times Factor raises δ (by factorRetryGrowth)
// after a breakdown.
const (
	factorRetries     = 2
	factorRetryGrowth = 100
)

// Factor builds the regularized copy and factors it. If the factorization
// breaks down (a non-finite pivot) or needs dynamically regularized pivots,
// it is retried with δ raised 100-fold, at most twice, and a δ that worked
// is kept for the following factorizations of the same data (SetData
// resets it). Near the optimum of a degenerate LP both the x block (free
// variables: δ + z/s) and the equality rows (−δ) have pivots of size δ,
// and elimination errors of size ‖A‖²/δ flip pivot signs until the
// factorization overflows; a larger δ bounds that growth, and iterative
// refinement against the unregularized K (Solve) removes the larger
// perturbation from the solutions. When raising δ does not remove the
// regularized pivots (dependent equality rows need them at any δ), the
// matrix is factored at the starting δ again and later factorizations no
// longer retry unless they break down.
func (k *KKTSystem) Factor() error {
	if k.dCur == 0 {
		k.dCur = k.delta
	}
	d := k.dCur
	var err error
	for try := 0; try <= factorRetries; try++ {
		err = k.factorAt(d)
		if err == nil && (k.fac.Regularized() == 0 || k.fixed) {
			k.dCur = d
			return nil
		}
		d *= factorRetryGrowth
	}
	if err != nil {
		return err
	}
	// Regularized pivots at every δ: they are structural (dependent rows),
	// not growth. Factor at the starting δ again and stop retrying.
	k.fixed = true
	return k.factorAt(k.dCur)
}

// Regularized returns the number of dynamically regularized pivots of the
// last factorization.
func (k *KKTSystem) Regularized() int { return k.fac.Regularized() }

// refineBad is the relative residual ‖rhs − K sol‖∞ / max(1, ‖rhs‖∞)
// above which Solve considers the refinement failed; minDelta bounds how far
// Solve lowers δ. At 1e-9 the lowering also fired on the LISWET problems'
// mild stalls, and their iterations then lost τ and crawled (three more
// Maros–Mészáros failures); at 1e-6 it fires on STADAT1 only.
const (
	refineBad = 1e-6
	minDelta  = 1e-11
)

// Solve solves K sol = rhs with iterative refinement; it reports false if
// the solution is not finite. When refinement stalls (relative residual
// above refineBad: the static regularization is too large a perturbation
// of an ill-conditioned K for the refinement to contract, as on the
// equilibrated STADAT1 problem, whose first solves stalled at 3e-4), K is
// refactored with δ lowered 100-fold (repeatedly, down to minDelta, while
// the residual improves); a lower δ that helped is kept for the following
// factorizations, and lowering is not tried again in this solve once it
// did not help. Only with diagonal cone blocks (LPs and QPs): with
// second-order cones the residual near the cone boundary comes from the
// H blocks, and a smaller δ only made the steps fail.
func (k *KKTSystem) Solve(rhs, sol []float64) bool {
	k.solveRefined(rhs, sol)
	bad := refineBad * math.Max(1, vec.NormInf(rhs))
	for k.RefineResidual > bad && !k.noLow && k.diagH && k.dUsed/factorRetryGrowth >= minDelta {
		prev, dPrev := k.RefineResidual, k.dUsed
		copy(k.solB, sol)
		if k.factorAt(dPrev/factorRetryGrowth) == nil && k.fac.Regularized() == 0 {
			k.solveRefined(rhs, sol)
			if k.RefineResidual < prev {
				k.dCur = k.dUsed
				continue
			}
		}
		// No better: back to the previous factorization and solution.
		k.noLow = true
		if k.factorAt(dPrev) != nil {
			return false
		}
		copy(sol, k.solB)
		k.RefineResidual = prev
	}
	return finite(sol)
}

func (k *KKTSystem) solveRefined(rhs, sol []float64) {
	copy(sol, rhs)
	k.fac.Solve(sol)
	k.RefineResidual = linsys.RefineWith(k.fac, k.mul, rhs, sol, k.work, k.refMx, refineAbsTol, refineRelTol)
}

// factorAt factors the matrix regularized by exactly d.
func (k *KKTSystem) factorAt(d float64) error {
	copy(k.kreg, k.kv)
	for i, idx := range k.an.Diag {
		k.kreg[idx] += k.an.Signs[i] * d
	}
	k.dUsed = d
	return k.fac.Factor(k.kreg)
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// MulH computes out = H v blockwise.
func (k *KKTSystem) MulH(out, v []float64) {
	for i, c := range k.Cones {
		h := k.hbuf[i]
		d := c.Dim()
		o := k.an.ConeOff[i]
		if c.Diagonal() {
			for j := 0; j < d; j++ {
				out[o+j] = h[j] * v[o+j]
			}
			continue
		}
		for r := 0; r < d; r++ {
			var acc float64
			row := h[r*d : r*d+d]
			for j, hv := range row {
				acc += hv * v[o+j]
			}
			out[o+r] = acc
		}
	}
}

// QuadH returns vᵀHv = Σ‖W_k v_k‖² over the cones, from the scaling set by
// SetScaling (stable where the explicit H has large cancelling entries).
func (k *KKTSystem) QuadH(v []float64) float64 {
	var acc float64
	for i, c := range k.Cones {
		o, d := k.an.ConeOff[i], k.an.ConeDim[i]
		acc += c.QuadH(v[o : o+d])
	}
	return acc
}

// SetBlockH overwrites the H block of cone i (row-major d×d, or its
// diagonal for a diagonal cone) and writes it into the matrix.
func (k *KKTSystem) SetBlockH(i int, h []float64) {
	copy(k.hbuf[i], h)
	k.writeH()
}
