package ipm

import (
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// A small SOCP (zero, nonnegative and two second-order cones) solved at
// tolerance 1e-11. Past failure: on the sparse path the explicit WᵀW blocks
// near the cone boundary made the Δτ denominator cancel to a positive value
// at iteration 9 and the solve stopped as almost_solved.
func TestSOCPTightTolerance(t *testing.T) {
	P := []float64{1.501598735939525, -0.18648150694811383, 0.3765376839120237, -0.09782226052869186, -0.18648150694811383, 1.6833183951618695, 0.08343747834934066, -0.21228713068164323, 0.3765376839120237, 0.08343747834934066, 0.8140593464135019, -0.2839920013201829, -0.09782226052869186, -0.21228713068164323, -0.2839920013201829, 1.7453333121333185}
	c := []float64{1.0810844888804345, -0.5193798195239965, -0.5261114352263911, -0.21925056146413385}
	A := []float64{-0.0, -0.4388945769312437, 0.0, -0.5094422054806915, -1.6145725463338843, 0.43522737374460985, -0.05451181835523127, -0.5262832624365857, -2.0912963129162514, 0.10606233730461478, 0.7747150246403068, -0.0, -0.0, -1.1412530802719292, -0.5036073170079625, 0.0, -0.0, 0.0, 1.1727995060788767, 0.4858996020897097, 0.6354552054724681, -1.4711947512059713, 1.750044398740185, 0.0, 1.0997339570526952, 0.0, -1.208979947558268, 0.07621589679736049, -0.14418767051681228, -0.0, 1.0504134063089272, -0.0, 0.43245459642280504, -0.7809969164258229, -1.0451643451146118, -0.005032371838295409, 1.1877309068046207, -0.0, 0.3508018274161674, -0.0, 2.190743010721362, -0.05735309891957308, 0.6732930729893253, -0.5285967591605243}
	b := []float64{-0.02464599879052659, 3.8033862858696277, 4.171179772149861, 0.7672211903997284, 2.0234269937638474, -0.759750127807062, -2.2657806546507757, 2.7336137140999357, -0.20012191802958035, -1.8436136021776706, -4.110013340844173}
	cones := problem.Cones{Zero: 1, Nonneg: 3, SOC: []int{3, 4}}
	st, err := problem.NewStructure(4, len(b), cones, problem.UpperPattern(4), problem.DensePattern(len(b), 4))
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	for _, ls := range []LinearSolver{LinearDense, LinearSparse} {
		set := DefaultSettings()
		set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-11, 1e-11, 1e-11
		set.TolInfeasAbs, set.TolInfeasRel = 1e-11, 1e-11
		set.MaxIter = 200
		set.LinearSolver = ls
		res := solve(t, st, v, set)
		if res.Info.Status != StatusSolved {
			t.Errorf("linear solver %d: status %v (%+v)", ls, res.Info.Status, res.Info)
		}
	}
}

// The cone list may give the blocks in any order, repeat kinds and hold a
// one-dimensional second-order cone (the ray t ≥ 0): the SOCP above with
// its rows reordered into such a list has the same solution, with y and s
// permuted like the rows.
func TestConeListOrder(t *testing.T) {
	P := []float64{1.501598735939525, -0.18648150694811383, 0.3765376839120237, -0.09782226052869186, -0.18648150694811383, 1.6833183951618695, 0.08343747834934066, -0.21228713068164323, 0.3765376839120237, 0.08343747834934066, 0.8140593464135019, -0.2839920013201829, -0.09782226052869186, -0.21228713068164323, -0.2839920013201829, 1.7453333121333185}
	c := []float64{1.0810844888804345, -0.5193798195239965, -0.5261114352263911, -0.21925056146413385}
	A := []float64{-0.0, -0.4388945769312437, 0.0, -0.5094422054806915, -1.6145725463338843, 0.43522737374460985, -0.05451181835523127, -0.5262832624365857, -2.0912963129162514, 0.10606233730461478, 0.7747150246403068, -0.0, -0.0, -1.1412530802719292, -0.5036073170079625, 0.0, -0.0, 0.0, 1.1727995060788767, 0.4858996020897097, 0.6354552054724681, -1.4711947512059713, 1.750044398740185, 0.0, 1.0997339570526952, 0.0, -1.208979947558268, 0.07621589679736049, -0.14418767051681228, -0.0, 1.0504134063089272, -0.0, 0.43245459642280504, -0.7809969164258229, -1.0451643451146118, -0.005032371838295409, 1.1877309068046207, -0.0, 0.3508018274161674, -0.0, 2.190743010721362, -0.05735309891957308, 0.6732930729893253, -0.5285967591605243}
	b := []float64{-0.02464599879052659, 3.8033862858696277, 4.171179772149861, 0.7672211903997284, 2.0234269937638474, -0.759750127807062, -2.2657806546507757, 2.7336137140999357, -0.20012191802958035, -1.8436136021776706, -4.110013340844173}
	const n = 4
	m := len(b)
	ref := []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindNonneg, Dim: 3}, {Kind: cone.KindSOC, Dim: 3}, {Kind: cone.KindSOC, Dim: 4}}
	// New row order: SOC(4), nonneg, SOC(3), zero, SOC(1), nonneg(2).
	perm := []int{7, 8, 9, 10, 1, 4, 5, 6, 0, 2, 3}
	list := []cone.Spec{{Kind: cone.KindSOC, Dim: 4}, {Kind: cone.KindNonneg, Dim: 1}, {Kind: cone.KindSOC, Dim: 3}, {Kind: cone.KindZero, Dim: 1},
		{Kind: cone.KindSOC, Dim: 1}, {Kind: cone.KindNonneg, Dim: 0}, {Kind: cone.KindNonneg, Dim: 1}}
	Ap := make([]float64, len(A))
	bp := make([]float64, m)
	for r, i := range perm {
		copy(Ap[r*n:r*n+n], A[i*n:i*n+n])
		bp[r] = b[i]
	}
	build := func(cones []cone.Spec, A, b []float64) (*problem.Structure, *problem.Values) {
		st, err := problem.New(n, m, cones, problem.UpperPattern(n), problem.DensePattern(m, n))
		if err != nil {
			t.Fatal(err)
		}
		v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
		st.GatherDenseP(v.P, P)
		st.GatherDenseA(v.A, A)
		return st, v
	}
	st0, v0 := build(ref, A, b)
	st1, v1 := build(list, Ap, bp)
	if len(st1.Cones) != 6 {
		t.Fatalf("stored cone list %v: the empty block should be dropped", st1.Cones)
	}
	for _, ls := range linearSolvers {
		set := DefaultSettings()
		set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-10, 1e-10, 1e-10
		set.MaxIter = 200
		set.LinearSolver = ls.ls
		r0 := solve(t, st0, v0, set)
		r1 := solve(t, st1, v1, set)
		if r0.Info.Status != StatusSolved || r1.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v / %v", ls.name, r0.Info.Status, r1.Info.Status)
		}
		for j := range r0.X {
			if !close(r1.X[j], r0.X[j], 1e-5) {
				t.Errorf("%s: x[%d] = %v, want %v", ls.name, j, r1.X[j], r0.X[j])
			}
		}
		for r, i := range perm {
			if !close(r1.Y[r], r0.Y[i], 1e-5) || math.Abs(r1.S[r]-r0.S[i]) > 1e-5*(1+math.Abs(r0.S[i])) {
				t.Errorf("%s: row %d (was %d): y, s = %v, %v; want %v, %v", ls.name, r, i, r1.Y[r], r1.S[r], r0.Y[i], r0.S[i])
			}
		}
	}
}
