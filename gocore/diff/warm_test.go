package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// boxProblem is the LPGD benchmark's family: min ½xᵀPx + cᵀx over
// −1 ≤ x ≤ 1, mi random inequalities Gx ≤ h (strictly feasible at 0) and
// meq equalities through a random point; P = 0 (an LP) or LLᵀ/n + 0.1I.
func boxProblem(rng *rand.Rand, n, mi, meq int, quadratic bool) (P, c, A, b []float64, cones problem.Cones) {
	m := meq + mi + 2*n
	A = make([]float64, m*n)
	b = make([]float64, m)
	x0 := make([]float64, n)
	for j := range x0 {
		x0[j] = 0.5 * (2*rng.Float64() - 1)
	}
	for i := 0; i < meq+mi; i++ {
		var ax float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			ax += A[i*n+j] * x0[j]
		}
		b[i] = ax
		if i >= meq {
			b[i] += 0.5 + rng.Float64()
		}
	}
	for j := 0; j < n; j++ {
		r := meq + mi + 2*j
		A[r*n+j], b[r] = 1, 1
		A[(r+1)*n+j], b[r+1] = -1, 1
	}
	c = randVec(rng, n)
	if quadratic {
		L := randVec(rng, n*n)
		P = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for k := 0; k < n; k++ {
					s += L[i*n+k] * L[j*n+k]
				}
				P[i*n+j] = s / float64(n)
			}
			P[i*n+i] += 0.1
		}
	}
	return P, c, A, b, problem.Cones{Zero: meq, Nonneg: mi + 2*n}
}

// The warm-started active-set solves give the perturbed problems' optima:
// every perturbed point they return is primal and dual feasible with the
// perturbed problem's optimal value (an interior-point solve of that
// problem gives the reference) — an optimality certificate that holds when
// the LP's solution is not unique —, and on the (strictly convex) QPs the
// gradients equal those of interior-point re-solves (FastPath false). LPs
// and QPs, every side, with and without a dual incoming gradient, at step
// sizes that change the active set; most solves must finish without the
// interior point.
func TestLPGDWarmStartMatchesFullSolve(t *testing.T) {
	warm, total := 0, 0
	for _, quadratic := range []bool{false, true} {
		for seed := int64(0); seed < 4; seed++ {
			rng := rand.New(rand.NewSource(100 + seed))
			n := 12
			P, c, A, b, cones := boxProblem(rng, n, 6, 2, quadratic)
			f := newFixture(t, n, P, c, A, b, cones)
			for _, withY := range []bool{false, true} {
				in := Incoming{X: randVec(rng, n)}
				if withY {
					in.Y = randVec(rng, f.st.M)
					for i := range in.Y {
						in.Y[i] *= 0.1 // keep the perturbed b feasible at τ = 1
					}
				}
				for _, side := range []Side{SideCentral, SideRight, SideLeft} {
					for _, tau := range []float64{0.1, 1} {
						name := fmt.Sprintf("qp=%v seed=%d y=%v side=%d tau=%g", quadratic, seed, withY, side, tau)
						o := DefaultOptions()
						o.Method, o.Tau, o.Side = MethodLPGD, tau, side
						g1 := f.grad(t, in, o)
						st := f.ws.LastStats()
						total += st.WarmSolves + st.IPMSolves
						warm += st.WarmSolves
						if st.WarmSolves+st.IPMSolves == 0 {
							t.Errorf("%s: no perturbed solve counted: %+v", name, st)
						}
						f.checkPerturbedOptimal(t, name, tau, side, 2)
						o.FastPath = false
						g2 := f.grad(t, in, o)
						if e := gradErr(g1, g2); quadratic && e > 1e-6 {
							t.Errorf("%s: warm vs full re-solve %g (stats %+v)", name, e, st)
						}
					}
				}
			}
		}
	}
	if warm < 3*total/4 {
		t.Errorf("warm start finished only %d of %d perturbed solves", warm, total)
	}
	t.Logf("warm-started: %d of %d perturbed solves", warm, total)
}

