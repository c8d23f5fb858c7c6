package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Equilibration bounds (as OSQP's MIN_SCALING / MAX_SCALING).
const (
	minScaling = 1e-4
	maxScaling = 1e4
	// ruizTol ends the Ruiz passes early when all norms are this close to 1.
	ruizTol = 0.1
)

// scaledData is the equilibrated copy of the problem data and its
// scalings: the solved problem is P̃ = k·DPD (plus the proximal diagonal
// proxS = k·ρ·D²), c̃ = k·Dc, Ã = EAD, b̃ = Eb.
type scaledData struct {
	pv, cv, av, bv []float64
	dScale, eScale []float64 // D, E
	cScale         float64   // k
	proxS          []float64
}

func newScaledData(st *problem.Structure) scaledData {
	n, m := st.N, st.M
	return scaledData{pv: make([]float64, st.P.Nnz()), cv: make([]float64, n), av: make([]float64, st.A.Nnz()),
		bv: make([]float64, m), dScale: make([]float64, n), eScale: make([]float64, m), proxS: make([]float64, n)}
}

func clampScale(v float64) float64 {
	if v == 0 || math.IsNaN(v) {
		return 1
	}
	return math.Min(math.Max(v, minScaling), maxScaling)
}

// equilibrate applies modified Ruiz equilibration to the working copies
// s.pv, s.cv, s.av, s.bv and records the scalings: the solved problem is
// P̃ = k·DPD, c̃ = k·Dc, Ã = EAD, b̃ = Eb, whose solution maps back as
// x = Dx̃, s = E⁻¹s̃, y = Eỹ/k. E is constant over every second-order cone
// block so that the cone is preserved.
func (w *Solver) equilibrate() {
	st := w.an.St
	n, m := st.N, st.M
	d, e := w.dScale, w.eScale
	for i := range d {
		d[i] = 1
	}
	for i := range e {
		e[i] = 1
	}
	w.cScale = 1
	for j := range w.proxS {
		w.proxS[j] = w.prox
	}
	if !w.set.Equilibrate {
		return
	}
	dd, de := w.tmpN, w.tmpM
	pcp, prv := st.P.Colptr, st.P.Rowval
	acp, arv := st.A.Colptr, st.A.Rowval
	for it := 0; it < w.set.EquilibrateIters; it++ {
		for j := range dd {
			dd[j] = 0
		}
		for i := range de {
			de[i] = 0
		}
		for j := 0; j < n; j++ {
			dd[j] = fmax(dd[j], w.proxS[j])
			for k := pcp[j]; k < pcp[j+1]; k++ {
				a := math.Abs(w.pv[k])
				i := prv[k]
				dd[j] = fmax(dd[j], a)
				dd[i] = fmax(dd[i], a)
			}
			for k := acp[j]; k < acp[j+1]; k++ {
				a := math.Abs(w.av[k])
				dd[j] = fmax(dd[j], a)
				de[arv[k]] = fmax(de[arv[k]], a)
			}
		}
		// Stop once every column and row norm is within ruizTol of 1:
		// further passes would change the scaling by less than that.
		done := true
		for j := range dd {
			if math.Abs(dd[j]-1) > ruizTol {
				done = false
			}
			dd[j] = 1 / math.Sqrt(clampScale(dd[j]))
		}
		for i := range de {
			if math.Abs(de[i]-1) > ruizTol {
				done = false
			}
			de[i] = 1 / math.Sqrt(clampScale(de[i]))
		}
		if done {
			break
		}
		// A second-order cone needs a uniform row scaling inside its block.
		w.cones.RectifyScaling(de)
		for j := 0; j < n; j++ {
			for k := pcp[j]; k < pcp[j+1]; k++ {
				w.pv[k] *= dd[prv[k]] * dd[j]
			}
			for k := acp[j]; k < acp[j+1]; k++ {
				w.av[k] *= de[arv[k]] * dd[j]
			}
		}
		for j := range d {
			d[j] *= dd[j]
			w.proxS[j] *= dd[j] * dd[j]
		}
		for i := range e {
			e[i] *= de[i]
		}
	}
	for j := 0; j < n; j++ {
		w.cv[j] *= d[j]
	}
	for i := 0; i < m; i++ {
		w.bv[i] *= e[i]
	}
	// Cost scaling: k = 1/max(mean column norm of P̃, ‖c̃‖∞).
	for j := range dd {
		dd[j] = 0
	}
	for j := 0; j < n; j++ {
		dd[j] = w.proxS[j]
		for k := pcp[j]; k < pcp[j+1]; k++ {
			a := math.Abs(w.pv[k])
			dd[j] = fmax(dd[j], a)
			dd[prv[k]] = fmax(dd[prv[k]], a)
		}
	}
	var mean float64
	for _, v := range dd {
		mean += v
	}
	mean /= float64(n)
	cmax := normInf(w.cv)
	k := 1 / clampScale(math.Max(mean, cmax))
	for i := range w.pv {
		w.pv[i] *= k
	}
	for i := range w.proxS {
		w.proxS[i] *= k
	}
	for i := range w.cv {
		w.cv[i] *= k
	}
	w.cScale = k
}

func normInf(v []float64) float64 { return vec.NormInf(v) }

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// fmax is max for non-NaN operands (cheaper than math.Max in hot loops).
func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
