package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Newton refinement of a stalled solve with second-order cones.
//
// Near the solution of a problem whose second-order cone is active, the
// scaling H = WᵀW of the interior-point KKT system has entries of order 1/μ
// and eigenvalues down to order μ. Formed explicitly, its small eigenvalues
// are lost to cancellation, so iterative refinement cannot take the residual
// of a KKT solve below ~1e-7…1e-4 once the gap is near 1e-10; the steps then
// become too short (α < minStep) and a solve asked for 1e-12 ends
// almost_solved (Clarabel, which also forms H, stops at the same point on
// these problems). The Newton system of the KKT conditions themselves,
//
//	[ P̃   Ãᵀ      0      ] [dx]   [ −(P̃x + Ãᵀy + c̃) ]
//	[ Ã   0       I      ] [dy] = [ −(Ãx + s − b̃)   ]
//	[ 0   Arw(s)  Arw(y) ] [ds]   [ −s∘y            ]
//
// (Jordan product s∘y = (sᵀy, s₀y₁ + y₀s₁), Arw(v) = [v₀ v₁ᵀ; v₁ v₀I]; the
// nonnegative rows are the 1×1 case; zero-cone rows keep ds = 0) is well
// conditioned at a strictly complementary solution: Newton's method started
// from the stalled iterate converges quadratically. newtonRefine runs it,
// with ds eliminated, by a dense LU (problems with n + m ≤ newtonMaxDim;
// eliminating ds cut the cost of a step about threefold) and keeps the result only
// if it lies in the cones and passes the termination tests.
//
// The LU of the first step is reused by the following ones (chord
// steps: the Jacobian frozen at the starting point, the residual new). The
// factorization is O(dim³) and a chord step O(dim²); from an iterate whose
// error is e, each chord step multiplies the error by about e, so from a
// converged interior-point iterate (e ≈ 1e-5…1e-6) two or three chord
// steps reach rounding, as two Newton steps do, for one factorization
// instead of two or three (issue 15). A chord step that falls less than
// tenfold triggers a fresh factorization at its point.

const (
	// newtonMaxDim bounds n + m, the order of the dense Newton system.
	newtonMaxDim = 600
	// newtonSteps bounds the Newton and chord steps, newtonFactors the
	// factorizations among them.
	newtonSteps   = 6
	newtonFactors = 4
	// newtonStart: during the iteration, Newton refinement is tried once
	// the relative gap and residuals are below it (and the tolerances asked
	// for are tighter), at most newtonMaxTries times per solve; past that
	// point the interior-point iterate of an active cone only degrades
	// (one sparse solve at 1e-12 went from gap 5e-13 back to 1e-4).
	newtonStart    = 1e-9
	newtonMaxTries = 2
	// newtonConeTol is the relative cone violation a Newton point may have
	// (it converges to the boundary from either side); it is projected back.
	newtonConeTol = 1e-12
	// newtonContinueTol: a Newton point outside the cones by more than
	// newtonConeTol but at most this much (relative) is stepped on.
	newtonContinueTol = 1e-4
	// newtonMeasureFloor: Newton refinement stops once its measure (see
	// newtonRefine) is below it (rounding level).
	newtonMeasureFloor = 1e-15
	// newtonRoundoff: a chord step that does not improve a measure below
	// it by tenfold ends the refinement (the measure's rounding plateau,
	// 1e-15…1e-14 on the PSD families, lies between it and the floor) instead of
	// paying for a new factorization.
	newtonRoundoff = 1e-13
)

type newtonWork struct {
	J          []float64 // (n+m)² row-major (ds eliminated)
	r          []float64
	rp, rc     []float64 // primal and complementarity residuals
	ad         []float64 // Ã row-major (m×n)
	piv        []int
	lu         *luWork
	js         []jsEntry // ∂r_c/∂s at the factored point (chord steps' right-hand side)
	x, y, s    []float64
	bx, by, bs []float64 // the starting iterate, restored on a rejection
	px, py, ps []float64 // the best accepted point of a polishing refinement
}

// jsEntry is one nonzero ∂r_i/∂s_j = a of the complementarity Jacobian.
type jsEntry struct {
	i, j int
	a    float64
}