// checkPerturbedOptimal compares the perturbed points the last backward
// left in the workspace (xp, yp for σ = +1, xm, ym for σ = −1) with an
// interior-point solve of the same perturbed problems: primal feasible,
// dual feasible and the same primal and dual objective values.
func (f *fixture) checkPerturbedOptimal(t *testing.T, name string, tau float64, side Side, meq int) {
	t.Helper()
	w := f.ws
	n, m := f.st.N, f.st.M
	for _, sg := range []float64{1, -1} {
		if (sg > 0 && side == SideLeft) || (sg < 0 && side == SideRight) {
			continue
		}
		x, y := w.xp, w.yp
		if sg < 0 {
			x, y = w.xm, w.ym
		}
		pv := cloneValues(f.v)
		for j := 0; j < n; j++ {
			pv.C[j] += sg * tau * w.gx[j]
		}
		for i := 0; i < m; i++ {
			pv.B[i] -= sg * tau * w.gy[i]
		}
		ref := f.solve(pv)
		obj := func(x []float64) float64 {
			px := make([]float64, n)
			f.st.MulP(px, pv.P, x, 1)
			o := 0.0
			for j := 0; j < n; j++ {
				o += 0.5*x[j]*px[j] + pv.C[j]*x[j]
			}
			return o
		}
		s := append([]float64(nil), pv.B...)
		f.st.MulA(s, pv.A, x, -1)
		for i := meq; i < m; i++ {
			if s[i] < -1e-8 || y[i] < -1e-8 {
				t.Errorf("%s σ=%g: row %d infeasible: s=%g y=%g", name, sg, i, s[i], y[i])
			}
		}
		if d := math.Abs(obj(x) - obj(ref.X)); d > 1e-7*math.Max(1, math.Abs(obj(ref.X))) {
			t.Errorf("%s σ=%g: objective %g, interior point %g", name, sg, obj(x), obj(ref.X))
		}
		// Dual objective −bᵀy − ½xᵀPx equals the primal one at an optimum.
		px := make([]float64, n)
		f.st.MulP(px, pv.P, x, 1)
		dual := -dotv(pv.B, y) - 0.5*dotv(x, px)
		if d := math.Abs(dual - obj(ref.X)); d > 1e-7*math.Max(1, math.Abs(obj(ref.X))) {
			t.Errorf("%s σ=%g: dual objective %g, optimum %g", name, sg, dual, obj(ref.X))
		}
	}
}

func dotv(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// With dependent equality rows (the regularized base system still solves
// them) and with a wrong active-set guess (the base point is then not
// optimal and the perturbed problems go to the interior point, on their own
// data) the perturbed points are still the perturbed problems' optima.
func TestLPGDWarmStartDependentRowsAndBadGuess(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	n := 10
	P, c, A, b, cones := boxProblem(rng, n, 4, 2, false)
	copy(A[n:2*n], A[:n]) // equality row 1 = row 0
	b[1] = b[0]
	f := newFixture(t, n, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, n)}
	for _, bad := range []bool{false, true} {
		sol := f.sol
		if bad {
			// Claim an inactive inequality row active (y > s).
			sol = Solution{X: f.sol.X, Y: append([]float64(nil), f.sol.Y...), S: f.sol.S}
			for i := 2; i < f.st.M; i++ {
				if sol.S[i] > 0.1 {
					sol.Y[i] = sol.S[i] + 1
					break
				}
			}
		}
		for _, side := range []Side{SideCentral, SideRight} {
			o := DefaultOptions()
			o.Method, o.Tau, o.Side = MethodLPGD, 1, side
			g := &Grad{C: make([]float64, n)}
			if _, err := f.ws.Backward(f.v, sol, in, &o, g); err != nil {
				t.Fatal(err)
			}
			st := f.ws.LastStats()
			if bad && (st.WarmSolves != 0 || st.IPMSolves == 0) {
				t.Errorf("bad guess, side %d: stats %+v, want interior-point solves only", side, st)
			}
			f.checkPerturbedOptimal(t, fmt.Sprintf("bad=%v", bad), 1, side, 2)
		}
	}
}

