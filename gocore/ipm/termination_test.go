package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// TestTerminationScaledProducts: the termination and certificate tests
// map computeResiduals' products P̃x, Ãx and Ãᵀz to the caller's problem
// (scaledProducts) instead of multiplying by P and A again. At the
// iterates of seeded random QPs (box rows, equality rows, some primal
// infeasible), an unbounded LP and a proximal solve (ρ > 0), stopped after
// 1 … 6 iterations and at the solution, both ways give the same
// residuals, objectives and products to rounding and the same decisions;
// the products are not reused once x or z moved or a new Solve started.
func TestTerminationScaledProducts(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	type tcase struct {
		name  string
		st    *problem.Structure
		v     *problem.Values
		rho   float64
		infea bool
	}
	var cases []tcase
	for k := 0; k < 12; k++ {
		n := []int{3, 10, 25}[k%3]
		p := rng.Intn(n/3 + 1)
		infeas := k%4 == 3
		P, c, A, b, cones := boxQP(rng, n, p, rng.Intn(n+1)+1, infeas)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		rho := 0.0
		if k%5 == 2 {
			rho = 0.3
		}
		cases = append(cases, tcase{fmt.Sprintf("boxqp#%d n=%d rho=%g", k, n, rho), st, v, rho, infeas})
	}
	{ // unbounded LP: min −x0 − x1 + x2/2 s.t. x ≥ 0 (rows scaled) (a dual-infeasibility certificate)
		n := 3
		A := []float64{-1, 0, 0, 0, -30, 0, 0, 0, -0.02}
		st, v := denseProblem(t, n, nil, []float64{-1, -1, 0.5}, A, []float64{0, 0, 0}, problem.Cones{Nonneg: 3})
		cases = append(cases, tcase{"unbounded LP", st, v, 0, true})
	}
	close := func(a, b, scale float64) bool {
		return math.Abs(a-b) <= 1e-13*math.Max(1, scale) || (math.IsNaN(a) && math.IsNaN(b))
	}
	checked, certs := 0, 0
	for _, tc := range cases {
		an, err := kkt.Analyse(tc.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		for _, iters := range []int{1, 2, 3, 4, 6, 200} {
			set := DefaultSettings()
			set.MaxIter = iters
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			w.SetProx(tc.rho)
			res := &Result{X: make([]float64, tc.st.N), Y: make([]float64, tc.st.M), S: make([]float64, tc.st.M)}
			w.Solve(tc.v, res)
			name := fmt.Sprintf("%s after ≤%d iterations (%v)", tc.name, iters, res.Info.Status)
			if !(w.tau > 0) {
				continue
			}
			w.computeResiduals()
			if !w.scaledProducts() {
				t.Fatalf("%s: products of this iterate not recognized", name)
			}
			var got, want Info
			okGot := w.converged(&got)
			pxu, axu, atz := append([]float64(nil), w.pxu...), append([]float64(nil), w.axu...), append([]float64(nil), w.atz...)
			clearProducts(w)
			pGot, dGot := w.primalInfeasible(), w.dualInfeasible()
			cert := [][]float64{append([]float64(nil), w.pxu...), append([]float64(nil), w.axu...), append([]float64(nil), w.atz...)}
			w.prodOK = false
			okWant := w.converged(&want)
			mag := 1 + normInf(w.xu) + normInf(w.zu) + normInf(w.su) // the iterate x̄, z̄, s̄
			clearProducts(w)
			pWant, dWant := w.primalInfeasible(), w.dualInfeasible()
			for k, want := range [][]float64{w.pxu, w.axu, w.atz} {
				// The certificate tests' products of the direction (at
				// scale 1, and divided by its norm).
				for i := range want {
					if !close(cert[k][i], want[i], float64(tc.st.N+tc.st.M)*1e-2*(1+normInf(want))) {
						t.Fatalf("%s: certificate product %d [%d] = %g scaled, %g direct", name, k, i, cert[k][i], want[i])
					}
				}
			}
			if okGot != okWant || pGot != pWant || dGot != dWant {
				t.Errorf("%s: decisions converged %v/%v primal %v/%v dual %v/%v (scaled/direct)",
					name, okGot, okWant, pGot, pWant, dGot, dWant)
			}
			if pGot || dGot {
				certs++
			}
			// Both ways round at u·(‖P‖‖x̄‖ + ‖A‖(‖x̄‖ + ‖z̄‖) + ‖s̄‖ + ‖b‖) per entry:
			// far from the solution (τ → 0 on the infeasible samples, z̄
			// of 1e9) the residuals themselves are that rounding.
			dmag := 1 + math.Max(normInf(tc.v.P), math.Max(normInf(tc.v.A), normInf(tc.v.B)))
			rt := float64(tc.st.N+tc.st.M) * mag * dmag * 1e-2
			obj := math.Max(math.Abs(want.PObj), math.Abs(want.DObj)) + rt*mag
			if !close(got.ResPrimal, want.ResPrimal, rt) || !close(got.ResDual, want.ResDual, rt) ||
				!close(got.PObj, want.PObj, obj) || !close(got.DObj, want.DObj, obj) || !close(got.GapAbs, want.GapAbs, obj) {
				t.Errorf("%s: scaled %+v, direct %+v", name, got, want)
			}
			// The products themselves (recomputed at the unscaled iterate).
			w.prodOK = true
			w.converged(&got)
			for _, pr := range []struct {
				what      string
				got, want []float64
			}{{"P x̄", w.pxu, pxu}, {"A x̄", w.axu, axu}, {"Aᵀz̄", w.atz, atz}} {
				scale := float64(tc.st.N+tc.st.M) * dmag * mag * 1e-2
				for i := range pr.got {
					if !close(pr.got[i], pr.want[i], scale) {
						t.Fatalf("%s: %s[%d] = %g scaled, %g direct", name, pr.what, i, pr.got[i], pr.want[i])
					}
				}
			}
			// Moved x or z: not the products' iterate.
			w.x[0] += 1
			if w.scaledProducts() {
				t.Fatalf("%s: products reused after x moved", name)
			}
			w.x[0] -= 1
			w.z[len(w.z)-1] *= 2
			if w.scaledProducts() && w.z[len(w.z)-1] != 0 {
				t.Fatalf("%s: products reused after z moved", name)
			}
			checked++
		}
		_ = tc.infea
	}
	if checked < 45 || certs == 0 {
		t.Fatalf("checked %d iterates, %d with a certificate: the cases do not exercise the paths", checked, certs)
	}
	// A new Solve does not take the previous solve's products.
	st, v := cases[0].st, cases[0].v
	an, _ := kkt.Analyse(st, LinearAuto)
	w, _ := NewSolver(an, DefaultSettings())
	res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	w.Solve(v, res)
	w.computeResiduals()
	w.orig = nil
	w.startClock()
	w.prodOK = false
	if w.scaledProducts() {
		t.Fatal("products valid across solves")
	}
}

// clearProducts zeroes the unscaled products, so that the ones a test
// left out (an early exit) compare equal.
func clearProducts(w *Solver) {
	for _, v := range [][]float64{w.pxu, w.axu, w.atz} {
		for i := range v {
			v[i] = 0
		}
	}
}

// TestInlinedMinMax: nanMax, absMax (folded) and clampScale return what math.Max and
// math.Min(math.Max(·)) and vec.NormInf return (zeros, tiny, huge, +Inf, NaN; a not −0
// for nanMax), bit for bit.
func TestInlinedMinMax(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), -3, math.Inf(-1), 1e-300, 1e-5, 1e-4, 0.5, 1, 3, 1e4, 2e4, math.Inf(1), math.NaN()}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, a := range vals {
		for _, b := range vals {
			if math.Signbit(a) {
				continue // nanMax's domain: a not −0
			}
			if got, want := nanMax(a, b), math.Max(a, b); !same(got, want) {
				t.Errorf("nanMax(%g, %g) = %g, math.Max %g", a, b, got, want)
			}
		}
		want := 1.0
		if !(a == 0 || math.IsNaN(a)) {
			want = math.Min(math.Max(a, minScaling), maxScaling)
		}
		if got := clampScale(a); !same(got, want) {
			t.Errorf("clampScale(%g) = %g, want %g", a, got, want)
		}
	}
	// absMax folds to vec.NormInf (NaN raises nothing in either).
	for _, v := range [][]float64{{}, {-2, 1, math.NaN(), 3}, {math.NaN()}, {math.Inf(-1), 4}, vals} {
		m := 0.0
		for _, x := range v {
			m = absMax(m, x)
		}
		if !same(m, vec.NormInf(v)) {
			t.Errorf("absMax over %v = %g, vec.NormInf %g", v, m, vec.NormInf(v))
		}
	}
	// NaN anywhere in a running maximum stays (as with math.Max).
	r, m := 0.0, 0.0
	for _, v := range []float64{1, math.NaN(), 5, 2} {
		r, m = nanMax(r, v), math.Max(m, v)
	}
	if !math.IsNaN(r) || !math.IsNaN(m) {
		t.Errorf("running maximum lost a NaN: %g (math.Max %g)", r, m)
	}
}