// newtonRefine runs Newton steps on the KKT conditions from the current
// iterate (see above). It keeps stepping while the Newton measure (the
// larger of the relative residuals, the smaller of the absolute and
// relative gap and the relative complementarity ‖s∘y‖∞/max(1, ‖s‖∞‖y‖∞)
// of the scaled point) falls at least tenfold, and accepts the best point
// that passes the termination tests. To finish a stalled solve (polish
// false) any such point is accepted. To polish a converged solve of a
// problem with PSD cones (polish true) it must also improve on the
// iterate's measure: there the interior-point solution meets the
// tolerances on the residuals and the gap while its complementarity, and
// so x and y, are off by about the square root of the gap (1e-6…1e-4 at
// 1e-8, as Clarabel's). It reports whether a point was accepted; info then
// describes it. Otherwise the iterate and info are restored.
func (w *Solver) newtonRefine(info *Info, polish bool) bool {
	st := w.an.St
	n, m := st.N, st.M
	dim := n + m
	if dim > newtonMaxDim || !(w.tau > 0) {
		return false
	}
	if w.newton == nil {
		vec := func(k int) []float64 { return make([]float64, k) }
		w.newton = &newtonWork{J: vec(dim * dim), r: vec(dim), piv: make([]int, dim), lu: newLUWork(dim),
			rp: vec(m), rc: vec(m), ad: vec(m * n),
			x: vec(n), y: vec(m), s: vec(m), bx: vec(n), by: vec(m), bs: vec(m),
			px: vec(n), py: vec(m), ps: vec(m)}
	}
	nw := w.newton
	w.newtonTries++
	tau0, kappa0 := w.tau, w.kappa
	saved := *info
	w.saveIterate(nw.bx, nw.by, nw.bs, nw.x, nw.y, nw.s)
	best := math.Inf(1)
	if polish {
		best = w.newtonMeasure(info)
	}
	var bestInfo Info
	found := false
	refactor, factors := true, 0
	for it := 0; it < newtonSteps; it++ {
		fresh := refactor
		if fresh && factors == newtonFactors {
			break
		}
		if !w.newtonStep(fresh) {
			break
		}
		if fresh {
			factors++
		}
		refactor = false
		// Newton iterates approach a boundary point from either side: a
		// point still farther out than newtonConeTol is stepped on, not
		// projected (a projection that large would spoil the point).
		viol := w.cones.Violation(nw.s, nw.y)
		if !(viol <= newtonContinueTol) {
			break
		}
		if viol > newtonConeTol {
			continue
		}
		if !w.newtonProject() {
			break
		}
		w.setIterate(nw.x, nw.y, nw.s, 1, 0)
		if !w.converged(info) {
			continue
		}
		measure := w.newtonMeasure(info)
		if !(measure < best) {
			if fresh || best <= newtonRoundoff {
				break
			}
			refactor = true // a chord step that did not help: refactor here
			continue
		}
		prev := best
		best, bestInfo, found = measure, *info, true
		copy(nw.px, nw.x)
		copy(nw.py, nw.y)
		copy(nw.ps, nw.s)
		if measure <= newtonMeasureFloor {
			break
		}
		if measure > 0.1*prev {
			if fresh || measure <= newtonRoundoff {
				break
			}
			refactor = true
		}
	}
	if found {
		w.setIterate(nw.px, nw.py, nw.ps, 1, 0)
		*info = bestInfo
		return true
	}
	w.setIterate(nw.bx, nw.by, nw.bs, tau0, kappa0)
	*info = saved
	return false
}

// saveIterate copies the homogeneous iterate (x, z, s) into bx, by, bs,
// for a restore by setIterate, and its τ = 1 point into x, y, s: the
// starting point of the Newton refinements (newtonRefine, tangentRefine).
func (w *Solver) saveIterate(bx, by, bs, x, y, s []float64) {
	copy(bx, w.x)
	copy(by, w.z)
	copy(bs, w.s)
	for i := range x {
		x[i] = w.x[i] / w.tau
	}
	for i := range y {
		y[i] = w.z[i] / w.tau
		s[i] = w.s[i] / w.tau
	}
}

// setIterate makes (x, y, s) with τ and κ the solver's iterate.
func (w *Solver) setIterate(x, y, s []float64, tau, kappa float64) {
	copy(w.x, x)
	copy(w.z, y)
	copy(w.s, s)
	w.tau, w.kappa = tau, kappa
}

// newtonMeasure returns the Newton measure (see newtonRefine) of the point
// (nw.x, nw.y, nw.s) whose termination quantities are in info.
func (w *Solver) newtonMeasure(info *Info) float64 {
	nw := w.newton
	r := nw.r[:len(nw.s)]
	w.cones.NewtonComplementarity(nw.s, nw.y, r, nil)
	var comp, ns, ny float64
	for i, v := range r {
		if w.pol.isZero[i] {
			continue // zero-cone rows: r is s, not a product
		}
		comp = math.Max(comp, math.Abs(v))
		ns = math.Max(ns, math.Abs(nw.s[i]))
		ny = math.Max(ny, math.Abs(nw.y[i]))
	}
	comp /= math.Max(1, ns*ny)
	return math.Max(math.Max(math.Max(info.ResPrimal, info.ResDual), math.Min(info.GapAbs, info.GapRel)), comp)
}