// AutoTau's scale law: scaling c and b by α scales τ by α; scaling the
// incoming gradients by β scales τ by 1/β; with gy = 0 only c counts, with
// gx = 0 only b. On this random QP the τ used is the smaller of AutoTau's
// data term and AutoTauCurvature's cap, the cap from a velocity measured
// independently (a right-perturbed solve at a tiny fixed τ), and the same
// laws hold for both; scaling P and c by α scales τ by α when gy = 0.
func TestAutoTauScaleLaw(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	P, c, A, b, cones := randomQP(rng, 6, 2, 6)
	f := newFixture(t, 6, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 6), Y: randVec(rng, f.st.M)}
	tau := autoTauOf(t, f, in, 0.05)
	data := f.ws.AutoTau(f.v, 0.05)
	if want := 0.05 * math.Min(normInf(c)/normInf(in.X), normInf(b)/normInf(in.Y)); math.Abs(data-want) > 1e-12*want {
		t.Fatalf("data term %g, want %g", data, want)
	}
	curv := 0.05 * autoTauMove * normInf(f.sol.X) / fdVelocity(t, f, in)
	if want := math.Min(data, curv); math.Abs(tau-want) > 1e-5*want {
		t.Fatalf("tau = %g, want min(data %g, curvature %g)", tau, data, curv)
	}
	if curv >= data {
		t.Fatalf("the curvature cap (%g) does not bind against the data term (%g): not a check of the cap", curv, data)
	}
	const alpha, beta = 3.0, 0.25
	fa := newFixture(t, 6, P, scaled(c, alpha), A, scaled(b, alpha), cones)
	if got := autoTauOf(t, fa, in, 0.05); math.Abs(got-alpha*tau) > 1e-7*tau {
		t.Errorf("c, b × %g: tau %g, want %g", alpha, got, alpha*tau)
	}
	// P, c × α with gy = 0 (a perturbation of b moves x by the constraints'
	// geometry, whatever P): x* and the data term's s_b/‖gy‖∞ do not scale.
	tauX := autoTauOf(t, f, Incoming{X: in.X}, 0.05)
	fp := newFixture(t, 6, scaled(P, alpha), scaled(c, alpha), A, b, cones)
	if got := autoTauOf(t, fp, Incoming{X: in.X}, 0.05); math.Abs(got-alpha*tauX) > 1e-7*tauX {
		t.Errorf("P, c × %g (gy = 0): tau %g, want %g", alpha, got, alpha*tauX)
	}
	if got := autoTauOf(t, f, Incoming{X: scaled(in.X, beta), Y: scaled(in.Y, beta)}, 0.05); math.Abs(got-tau/beta) > 1e-7*tau {
		t.Errorf("loss × %g: tau %g, want %g", beta, got, tau/beta)
	}
	autoTauOf(t, f, Incoming{X: in.X}, 0.05)
	if got, want := f.ws.AutoTau(f.v, 0.05), 0.05*normInf(c)/normInf(in.X); math.Abs(got-want) > 1e-12*want {
		t.Errorf("gy = 0: data term %g, want %g", got, want)
	}
	autoTauOf(t, f, Incoming{X: make([]float64, 6), Y: in.Y}, 0.05)
	if got, want := f.ws.AutoTau(f.v, 0.05), 0.05*normInf(b)/normInf(in.Y); math.Abs(got-want) > 1e-12*want {
		t.Errorf("gx = 0: data term %g, want %g", got, want)
	}
}

// fdVelocity is ‖x_h − x₀‖∞/h for a right-perturbed solve at a tiny fixed
// τ = h (the forward's active set stays), x₀ the warm start's base point:
// the velocity AutoTauCurvature computes from K₀, measured independently.
func fdVelocity(t *testing.T, f *fixture, in Incoming) float64 {
	t.Helper()
	o := DefaultOptions()
	o.Method, o.Side, o.Tau = MethodLPGD, SideRight, 1e-7
	f.grad(t, in, o)
	if f.ws.LastStats().WarmSolves != 1 {
		t.Fatalf("the tiny-τ solve did not take the warm start")
	}
	d := 0.0
	for j := 0; j < f.st.N; j++ {
		d = math.Max(d, math.Abs(f.ws.xp[j]-f.ws.warm.x0[j]))
	}
	return d / o.Tau
}

