package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// simplexLP is min cᵀx over {x ≥ 0, Σx = beta} in R^n.
func simplexLP(t *testing.T, c []float64, beta float64) *fixture {
	t.Helper()
	n := len(c)
	A := make([]float64, (1+n)*n)
	b := make([]float64, 1+n)
	for j := 0; j < n; j++ {
		A[j] = 1          // Σx = beta (zero cone)
		A[(1+j)*n+j] = -1 // −x ≤ 0
	}
	b[0] = beta
	return newFixture(t, n, nil, c, A, b, problem.Cones{Zero: 1, Nonneg: n})
}

// autoRhoOf runs an LPGD backward pass with rho auto (and the given τ, or
// tau auto when tau is 0) and returns the ρ and τ used.
func autoRhoOf(t *testing.T, f *fixture, in Incoming, tau, target float64) (rho, tauUsed float64) {
	t.Helper()
	o := DefaultOptions()
	o.Method, o.RhoAuto, o.RhoTarget, o.Side = MethodLPGD, true, target, SideRight
	if tau == 0 {
		o.TauAuto = true
	} else {
		o.Tau = tau
	}
	f.grad(t, in, o)
	st := f.ws.LastStats()
	return st.Rho, st.Tau
}

// AutoRho's values on the simplex LP min −2x₀ s.t. Σx = β, x ≥ 0
// (x* = β e₀): ρ = ϱ·max(‖c‖∞, τ‖gx‖∞)/‖x*‖∞, with the cost or the
// perturbation the larger term, after tau auto, and its scale laws
// (c × α ⇒ ρ × α, b × α ⇒ x* × α ⇒ ρ / α, loss × β with the perturbation
// dominating ⇒ ρ × β).
func TestAutoRhoRule(t *testing.T) {
	c := []float64{-2, 0, 0, 0, 0}
	gx := []float64{0.5, -1, 0, 0.25, 0}
	for _, tc := range []struct {
		name         string
		c            []float64
		beta, tau    float64
		gscale, want float64
	}{
		{"cost dominates", c, 1, 0.1, 1, 0.3 * 2 / 1},                     // τ‖gx‖∞ = 0.1
		{"perturbation dominates", c, 1, 4, 1, 0.3 * 4 / 1},               // τ‖gx‖∞ = 4
		{"c × 3", scaled(c, 3), 1, 0.1, 1, 3 * 0.3 * 2 / 1},               // ρ × 3
		{"b × 4", c, 4, 0.1, 1, 0.3 * 2 / 4},                              // x* × 4: ρ / 4
		{"loss × 5, perturbation dominates", c, 1, 4, 5, 5 * 0.3 * 4 / 1}, // ρ × 5
		{"tau auto", c, 2, 0, 1, 0.3 * 2 / 2},                             // τ‖gx‖∞ = κ‖c‖∞ = ‖c‖∞
	} {
		f := simplexLP(t, tc.c, tc.beta)
		got, tau := autoRhoOf(t, f, Incoming{X: scaled(gx, tc.gscale)}, tc.tau, 0.3)
		if math.Abs(got-tc.want) > 1e-7*tc.want {
			t.Errorf("%s: rho %g (tau %g), want %g", tc.name, got, tau, tc.want)
		}
	}
}

