package diff

import (
	"fmt"
	"math"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// autoTauRescale measures Δ as the larger move over the sides solved
// (perturbedMove), whichever side moves: min ½‖x‖² + cᵀx s.t. x ≥ 0 with
// c = (0.05, −1), x* = (0, 1), x₀ pinned (no velocity on the forward's
// active set, no curvature cap) and the data term τ₀ = κ‖c‖∞/‖gx‖∞ = 0.1
// for gx = (±10, 0). With gx₀ = +10 only the left side moves (c₀ − 10τ₀ < 0
// frees x₀ by Δ₀ = 10τ₀ − c₀ = 0.95, past twice the target κθ‖x*‖∞ = 0.1);
// with gx₀ = −10 only the right side. Central and the moving side alone
// rescale to τ₁ = τ₀·0.1/Δ₀ (where x₀ still moves: τ₁ kept); the side
// that does not move keeps τ₀ (Δ = 0 over the one side solved) and a zero
// gradient. A rule that measured the right side only (or the left only, or
// the smaller move) keeps τ₀ on central for one of the signs. Fast path on
// and off alike.
func TestAutoTauRescaleUsesMovingSide(t *testing.T) {
	const c0, tau0 = 0.05, 0.1
	tau1 := tau0 * autoTauMove / (10*tau0 - c0)
	for _, sign := range []float64{1, -1} {
		for _, side := range []Side{SideCentral, SideLeft, SideRight} {
			for _, fast := range []bool{true, false} {
				name := fmt.Sprintf("gx₀ = %+g side %v fast %v", 10*sign, side, fast)
				f := newFixture(t, 2, []float64{1, 0, 0, 1}, []float64{c0, -1}, []float64{-1, 0, 0, -1}, []float64{0, 0}, problem.Cones{Nonneg: 2})
				o := DefaultOptions()
				o.Method, o.TauAuto, o.Side, o.FastPath = MethodLPGD, true, side, fast
				g := f.grad(t, Incoming{X: []float64{10 * sign, 0}}, o)
				// Side σ solves with c₀ + σ·τ·gx₀ (right σ = +1): gx₀ = +10
				// frees x₀ on the left, gx₀ = −10 on the right.
				moving := SideLeft
				if sign < 0 {
					moving = SideRight
				}
				want, dc0 := tau0, 0.0
				if side == SideCentral || side == moving {
					want = tau1
					// dc₀ = ±x₀(τ₁)/τ₁ one-sided (right: x₊ − x*, left:
					// x* − x₋), halved for central.
					dc0 = (10*tau1 - c0) / tau1
					if moving == SideLeft {
						dc0 = -dc0
					}
					if side == SideCentral {
						dc0 /= 2
					}
				}
				if tau := f.ws.LastStats().Tau; math.Abs(tau-want) > 1e-7*want {
					t.Errorf("%s: tau %g, want %g", name, tau, want)
				}
				if math.Abs(g.C[0]-dc0) > 1e-6*math.Max(1, math.Abs(dc0)) {
					t.Errorf("%s: dc₀ = %g, want %g", name, g.C[0], dc0)
				}
			}
		}
	}
}

// With FastPath off tau auto computes the forward's active set itself for
// the curvature cap (lpgdBackward: activeSet, then warmBase), and chooses
// the τ (and gradient) of FastPath on: min ½‖x‖² + cᵀx s.t. 0 ≤ x₁ ≤ 0.5,
// 8.5 ≤ x₀ ≤ 11.5 with c = (−10, 0.1) has x* = (10, 0), x₁ ≥ 0 active.
// For gx = (1, 2) the data term is κ‖c‖∞/‖gx‖∞ = 5 and the velocity on the
// active set u_x = (−1, 0), so τ = κθ‖x*‖∞/‖u_x‖∞ = 1; both sides then
// move by 1 (x₊ = (9, 0), x₋ = (11, 0.5): no rescale) and
// dc = (x₊ − x₋)/2τ = (−1, −0.25). Each call is on a fresh workspace,
// whose active set is empty: a FastPath-off pass that used it (checked by
// deleting the activeSet call) gets no cap (the base point is not optimal
// without x₁ ≥ 0) and keeps τ = 5, where the moves saturate at x₀'s bounds
// (Δ = 1.5, below the rescale's threshold 2).
func TestAutoTauFastPathOffComputesActiveSet(t *testing.T) {
	P := []float64{1, 0, 0, 1}
	A := []float64{0, -1, 0, 1, 1, 0, -1, 0}
	b := []float64{0, 0.5, 11.5, -8.5}
	in := Incoming{X: []float64{1, 2}}
	for _, side := range []Side{SideCentral, SideRight} {
		taus := map[bool]float64{}
		grads := map[bool][]float64{}
		for _, fast := range []bool{false, true} {
			f := newFixture(t, 2, P, []float64{-10, 0.1}, A, b, problem.Cones{Nonneg: 4})
			o := DefaultOptions()
			o.Method, o.TauAuto, o.Side, o.FastPath = MethodLPGD, true, side, fast
			g := f.grad(t, in, o)
			taus[fast], grads[fast] = f.ws.LastStats().Tau, g.C
			if fl := f.ws.LastStats(); fast && fl.WarmSolves == 0 {
				t.Errorf("side %v: FastPath on took no warm solve", side)
			}
		}
		if math.Abs(taus[false]-1) > 1e-7 || math.Abs(taus[true]-1) > 1e-7 {
			t.Errorf("side %v: tau %g (FastPath off), %g (on), want 1", side, taus[false], taus[true])
		}
		want := []float64{-1, -0.25}
		if side == SideRight {
			want = []float64{-1, 0} // (x₊ − x*)/τ
		}
		for _, fast := range []bool{false, true} {
			if e := relErr(grads[fast], want); e > 1e-6 {
				t.Errorf("side %v fast %v: dc = %v, want %v", side, fast, grads[fast], want)
			}
		}
	}
}