// autoTauOf runs an LPGD backward pass with tau auto and returns the τ used.
func autoTauOf(t *testing.T, f *fixture, in Incoming, target float64) float64 {
	t.Helper()
	o := DefaultOptions()
	o.Method, o.TauAuto, o.TauTarget = MethodLPGD, true, target
	f.grad(t, in, o)
	return f.ws.LastStats().Tau
}

func scaled(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = a * v[i]
	}
	return out
}

// With P = I and inactive constraints (x* = −c), the perturbed solution of
// tau auto moves by exactly τ·gx: the curvature cap makes that the fraction
// θκ (θ = autoTauMove) of ‖x*‖∞ (here below the data term, κ‖c‖∞/‖gx‖∞,
// which moved it by κ‖x*‖∞), and the LPGD gradient is the exact one (−gx
// for c) whatever the target. With FastPath off (no warm start) the cap
// is the same.
func TestAutoTauMovesTargetFraction(t *testing.T) {
	n := 4
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = 1
	}
	c := []float64{0.5, -1, 2, 0.25}
	// Box |x_j| ≤ 100: inactive.
	A := make([]float64, 2*n*n)
	b := make([]float64, 2*n)
	for j := 0; j < n; j++ {
		A[(2*j)*n+j], A[(2*j+1)*n+j] = 1, -1
		b[2*j], b[2*j+1] = 100, 100
	}
	f := newFixture(t, n, P, c, A, b, problem.Cones{Nonneg: 2 * n})
	gx := []float64{1, 2, -1, 0.5}
	for _, target := range []float64{0.01, 0.1, 0.5} {
		for _, fast := range []bool{true, false} {
			o := DefaultOptions()
			o.Method, o.TauAuto, o.TauTarget, o.Side, o.FastPath = MethodLPGD, true, target, SideRight, fast
			g := f.grad(t, Incoming{X: gx}, o)
			if tau, want := f.ws.LastStats().Tau, target*autoTauMove*2/2; math.Abs(tau-want) > 1e-9*want {
				t.Errorf("target %g fast %v: tau %g, want κθ‖x*‖∞/‖gx‖∞ = %g", target, fast, tau, want)
			}
			moved := make([]float64, n)
			for j := 0; j < n; j++ {
				moved[j] = f.ws.xp[j] - f.sol.X[j]
			}
			if frac := normInf(moved) / normInf(f.sol.X); math.Abs(frac-autoTauMove*target) > 1e-7 {
				t.Errorf("target %g fast %v: the solution moved by %g of its size, want %g", target, fast, frac, autoTauMove*target)
			}
			for j := 0; j < n; j++ {
				if math.Abs(g.C[j]+gx[j]) > 1e-7 {
					t.Errorf("target %g fast %v: dc = %v, want −gx", target, fast, g.C)
					break
				}
			}
		}
	}
}

// The cap uses the velocity on the forward's active set, not P alone:
// min ½‖x‖² + cᵀx s.t. x ≥ 0 with c = (1, −5, −20) has x* = (0, 5, 20)
// and x₀ ≥ 0 active; gx = (50, 30, 0.5) moves x₀ at speed 50 if unbounded
// but 0 on the active set, so v = 30 and τ = κθ·20/30 (the unconstrained
// speed would give κθ·20/50; the data term is κ·20/50). At that τ the
// right-perturbed solution stays on the active set: LPGD gives the exact
// gradient dc = (0, −30, −0.5) (the data term's τ crosses x₁ ≥ 0 and
// does not).
func TestAutoTauCurvatureActiveSet(t *testing.T) {
	P := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	A := []float64{-1, 0, 0, 0, -1, 0, 0, 0, -1}
	f := newFixture(t, 3, P, []float64{1, -5, -20}, A, []float64{0, 0, 0}, problem.Cones{Nonneg: 3})
	gx := []float64{50, 30, 0.5}
	const target = 1.0
	o := DefaultOptions()
	o.Method, o.TauAuto, o.TauTarget, o.Side = MethodLPGD, true, target, SideRight
	g := f.grad(t, Incoming{X: gx}, o)
	if tau, want := f.ws.LastStats().Tau, target*autoTauMove*20/30; math.Abs(tau-want) > 1e-7*want {
		t.Fatalf("tau %g, want κθ‖x*‖∞/‖u_x‖∞ = %g", tau, want)
	}
	for j, want := range []float64{0, -30, -0.5} {
		if math.Abs(g.C[j]-want) > 1e-6 {
			t.Errorf("dc = %v, want the exact (0, −30, −0.5)", g.C)
			break
		}
	}
}