// newtonStep solves the Newton system at (nw.x, nw.y, nw.s) and takes the
// full step. ds is eliminated (ds = −r_p − Ã dx), leaving the
// (n+m)×(n+m) system
//
//	[ P̃        Ãᵀ  ] [dx]   [ −r_d           ]
//	[ −J_s Ã   J_y ] [dy] = [ −r_c + J_s r_p ]
//
// with r_d = P̃x + Ãᵀy + c̃, r_p = Ãx + s − b̃, r_c = s∘y and J_s, J_y the
// block-diagonal Jacobians of r_c (Composite.NewtonComplementarity). With
// refactor it assembles and factors the matrix at the current point;
// otherwise (a chord step) it reuses the last factorization, and J_s on the
// right-hand side is the one of that factorization's point, so that the
// step solves the frozen unreduced system exactly.
func (w *Solver) newtonStep(refactor bool) bool {
	st := w.an.St
	n, m := st.N, st.M
	nw := w.newton
	dim := n + m
	J, r, rp, rc, ad := nw.J, nw.r, nw.rp, nw.rc, nw.ad
	// Residuals.
	rd := r[:n]
	w.mulP(rd, nw.x)
	for j := 0; j < n; j++ {
		rd[j] += w.cv[j]
	}
	st.MulAT(rd, w.av, nw.y, 1)
	for i := 0; i < m; i++ {
		rp[i] = nw.s[i] - w.bv[i]
	}
	st.MulA(rp, w.av, nw.x, 1)
	for j := 0; j < n; j++ {
		rd[j] = -rd[j]
	}
	rr := r[n:]
	for i := range rr {
		rr[i] = 0
	}
	if refactor {
		for i := range J {
			J[i] = 0
		}
		for i := range ad {
			ad[i] = 0
		}
		// P̃ (+ prox) and Ãᵀ; Ã also row-major in ad.
		for j := 0; j < n; j++ {
			J[j*dim+j] += w.proxS[j]
			for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
				i := st.P.Rowval[k]
				J[i*dim+j] += w.pv[k]
				if i != j {
					J[j*dim+i] += w.pv[k]
				}
			}
			for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
				i := st.A.Rowval[k]
				J[j*dim+n+i] = w.av[k]
				ad[i*n+j] = w.av[k]
			}
		}
		// Complementarity rows.
		nw.js = nw.js[:0]
		w.cones.NewtonComplementarity(nw.s, nw.y, rc, func(i, j int, a, b float64) {
			row := J[(n+i)*dim : (n+i+1)*dim]
			row[n+j] += b
			if a != 0 {
				vec.Axpy(-a, ad[j*n:(j+1)*n], row[:n])
				nw.js = append(nw.js, jsEntry{i, j, a})
			}
		})
		if !luFactor(J, nw.piv, dim, nw.lu) {
			return false
		}
	} else {
		w.cones.NewtonComplementarity(nw.s, nw.y, rc, nil)
	}
	for _, e := range nw.js {
		rr[e.i] += e.a * rp[e.j]
	}
	for i := 0; i < m; i++ {
		rr[i] -= rc[i]
	}
	luSolveFactored(J, r, nw.piv, dim)
	for j := 0; j < n; j++ {
		nw.x[j] += r[j]
	}
	// ds = −r_p − Ã dx.
	for i := 0; i < m; i++ {
		ds := -rp[i] - vec.Dot(ad[i*n:(i+1)*n], r[:n])
		nw.y[i] += r[n+i]
		nw.s[i] += ds
	}
	return finite(nw.x) && finite(nw.y) && finite(nw.s)
}

// newtonProject moves (s, y) onto their cones when they are outside by at
// most newtonConeTol (relative); it reports false for a larger violation.
func (w *Solver) newtonProject() bool {
	return w.cones.ProjectNear(w.newton.s, w.newton.y, newtonConeTol)
}

// tryNewton runs newtonRefine during the iteration of a problem with
// second-order cones once the iterate is within newtonStart (see there).
func (w *Solver) tryNewton(info *Info) bool {
	if !w.set.Polish || w.newtonTries >= newtonMaxTries || !w.hasSOC() {
		return false
	}
	if !(info.GapRel <= newtonStart && info.ResPrimal <= newtonStart && info.ResDual <= newtonStart) {
		return false
	}
	return w.newtonRefine(info, false)
}

// polishNewton runs the polishing Newton refinement after a converged
// solve of a problem with PSD cones (Settings.Polish).
func (w *Solver) polishNewton(info *Info) bool {
	if !w.set.Polish || !w.an.St.HasKind(cone.KindPSD) || !w.cones.NewtonSupported() {
		return false
	}
	return w.newtonRefine(info, true)
}

// hasSOC reports whether the problem has a non-polyhedral cone that the
// Newton refinement handles.
func (w *Solver) hasSOC() bool { return !w.cones.Polyhedral() && w.cones.NewtonSupported() }

func finite(v []float64) bool {
	for _, a := range v {
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return false
		}
	}
	return true
}
