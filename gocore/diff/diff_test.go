package diff

import (
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// fixture is a dense problem with its solver and backward workspace.
type fixture struct {
	st  *problem.Structure
	v   *problem.Values
	slv *ipm.Solver
	ws  *Workspace
	sol Solution
}

func tightSettings() ipm.Settings {
	s := ipm.DefaultSettings()
	s.TolGapAbs, s.TolGapRel, s.TolFeas = 1e-11, 1e-11, 1e-11
	s.MaxIter = 200
	return s
}

func newFixture(t testing.TB, n int, P, c, A, b []float64, cones problem.Cones) *fixture {
	t.Helper()
	st, err := problem.NewDenseStructure(n, len(b), cones, P != nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: append([]float64(nil), c...), A: make([]float64, st.A.Nnz()), B: append([]float64(nil), b...)}
	if P != nil {
		st.GatherDenseP(v.P, P)
	}
	st.GatherDenseA(v.A, A)
	an, err := kkt.Analyse(st, ipm.LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	slv, err := ipm.NewSolver(an, tightSettings())
	if err != nil {
		t.Fatal(err)
	}
	ws, err := NewWorkspace(an, tightSettings())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, v: v, slv: slv, ws: ws}
	f.sol = f.solve(v)
	return f
}

func (f *fixture) solve(v *problem.Values) Solution {
	s := Solution{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
	res := ipm.Result{X: s.X, Y: s.Y, S: s.S}
	f.slv.Solve(v, &res)
	if !res.Info.Status.OK() {
		panic("fixture solve failed: " + res.Info.Status.String())
	}
	return s
}

func (f *fixture) grad(t testing.TB, in Incoming, opt Options) *Grad {
	t.Helper()
	g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, f.st.N), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
	if _, err := f.ws.Backward(f.v, f.sol, in, &opt, g); err != nil {
		t.Fatal(err)
	}
	return g
}

func cloneValues(v *problem.Values) *problem.Values {
	return &problem.Values{P: append([]float64(nil), v.P...), C: append([]float64(nil), v.C...), A: append([]float64(nil), v.A...), B: append([]float64(nil), v.B...)}
}

// loss evaluates L = gxᵀx + gyᵀy + gsᵀs at the solution of v.
func (f *fixture) loss(v *problem.Values, in Incoming) float64 {
	s := f.solve(v)
	var l float64
	for i, g := range in.X {
		l += g * s.X[i]
	}
	for i, g := range in.Y {
		l += g * s.Y[i]
	}
	for i, g := range in.S {
		l += g * s.S[i]
	}
	return l
}

// randomQP: strictly convex QP with nondegenerate active set (slacks and
// duals bounded away from zero), meq equalities, mi inequalities of which
// about half are active at the solution.
func randomQP(rng *rand.Rand, n, meq, mi int) (P, c, A, b []float64, cones problem.Cones) {
	m := meq + mi
	M := make([]float64, n*n)
	for i := range M {
		M[i] = rng.NormFloat64()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += M[k*n+i] * M[k*n+j]
			}
			P[i*n+j] = s / float64(n)
		}
		P[i*n+i] += 0.5
	}
	A = make([]float64, m*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	y := make([]float64, m)
	s := make([]float64, m)
	for i := 0; i < m; i++ {
		if i < meq {
			y[i] = rng.NormFloat64()
		} else if i%2 == 0 {
			y[i] = 0.5 + rng.Float64()
		} else {
			s[i] = 0.5 + rng.Float64()
		}
	}
	b = make([]float64, m)
	for i := 0; i < m; i++ {
		var ax float64
		for j := 0; j < n; j++ {
			ax += A[i*n+j] * x[j]
		}
		b[i] = ax + s[i]
	}
	c = make([]float64, n)
	for j := 0; j < n; j++ {
		var v float64
		for k := 0; k < n; k++ {
			v += P[j*n+k] * x[k]
		}
		for i := 0; i < m; i++ {
			v += A[i*n+j] * y[i]
		}
		c[j] = -v
	}
	return P, c, A, b, problem.Cones{Zero: meq, Nonneg: mi}
}

func randVec(rng *rand.Rand, k int) []float64 {
	v := make([]float64, k)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / math.Max(den, 1e-12)
}

