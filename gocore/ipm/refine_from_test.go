package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// refineFromSOCP is TestSOCPTightTolerance's problem (zero, nonnegative
// and two second-order cones, n = 4).
func refineFromSOCP(t *testing.T) (*problem.Structure, *problem.Values) {
	t.Helper()
	P := []float64{1.501598735939525, -0.18648150694811383, 0.3765376839120237, -0.09782226052869186, -0.18648150694811383, 1.6833183951618695, 0.08343747834934066, -0.21228713068164323, 0.3765376839120237, 0.08343747834934066, 0.8140593464135019, -0.2839920013201829, -0.09782226052869186, -0.21228713068164323, -0.2839920013201829, 1.7453333121333185}
	c := []float64{1.0810844888804345, -0.5193798195239965, -0.5261114352263911, -0.21925056146413385}
	A := []float64{-0.0, -0.4388945769312437, 0.0, -0.5094422054806915, -1.6145725463338843, 0.43522737374460985, -0.05451181835523127, -0.5262832624365857, -2.0912963129162514, 0.10606233730461478, 0.7747150246403068, -0.0, -0.0, -1.1412530802719292, -0.5036073170079625, 0.0, -0.0, 0.0, 1.1727995060788767, 0.4858996020897097, 0.6354552054724681, -1.4711947512059713, 1.750044398740185, 0.0, 1.0997339570526952, 0.0, -1.208979947558268, 0.07621589679736049, -0.14418767051681228, -0.0, 1.0504134063089272, -0.0, 0.43245459642280504, -0.7809969164258229, -1.0451643451146118, -0.005032371838295409, 1.1877309068046207, -0.0, 0.3508018274161674, -0.0, 2.190743010721362, -0.05735309891957308, 0.6732930729893253, -0.5285967591605243}
	b := []float64{-0.02464599879052659, 3.8033862858696277, 4.171179772149861, 0.7672211903997284, 2.0234269937638474, -0.759750127807062, -2.2657806546507757, 2.7336137140999357, -0.20012191802958035, -1.8436136021776706, -4.110013340844173}
	st, err := problem.NewStructure(4, len(b), problem.Cones{Zero: 1, Nonneg: 3, SOC: []int{3, 4}}, problem.UpperPattern(4), problem.DensePattern(len(b), 4))
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	return st, v
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// RefineFrom from the solution of a nearby problem (c and b perturbed by
// a relative size δ) returns a solution only when it is the cold solve's
// (to 1e-10: both are refined to rounding), does so for every small δ, and
// refuses non-finite starts and Settings.Polish = false without writing
// the result; with the proximal weight the same holds.
func TestRefineFrom(t *testing.T) {
	st, v := refineFromSOCP(t)
	for _, ls := range []LinearSolver{LinearDense, LinearSparse} {
		for _, prox := range []float64{0, 0.3} {
			set := DefaultSettings()
			set.LinearSolver = ls
			w, base := solveWith(t, st, v, set)
			if base.Info.Status != StatusSolved {
				t.Fatalf("base: %v", base.Info.Status)
			}
			w.SetProx(prox)
			rng := rand.New(rand.NewSource(3))
			accepted := map[float64]int{}
			for _, delta := range []float64{1e-3, 3e-2, 1, 30} {
				for k := 0; k < 6; k++ {
					name := fmt.Sprintf("ls=%d prox=%g δ=%g #%d", ls, prox, delta, k)
					pv := &problem.Values{P: v.P, A: v.A, C: append([]float64(nil), v.C...), B: append([]float64(nil), v.B...)}
					for j := range pv.C {
						pv.C[j] += delta * rng.NormFloat64()
					}
					for i := range pv.B {
						pv.B[i] += 0.3 * delta * rng.NormFloat64()
					}
					cold := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
					w.Solve(pv, cold)
					warm := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
					if !w.RefineFrom(pv, base.X, base.Y, base.S, warm) {
						continue
					}
					accepted[delta]++
					if cold.Info.Status != StatusSolved {
						t.Errorf("%s: warm accepted, cold %v", name, cold.Info.Status)
						continue
					}
					if warm.Info.Status != StatusSolved || warm.Info.Iter != 0 || warm.Info.Tolerance != TolFull {
						t.Errorf("%s: info %+v", name, warm.Info)
					}
					scale := math.Max(1, math.Max(normInf(cold.X), normInf(cold.Y)))
					if d := math.Max(maxDiff(warm.X, cold.X), math.Max(maxDiff(warm.Y, cold.Y), maxDiff(warm.S, cold.S))); d > 1e-10*scale {
						t.Errorf("%s: warm vs cold %g", name, d)
					}
				}
			}
			if accepted[1e-3] != 6 || accepted[3e-2] != 6 {
				t.Errorf("ls=%d prox=%g: accepted %v, want every start at δ ≤ 3e-2", ls, prox, accepted)
			}
			w.SetProx(0)
		}
	}
	set := DefaultSettings()
	w, base := solveWith(t, st, v, set)
	out := &Result{X: []float64{7, 7, 7, 7}, Y: make([]float64, st.M), S: make([]float64, st.M)}
	bad := append([]float64(nil), base.X...)
	bad[0] = math.NaN()
	if w.RefineFrom(v, bad, base.Y, base.S, out) || out.X[0] != 7 {
		t.Errorf("a NaN start was accepted or wrote the result")
	}
	set.Polish = false
	if err := w.SetSettings(set); err != nil {
		t.Fatal(err)
	}
	if w.RefineFrom(v, base.X, base.Y, base.S, out) || out.X[0] != 7 {
		t.Errorf("Polish = false: the refinement ran")
	}
}
