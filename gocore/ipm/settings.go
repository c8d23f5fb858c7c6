// Package ipm is a primal-dual interior-point method for the canonical conic
// program of package problem. It follows the homogeneous embedding of
// Clarabel (Goulart & Chen, 2024), which handles a quadratic objective
// directly, with Mehrotra predictor–corrector steps and Nesterov–Todd
// scaling, and detects primal and dual infeasibility with certificates.
package ipm

import (
	"errors"
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
)

// Status is the outcome of one solve. The integer values are frozen: they
// cross the C ABI and are mirrored in capi/lpgd.h and in the Python
// lpgd_go.Status enum. Append only; value 8 is taken by
// diff.StatusBackwardFailed.
type Status int32

// Solve outcomes.
const (
	// StatusUnsolved means the problem was not attempted (for example a
	// batch element skipped after a call error).
	StatusUnsolved Status = 0
	// StatusSolved means all termination tolerances were met.
	StatusSolved Status = 1
	// StatusPrimalInfeasible means a certificate of primal infeasibility
	// (y ∈ K*, Aᵀy = 0, bᵀy < 0) was found; y holds it, x is NaN.
	StatusPrimalInfeasible Status = 2
	// StatusDualInfeasible means a certificate of dual infeasibility
	// (unboundedness: Px = 0, Ax ∈ −K, cᵀx < 0) was found; x holds it.
	StatusDualInfeasible Status = 3
	// StatusMaxIterations means the iteration limit was hit before convergence.
	StatusMaxIterations Status = 4
	// StatusNumericalError means the KKT factorization failed or the
	// iteration stopped making progress.
	StatusNumericalError Status = 5
	// StatusAlmostSolved means the full tolerances were not met but the
	// reduced tolerances (Settings.Reduced*) were.
	StatusAlmostSolved Status = 6
	// StatusInternalError means a panic inside the solver was recovered.
	StatusInternalError Status = 7
	// StatusTimeLimit means the solve was stopped by Settings.TimeLimit or
	// a call deadline (Interrupt.Deadline); the outputs hold the last
	// iterate.
	StatusTimeLimit Status = 9
	// StatusInterrupted means the solve was cancelled (Interrupt.Cancel,
	// e.g. Ctrl-C in Python); the outputs hold the last iterate.
	StatusInterrupted Status = 10
)

// String returns the status name.
func (s Status) String() string {
	switch s {
	case StatusUnsolved:
		return "unsolved"
	case StatusSolved:
		return "solved"
	case StatusPrimalInfeasible:
		return "primal_infeasible"
	case StatusDualInfeasible:
		return "dual_infeasible"
	case StatusTimeLimit:
		return "time_limit"
	case StatusInterrupted:
		return "interrupted"
	case StatusMaxIterations:
		return "max_iterations"
	case StatusNumericalError:
		return "numerical_error"
	case StatusAlmostSolved:
		return "almost_solved"
	case StatusInternalError:
		return "internal_error"
	}
	return fmt.Sprintf("status(%d)", int32(s))
}

// OK reports whether the status carries a usable primal-dual solution.
func (s Status) OK() bool { return s == StatusSolved || s == StatusAlmostSolved }

// Accepts reports whether a solve that ended with status st counts as
// solved under these settings: StatusSolved always, StatusAlmostSolved
// when AcceptAlmostSolved is set. The batch layer gives samples that are not
// accepted no gradient, as any other failed solve.
func (s *Settings) Accepts(st Status) bool {
	return st == StatusSolved || st == StatusAlmostSolved && s.AcceptAlmostSolved
}

// Tolerance says which termination tolerances the returned point meets
// (Info.Tolerance; frozen values, they cross the C ABI as an info column).
type Tolerance int8

// Tolerance levels.
const (
	// TolNone: neither the full nor the reduced tolerances are met (a
	// failed solve, or an infeasibility certificate, whose point is not a
	// solution).
	TolNone Tolerance = 0
	// TolReduced: only ReducedTolFeas and ReducedTolGap are met
	// (StatusAlmostSolved).
	TolReduced Tolerance = 1
	// TolFull: TolFeas and TolGapAbs or TolGapRel are met (StatusSolved).
	TolFull Tolerance = 2
)

// String returns "none", "reduced" or "full".
func (t Tolerance) String() string {
	switch t {
	case TolReduced:
		return "reduced"
	case TolFull:
		return "full"
	}
	return "none"
}

// LinearSolver selects the KKT factorization (see kkt.LinearSolver).
type LinearSolver = kkt.LinearSolver