func gradErr(a, b *Grad) float64 {
	e := relErr(a.C, b.C)
	e = math.Max(e, relErr(a.B, b.B))
	e = math.Max(e, relErr(a.A, b.A))
	if len(a.P) > 0 {
		e = math.Max(e, relErr(a.P, b.P))
	}
	return e
}

// TestKKTFiniteDifferences checks the kkt gradient of L = gxᵀx + gyᵀy + gsᵀs
// against central differences of re-solves for every data entry.
func TestKKTFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := 0; trial < 3; trial++ {
		P, c, A, b, cones := randomQP(rng, 5, 1, 4)
		f := newFixture(t, 5, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, f.st.N), Y: randVec(rng, f.st.M), S: randVec(rng, f.st.M)}
		g := f.grad(t, in, DefaultOptions())
		const h = 1e-6
		check := func(name string, data []float64, got []float64) {
			for k := range data {
				vp := cloneValues(f.v)
				vm := cloneValues(f.v)
				field := map[string]func(*problem.Values) []float64{
					"P": func(v *problem.Values) []float64 { return v.P },
					"c": func(v *problem.Values) []float64 { return v.C },
					"A": func(v *problem.Values) []float64 { return v.A },
					"b": func(v *problem.Values) []float64 { return v.B },
				}[name]
				field(vp)[k] += h
				field(vm)[k] -= h
				fd := (f.loss(vp, in) - f.loss(vm, in)) / (2 * h)
				if math.Abs(fd-got[k]) > 1e-5*(1+math.Abs(fd)) {
					t.Errorf("trial %d: d%s[%d] = %.8g, finite difference %.8g", trial, name, k, got[k], fd)
				}
			}
		}
		check("P", f.v.P, g.P)
		check("c", f.v.C, g.C)
		check("A", f.v.A, g.A)
		check("b", f.v.B, g.B)
	}
}

func TestBPQPEqualsKKT(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	sizes := []struct{ n, meq, mi int }{{6, 2, 6}, {20, 5, 20}, {40, 0, 30}, {15, 6, 0}}
	for _, sz := range sizes {
		P, c, A, b, cones := randomQP(rng, sz.n, sz.meq, sz.mi)
		f := newFixture(t, sz.n, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, sz.n), Y: randVec(rng, f.st.M)}
		gk := f.grad(t, in, DefaultOptions())
		ob := DefaultOptions()
		ob.Method = MethodBPQP
		gb := f.grad(t, in, ob)
		if e := gradErr(gb, gk); e > 1e-6 {
			t.Errorf("n=%d: bpqp vs kkt relative error %g", sz.n, e)
		}
		ob.BPQPSolver = BPQPADMM
		ga := f.grad(t, in, ob)
		if e := gradErr(ga, gk); e > 1e-5 {
			t.Errorf("n=%d: bpqp admm vs kkt relative error %g", sz.n, e)
		}
	}
}

// LPGD with ρ = 0: error against kkt shrinks like τ (one-sided) and τ²
// (central).
func TestLPGDConvergesToKKT(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	P, c, A, b, cones := randomQP(rng, 8, 2, 8)
	f := newFixture(t, 8, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 8), Y: randVec(rng, f.st.M)}
	gk := f.grad(t, in, DefaultOptions())
	for _, side := range []Side{SideRight, SideLeft, SideCentral} {
		var prev float64
		for i, tau := range []float64{1e-2, 1e-3} {
			o := DefaultOptions()
			o.Method, o.Tau, o.Side = MethodLPGD, tau, side
			e := gradErr(f.grad(t, in, o), gk)
			if i == 1 {
				ratio := prev / e
				want := 10.0
				if side == SideCentral {
					want = 100
				}
				// Allow a factor 3 slack on the observed order (and stop at
				// solver precision).
				if ratio < want/3 && e > 1e-8 {
					t.Errorf("side %d: error %g → %g (ratio %g), want ≈ %g", side, prev, e, ratio, want)
				}
			}
			prev = e
		}
	}
}

// With the active set preserved, the fast path gives the same answer as
// full re-solves.
func TestLPGDFastPathMatchesFullSolve(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	P, c, A, b, cones := randomQP(rng, 10, 2, 10)
	f := newFixture(t, 10, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 10)}
	o := DefaultOptions()
	o.Method, o.Tau = MethodLPGD, 1e-3
	g1 := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, 10), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
	flags, err := f.ws.Backward(f.v, f.sol, in, &o, g1)
	if err != nil || flags&FlagFastPath == 0 {
		t.Fatalf("fast path not taken: flags %b err %v", flags, err)
	}
	o.FastPath = false
	g2 := f.grad(t, in, o)
	if e := gradErr(g1, g2); e > 1e-6 {
		t.Errorf("fast path vs full solve: %g", e)
	}
}