// At a vertex of a QP with tiny curvature (the simplex with P = εI, the
// cost gap ≫ ε) the active rows pin x: u_x = 0, no cap, and tau auto keeps
// AutoTau's data term, which moves the vertex (a nonzero gradient). A cap
// from P's diagonal (τ ~ ε) would leave the vertex in place: dc = 0.
func TestAutoTauCurvatureVertexKeepsDataTerm(t *testing.T) {
	const n, eps = 5, 1e-6
	f0 := sparseCostLP(t, n)
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		P[i*n+i] = eps
	}
	A := make([]float64, (1+n)*n)
	for j := 0; j < n; j++ {
		A[j], A[(1+j)*n+j] = 1, -1
	}
	f := newFixture(t, n, P, f0.v.C, A, f0.v.B, problem.Cones{Zero: 1, Nonneg: n})
	gx := make([]float64, n)
	gx[0] = 1
	for j := 1; j < n; j++ {
		gx[j] = -1
	}
	o := DefaultOptions()
	o.Method, o.TauAuto, o.Side = MethodLPGD, true, SideRight
	g := f.grad(t, Incoming{X: gx}, o)
	if tau, want := f.ws.LastStats().Tau, f.ws.AutoTau(f.v, o.TauTarget); tau != want {
		t.Errorf("tau %g, want the data term %g", tau, want)
	}
	if !(g.C[0] < -0.1) {
		t.Errorf("dc₀ = %g: the perturbation did not move the vertex", g.C[0])
	}
}

// sparseCostLP is min −x₀ over the simplex {x ≥ 0, Σx = 1} in R^n: the cost
// is nonzero on one variable only (as Sudoku's one-hot givens), x* = e₀.
func sparseCostLP(t *testing.T, n int) *fixture {
	t.Helper()
	c := make([]float64, n)
	c[0] = -1
	A := make([]float64, (1+n)*n)
	b := make([]float64, 1+n)
	for j := 0; j < n; j++ {
		A[j] = 1          // Σx = 1 (zero cone)
		A[(1+j)*n+j] = -1 // −x ≤ 0
	}
	b[0] = 1
	return newFixture(t, n, nil, c, A, b, problem.Cones{Zero: 1, Nonneg: n})
}

// On an LP whose cost is sparse and whose loss gradient is spread over all
// variables, AutoTau at the default target perturbs enough to move the
// vertex: the LPGD gradient is nonzero (a Euclidean rule,
// τ = κ‖c‖₂/‖gx‖₂, shrinks like 1/√n here and leaves the LP at x*, a zero
// gradient). Twice the same call gives bitwise the same τ and gradient.
func TestAutoTauSparseCostMovesVertex(t *testing.T) {
	const n = 50
	f := sparseCostLP(t, n)
	gx := make([]float64, n)
	gx[0] = 1 // the loss wants x₀ smaller and every other coordinate larger
	for j := 1; j < n; j++ {
		gx[j] = -1
	}
	o := DefaultOptions()
	o.Method, o.TauAuto, o.Side = MethodLPGD, true, SideRight
	g1 := f.grad(t, Incoming{X: gx}, o)
	tau1 := f.ws.LastStats().Tau
	if want := o.TauTarget * 1 / 1; tau1 != want {
		t.Errorf("tau = %g, want κ‖c‖∞/‖gx‖∞ = %g", tau1, want)
	}
	// The vertex moved off e₀ (to the face x₀ = 0): dc₀ = (x_τ − x*)₀/τ = −1/τ.
	if math.Abs(g1.C[0]+1/tau1) > 1e-6/tau1 {
		t.Fatalf("dc₀ = %g, want −1/τ = %g: the perturbation did not move the vertex", g1.C[0], -1/tau1)
	}
	g2 := f.grad(t, Incoming{X: gx}, o)
	if tau2 := f.ws.LastStats().Tau; tau2 != tau1 {
		t.Errorf("not deterministic: tau %g then %g", tau1, tau2)
	}
	for j := range g1.C {
		if g1.C[j] != g2.C[j] {
			t.Fatalf("not deterministic: dc[%d] %g then %g", j, g1.C[j], g2.C[j])
		}
	}
}