// AutoRho's fallbacks: c = 0 takes the perturbation's scale τ‖gx‖∞; c = 0
// and gx = 0 (only b perturbed) the scale 1; x* ≈ 0 the feasible set's
// scale ‖b‖∞/max(1, ‖A‖max), and 1 when b = 0 too. Rho is
// Options.Rho when RhoAuto is off.
func TestAutoRhoFallbacks(t *testing.T) {
	// min 0·x s.t. Σx = 2, x ≥ 0 in R^2: x* = (1, 1) (analytic centre);
	// d = ‖x*‖∞ = 1 (not the feasible set's scale 2: x* is not negligible).
	f := simplexLP(t, []float64{0, 0}, 2)
	copy(f.ws.gx, []float64{2, 0})
	if got, want := f.ws.AutoRho(f.v, f.sol, 0.5, 0.1), 0.1*0.5*2/normInf(f.sol.X); math.Abs(got-want) > 1e-9*want {
		t.Errorf("c = 0: rho %g, want %g", got, want)
	}
	zero := Solution{X: []float64{0, 0}, Y: f.sol.Y, S: f.sol.S}
	if got, want := f.ws.AutoRho(f.v, zero, 0.5, 0.1), 0.1*1/2.0; math.Abs(got-want) > 1e-15 {
		t.Errorf("x* = 0: rho %g, want %g (d = ‖b‖∞/‖A‖max = 2)", got, want)
	}
	b := f.v.B
	f.v.B = make([]float64, len(b))
	if got := f.ws.AutoRho(f.v, zero, 0.5, 0.1); got != 0.1*1/1 {
		t.Errorf("x* = 0, b = 0: rho %g, want 0.1", got)
	}
	f.v.B = b
	copy(f.ws.gx, []float64{0, 0})
	if got, want := f.ws.AutoRho(f.v, f.sol, 0.5, 0.1), 0.1/normInf(f.sol.X); math.Abs(got-want) > 1e-9*want {
		t.Errorf("c = 0, gx = 0: rho %g, want %g", got, want)
	}
	o := DefaultOptions()
	o.Method, o.Rho, o.Tau = MethodLPGD, 0.7, 0.1
	f.grad(t, Incoming{X: []float64{1, -1}}, o)
	if got := f.ws.LastStats().Rho; got != 0.7 {
		t.Errorf("fixed rho 0.7: stats rho %g", got)
	}
}

// The proximal term of rho auto resolves a degenerate perturbed LP: on
// min −x₀ − x₁ over the box [0, 1]², x* = (1, 1), the right perturbation
// τgx = (1, 0) makes the cost (0, −1), every x₀ ∈ [0, 1] optimal (with
// ρ = 0 the interior point ends elsewhere on the face). The proximal term picks
// x₀ = 1 (nearest x*): x_τ = x*, dc = (0, 0), with and without the warm
// start.
func TestAutoRhoDegenerateLP(t *testing.T) {
	c := []float64{-1, -1}
	A := []float64{1, 0, 0, 1, -1, 0, 0, -1}
	b := []float64{1, 1, 0, 0}
	for _, fast := range []bool{true, false} {
		f := newFixture(t, 2, nil, c, A, b, problem.Cones{Nonneg: 4})
		o := DefaultOptions()
		o.Method, o.Tau, o.RhoAuto, o.Side, o.FastPath = MethodLPGD, 1, true, SideRight, fast
		g := f.grad(t, Incoming{X: []float64{1, 0}}, o)
		if rho := f.ws.LastStats().Rho; math.Abs(rho-0.1) > 1e-9 {
			t.Errorf("fast=%v: rho %g, want 0.1·max(1, 1)/1", fast, rho)
		}
		for j, v := range g.C {
			if math.IsNaN(v) || math.Abs(v) > 1e-6 || math.Abs(f.ws.xp[j]-1) > 1e-6 {
				t.Errorf("fast=%v: x_τ = %v, dc = %v, want x* = (1, 1), 0", fast, f.ws.xp[:2], g.C)
				break
			}
		}
	}
	// Without the proximal term the perturbed LP's solution is not x*
	// (the test would pass vacuously otherwise).
	f := newFixture(t, 2, nil, c, A, b, problem.Cones{Nonneg: 4})
	o := DefaultOptions()
	o.Method, o.Tau, o.Side, o.FastPath = MethodLPGD, 1, SideRight, false
	if g := f.grad(t, Incoming{X: []float64{1, 0}}, o); math.Abs(g.C[0]) < 1e-3 {
		t.Errorf("rho = 0: dc₀ = %g, expected the interior point elsewhere on the tied face", g.C[0])
	}
}

