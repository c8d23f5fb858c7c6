// Package cone implements the cones of the canonical form, one file per
// cone: the symmetric cones with Nesterov–Todd scaling as used by ECOS and
// Clarabel, and the exponential cone with Clarabel's primal–dual scaling for
// non-symmetric cones (see NonSymmetric and Exp).
//
// Notation (per cone block): s is the primal slack, z the dual variable,
// W the NT scaling matrix with W z = W⁻ᵀ s = λ, and ∘ the Jordan product of
// the cone. The linearised complementarity condition used by the
// interior-point method is
//
//	λ ∘ (W Δz + W⁻ᵀ Δs) = −ds,
//
// which gives Δs = −Wᵀ(λ \ ds) − WᵀW Δz. The KKT system therefore carries the
// block −WᵀW in the (z,z) position and the term Wᵀ(λ \ ds) on the right-hand
// side. All methods work on the slices of one cone block; they never
// allocate after construction.
package cone

import "math"

// Cone is one block of the product cone K.
type Cone interface {
	// Dim is the number of rows the cone occupies.
	Dim() int
	// Degree is the barrier degree (0 for the zero cone, Dim for the
	// nonnegative orthant, 1 for a second-order cone).
	Degree() int
	// Diagonal reports whether WᵀW is diagonal (zero and nonnegative cones).
	Diagonal() bool
	// UnitInit sets s and z to the identity element e (s = 0 for the zero cone).
	UnitInit(s, z []float64)
	// ShiftToCone moves v into the interior of the cone: if its smallest
	// "eigenvalue" is below √ε it adds (1 − that value)·e. The zero cone sets
	// the primal slack to zero (isDual false) and leaves duals alone.
	ShiftToCone(v []float64, isDual bool)
	// UpdateScaling computes the NT scaling W and λ at the interior point (s, z).
	UpdateScaling(s, z []float64)
	// HBlock writes WᵀW. For diagonal cones only dst[i] (i < Dim) is written
	// (the diagonal); otherwise a row-major Dim×Dim matrix.
	HBlock(dst []float64)
	// LambdaSquare writes λ ∘ λ into ds (the affine right-hand side).
	LambdaSquare(ds []float64)
	// CombinedShift adds the Mehrotra second-order correction to ds:
	// ds += (W⁻ᵀ Δs_a) ∘ (W Δz_a) − σμ e.
	CombinedShift(ds, dz, dsA []float64, sigmaMu float64)
	// DsHat writes out = Wᵀ(λ \ ds), so that Δs = −out − WᵀW Δz.
	DsHat(out, ds []float64)
	// StepLength returns the largest α ≤ αmax with z + αΔz and s + αΔs in
	// the cone (the dual and primal step separately).
	StepLength(dz, ds, z, s []float64, alphaMax float64) (alphaZ, alphaS float64)
	// Complementarity returns sᵀz of the block.
	Complementarity(s, z []float64) float64
	// QuadH returns vᵀWᵀWv = ‖Wv‖², computed through W (not the explicit
	// WᵀW, whose large entries cancel when the iterate nears the boundary).
	QuadH(v []float64) float64
	// SetIdentityScaling sets W = I and λ = e, so that HBlock writes the
	// identity (zero for the zero cone); used for the starting point.
	SetIdentityScaling()
	// RectifyScaling turns a positive row scaling e of the block (from the
	// equilibration) into one the cone is invariant under: a second-order
	// cone needs one value on all its rows (the smallest is taken); the
	// orthants accept any positive diagonal and leave e alone.
	RectifyScaling(e []float64)
	// ProjectionH writes, in HBlock's layout, the H with ds = −H dy that
	// linearizes complementarity at a solution (s, y) which may lie on the
	// boundary, as used by the "kkt" backward pass: the derivative of the
	// projection where the NT scaling of (s, y) is not meaningful.
	ProjectionH(h, s, y []float64)
	// Rows describes the block's rows to active-set methods.
	Rows() RowClass
}

// NonSymmetric is implemented by the cones without a self-scaled barrier
// (the exponential cone). Their Cone methods keep the solver's step
// unchanged in form but not in meaning: HBlock writes the primal–dual
// scaling Hs (Hs z = s, not WᵀW of an NT scaling), LambdaSquare writes the
// affine right-hand side ds = s, CombinedShift adds σμ∇f*(z) minus the
// third-order correction, DsHat is the identity, and StepLength backtracks.
// What the solver must treat differently is exposed here and through
// Composite.Symmetric: the starting point (UnitInit, never the symmetric
// least-squares start), the choice between the primal–dual and the dual
// scaling, and a barrier for the centrality check of the dual-scaling steps.
type NonSymmetric interface {
	Cone
	// SetScalingStrategy selects the scaling the next UpdateScaling
	// computes: the primal–dual one (dual false; it falls back to the dual
	// one where it is undefined) or the dual one μ∇²f*(z) with the
	// iterate's μ.
	SetScalingStrategy(dual bool, mu float64)
	// Barrier returns f(s) + f*(z) of the block's primal and dual barriers
	// (+Inf when s or z is not strictly inside).
	Barrier(s, z []float64) float64
}

// RowClass describes the rows of a cone block to the active-set methods
// (the solver's polish, BPQP, LPGD's fast path) and to the dense path's
// Schur elimination.
type RowClass int8

// Row classes.
const (
	// RowsNonPolyhedral: the block has no description row by row (its
	// faces are not given by linear equalities on its rows).
	RowsNonPolyhedral RowClass = iota
	// RowsEquality: every row is an equality s_i = 0 with a free
	// multiplier, always active; H = 0.
	RowsEquality
	// RowsInequality: every row is a sign constraint s_i ≥ 0, y_i ≥ 0,
	// s_i·y_i = 0, active when y_i > s_i; H is a positive diagonal.
	RowsInequality
)

// interiorFloor keeps s and y strictly inside an orthant where ProjectionH
// forms s/y at a solution (an exactly zero entry would give 0/0 or ∞).
const interiorFloor = 1e-30

// sqrtEps is √(machine epsilon), the interior margin of Clarabel's shift_to_cone.
var sqrtEps = math.Sqrt(2.220446049250313e-16)

// Build returns the cone blocks of specs in row order, skipping empty
// blocks. Every spec must be valid (Spec.Check).
func Build(specs []Spec) []Cone {
	out := make([]Cone, 0, len(specs))
	for _, sp := range specs {
		if sp.Dim == 0 {
			continue
		}
		out = append(out, New(sp))
	}
	return out
}