// AutoTau's fallbacks: c = 0 takes b's scale, c = b = 0 the scale 1, and
// zero incoming gradients τ = κ (the perturbation is zero for every τ).
func TestAutoTauFallbacks(t *testing.T) {
	// min 0·x s.t. −β ≤ x ≤ β (β = 2 or 0): c = 0.
	for _, tc := range []struct {
		b, want float64
	}{{2, 0.3 * 2 / 4}, {0, 0.3 * 1 / 4}} {
		f := newFixture(t, 1, nil, []float64{0}, []float64{1, -1}, []float64{tc.b, tc.b}, problem.Cones{Nonneg: 2})
		if got := autoTauOf(t, f, Incoming{X: []float64{4}}, 0.3); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("b = %g, c = 0: tau %g, want %g", tc.b, got, tc.want)
		}
	}
	f := sparseCostLP(t, 3)
	for i := range f.ws.gx {
		f.ws.gx[i] = 0
	}
	for i := range f.ws.gy {
		f.ws.gy[i] = 0
	}
	if got := f.ws.AutoTau(f.v, 0.3); got != 0.3 {
		t.Errorf("zero gradients: tau %g, want the target 0.3", got)
	}
}

// BenchmarkLPGDWarm is the LPGD benchmark's family at its size (n = 100,
// 50 random inequalities, 10 equalities, the box; τ = 0.1) at the
// library's default settings: the forward solve and the central and right
// backward passes, over 8 problems per iteration (go test -bench LPGDWarm
// -run ^$ ./gocore/diff; add -cpuprofile to see where the backward goes).
func BenchmarkLPGDWarm(b *testing.B) {
	for _, quadratic := range []bool{false, true} {
		var fs []*fixture
		var ins []Incoming
		for seed := int64(0); seed < 8; seed++ {
			rng := rand.New(rand.NewSource(500 + seed))
			P, c, A, bb, cones := boxProblem(rng, 100, 50, 10, quadratic)
			fs = append(fs, newFixtureWith(b, 100, P, c, A, bb, cones, ipm.DefaultSettings()))
			ins = append(ins, Incoming{X: randVec(rng, 100)})
		}
		kind := map[bool]string{false: "LP", true: "QP"}[quadratic]
		b.Run(kind+"/forward", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for _, f := range fs {
					f.solve(f.v)
				}
			}
		})
		for _, side := range []Side{SideCentral, SideRight} {
			name := map[Side]string{SideCentral: "central", SideRight: "right"}[side]
			b.Run(kind+"/"+name, func(b *testing.B) {
				o := DefaultOptions()
				o.Method, o.Tau, o.Side = MethodLPGD, 0.1, side
				g := &Grad{C: make([]float64, 100), A: make([]float64, fs[0].st.A.Nnz()), B: make([]float64, fs[0].st.M)}
				var st Stats
				for i := 0; i < b.N; i++ {
					st = Stats{}
					for k, f := range fs {
						if _, err := f.ws.Backward(f.v, f.sol, ins[k], &o, g); err != nil {
							b.Fatal(err)
						}
						s := f.ws.LastStats()
						st.Changes += s.Changes
						st.WarmSolves += s.WarmSolves
						st.IPMSolves += s.IPMSolves
					}
				}
				b.ReportMetric(float64(st.Changes)/float64(len(fs)), "changes/sample")
				b.ReportMetric(float64(st.IPMSolves)/float64(len(fs)), "ipm/sample")
			})
		}
	}
}