// The ρ = 0 limit: as the target goes to 0, rho auto's gradients converge to
// plain LPGD's (ρ = 0) on random QPs and LPs (seeded), and they stay finite.
func TestAutoRhoZeroLimit(t *testing.T) {
	for seed := int64(0); seed < 4; seed++ {
		rng := rand.New(rand.NewSource(40 + seed))
		P, c, A, b, cones := boxProblem(rng, 8, 5, 2, seed%2 == 0)
		f := newFixture(t, 8, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, 8)}
		o := DefaultOptions()
		o.Method, o.Tau = MethodLPGD, 0.05
		ref := f.grad(t, in, o)
		o.RhoAuto = true
		for _, target := range []float64{1, 1e-9} {
			o.RhoTarget = target
			g := f.grad(t, in, o)
			d, scale := 0.0, 0.0
			for j := range g.C {
				if math.IsNaN(g.C[j]) || math.IsInf(g.C[j], 0) {
					t.Fatalf("seed %d target %g: dc = %v", seed, target, g.C)
				}
				d = math.Max(d, math.Abs(g.C[j]-ref.C[j]))
				scale = math.Max(scale, math.Abs(ref.C[j]))
			}
			if target < 1e-6 && d > 1e-5*math.Max(1, scale) {
				t.Errorf("seed %d: rho_target %g, |dc − dc(ρ=0)|∞ = %g", seed, target, d)
			}
		}
	}
}

// A solution at the origin: min qᵀx over the box [0, 1]³, q = (1, 2, 0.5),
// x* = 0 up to rounding (the interior point returns ~1e-24). ρ must come
// from the feasible set's scale (d = ‖b‖∞/‖A‖max = 1, s = max(‖q‖∞,
// τ‖gx‖∞) = 3: ρ = 0.3), not from ‖x*‖∞ (it was clipped at 1e12 and pinned
// the perturbed solution to x*: dq ≈ 1e-12 instead of (1, 0, 1)); the
// gradient equals the fixed ρ = 0.3 one's and is not zero.
func TestAutoRhoSolutionAtOrigin(t *testing.T) {
	c := []float64{1, 2, 0.5}
	A := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1, -1, 0, 0, 0, -1, 0, 0, 0, -1}
	b := []float64{1, 1, 1, 0, 0, 0}
	in := Incoming{X: []float64{-3, 1, -1}}
	grad := func(auto bool) ([]float64, float64) {
		f := newFixture(t, 3, nil, c, A, b, problem.Cones{Nonneg: 6})
		o := DefaultOptions()
		o.Method, o.Tau, o.Side, o.RhoAuto, o.Rho = MethodLPGD, 1, SideRight, auto, 0.3
		g := f.grad(t, in, o)
		return append([]float64(nil), g.C...), f.ws.LastStats().Rho
	}
	auto, rho := grad(true)
	fixed, _ := grad(false)
	if math.Abs(rho-0.3) > 1e-12 {
		t.Errorf("rho %g, want 0.3", rho)
	}
	for j := range auto {
		if math.Abs(auto[j]-fixed[j]) > 1e-6 {
			t.Fatalf("rho auto dq = %v, fixed rho 0.3 dq = %v", auto, fixed)
		}
	}
	if normInf(fixed) < 0.5 {
		t.Errorf("dq = %v: want a nonzero gradient (the test would pass vacuously)", fixed)
	}
}

// A loose row does not change ρ where x* is not negligible: on the tied
// box LP of TestAutoRhoDegenerateLP (x* = (1, 1)), adding x₀ + x₁ ≤ 1e6
// (never binding) leaves ρ = 0.1·max(‖c‖∞, τ‖gx‖∞)/‖x*‖∞ = 0.1; with the
// feasible set's scale always in d it fell to 1e-7 (review finding).
func TestAutoRhoLooseRow(t *testing.T) {
	c := []float64{-1, -1}
	A := []float64{1, 0, 0, 1, -1, 0, 0, -1, 1, 1}
	b := []float64{1, 1, 0, 0, 1e6}
	f := newFixture(t, 2, nil, c, A, b, problem.Cones{Nonneg: 5})
	o := DefaultOptions()
	o.Method, o.Tau, o.RhoAuto, o.Side = MethodLPGD, 1, true, SideRight
	f.grad(t, Incoming{X: []float64{1, 0}}, o)
	if rho := f.ws.LastStats().Rho; math.Abs(rho-0.1) > 1e-7 {
		t.Errorf("rho %g, want 0.1", rho)
	}
}