// Equality-constrained QP: dc, db exact for every τ and side; dA, dP exact
// in central mode.
func TestLPGDEqualityQPExact(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	P, c, A, b, cones := randomQP(rng, 6, 3, 0)
	f := newFixture(t, 6, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 6), Y: randVec(rng, 3)}
	gk := f.grad(t, in, DefaultOptions())
	for _, tau := range []float64{0.01, 1, 100} {
		for _, side := range []Side{SideRight, SideLeft, SideCentral} {
			o := DefaultOptions()
			o.Method, o.Tau, o.Side = MethodLPGD, tau, side
			g := f.grad(t, in, o)
			if e := math.Max(relErr(g.C, gk.C), relErr(g.B, gk.B)); e > 1e-7 {
				t.Errorf("tau=%g side=%d: dc/db error %g", tau, side, e)
			}
			if side == SideCentral {
				if e := math.Max(relErr(g.A, gk.A), relErr(g.P, gk.P)); e > 1e-7 {
					t.Errorf("tau=%g central: dA/dP error %g", tau, e)
				}
			}
		}
	}
}

// lpFixture: min cᵀx over a box −1 ≤ x ≤ 1 intersected with a simplex-like
// cut, with a unique vertex solution.
func lpFixture(t testing.TB, c []float64) *fixture {
	n := len(c)
	m := 2*n + 1
	A := make([]float64, m*n)
	b := make([]float64, m)
	for j := 0; j < n; j++ {
		A[j*n+j] = 1
		A[(n+j)*n+j] = -1
		b[j], b[n+j] = 1, 1
		A[2*n*n+j] = 1
	}
	b[2*n] = 0.5
	return newFixture(t, n, nil, c, A, b, problem.Cones{Nonneg: m})
}

// Blackbox-backprop equivalence: on a cost-only LP with side right and
// ρ = 0, LPGD's dc equals (x*(c + τg) − x*(c)) / τ. At τ = 2 the perturbed
// cost of x₁ is exactly 0, so x*(c + τg) is a segment: there any optimum
// is right, and the check is that x* + τ·dc is feasible with the optimal
// value (the warm-started active-set solve returns a vertex of the
// segment, the interior point its middle).
func TestLPGDBlackboxBackprop(t *testing.T) {
	c := []float64{1, -2, 0.5}
	f := lpFixture(t, c)
	g := []float64{-3, 1, 2}
	for _, tau := range []float64{1e-3, 0.5, 1.5, 2} {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, tau, SideRight
		gr := f.grad(t, Incoming{X: g}, o)
		vp := cloneValues(f.v)
		for j := range vp.C {
			vp.C[j] += tau * g[j]
		}
		xp := f.solve(vp).X
		if tau == 2 {
			xl := make([]float64, len(c))
			var obj, ref, sum float64
			for j := range c {
				xl[j] = f.sol.X[j] + tau*gr.C[j]
				obj += vp.C[j] * xl[j]
				ref += vp.C[j] * xp[j]
				sum += xl[j]
				if math.Abs(xl[j]) > 1+1e-9 {
					t.Errorf("tau=2: x*+τ·dc = %v leaves the box", xl)
				}
			}
			if sum > 0.5+1e-9 || math.Abs(obj-ref) > 1e-8 {
				t.Errorf("tau=2: x*+τ·dc = %v (sum %g, objective %g), optimum %g", xl, sum, obj, ref)
			}
			continue
		}
		nonzero := false
		for j := range c {
			want := (xp[j] - f.sol.X[j]) / tau
			if math.Abs(gr.C[j]-want) > 1e-6*(1+math.Abs(want)) {
				t.Errorf("tau=%g: dc[%d] = %g, want %g", tau, j, gr.C[j], want)
			}
			if math.Abs(want) > 1e-6 {
				nonzero = true
			}
		}
		if tau == 1e-3 && nonzero {
			t.Errorf("small tau should not move the vertex")
		}
		if tau == 1.5 && !nonzero {
			t.Errorf("large tau should move the vertex")
		}
	}
	// The exact gradient of an LP vertex with respect to c is zero.
	gk := f.grad(t, Incoming{X: g}, DefaultOptions())
	if normInf(gk.C) > 1e-6 {
		t.Errorf("kkt dc on an LP = %v, want 0", gk.C)
	}
}