// The reduced-KKT warm path (QPs) with unrefined update columns and
// directions (warmUnrefinedK0) finishes warm where the refined one does
// and gives its gradients to 1e-8: the end point is checked and, when it
// misses, re-solved refined.
func TestWarmUnrefinedColumns(t *testing.T) {
	defer func(b bool) { warmUnrefinedK0 = b }(warmUnrefinedK0)
	warm, changes := 0, 0
	for seed := int64(0); seed < 4; seed++ {
		rng := rand.New(rand.NewSource(700 + seed))
		n := 20
		P, c, A, b, cones := boxProblem(rng, n, 10, 2, true)
		f := newFixture(t, n, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, n)}
		for _, side := range []Side{SideCentral, SideRight} {
			for _, tau := range []float64{0.1, 1, 10} {
				name := fmt.Sprintf("seed=%d side=%d tau=%g", seed, side, tau)
				o := DefaultOptions()
				o.Method, o.Tau, o.Side = MethodLPGD, tau, side
				var gs [2]*Grad
				var sts [2]Stats
				for q, unrefined := range []bool{true, false} {
					warmUnrefinedK0 = unrefined
					gs[q] = f.grad(t, in, o)
					sts[q] = f.ws.LastStats()
					f.checkPerturbedOptimal(t, name, tau, side, 2)
				}
				if sts[0].WarmSolves != sts[1].WarmSolves {
					t.Errorf("%s: %d warm solves unrefined, %d refined", name, sts[0].WarmSolves, sts[1].WarmSolves)
				}
				if e := gradErr(gs[0], gs[1]); e > 1e-8 {
					t.Errorf("%s: unrefined vs refined columns: gradient difference %g", name, e)
				}
				warm += sts[0].WarmSolves
				changes += sts[0].Changes
			}
		}
	}
	if warm < 30 || changes < 20 {
		t.Errorf("only %d warm solves with %d changes: the path was not exercised", warm, changes)
	}
	t.Logf("%d warm solves, %d changes", warm, changes)
}

// autoTauRescale on a QP whose solution is pinned by an active row (no
// velocity on the forward's active set, so no curvature cap): min ½‖x‖² +
// cᵀx s.t. x ≥ 0 with c = (c₀, −1), x* = (0, 1), and gx = (−10, 0) (the
// loss wants x₀ larger). The data term τ₀ = κ‖c‖∞/‖gx‖∞ = 0.1 frees x₀
// and moves it by Δ₀ = 10τ₀ − c₀, beyond twice the target κθ‖x*‖∞ = 0.1.
// With c₀ = 0.05 the rescaled τ₁ = τ₀·0.1/Δ₀ still frees x₀ (it moves by
// 10τ₁ − 0.05): τ₁ is kept, and the gradient is that of τ₁'s solution. With
// c₀ = 0.5, τ₁ leaves x₀ at its bound (no move, the exact gradient zero):
// τ₀ and its solution stay, as on an LP. One-sided and central alike.
func TestAutoTauRescalePinnedQP(t *testing.T) {
	for _, tc := range []struct {
		c0      float64
		rescale bool
		xErr    float64 // added to x*₁: a loose or unpolished forward
	}{{0.05, true, 0}, {0.5, false, 0}, {0.5, false, 1e-5}} {
		for _, side := range []Side{SideRight, SideCentral} {
			f := newFixture(t, 2, []float64{1, 0, 0, 1}, []float64{tc.c0, -1}, []float64{-1, 0, 0, -1}, []float64{0, 0}, problem.Cones{Nonneg: 2})
			// x*'s own error must not pass for a move of the rescaled solves
			// (that kept τ₁ with a zero gradient).
			f.sol.X[1] += tc.xErr
			o := DefaultOptions()
			o.Method, o.TauAuto, o.Side = MethodLPGD, true, side
			g := f.grad(t, Incoming{X: []float64{-10, 0}}, o)
			tau0 := 0.1
			want := tau0
			if tc.rescale {
				want = tau0 * autoTauMove / (10*tau0 - tc.c0)
			}
			if tau := f.ws.LastStats().Tau; math.Abs(tau-want) > 1e-7*want {
				t.Errorf("c₀ = %g, side %v: tau %g, want %g", tc.c0, side, tau, want)
			}
			// Right: dc₀ = x₀(τ)/τ; central: the left side stays at 0, dc₀ = x₀(τ)/2τ.
			dc0 := (10*want - tc.c0) / want
			if side == SideCentral {
				dc0 /= 2
			}
			if math.Abs(g.C[0]-dc0) > 1e-6*math.Abs(dc0) {
				t.Errorf("c₀ = %g, side %v: dc₀ = %g, want %g", tc.c0, side, g.C[0], dc0)
			}
		}
	}
}
