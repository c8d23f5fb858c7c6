package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// cvxpyNCM is the nearest correlation matrix min ‖X − C‖²_F s.t. diag X = 1,
// X ⪰ 0 in cvxpy's canonical form (what CvxpyLayer passes, bench_cone.py's
// nearest_correlation): x = (u, t) with u = vec(X) (d² entries, P = 2I) and t
// the d(d+1)/2 free entries of the symmetric X (t_(i,j), i ≤ j); rows: d²
// zero rows −u_ij + t_(min,max) = −C_ij, d zero rows t_(i,i) = 1, and the PSD
// block −svec(X) (lower triangle column by column, √2 off the diagonal).
func cvxpyNCM(rng *rand.Rand, d int) (*problem.Structure, *problem.Values, error) {
	nt := d * (d + 1) / 2
	tIdx := func(i, j int) int { // upper-triangle row-major index of (min, max)
		if i > j {
			i, j = j, i
		}
		return i*d - i*(i-1)/2 + (j - i)
	}
	n, m := d*d+nt, d*d+d+nt
	A := make([][]float64, m)
	for i := range A {
		A[i] = make([]float64, n)
	}
	b := make([]float64, m)
	C := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			g := 0.3 * (rng.NormFloat64() + rng.NormFloat64())
			if i == j {
				g++
			}
			C[i*d+j], C[j*d+i] = g, g
		}
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			r := i*d + j
			A[r][r] = -1
			A[r][d*d+tIdx(i, j)] = 1
			b[r] = -C[r]
		}
	}
	for i := 0; i < d; i++ {
		A[d*d+i][d*d+tIdx(i, i)] = 1
		b[d*d+i] = 1
	}
	r := d*d + d
	for j := 0; j < d; j++ {
		for i := j; i < d; i++ {
			sc := 1.0
			if i != j {
				sc = math.Sqrt2
			}
			A[r][d*d+tIdx(i, j)] = -sc
			r++
		}
	}
	P := make([][]float64, n)
	for i := range P {
		P[i] = make([]float64, n)
		if i < d*d {
			P[i][i] = 2
		}
	}
	ap, av := sparseCSC(A, n, false)
	pp, pv := sparseCSC(P, n, true)
	st, err := problem.New(n, m, []cone.Spec{{Kind: cone.KindZero, Dim: d*d + d}, {Kind: cone.KindPSD, Dim: nt}}, pp, ap)
	if err != nil {
		return nil, nil, err
	}
	return st, &problem.Values{P: pv, C: make([]float64, n), A: av, B: b}, nil
}

// Problems with a PSD cone are presolved too: cvxpy's nearest-correlation
// form loses u's defining rows (one per column t, d(d+1)/2 of them), and the
// presolved solve agrees with the full one in x, y (the eliminated rows'
// multipliers from stationarity) and the objective, on both linear solvers.
// A problem with only symmetric polyhedral/second-order cones is not.
func TestPresolveNearestCorrelation(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, ls := range linearSolvers {
		for _, d := range []int{3, 5} {
			st, v, err := cvxpyNCM(rng, d)
			if err != nil {
				t.Fatal(err)
			}
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			pre, full, ps := solvePair(t, st, v, set)
			nt := d * (d + 1) / 2
			if ps == nil || len(ps.elim) != nt || ps.inner.an.St.N != st.N-nt || ps.inner.an.St.M != st.M-nt {
				t.Fatalf("%s d=%d: presolve %+v, want %d eliminations", ls.name, d, ps, nt)
			}
			if pre.Info.Status != StatusSolved || full.Info.Status != StatusSolved {
				t.Fatalf("%s d=%d: status %v / %v", ls.name, d, pre.Info.Status, full.Info.Status)
			}
			dx, dy := 0.0, 0.0
			for i := range pre.X {
				dx = math.Max(dx, math.Abs(pre.X[i]-full.X[i]))
			}
			for i := range pre.Y {
				dy = math.Max(dy, math.Abs(pre.Y[i]-full.Y[i]))
			}
			if dx > 1e-8 || dy > 1e-7 {
				t.Errorf("%s d=%d: |x − x_full| %.1e, |y − y_full| %.1e", ls.name, d, dx, dy)
			}
			if r := kktResidual(st, v, pre); r > 1e-9 {
				t.Errorf("%s d=%d: full KKT residual %.1e", ls.name, d, r)
			}
			if math.Abs(pre.Info.PObj-full.Info.PObj) > 1e-8*(1+math.Abs(full.Info.PObj)) {
				t.Errorf("%s d=%d: objective %v, full %v", ls.name, d, pre.Info.PObj, full.Info.PObj)
			}
		}
	}
	soc := []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindNonneg, Dim: 2}, {Kind: cone.KindSOC, Dim: 3}}
	if presolveCones(soc) {
		t.Error("a zero/nonneg/SOC problem is presolved")
	}
	for _, k := range []cone.Kind{cone.KindPSD, cone.KindExp, cone.KindPow} {
		spec := cone.Spec{Kind: k, Dim: 3, Param: 0.5}
		if !presolveCones(append(soc[:3:3], spec)) {
			t.Errorf("a problem with a %v block is not presolved", k)
		}
	}
}
