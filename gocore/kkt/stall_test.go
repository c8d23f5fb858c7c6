package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// thirdDiffSystem returns the regularized KKT system of min ½‖x‖² + cᵀx
// s.t. the third differences of x are ≥ 0 (the convex regression of ipm's
// tests), with H = diag(h) on its rows, and a seeded right-hand side.
func thirdDiffSystem(t *testing.T, n int, h float64, seed int64) (*System, []float64, []float64) {
	t.Helper()
	m := n - 3
	P := make([]float64, n*n)
	A := make([]float64, m*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1
	}
	for r := 0; r < m; r++ {
		for k, v := range []float64{-1, 3, -3, 1} {
			A[r*n+r+k] = -v
		}
	}
	st, v := denseProblem(t, n, P, make([]float64, n), A, make([]float64, m), problem.Cones{Nonneg: m})
	k := newSystem(t, st, LinearSparse)
	k.SetData(v.P, v.A, 0)
	hs := make([]float64, m)
	for i := range hs {
		hs[i] = h
	}
	k.SetDiagH(hs)
	if err := k.Factor(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(seed))
	rhs := make([]float64, n+m)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	return k, rhs, A
}

// TestSolveLowersDeltaOnStall: with every row of a third-difference QP
// active (H ≤ 1e-10 < δ = 1e-8) the Schur complement AAᵀ + H has
// eigenvalues below δ at n = 100, the refinement against the
// unregularized K contracts by about δ/(λ + δ) on them and stops short (a
// correction that does not halve the residual) at a backward error of
// ~2e-12 — the inaccuracy that made the sparse path's iterations crawl on
// the LISWET problems. Solve lowers δ there and reaches the rounding floor.
// At n = 60 the refinement also stops short, but at the floor (backward
// error ~4e-16: its tolerance lies below what rounding allows), and on the
// same K with H = 1 it converges: δ is kept in both.
func TestSolveLowersDeltaOnStall(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		h       float64
		lowered bool
	}{
		{"n = 100, H = 1e-12", 100, 1e-12, true},
		{"n = 100, H = 1e-10", 100, 1e-10, true},
		{"n = 60, H = 1e-12 (short at the floor)", 60, 1e-12, false},
		{"n = 100, H = 1", 100, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for seed := int64(1); seed <= 3; seed++ {
				k, rhs, _ := thirdDiffSystem(t, tc.n, tc.h, seed)
				sol := make([]float64, len(rhs))
				if tc.lowered {
					// Without the lowering the refinement stalls.
					k.noLow = true
					if !k.Solve(rhs, sol) {
						t.Fatal("Solve failed")
					}
					if w := k.backwardError(rhs, sol); !k.short || w <= 1e-12 {
						t.Fatalf("seed %d: no stall to remove (stopped short %v, backward error %.3g)", seed, k.short, w)
					}
					k, rhs, _ = thirdDiffSystem(t, tc.n, tc.h, seed)
				}
				if !k.Solve(rhs, sol) {
					t.Fatal("Solve failed")
				}
				w := k.backwardError(rhs, sol)
				if w > 1e-13 {
					t.Errorf("seed %d: backward error %.3g at δ = %g", seed, w, k.dUsed)
				}
				if lowered := k.dUsed < 1e-8; lowered != tc.lowered {
					t.Errorf("seed %d: δ %g after the solve (backward error %.3g), want lowered: %v",
						seed, k.dUsed, w, tc.lowered)
				}
			}
		})
	}
}

// TestBackwardError: backwardError is max_i |r_i| / (|K||sol| + |rhs|)_i,
// checked against the definition on a small system with the matrix
// written out; at the solution Solve returns it is at the rounding floor.
func TestBackwardError(t *testing.T) {
	const n = 8
	k, rhs, A := thirdDiffSystem(t, n, 0.5, 4)
	m := n - 3
	dim := n + m
	K := make([]float64, dim*dim)
	for j := 0; j < n; j++ {
		K[j*dim+j] = 1
	}
	for i := 0; i < m; i++ {
		K[(n+i)*dim+n+i] = -0.5
		for j := 0; j < n; j++ {
			K[(n+i)*dim+j] = A[i*n+j]
			K[j*dim+n+i] = A[i*n+j]
		}
	}
	rng := rand.New(rand.NewSource(5))
	sol := make([]float64, dim)
	for i := range sol {
		sol[i] = rng.NormFloat64()
	}
	var want float64
	for i := 0; i < dim; i++ {
		r, den := rhs[i], math.Abs(rhs[i])
		for j := 0; j < dim; j++ {
			r -= K[i*dim+j] * sol[j]
			den += math.Abs(K[i*dim+j] * sol[j])
		}
		want = math.Max(want, math.Abs(r)/den)
	}
	if got := k.backwardError(rhs, sol); math.Abs(got-want) > 1e-12*want {
		t.Errorf("backwardError %v, want %v", got, want)
	}
	if !k.Solve(rhs, sol) {
		t.Fatal("Solve failed")
	}
	if w := k.backwardError(rhs, sol); w > 1e-15 {
		t.Errorf("backward error %v at the solution", w)
	}
}