// Linear solver choices.
const (
	// LinearAuto picks dense for small or dense KKT systems, sparse otherwise.
	LinearAuto = kkt.LinearAuto
	// LinearDense forces the dense LDLᵀ.
	LinearDense = kkt.LinearDense
	// LinearSparse forces the sparse LDLᵀ with AMD ordering.
	LinearSparse = kkt.LinearSparse
)

// Settings are the solver options. Every field has a documented default set
// by DefaultSettings; Validate names the first bad field.
type Settings struct {
	// MaxIter is the interior-point iteration limit. Default 100. The dual
	// active-set start (Polish on, a strictly convex QP of at most 32
	// variables with zero and nonnegative cones) is not an iteration: a
	// solve it ends reports Iter 0 whatever MaxIter is.
	MaxIter int
	// TolGapAbs is the absolute duality-gap tolerance. Default 1e-8.
	TolGapAbs float64
	// TolGapRel is the relative duality-gap tolerance. Default 1e-8.
	TolGapRel float64
	// TolFeas is the (relative) primal and dual residual tolerance. Default 1e-8.
	TolFeas float64
	// TolInfeasAbs is the absolute infeasibility-certificate tolerance. Default 1e-8.
	TolInfeasAbs float64
	// TolInfeasRel is the relative infeasibility-certificate tolerance. Default 1e-8.
	TolInfeasRel float64
	// ReducedTolGap, ReducedTolFeas are the tolerances for
	// StatusAlmostSolved. Defaults 5e-5 and 1e-4 (Clarabel's reduced_tol_*).
	ReducedTolGap  float64
	ReducedTolFeas float64
	// StaticReg is the static regularization δ added to the KKT diagonal
	// (+δ on the x block, −δ on the z block). Default 1e-8 (Clarabel).
	StaticReg float64
	// IterRefineMax is the maximum number of iterative-refinement steps per
	// KKT solve. Default 10.
	IterRefineMax int
	// MaxStepFraction is the fraction of the step to the cone boundary
	// taken. Default 0.99.
	MaxStepFraction float64
	// Equilibrate enables Ruiz equilibration of the problem data. Default true.
	Equilibrate bool
	// EquilibrateIters is the number of Ruiz passes. Default 10.
	EquilibrateIters int
	// LinearSolver selects dense or sparse factorization. Default LinearAuto.
	LinearSolver LinearSolver
	// TimeLimit is the wall-clock limit of one solve in seconds (checked
	// once per iteration; StatusTimeLimit); 0 means none. Default 0.
	TimeLimit float64
	// CallTimeLimit is the wall-clock limit in seconds of a whole batch
	// call through the C ABI (samples still running or not started end
	// StatusTimeLimit); 0 means none. Default 0. The ipm package itself
	// only honours it through Interrupt.Deadline.
	CallTimeLimit float64
	// Polish replaces a converged interior-point solution of a problem with
	// zero and nonnegative cones only by the exact solution of its active
	// set when that passes the termination tests (see Solver.polish;
	// Info.Polished reports it); with second-order or PSD cones it enables
	// the Newton refinement of stalled tight solves, and with PSD cones also
	// of every converged solve (newton.go); with second-order cones (and no
	// PSD or non-symmetric ones) every converged solve the active-set polish
	// did not replace gets the tangent Newton refinement (refine.go,
	// refineSOC); with exponential or power
	// cones, the tangent Newton refinement of every converged or stalled
	// solve and of a failed step near the solution before a restart
	// (refine.go). Default true.
	Polish bool
	// AcceptAlmostSolved makes StatusAlmostSolved count as solved
	// (Settings.Accepts): its point meets only the reduced tolerances
	// (Info.Tolerance). When false, such a sample is a failure like
	// StatusMaxIterations: the C ABI's backward gives it no gradient and the
	// Python layers apply on_failure. The solve itself is the same.
	// Default true.
	AcceptAlmostSolved bool
}

// DefaultSettings returns the default settings.
func DefaultSettings() Settings {
	return Settings{
		MaxIter:          100,
		TolGapAbs:        1e-8,
		TolGapRel:        1e-8,
		TolFeas:          1e-8,
		TolInfeasAbs:     1e-8,
		TolInfeasRel:     1e-8,
		ReducedTolGap:    5e-5,
		ReducedTolFeas:   1e-4,
		StaticReg:        1e-8,
		IterRefineMax:    10,
		MaxStepFraction:  0.99,
		Equilibrate:      true,
		EquilibrateIters: 10,
		LinearSolver:     LinearAuto,
		Polish:           true,

		AcceptAlmostSolved: true,
	}
}

