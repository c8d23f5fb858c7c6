package ipm

import "math"

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
// from the stalled iterate converges quadratically. newtonRefine runs it with
// a dense LU (problems with n + 2m ≤ newtonMaxDim) and keeps the result only
// if it lies in the cones and passes the termination tests.

const (
	// newtonMaxDim bounds n + 2m for the dense Newton system.
	newtonMaxDim = 600
	// newtonSteps bounds the Newton steps.
	newtonSteps = 4
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
)

type newtonWork struct {
	J          []float64 // (n+2m)² row-major
	r          []float64
	piv        []int
	x, y, s    []float64
	bx, by, bs []float64
}

// newtonRefine tries to finish a stalled solve of a problem with
// second-order cones by Newton steps on the KKT conditions (see above). It
// reports whether the refined point passes the termination tests; info then
// describes it. Otherwise the iterate is restored.
func (w *Solver) newtonRefine(info *Info) bool {
	st := w.an.St
	n, m := st.N, st.M
	dim := n + 2*m
	if dim > newtonMaxDim || !(w.tau > 0) {
		return false
	}
	if w.newton == nil {
		vec := func(k int) []float64 { return make([]float64, k) }
		w.newton = &newtonWork{J: vec(dim * dim), r: vec(dim), piv: make([]int, dim),
			x: vec(n), y: vec(m), s: vec(m), bx: vec(n), by: vec(m), bs: vec(m)}
	}
	nw := w.newton
	copy(nw.bx, w.x)
	copy(nw.by, w.z)
	copy(nw.bs, w.s)
	w.newtonTries++
	tau0, kappa0 := w.tau, w.kappa
	saved := *info
	for i := range nw.x {
		nw.x[i] = w.x[i] / w.tau
	}
	for i := range nw.y {
		nw.y[i] = w.z[i] / w.tau
		nw.s[i] = w.s[i] / w.tau
	}
	ok := false
	for it := 0; it < newtonSteps; it++ {
		if !w.newtonStep() {
			break
		}
		if !w.newtonProject() {
			break
		}
		copy(w.x, nw.x)
		copy(w.z, nw.y)
		copy(w.s, nw.s)
		w.tau, w.kappa = 1, 0
		if w.converged(info) {
			ok = true
			break
		}
	}
	if ok {
		return true
	}
	copy(w.x, nw.bx)
	copy(w.z, nw.by)
	copy(w.s, nw.bs)
	w.tau, w.kappa = tau0, kappa0
	*info = saved
	return false
}

// newtonStep assembles and solves the Newton system at (nw.x, nw.y, nw.s)
// and takes the full step.
func (w *Solver) newtonStep() bool {
	st := w.an.St
	n, m := st.N, st.M
	nw := w.newton
	dim := n + 2*m
	J, r := nw.J, nw.r
	for i := range J {
		J[i] = 0
	}
	at := func(i, j int) *float64 { return &J[i*dim+j] }
	// Residuals: r = −(P̃x + Ãᵀy + c̃, Ãx + s − b̃, s∘y).
	rd, rp := r[:n], r[n:n+m]
	w.mulP(rd, nw.x)
	for j := 0; j < n; j++ {
		rd[j] += w.cv[j]
	}
	st.MulAT(rd, w.av, nw.y, 1)
	for i := 0; i < m; i++ {
		rp[i] = nw.s[i] - w.bv[i]
	}
	st.MulA(rp, w.av, nw.x, 1)
	for i := 0; i < n+m; i++ {
		r[i] = -r[i]
	}
	// P̃ (+ prox) and Ã blocks.
	for j := 0; j < n; j++ {
		*at(j, j) += w.proxS[j]
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			i := st.P.Rowval[k]
			*at(i, j) += w.pv[k]
			if i != j {
				*at(j, i) += w.pv[k]
			}
		}
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			i := st.A.Rowval[k]
			*at(j, n+i) = w.av[k]
			*at(n+i, j) = w.av[k]
		}
	}
	for i := 0; i < m; i++ {
		*at(n+i, n+m+i) = 1
	}
	// Complementarity rows: r = −c(s, y), Jacobian in the (ds, dy) columns.
	base := n + m
	w.cones.NewtonComplementarity(nw.s, nw.y, r[base:], func(i, j int, a, b float64) {
		*at(base+i, base+j) += a
		*at(base+i, n+j) += b
	})
	for i := base; i < dim; i++ {
		r[i] = -r[i]
	}
	if !luSolve(J, r, nw.piv, dim) {
		return false
	}
	for j := 0; j < n; j++ {
		nw.x[j] += r[j]
	}
	for i := 0; i < m; i++ {
		nw.y[i] += r[n+i]
		nw.s[i] += r[n+m+i]
	}
	return finite(nw.x) && finite(nw.y) && finite(nw.s)
}

// newtonProject moves (s, y) onto their cones when they are outside by at
// most newtonConeTol (relative); it reports false for a larger violation.
func (w *Solver) newtonProject() bool {
	return w.cones.ProjectNear(w.newton.s, w.newton.y, newtonConeTol)
}

// luSolve solves the dim×dim row-major system J z = r in place (r ← z) by
// Gaussian elimination with partial pivoting; false if singular.
func luSolve(J, r []float64, piv []int, dim int) bool {
	for col := 0; col < dim; col++ {
		p := col
		best := math.Abs(J[col*dim+col])
		for i := col + 1; i < dim; i++ {
			if a := math.Abs(J[i*dim+col]); a > best {
				p, best = i, a
			}
		}
		if best == 0 || math.IsNaN(best) {
			return false
		}
		piv[col] = p
		if p != col {
			rp, rc := J[p*dim:(p+1)*dim], J[col*dim:(col+1)*dim]
			for j := range rc {
				rp[j], rc[j] = rc[j], rp[j]
			}
			r[p], r[col] = r[col], r[p]
		}
		d := J[col*dim+col]
		rc := J[col*dim : (col+1)*dim]
		for i := col + 1; i < dim; i++ {
			ri := J[i*dim : (i+1)*dim]
			f := ri[col] / d
			if f == 0 {
				continue
			}
			ri[col] = 0
			for j := col + 1; j < dim; j++ {
				ri[j] -= f * rc[j]
			}
			r[i] -= f * r[col]
		}
	}
	for i := dim - 1; i >= 0; i-- {
		ri := J[i*dim : (i+1)*dim]
		acc := r[i]
		for j := i + 1; j < dim; j++ {
			acc -= ri[j] * r[j]
		}
		r[i] = acc / ri[i]
	}
	return true
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
	return w.newtonRefine(info)
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
