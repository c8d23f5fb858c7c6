// Package diff implements the backward passes of the conic layer: exact
// implicit differentiation of the KKT conditions ("kkt"), BPQP (the backward
// pass as an equality-constrained QP on the active set, Pan et al., NeurIPS
// 2024) and LPGD (Lagrangian Proximal Gradient Descent, Paulus, Martius &
// Musil, ICML 2024). All three share the structure analysis and the KKT
// machinery of package ipm, so cross-checks are cheap.
//
// Given the solution (x, y, s) of
//
//	minimize ½xᵀPx + cᵀx  subject to  Ax + s = b, s ∈ K
//
// and incoming gradients gx = ∂L/∂x, gy = ∂L/∂y, gs = ∂L/∂s, a backward pass
// returns ∂L/∂P, ∂L/∂c, ∂L/∂A, ∂L/∂b on the structure's patterns. The P
// gradient is with respect to the stored upper-triangle values: an
// off-diagonal stored value p_ij stands for both P_ij and P_ji, so its
// gradient is the sum of the two symmetric-matrix entries.
//
// The slack gradient is handled by the chain rule through s = b − Ax for
// every method: gx ← gx − Aᵀgs, and gs adds gs to ∂L/∂b and −gs xᵀ to ∂L/∂A.
package diff