// sameValues (scaledProducts' test that the products belong to the
// current x and z) compares a with the first len(a) entries of b; a NaN
// is unequal to everything, −0 equal to +0.
func TestSameValues(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		a, b []float64
		want bool
	}{
		{"equal", []float64{1, 2, 3}, []float64{1, 2, 3}, true},
		{"empty", nil, []float64{1}, true},
		{"longer b", []float64{1, 2}, []float64{1, 2, 7}, true},
		{"first differs", []float64{0, 2, 3}, []float64{1, 2, 3}, false},
		{"last differs", []float64{1, 2, 3}, []float64{1, 2, 4}, false},
		{"signed zeros", []float64{0, math.Copysign(0, -1)}, []float64{math.Copysign(0, -1), 0}, true},
		{"NaN", []float64{1, nan}, []float64{1, nan}, false},
	} {
		if got := sameValues(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: sameValues = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The certificate tests' scales max(1, ‖A‖max) and max(1, ‖A‖max, ‖P‖max)
// come from the equilibration's first sweep when it runs without a
// proximal term (certFromSweep), and from passes over the caller's A and P
// otherwise: bit for bit the same numbers, on every family of the
// normal-equations test (dense and box rows, LPs without P), with and
// without ρ and equilibration.
func TestCertScalesFromSweep(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	fromSweep, direct := 0, 0
	for _, tc := range neCases(rng) {
		// ρ = 5 exceeds max(1, ‖A‖max, ‖P‖max) on these families: a
		// sweep's norms with ρD̃ in them would give a wrong scale.
		for _, prox := range []float64{0, 0.2, 5} {
			for _, equil := range []bool{true, false} {
				st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
				an, err := kkt.Analyse(st, LinearAuto)
				if err != nil {
					t.Fatal(err)
				}
				set := DefaultSettings()
				set.Equilibrate = equil
				w, err := NewSolver(an, set)
				if err != nil {
					t.Fatal(err)
				}
				w.SetProx(prox)
				w.loadData(v)
				if w.cert.ok {
					fromSweep++
				} else {
					direct++
				}
				got := w.certScales()
				a := math.Max(1, vec.NormInf(v.A))
				ap := math.Max(a, vec.NormInf(v.P))
				if math.Float64bits(got.a) != math.Float64bits(a) || math.Float64bits(got.ap) != math.Float64bits(ap) {
					t.Fatalf("%s, ρ = %v, equilibrate %v: scales (%v, %v), want (%v, %v)", tc.name, prox, equil, got.a, got.ap, a, ap)
				}
			}
		}
	}
	if fromSweep == 0 || direct == 0 {
		t.Errorf("scales from the sweep %d times, from the data %d: both paths must be exercised", fromSweep, direct)
	}
}

// converged takes ‖b‖∞ and ‖c‖∞ once per Solve (dataNorms): a solver
// reused on other data (b tripled, c halved) reports them, and the
// residuals normalized by them, bit for bit as a new solver does (norms
// kept from the previous data would not).
func TestDataNormsPerSolve(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for _, tc := range neCases(rng) {
		st, v0 := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
		v1 := &problem.Values{P: v0.P, C: make([]float64, len(v0.C)), A: v0.A, B: make([]float64, len(v0.B))}
		for j, x := range v0.C {
			v1.C[j] = 0.5 * x
		}
		for i, x := range v0.B {
			v1.B[i] = 3 * x
		}
		w := newTestSolver(t, st)
		res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
		w.Solve(v0, res)
		w.Solve(v1, res)
		nb, nc := w.dataNorms()
		if nb != vec.NormInf(v1.B) || nc != vec.NormInf(v1.C) {
			t.Fatalf("%s: norms (%v, %v), want (%v, %v)", tc.name, nb, nc, vec.NormInf(v1.B), vec.NormInf(v1.C))
		}
		fresh := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
		newTestSolver(t, st).Solve(v1, fresh)
		if got, want := fmt.Sprintf("%+v", res.Info), fmt.Sprintf("%+v", fresh.Info); got != want {
			t.Fatalf("%s: info %s, a new solver's %s", tc.name, got, want)
		}
	}
}

func newTestSolver(t *testing.T, st *problem.Structure) *Solver {
	t.Helper()
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	return w
}
