package diff

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// socFixture: min ½xᵀPx + cᵀx s.t. Σx = e (zero), x ≥ −1 (nonneg) and two
// second-order cones ‖x[0:3]‖ ≤ r₁, ‖(x₃ − x₄, x₄)‖ ≤ r₂, for n = 5. With
// a large c the cones are active (the solution on their boundary).
func socFixture(t *testing.T, rng *rand.Rand, quadratic bool, cscale float64) *fixture {
	n := 5
	m := 1 + n + 4 + 3
	A := make([]float64, m*n)
	b := make([]float64, m)
	for j := 0; j < n; j++ {
		A[j] = 1
		A[(1+j)*n+j] = -1
		b[1+j] = 1
	}
	b[0] = 0.3 * rng.NormFloat64()
	r := 1 + n
	b[r] = 1 + rng.Float64() // t row of cone 1: s₀ = r₁
	for k := 0; k < 3; k++ {
		A[(r+1+k)*n+k] = -1 // s_{1+k} = x_k
	}
	r += 4
	b[r] = 1 + rng.Float64()
	A[(r+1)*n+3], A[(r+1)*n+4] = -1, 1
	A[(r+2)*n+4] = -1
	var P []float64
	if quadratic {
		P = make([]float64, n*n)
		for i := 0; i < n; i++ {
			P[i*n+i] = 0.5 + rng.Float64()
		}
		P[1], P[n] = 0.2, 0.2
	}
	c := randVec(rng, n)
	for j := range c {
		c[j] *= cscale
	}
	return newFixture(t, n, P, c, A, b, problem.Cones{Zero: 1, Nonneg: n, SOC: []int{4, 3}})
}

// BPQP with second-order cones (the cones' curvature term in the backward
// QP) gives kkt's gradients to 1e-6 on QPs (1e-5 on LPs, see below) with
// active and inactive cones; the ADMM solver refuses second-order cones
// clearly.
func TestBPQPSecondOrderConesEqualsKKT(t *testing.T) {
	for seed := int64(0); seed < 6; seed++ {
		for _, quadratic := range []bool{false, true} {
			for _, cscale := range []float64{0.3, 3} {
				if !quadratic && cscale < 1 {
					continue // an LP needs its cones active to be bounded
				}
				name := fmt.Sprintf("seed=%d qp=%v c×%g", seed, quadratic, cscale)
				rng := rand.New(rand.NewSource(40 + seed))
				f := socFixture(t, rng, quadratic, cscale)
				in := Incoming{X: randVec(rng, f.st.N), Y: randVec(rng, f.st.M), S: randVec(rng, f.st.M)}
				gk := f.grad(t, in, DefaultOptions())
				o := DefaultOptions()
				o.Method = MethodBPQP
				gb := f.grad(t, in, o)
				// On the LP–SOCPs kkt linearizes an active nonnegative row
				// with H = s/y ≈ 4e-10 (an interior-point solution at 1e-11
				// tolerances) where BPQP uses the exact H = 0, and these
				// gradients move by ~2.5e5 per unit of H: a 1e-5 agreement
				// is what the solver's precision allows there.
				tol := 1e-6
				if !quadratic {
					tol = 1e-5
				}
				if e := gradErr(gb, gk); e > tol {
					t.Errorf("%s: BPQP vs kkt %g", name, e)
				}
				o.BPQPSolver = BPQPADMM
				g := &Grad{C: make([]float64, f.st.N)}
				if _, err := f.ws.Backward(f.v, f.sol, in, &o, g); !errors.Is(err, ErrUnsupported) {
					t.Errorf("%s: ADMM on second-order cones: %v, want ErrUnsupported", name, err)
				}
			}
		}
	}
}

// CheckCones: kkt and LPGD take every cone; BPQP zero, nonnegative and
// second-order cones with the direct solver, polyhedral cones with ADMM.
func TestCheckCones(t *testing.T) {
	soc := []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindSOC, Dim: 3}}
	poly := []cone.Spec{{Kind: cone.KindNonneg, Dim: 2}}
	other := []cone.Spec{{Kind: cone.Kind(99), Dim: 2}}
	tests := []struct {
		name   string
		method Method
		solver BPQPSolver
		cones  []cone.Spec
		ok     bool
	}{
		{"kkt soc", MethodKKT, BPQPDirect, soc, true},
		{"lpgd soc", MethodLPGD, BPQPADMM, soc, true},
		{"bpqp direct soc", MethodBPQP, BPQPDirect, soc, true},
		{"bpqp admm soc", MethodBPQP, BPQPADMM, soc, false},
		{"bpqp admm polyhedral", MethodBPQP, BPQPADMM, poly, true},
		{"bpqp direct other kind", MethodBPQP, BPQPDirect, other, false},
	}
	for _, tc := range tests {
		o := DefaultOptions()
		o.Method, o.BPQPSolver = tc.method, tc.solver
		err := o.CheckCones(tc.cones)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrUnsupported)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