// LP dual identity: with dx = c, LPGD gives db = −y*, dA = y* x*ᵀ, dc = 0.
func TestLPGDDualIdentity(t *testing.T) {
	c := []float64{1, -2, 0.5}
	f := lpFixture(t, c)
	for _, side := range []Side{SideRight, SideLeft, SideCentral} {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, 0.3, side
		g := f.grad(t, Incoming{X: c}, o)
		if normInf(g.C) > 1e-7 {
			t.Errorf("side %d: dc = %v, want 0", side, g.C)
		}
		for i := range g.B {
			if math.Abs(g.B[i]+f.sol.Y[i]) > 1e-7 {
				t.Errorf("side %d: db[%d] = %g, want %g", side, i, g.B[i], -f.sol.Y[i])
			}
		}
		st := f.st
		for j := 0; j < st.N; j++ {
			for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
				i := st.A.Rowval[k]
				want := f.sol.Y[i] * f.sol.X[j]
				if math.Abs(g.A[k]-want) > 1e-7 {
					t.Errorf("side %d: dA[%d,%d] = %g, want %g", side, i, j, g.A[k], want)
				}
			}
		}
	}
}

// ρ > 0: the τ → 0 limit is the derivative of the proximal problem, i.e.
// the kkt gradient with P + ρI at the same solution.
func TestLPGDProximalLimit(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	P, c, A, b, cones := randomQP(rng, 6, 1, 6)
	f := newFixture(t, 6, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 6)}
	const rho = 2.0
	o := DefaultOptions()
	o.Method, o.Tau, o.Rho = MethodLPGD, 1e-5, rho
	g := f.grad(t, in, o)
	// kkt on the regularized problem (P + ρI, c − ρx*) at the same solution.
	vr := cloneValues(f.v)
	for j := 0; j < f.st.N; j++ {
		for k := f.st.P.Colptr[j]; k < f.st.P.Colptr[j+1]; k++ {
			if f.st.P.Rowval[k] == j {
				vr.P[k] += rho
			}
		}
		vr.C[j] -= rho * f.sol.X[j]
	}
	gr := &Grad{C: make([]float64, 6), B: make([]float64, f.st.M)}
	opt := DefaultOptions()
	if _, err := f.ws.Backward(vr, f.sol, in, &opt, gr); err != nil {
		t.Fatal(err)
	}
	if e := math.Max(relErr(g.C, gr.C), relErr(g.B, gr.B)); e > 1e-4 {
		t.Errorf("prox limit error %g", e)
	}
	// And it differs from the unregularized derivative.
	gk := f.grad(t, in, DefaultOptions())
	if relErr(g.C, gk.C) < 1e-3 {
		t.Errorf("ρ had no effect")
	}
}