import (
	"errors"
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// Sentinel errors.
var (
	// ErrOptions reports invalid backward options.
	ErrOptions = errors.New("diff: invalid backward options")
	// ErrUnsupported reports a backward method that does not apply to the
	// problem's cones.
	ErrUnsupported = errors.New("diff: backward method not supported for this problem")
	// ErrBackward reports a failed backward computation for one sample
	// (singular system, failed perturbed solve).
	ErrBackward = errors.New("diff: backward pass failed")
)

// StatusBackwardFailed is the per-sample status of a sample whose forward
// solve succeeded but whose backward pass failed (e.g. a perturbed LPGD
// solve). It extends ipm's solve statuses; the value is frozen (C ABI,
// capi/lpgd.h, Python lpgd_go.Status).
const StatusBackwardFailed ipm.Status = 8

// Method selects the backward pass. Values are frozen (C ABI).
type Method int32

// Backward methods.
const (
	MethodKKT  Method = 0
	MethodBPQP Method = 1
	MethodLPGD Method = 2
)

// Side selects LPGD's finite difference. Values are frozen (C ABI).
type Side int32

// LPGD sides.
const (
	SideRight   Side = 0
	SideLeft    Side = 1
	SideCentral Side = 2
)

// Fallback selects what LPGD does when a perturbed solve fails.
type Fallback int32

// LPGD fallbacks.
const (
	FallbackNone       Fallback = 0
	FallbackOtherSide  Fallback = 1
	FallbackSmallerTau Fallback = 2
)

// BPQPSolver selects how the BPQP backward QP is solved.
type BPQPSolver int32

// BPQP solvers.
const (
	BPQPDirect BPQPSolver = 0
	BPQPADMM   BPQPSolver = 1
)

// Flags describe how a backward pass went for one sample (bit set; values
// frozen, mirrored in capi/lpgd.h).
type Flags int32

// Backward flags.
const (
	FlagRegularized  Flags = 1
	FlagWeaklyActive Flags = 2
	FlagFastPath     Flags = 4
	FlagFallbackUsed Flags = 8
	FlagZeroGrad     Flags = 16
	// FlagFactorReused: the kkt backward (or BPQP's direct solver) solved
	// with the forward polish's factorization (Solution.Factor) instead of
	// factoring again.
	FlagFactorReused Flags = 32
)

// Options configure a backward pass. DefaultOptions documents the defaults.
type Options struct {
	Method Method
	// Tau is LPGD's perturbation size τ > 0. Default 0.1. Ignored when
	// TauAuto is set.
	Tau float64
	// TauAuto chooses τ per sample (AutoTau; on QPs capped by the
	// perturbed solution's movement, AutoTauCurvature and the rescale)
	// instead of Tau. Default false.
	TauAuto bool
	// TauTarget is the fraction κ > 0 of the data's largest entry that
	// AutoTau makes the perturbation's largest entry; on QPs it also scales
	// the cap's target move κ·0.1·‖x*‖∞ (AutoTauCurvature; the rescale acts
	// only past twice that, and is undone where its solves do not move).
	// Default 1.
	TauTarget float64
	// Rho is LPGD's proximal weight ρ ≥ 0. Default 0. Ignored when
	// RhoAuto is set.
	Rho float64
	// RhoAuto chooses ρ per sample (AutoRho) instead of Rho. Default false.
	RhoAuto bool
	// RhoTarget is the factor ϱ > 0 of AutoRho: ρ = ϱ·(cost scale)/‖x*‖∞.
	// Default 0.1.
	RhoTarget float64
	// Side is LPGD's finite difference. Default SideCentral.
	Side Side
	// Fallback is LPGD's retry policy. Default FallbackNone.
	Fallback Fallback
	// FastPath enables LPGD's warm-started perturbed solves: the
	// active-set fast path (polyhedral cones) or the tangent Newton
	// refinement from the forward's solution (other cones). Default true.
	FastPath bool
	// MaxHalvings bounds FallbackSmallerTau retries. Default 4.
	MaxHalvings int
	// BPQPSolver is the BPQP backward-QP solver. Default BPQPDirect.
	BPQPSolver BPQPSolver
	// ActiveTol: a nonnegative row is active when its dual exceeds its
	// slack (y_i > s_i); an active row with y_i ≤ ActiveTol·max(1, ‖y‖∞)
	// is weakly active (flagged, kept as active). Default 1e-6.
	ActiveTol float64
	// ADMMEps is the ADMM tolerance on the backward QP's residuals. Default 1e-9.
	ADMMEps float64
	// ADMMMaxIter bounds ADMM iterations. Default 10000.
	ADMMMaxIter int
	// ADMMRho is the ADMM penalty. Default 1.
	ADMMRho float64
}

// DefaultOptions returns the default options (method kkt).
func DefaultOptions() Options {
	return Options{
		Method: MethodKKT, Tau: 0.1, TauTarget: 1, Rho: 0, RhoTarget: 0.1, Side: SideCentral, Fallback: FallbackNone,
		FastPath: true, MaxHalvings: 4, BPQPSolver: BPQPDirect, ActiveTol: 1e-6,
		ADMMEps: 1e-9, ADMMMaxIter: 10000, ADMMRho: 1,
	}
}

// OptionError names the invalid option field.
type OptionError struct {
	Field string
	Msg   string
}

// Error implements error.
func (e *OptionError) Error() string { return "backward." + e.Field + ": " + e.Msg }

// Unwrap returns ErrOptions.
func (e *OptionError) Unwrap() error { return ErrOptions }

// Validate checks the options and names the first bad field.
func (o *Options) Validate() error {
	if o.Method < MethodKKT || o.Method > MethodLPGD {
		return &OptionError{"method", fmt.Sprintf("must be 0 (kkt), 1 (bpqp) or 2 (lpgd), got %d", o.Method)}
	}
	if !(o.Tau > 0) || math.IsInf(o.Tau, 0) {
		return &OptionError{"tau", fmt.Sprintf("must be a positive finite number, got %v", o.Tau)}
	}
	if !(o.TauTarget > 0) || math.IsInf(o.TauTarget, 0) {
		return &OptionError{"tau_target", fmt.Sprintf("must be a positive finite number, got %v", o.TauTarget)}
	}
	if !(o.RhoTarget > 0) || math.IsInf(o.RhoTarget, 0) {
		return &OptionError{"rho_target", fmt.Sprintf("must be a positive finite number, got %v", o.RhoTarget)}
	}
	if !(o.Rho >= 0) || math.IsInf(o.Rho, 0) {
		return &OptionError{"rho", fmt.Sprintf("must be a non-negative finite number, got %v", o.Rho)}
	}
	if o.Side < SideRight || o.Side > SideCentral {
		return &OptionError{"side", fmt.Sprintf("must be 0 (right), 1 (left) or 2 (central), got %d", o.Side)}
	}
	if o.Fallback < FallbackNone || o.Fallback > FallbackSmallerTau {
		return &OptionError{"fallback", fmt.Sprintf("must be 0 (none), 1 (other side) or 2 (smaller tau), got %d", o.Fallback)}
	}
	if o.MaxHalvings < 0 {
		return &OptionError{"max_halvings", fmt.Sprintf("must be ≥ 0, got %d", o.MaxHalvings)}
	}
	if o.BPQPSolver != BPQPDirect && o.BPQPSolver != BPQPADMM {
		return &OptionError{"bpqp_solver", fmt.Sprintf("must be 0 (direct) or 1 (admm), got %d", o.BPQPSolver)}
	}
	if !(o.ActiveTol > 0) || math.IsInf(o.ActiveTol, 0) {
		return &OptionError{"active_tol", fmt.Sprintf("must be a positive finite number, got %v", o.ActiveTol)}
	}
	if !(o.ADMMEps > 0) || math.IsInf(o.ADMMEps, 0) {
		return &OptionError{"admm_eps", fmt.Sprintf("must be a positive finite number, got %v", o.ADMMEps)}
	}
	if o.ADMMMaxIter < 1 {
		return &OptionError{"admm_max_iter", fmt.Sprintf("must be ≥ 1, got %d", o.ADMMMaxIter)}
	}
	if !(o.ADMMRho > 0) || math.IsInf(o.ADMMRho, 0) {
		return &OptionError{"admm_rho", fmt.Sprintf("must be a positive finite number, got %v", o.ADMMRho)}
	}
	return nil
}

// Solution is a forward solution (x, y, s).
//
// Factor is optional: the polish factor record the forward wrote for this
// sample (ipm.Solver.SetFactorSink). The kkt backward at a polished
// solution solves with it when its active set is the record's, refining
// against the active-set KKT system of the values it is given; a record
// that does not parse, does not match or does not refine to the solve
// tolerances is ignored (the system is factored as without one).
type Solution struct{ X, Y, S, Factor []float64 }

// Incoming holds the incoming gradients; Y and S may be nil (zero).
type Incoming struct{ X, Y, S []float64 }

// Grad receives the gradients on the structure's patterns; a nil field is
// not computed.
//
// DenseP and DenseA, when not nil, receive ∂P and ∂A as dense row-major
// matrices instead of P and A (leave those nil), written row by row in
// place, without a pass over the patterns (a caller's output buffer: no
// scatter afterwards). DenseP is the n×n symmetric matrix derivative (the
// layout problem.Structure.ScatterDenseP writes: the stored-value
// derivative of an off-diagonal entry halved on both sides); P's pattern
// must be the full upper triangle. DenseA holds ∂A's m rows in row blocks:
// DenseA[j] is a whole number of rows of n entries, the blocks in row
// order and covering all m rows (a caller's per-block outputs); A's pattern
// must be full. Backward fails with ErrUnsupported otherwise. Each is
// written completely on every return (zero where Backward zeroes).
type Grad struct {
	P, C, A, B []float64
	DenseP     []float64
	DenseA     [][]float64
}

// BackwardError describes a failed backward pass for one sample.
type BackwardError struct {
	Msg string
}

// Error implements error.
func (e *BackwardError) Error() string { return e.Msg }

// Unwrap returns ErrBackward.
func (e *BackwardError) Unwrap() error { return ErrBackward }