// ErrSettings is the sentinel wrapped by every settings validation error.
var ErrSettings = errors.New("ipm: invalid settings")

// SettingsError names the invalid field.
type SettingsError struct {
	Field string
	Msg   string
}

// Error implements error.
func (e *SettingsError) Error() string { return "settings." + e.Field + ": " + e.Msg }

// Unwrap returns ErrSettings.
func (e *SettingsError) Unwrap() error { return ErrSettings }

// Validate checks every field and returns a *SettingsError naming the first
// bad one.
func (s *Settings) Validate() error {
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return &SettingsError{name, fmt.Sprintf("must be a positive finite number, got %v", v)}
		}
		return nil
	}
	if s.MaxIter < 1 {
		return &SettingsError{"max_iter", fmt.Sprintf("must be ≥ 1, got %d", s.MaxIter)}
	}
	for _, f := range []struct {
		n string
		v float64
	}{
		{"tol_gap_abs", s.TolGapAbs}, {"tol_gap_rel", s.TolGapRel}, {"tol_feas", s.TolFeas},
		{"tol_infeas_abs", s.TolInfeasAbs}, {"tol_infeas_rel", s.TolInfeasRel},
		{"reduced_tol_gap", s.ReducedTolGap}, {"reduced_tol_feas", s.ReducedTolFeas},
		{"static_reg", s.StaticReg},
	} {
		if err := pos(f.n, f.v); err != nil {
			return err
		}
	}
	if s.IterRefineMax < 0 {
		return &SettingsError{"iter_refine_max", fmt.Sprintf("must be ≥ 0, got %d", s.IterRefineMax)}
	}
	if !(s.MaxStepFraction > 0 && s.MaxStepFraction < 1) {
		return &SettingsError{"max_step_fraction", fmt.Sprintf("must be in (0, 1), got %v", s.MaxStepFraction)}
	}
	for _, f := range []struct {
		n string
		v float64
	}{{"time_limit", s.TimeLimit}, {"call_time_limit", s.CallTimeLimit}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return &SettingsError{f.n, fmt.Sprintf("must be a finite number ≥ 0 (0: no limit), got %v", f.v)}
		}
	}
	if s.EquilibrateIters < 0 {
		return &SettingsError{"equilibrate_iters", fmt.Sprintf("must be ≥ 0, got %d", s.EquilibrateIters)}
	}
	if s.LinearSolver < LinearAuto || s.LinearSolver > LinearSparse {
		return &SettingsError{"linear_solver", fmt.Sprintf("must be 0 (auto), 1 (dense) or 2 (sparse), got %d", s.LinearSolver)}
	}
	return nil
}

// Info reports how a solve went.
type Info struct {
	Status    Status
	Iter      int
	PObj      float64 // primal objective ½xᵀPx + cᵀx
	DObj      float64 // dual objective −½xᵀPx − bᵀy
	ResPrimal float64 // relative primal residual
	ResDual   float64 // relative dual residual
	GapAbs    float64
	GapRel    float64
	// Polished reports that the solution is the polished active-set
	// solution (Settings.Polish): slacks exactly 0 on active rows,
	// multipliers exactly 0 on inactive rows.
	Polished bool
	// Restarts is the number of times the step fraction was shortened: the
	// restarts from the initial point after a stall or a failed step (they
	// share the MaxIter budget), and the shortenings in place when the
	// iteration converges slowly with κ/τ collapsing (robust.go).
	Restarts int
	// Tolerance is the set of tolerances the returned point meets, from
	// the residuals and gaps above: TolFull for StatusSolved, TolReduced for
	// StatusAlmostSolved, TolNone for a certificate and for a point that
	// meets neither.
	Tolerance Tolerance
}

// tolerance classifies the residuals and gaps of info against the full and
// the reduced tolerances of s.
func (s *Settings) tolerance(info *Info) Tolerance {
	switch info.Status {
	case StatusPrimalInfeasible, StatusDualInfeasible, StatusInternalError, StatusUnsolved:
		return TolNone
	}
	rp, rd, ga, gr := info.ResPrimal, info.ResDual, info.GapAbs, info.GapRel
	if rp <= s.TolFeas && rd <= s.TolFeas && (ga <= s.TolGapAbs || gr <= s.TolGapRel) {
		return TolFull
	}
	if rp <= s.ReducedTolFeas && rd <= s.ReducedTolFeas && (ga <= s.ReducedTolGap || gr <= s.ReducedTolGap) {
		return TolReduced
	}
	return TolNone
}