// Scale law: LPGD_τ(αg) = α·LPGD_{ατ}(g).
func TestLPGDScaleLaw(t *testing.T) {
	f := lpFixture(t, []float64{1, -2, 0.5})
	g := []float64{-3, 1, 2}
	const alpha = 4.0
	for _, side := range []Side{SideRight, SideCentral} {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, 0.25, side
		ga := make([]float64, 3)
		for i := range g {
			ga[i] = alpha * g[i]
		}
		lhs := f.grad(t, Incoming{X: ga}, o)
		o.Tau = alpha * 0.25
		rhs := f.grad(t, Incoming{X: g}, o)
		for j := range lhs.C {
			if math.Abs(lhs.C[j]-alpha*rhs.C[j]) > 1e-7*(1+math.Abs(lhs.C[j])) {
				t.Errorf("side %d: dc[%d] %g vs α·%g", side, j, lhs.C[j], rhs.C[j])
			}
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Options)
	}{
		{"tau", func(o *Options) { o.Tau = 0 }},
		{"tau", func(o *Options) { o.Tau = -1 }},
		{"tau_target", func(o *Options) { o.TauTarget = 0 }},
		{"tau_target", func(o *Options) { o.TauAuto, o.TauTarget = true, math.Inf(1) }},
		{"rho", func(o *Options) { o.Rho = -0.1 }},
		{"side", func(o *Options) { o.Side = 5 }},
		{"method", func(o *Options) { o.Method = 9 }},
		{"active_tol", func(o *Options) { o.ActiveTol = 0 }},
	}
	for _, tc := range tests {
		o := DefaultOptions()
		tc.mod(&o)
		var oe *OptionError
		if err := o.Validate(); !errors.As(err, &oe) || oe.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

// An infeasible perturbation is reported (and the fallback to a smaller τ
// recovers).
func TestLPGDInfeasiblePerturbation(t *testing.T) {
	// min −x s.t. x ≤ 0.05, −x ≤ 0: y = (1, 0).
	f := newFixture(t, 1, nil, []float64{-1}, []float64{1, -1}, []float64{0.05, 0}, problem.Cones{Nonneg: 2})
	in := Incoming{X: []float64{0}, Y: []float64{1, 0}}
	o := DefaultOptions()
	o.Method, o.Tau, o.Side = MethodLPGD, 0.1, SideRight
	g := &Grad{C: make([]float64, 1), B: make([]float64, 2)}
	_, err := f.ws.Backward(f.v, f.sol, in, &o, g)
	if !errors.Is(err, ErrBackward) {
		t.Fatalf("want ErrBackward, got %v", err)
	}
	o.Fallback = FallbackSmallerTau
	flags, err := f.ws.Backward(f.v, f.sol, in, &o, g)
	if err != nil || flags&FlagFallbackUsed == 0 {
		t.Fatalf("smaller-tau fallback: flags %b err %v", flags, err)
	}
	o.Fallback, o.Side = FallbackOtherSide, SideRight
	flags, err = f.ws.Backward(f.v, f.sol, in, &o, g)
	if err != nil || flags&FlagFallbackUsed == 0 {
		t.Fatalf("other-side fallback: flags %b err %v", flags, err)
	}
}

func TestZeroIncomingGradient(t *testing.T) {
	f := lpFixture(t, []float64{1, -2, 0.5})
	o := DefaultOptions()
	o.Method = MethodLPGD
	g := &Grad{C: make([]float64, 3)}
	flags, err := f.ws.Backward(f.v, f.sol, Incoming{X: make([]float64, 3)}, &o, g)
	if err != nil || flags&FlagZeroGrad == 0 || normInf(g.C) != 0 {
		t.Fatalf("flags %b err %v g %v", flags, err, g.C)
	}
}

func BenchmarkBackward(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	P, c, A, bb, cones := randomQP(rng, 50, 10, 50)
	f := newFixture(b, 50, P, c, A, bb, cones)
	in := Incoming{X: randVec(rng, 50)}
	for _, m := range []struct {
		name string
		opt  func(*Options)
	}{
		{"kkt", func(o *Options) {}},
		{"bpqp", func(o *Options) { o.Method = MethodBPQP }},
		{"lpgd-central", func(o *Options) { o.Method, o.Tau = MethodLPGD, 1e-3 }},
	} {
		b.Run(m.name, func(b *testing.B) {
			o := DefaultOptions()
			m.opt(&o)
			g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, 50), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
			for i := 0; i < b.N; i++ {
				if _, err := f.ws.Backward(f.v, f.sol, in, &o, g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("forward", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f.solve(f.v)
		}
	})
}

// One-sided LPGD on the fast path differences the perturbed active-set
// solution against the same system's unperturbed one: with a forward
// solve at the default tolerance (1e-8) and τ = 1e-7 the gradient still
// matches kkt, where differencing against the interior-point point would
// divide its ~1e-9 error by τ.
func TestLPGDFastPathOneSidedSmallTau(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	P, c, A, b, cones := randomQP(rng, 10, 2, 10)
	f := newFixture(t, 10, P, c, A, b, cones)
	slv, err := ipm.NewSolver(f.slv.Analysis(), ipm.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	f.slv = slv
	f.sol = f.solve(f.v)
	in := Incoming{X: randVec(rng, 10), Y: randVec(rng, f.st.M)}
	gk := f.grad(t, in, DefaultOptions())
	for _, side := range []Side{SideRight, SideLeft} {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, 1e-7, side
		g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, f.st.N), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
		flags, err := f.ws.Backward(f.v, f.sol, in, &o, g)
		if err != nil || flags&FlagFastPath == 0 {
			t.Fatalf("side %d: fast path not taken: flags %b err %v", side, flags, err)
		}
		if e := gradErr(g, gk); e > 1e-5 {
			t.Errorf("side %d: LPGD(τ=1e-7) vs kkt: %g", side, e)
		}
	}
}
