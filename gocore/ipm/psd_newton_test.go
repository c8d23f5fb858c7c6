package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// activeSDP builds min ½xᵀPx + cᵀx over x = svec(X) with neq random
// equalities and X ⪰ 0 (rows −x + s = 0) from a strictly complementary
// solution: S = Q diag(σ₁…σ_r, 0…) Qᵀ, Y = Q diag(0…, ψ_{r+1}…ψ_d) Qᵀ for
// a random orthogonal Q, x* = svec(S), P = LLᵀ/nv + I/2 (x* unique). It
// returns the structure, values and the exact (x*, y*).
func activeSDP(t *testing.T, rng *rand.Rand, d, r, neq int) (*problem.Structure, *problem.Values, []float64, []float64) {
	t.Helper()
	nv := d * (d + 1) / 2
	m := neq + nv
	// Q from Gram–Schmidt of a Gaussian matrix.
	q := make([]float64, d*d)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for j := 0; j < d; j++ {
		for k := 0; k < j; k++ {
			var dot float64
			for i := 0; i < d; i++ {
				dot += q[i*d+j] * q[i*d+k]
			}
			for i := 0; i < d; i++ {
				q[i*d+j] -= dot * q[i*d+k]
			}
		}
		var nrm float64
		for i := 0; i < d; i++ {
			nrm += q[i*d+j] * q[i*d+j]
		}
		for i := 0; i < d; i++ {
			q[i*d+j] /= math.Sqrt(nrm)
		}
	}
	mat := func(ev []float64) []float64 {
		x := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for k := 0; k < d; k++ {
					x[i*d+j] += q[i*d+k] * ev[k] * q[j*d+k]
				}
			}
		}
		return x
	}
	se, ye := make([]float64, d), make([]float64, d)
	for k := 0; k < d; k++ {
		if k < r {
			se[k] = 0.5 + rng.Float64()
		} else {
			ye[k] = 0.5 + rng.Float64()
		}
	}
	xs := svecOf(mat(se), d)
	ypsd := svecOf(mat(ye), d)
	A := make([]float64, m*nv)
	b := make([]float64, m)
	y := make([]float64, m)
	for i := 0; i < neq; i++ {
		for j := 0; j < nv; j++ {
			A[i*nv+j] = rng.NormFloat64()
			b[i] += A[i*nv+j] * xs[j]
		}
		y[i] = rng.NormFloat64()
	}
	for k := 0; k < nv; k++ {
		A[(neq+k)*nv+k] = -1
		y[neq+k] = ypsd[k]
	}
	L := make([]float64, nv*nv)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	P := make([]float64, nv*nv)
	for i := 0; i < nv; i++ {
		for j := 0; j < nv; j++ {
			for k := 0; k < nv; k++ {
				P[i*nv+j] += L[i*nv+k] * L[j*nv+k] / float64(nv)
			}
		}
		P[i*nv+i] += 0.5
	}
	// c = −Px* − Aᵀy*.
	c := make([]float64, nv)
	for j := 0; j < nv; j++ {
		for k := 0; k < nv; k++ {
			c[j] -= P[j*nv+k] * xs[k]
		}
		for i := 0; i < m; i++ {
			c[j] -= A[i*nv+j] * y[i]
		}
	}
	st, err := problem.New(nv, m, []cone.Spec{{Kind: cone.KindZero, Dim: neq}, {Kind: cone.KindPSD, Dim: nv}},
		problem.UpperPattern(nv), problem.DensePattern(m, nv))
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	return st, v, xs, y
}

// TestPSDNewtonPolish: at the default tolerance 1e-8 an interior-point
// solution with an active PSD block is ~√gap (1e-6…1e-4) from the exact
// one in x and y; the polishing Newton refinement brings it to rounding
// level, on both linear-solver paths. Without Settings.Polish the same
// solves stay that far off (the refinement is what closes the distance).
func TestPSDNewtonPolish(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	worstOff := math.Inf(1)
	for trial := 0; trial < 12; trial++ {
		d := 2 + trial%5
		r := 1 + trial%(d-1) // rank of S in 1…d−1: both blocks active
		// 1 or 2 equalities: at most the dimension of the tangent space of
		// the rank-r face, so that y is unique (primal nondegeneracy).
		st, v, xs, ys := activeSDP(t, rng, d, r, 1+trial%2)
		for _, ls := range linearSolvers {
			name := fmt.Sprintf("trial %d (d=%d, rank %d) %s", trial, d, r, ls.name)
			for _, polish := range []bool{true, false} {
				set := DefaultSettings()
				set.LinearSolver = ls.ls
				set.Polish = polish
				res := solve(t, st, v, set)
				if res.Info.Status != StatusSolved {
					t.Fatalf("%s polish=%v: status %v", name, polish, res.Info.Status)
				}
				var dist float64
				for i := range xs {
					dist = math.Max(dist, math.Abs(res.X[i]-xs[i]))
				}
				for i := range ys {
					dist = math.Max(dist, math.Abs(res.Y[i]-ys[i]))
				}
				if polish && dist > 1e-10 {
					t.Errorf("%s: distance to the exact solution %.1e", name, dist)
				}
				if !polish {
					worstOff = math.Min(worstOff, dist)
				}
			}
		}
	}
	if worstOff < 1e-9 {
		t.Errorf("without polish every solve was within %.1e: the test no longer exercises the refinement", worstOff)
	}
}

// A converged PSD solve is polished by the tangent Newton refinement (the
// quasidefinite KKT's LDLᵀ), the dense LU Newton polish only finishing what
// it leaves above rounding level: on activeSDP's strictly complementary
// problems the tangent refinement alone reaches the exact solution (1e-10
// in x and y, the bound TestPSDNewtonPolish holds the LU polish to) in most
// trials, and every trial ends there.
func TestPSDTangentPolish(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	alone, total := 0, 0
	for trial := 0; trial < 12; trial++ {
		d := 2 + trial%5
		r := 1 + trial%(d-1)
		st, v, xs, ys := activeSDP(t, rng, d, r, 1+trial%2)
		for _, ls := range linearSolvers {
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			an, err := kkt.Analyse(st, set.LinearSolver)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
			w.Solve(v, res)
			if res.Info.Status != StatusSolved {
				t.Fatalf("trial %d %s: status %v", trial, ls.name, res.Info.Status)
			}
			var dist float64
			for i := range xs {
				dist = math.Max(dist, math.Abs(res.X[i]-xs[i]))
			}
			for i := range ys {
				dist = math.Max(dist, math.Abs(res.Y[i]-ys[i]))
			}
			if dist > 1e-10 {
				t.Errorf("trial %d %s: distance to the exact solution %.1e", trial, ls.name, dist)
			}
			total++
			if w.refine != nil && w.newtonTries == 0 {
				alone++
			}
		}
	}
	if 2*alone < total {
		t.Errorf("the tangent refinement finished %d of %d solves alone", alone, total)
	}
	t.Logf("tangent refinement alone: %d of %d", alone, total)
}
