package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// socState is the state of one second-order cone block at a constructed
// solution.
type socState int

const (
	socBoundary socState = iota // s = a(1, ŝ), y = b(1, −ŝ), a, b > 0
	socApex                     // s = 0, y strictly inside
	socInactive                 // y = 0, s strictly inside
)

// socKKT is an SOCP built from its solution: x*, s*, y* chosen
// complementary cone by cone, P ≻ 0 and A random, then b = Ax* + s* and
// c = −Px* − Aᵀy*, so that (x*, y*, s*) satisfies the KKT conditions.
type socKKT struct {
	n, nn    int // variables, nonnegative rows (the first half active)
	dims     []int
	states   []socState
	P, A     []float64 // dense, P n×n, A m×n
	c, b     []float64
	x, y, s  []float64
	unitDirs [][]float64 // per cone: ŝ of a boundary block
}

func newSOCKKT(rng *rand.Rand, n, nn int, dims []int, states []socState) *socKKT {
	m := nn
	for _, d := range dims {
		m += d
	}
	q := &socKKT{n: n, nn: nn, dims: dims, states: states, x: randVec(rng, n), y: make([]float64, m), s: make([]float64, m)}
	for i := 0; i < nn; i++ {
		if i < nn/2 {
			q.y[i] = 0.5 + rng.Float64()
		} else {
			q.s[i] = 0.5 + rng.Float64()
		}
	}
	off := nn
	for k, d := range dims {
		sb, yb := q.s[off:off+d], q.y[off:off+d]
		u := randVec(rng, d-1)
		nu := math.Sqrt(vec.Dot(u, u))
		for i := range u {
			u[i] /= nu
		}
		q.unitDirs = append(q.unitDirs, u)
		a, bb := 0.5+rng.Float64(), 0.5+rng.Float64()
		switch states[k] {
		case socBoundary:
			sb[0], yb[0] = a, bb
			for i := 1; i < d; i++ {
				sb[i], yb[i] = a*u[i-1], -bb*u[i-1]
			}
		case socApex: // y with margin: ‖ȳ‖ = y₀/2
			yb[0] = bb
			for i := 1; i < d; i++ {
				yb[i] = 0.5 * bb * u[i-1]
			}
		case socInactive:
			sb[0] = a
			for i := 1; i < d; i++ {
				sb[i] = 0.5 * a * u[i-1]
			}
		}
		off += d
	}
	M := randVec(rng, n*n)
	q.P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				q.P[i*n+j] += M[k*n+i] * M[k*n+j] / float64(n)
			}
		}
		q.P[i*n+i] += 0.1
	}
	q.A = randVec(rng, m*n)
	q.b = append([]float64(nil), q.s...)
	q.c = make([]float64, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			q.b[i] += q.A[i*n+j] * q.x[j]
			q.c[j] -= q.A[i*n+j] * q.y[i]
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			q.c[i] -= q.P[i*n+j] * q.x[j]
		}
	}
	return q
}

// reference is the exact implicit derivative at the constructed solution,
// from the closed form of the projection's derivative: per boundary block
// ds = −(a/b)·diag(0, I − ŝŝᵀ) dy with dy ⊥ (1, ŝ); an apex block (and an
// active row) ds = 0; an inactive block (and row) dy = 0. The constraints
// dy ⊥ d take multipliers, and the augmented system
// [P Aᵀ 0; A −H_fin −E; 0 −Eᵀ 0] is solved densely with partial pivoting.
func (q *socKKT) reference(f *fixture, in Incoming) *Grad {
	n, m := q.n, len(q.y)
	var dirs [][]float64 // m-vectors
	hfin := make([]float64, m*m)
	for i := q.nn / 2; i < q.nn; i++ {
		e := make([]float64, m)
		e[i] = 1
		dirs = append(dirs, e)
	}
	off := q.nn
	for k, d := range q.dims {
		u := q.unitDirs[k]
		switch q.states[k] {
		case socBoundary:
			ht := q.s[off] / q.y[off]
			for i := 1; i < d; i++ {
				for j := 1; j < d; j++ {
					v := -ht * u[i-1] * u[j-1]
					if i == j {
						v += ht
					}
					hfin[(off+i)*m+off+j] = v
				}
			}
			e := make([]float64, m)
			e[off] = 1 / math.Sqrt2
			for i := 1; i < d; i++ {
				e[off+i] = u[i-1] / math.Sqrt2
			}
			dirs = append(dirs, e)
		case socInactive:
			for i := 0; i < d; i++ {
				e := make([]float64, m)
				e[off+i] = 1
				dirs = append(dirs, e)
			}
		}
		off += d
	}
	D := n + m + len(dirs)
	K := make([]float64, D*D)
	r := make([]float64, D)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			K[i*D+j] = q.P[i*n+j]
		}
		r[i] = in.X[i]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			K[(n+i)*D+j], K[j*D+n+i] = q.A[i*n+j], q.A[i*n+j]
		}
		for j := 0; j < m; j++ {
			K[(n+i)*D+n+j] = -hfin[i*m+j]
		}
		r[n+i] = in.Y[i]
	}
	for k, e := range dirs {
		for i := 0; i < m; i++ {
			K[(n+i)*D+n+m+k], K[(n+m+k)*D+n+i] = -e[i], -e[i]
		}
	}
	z := denseSolve(K, r)
	u, v := z[:n], z[n:n+m]
	g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, n), B: append([]float64(nil), v...), A: make([]float64, f.st.A.Nnz())}
	for j := 0; j < n; j++ {
		for e := f.st.P.Colptr[j]; e < f.st.P.Colptr[j+1]; e++ {
			i := f.st.P.Rowval[e]
			g.P[e] = -(u[i]*q.x[j] + u[j]*q.x[i])
			if i == j {
				g.P[e] = -u[i] * q.x[i]
			}
		}
	}
	for j := range u {
		g.C[j] = -u[j]
	}
	for j := 0; j < n; j++ {
		for e := f.st.A.Colptr[j]; e < f.st.A.Colptr[j+1]; e++ {
			i := f.st.A.Rowval[e]
			g.A[e] = -(q.y[i]*u[j] + v[i]*q.x[j])
		}
	}
	return g
}

// The kkt gradient of SOCPs built from their solution — cones on the
// boundary, at the apex (s = 0, y interior: fully active) and inactive
// (y = 0, s interior) — equals the closed-form implicit derivative to
// 1e-10 (1.3e-13 measured), at the solver's tight and default tolerances.
// Without kktRefineLimit (the factored solve's K_big⁻¹ alone) the errors
// are 4.1e-8 with boundary blocks only, 2.3e-7 with the apex and inactive
// blocks added and 9.4e-10 for those two alone (the 1/big of the inactive
// one), and the same with the sign of its multiplier update flipped (every
// step then raises the limit residual and is refused): 1e-10 separates
// them. Before socDerivBig (big = 1e10 on the boundary too) they were
// 3.2e-6 and 2.5e-5.
func TestKKTSecondOrderConeClosedForm(t *testing.T) {
	tests := []struct {
		name   string
		dims   []int
		states []socState
	}{
		{"boundary+apex+inactive", []int{4, 5, 3, 4}, []socState{socBoundary, socBoundary, socApex, socInactive}},
		{"apex+inactive", []int{4, 3}, []socState{socApex, socInactive}},
		{"boundary only", []int{3, 4, 5}, []socState{socBoundary, socBoundary, socBoundary}},
	}
	for _, tc := range tests {
		for _, tol := range []float64{1e-11, 1e-8} {
			var worst float64
			for seed := int64(0); seed < 8; seed++ {
				rng := rand.New(rand.NewSource(900 + seed))
				q := newSOCKKT(rng, 8, 4, tc.dims, tc.states)
				f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: tc.dims})
				set := tightSettings()
				set.TolGapAbs, set.TolGapRel, set.TolFeas = tol, tol, tol
				if err := f.slv.SetSettings(set); err != nil {
					t.Fatal(err)
				}
				f.sol = f.solve(f.v)
				if e := relErr(f.sol.X, q.x); e > 1e-6 {
					t.Fatalf("%s seed %d: solver's x off the constructed one by %g", tc.name, seed, e)
				}
				in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
				g := f.grad(t, in, DefaultOptions())
				worst = math.Max(worst, gradErr(g, q.reference(f, in)))
			}
			t.Logf("%s tol %g: worst relative error %.1e", tc.name, tol, worst)
			if worst > 1e-10 {
				t.Errorf("%s tol %g: kkt vs closed form %.2e > 1e-10", tc.name, tol, worst)
			}
		}
	}
}

// kktRefineLimit leaves the adjoint alone where no cone has a big
// direction (H = 0 at the apex only): the gradients are bit-identical with
// the refinement's output and without it (the factored solve's).
func TestKKTRefineLimitNoDirections(t *testing.T) {
	rng := rand.New(rand.NewSource(77))
	q := newSOCKKT(rng, 6, 4, []int{3, 4}, []socState{socApex, socApex})
	f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
	in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
	g := f.grad(t, in, DefaultOptions())
	want := append([]float64(nil), f.ws.sol...)
	f.ws.kkt.SetData(f.v.P, f.v.A, 0)
	f.ws.kkt.SetProjectionH(f.sol.S, f.sol.Y)
	if err := f.ws.kkt.Factor(); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, len(want))
	rhs := append(append([]float64(nil), in.X...), in.Y...)
	if !f.ws.kkt.Solve(rhs, got) {
		t.Fatal("solve failed")
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("adjoint entry %d: %v with the refinement, %v without", i, want[i], got[i])
		}
	}
	if e := gradErr(g, q.reference(f, in)); e > 1e-9 {
		t.Errorf("apex-only kkt vs closed form %g", e)
	}
}

// BenchmarkKKTBackwardPSD is the kkt backward on PSD-only problems
// (nearest correlation, order d): no block splits its H, so
// kktRefineLimit must cost nothing there (compare against a build
// without it).
func BenchmarkKKTBackwardPSD(b *testing.B) {
	for _, d := range []int{10, 20, 30} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			rng := rand.New(rand.NewSource(int64(40 + d)))
			P, c, A, bb, cones := nearestCorrelation(rng, d)
			f := specFixture(b, len(c), P, c, A, bb, cones)
			in := Incoming{X: randVec(rng, f.st.N)}
			o := DefaultOptions()
			g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, f.st.N), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := f.ws.Backward(f.v, f.sol, in, &o, g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A correction of kktRefineLimit whose residual or solve is not finite
// (here: data with an infinite or NaN entry in the residual's A) is
// refused and the adjoint kept bit for bit as the factored solve gave it,
// where the backward used to fail as a whole.
func TestKKTRefineLimitNonFinite(t *testing.T) {
	rng := rand.New(rand.NewSource(78))
	q := newSOCKKT(rng, 6, 4, []int{3, 4}, []socState{socBoundary, socInactive})
	f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
	in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
	f.grad(t, in, DefaultOptions())
	for _, bad := range []float64{math.Inf(1), math.NaN()} {
		z0 := make([]float64, len(f.ws.sol))
		if !f.ws.kkt.Solve(f.ws.rhs, z0) {
			t.Fatal("solve failed")
		}
		copy(f.ws.sol, z0)
		vb := cloneValues(f.v)
		vb.A[0] = bad
		f.ws.kktRefineLimit(vb, f.sol)
		for i := range z0 {
			if f.ws.sol[i] != z0[i] {
				t.Fatalf("A[0] = %v: adjoint entry %d changed from %v to %v", bad, i, z0[i], f.ws.sol[i])
			}
		}
	}
}

// The kkt backward through kktRefineLimit is repeatable: a second call on
// the same workspace (its scratch reused) gives the same gradient bit for
// bit (the multipliers are not carried over from the previous call).
func TestKKTRefineLimitRepeatable(t *testing.T) {
	rng := rand.New(rand.NewSource(79))
	q := newSOCKKT(rng, 6, 4, []int{3, 4, 3}, []socState{socBoundary, socInactive, socBoundary})
	f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
	in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
	g1 := f.grad(t, in, DefaultOptions())
	for call := 2; call <= 3; call++ {
		g := f.grad(t, in, DefaultOptions())
		for _, p := range []struct {
			name     string
			got, ref []float64
		}{{"P", g.P, g1.P}, {"c", g.C, g1.C}, {"A", g.A, g1.A}, {"b", g.B, g1.B}} {
			for i := range p.ref {
				if p.got[i] != p.ref[i] {
					t.Fatalf("call %d: d%s[%d] = %v, first call %v", call, p.name, i, p.got[i], p.ref[i])
				}
			}
		}
	}
}

// BenchmarkKKTBackwardSOC is the kkt backward on an SOCP built from its
// solution with boundary, apex and inactive blocks: kktRefineLimit's
// corrections are part of its cost.
func BenchmarkKKTBackwardSOC(b *testing.B) {
	rng := rand.New(rand.NewSource(901))
	q := newSOCKKT(rng, 30, 20, []int{4, 5, 3, 4, 6}, []socState{socBoundary, socBoundary, socApex, socInactive, socBoundary})
	f := newFixture(b, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
	in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
	o := DefaultOptions()
	g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, f.st.N), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.ws.Backward(f.v, f.sol, in, &o, g); err != nil {
			b.Fatal(err)
		}
	}
}

// firstLimitStep is kktRefineLimit's first correction from z0 against the
// system v (w.lim set up by an earlier call at the same solution): the
// limit residual at z0 and at z0 + dz, and dz.
func firstLimitStep(w *Workspace, v *problem.Values, z0 []float64) (rho, rt float64, dz []float64, ok bool) {
	L, n := w.lim, w.an.St.N
	for i := range L.lam {
		L.lam[i] = 0
	}
	for j := range L.blk {
		L.limitMultipliers(&L.blk[j], L.lam, z0[n:], nil)
	}
	rho = w.limitResidual(v, z0, L.lam, L.res)
	dz = make([]float64, len(z0))
	if !w.kkt.Solve(L.res, dz) {
		return rho, 0, dz, false
	}
	zt := make([]float64, len(z0))
	for i := range zt {
		zt[i] = z0[i] + dz[i]
	}
	copy(L.lamT, L.lam)
	for j := range L.blk {
		L.limitMultipliers(&L.blk[j], L.lamT, z0[n:], dz[n:])
	}
	return rho, w.limitResidual(v, zt, L.lamT, L.res), dz, true
}

// A finite correction of kktRefineLimit that raises the limit residual is
// refused: the refinement gets a system whose P is 10× the factored one's
// (n = 10 variables, more than the active rows, so P acts on dx; the
// factorization then preconditions it badly: the first correction is
// finite and nonzero, but the residual grows 3–10×, checked > 2×), and the
// adjoint is kept bit for bit. The same z0 against the factored system is
// refined (changed), so the setup is not a no-op; with the rule replaced
// by "always accept" this test fails.
func TestKKTRefineLimitRejectsWorse(t *testing.T) {
	tests := []struct {
		name   string
		dims   []int
		states []socState
	}{
		{"boundary+inactive", []int{3, 4}, []socState{socBoundary, socInactive}},
		{"boundary+apex", []int{4, 3}, []socState{socBoundary, socApex}},
		{"inactive", []int{5}, []socState{socInactive}},
	}
	for _, tc := range tests {
		for seed := int64(0); seed < 4; seed++ {
			rng := rand.New(rand.NewSource(80 + seed))
			q := newSOCKKT(rng, 10, 4, tc.dims, tc.states)
			f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
			in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
			f.grad(t, in, DefaultOptions())
			w := f.ws
			z0 := make([]float64, len(w.sol))
			if !w.kkt.Solve(w.rhs, z0) {
				t.Fatal("solve failed")
			}
			// Control: against the factored system the refinement acts.
			copy(w.sol, z0)
			w.kktRefineLimit(f.v, f.sol)
			changed := false
			for i := range z0 {
				changed = changed || w.sol[i] != z0[i]
			}
			if !changed {
				t.Fatalf("%s seed %d: the refinement left the unrefined adjoint alone", tc.name, seed)
			}
			vb := cloneValues(f.v)
			for i := range vb.P {
				vb.P[i] *= 10
			}
			rho, rt, dz, ok := firstLimitStep(w, vb, z0)
			if dn := normInf(dz); !ok || math.IsNaN(rt) || math.IsInf(rt, 0) || dn == 0 || math.IsInf(dn, 0) || math.IsNaN(dn) {
				t.Fatalf("%s seed %d: first correction not finite and nonzero (solve %v, ‖dz‖ %g, residual %g)", tc.name, seed, ok, dn, rt)
			}
			if !(rt > 2*rho) {
				t.Fatalf("%s seed %d: the perturbed system's first correction lowers the residual (%g → %g): the test does not test the rule", tc.name, seed, rho, rt)
			}
			copy(w.sol, z0)
			w.kktRefineLimit(vb, f.sol)
			for i := range z0 {
				if w.sol[i] != z0[i] {
					t.Fatalf("%s seed %d: residual %g → %g, yet adjoint entry %d changed from %v to %v", tc.name, seed, rho, rt, i, z0[i], w.sol[i])
				}
			}
		}
	}
}

// limitResidual's norm is NaN when r₁ has a NaN entry (vec.NormInf skips
// NaN): for a NaN in each entry of the right-hand side in turn, and in
// each entry of P and of A, at a finite (z, λ); +Inf in the right-hand side
// gives +Inf.
func TestKKTLimitResidualNaN(t *testing.T) {
	rng := rand.New(rand.NewSource(81))
	q := newSOCKKT(rng, 5, 4, []int{3, 4, 3}, []socState{socBoundary, socInactive, socApex})
	f := newFixture(t, q.n, q.P, q.c, q.A, q.b, problem.Cones{Nonneg: q.nn, SOC: q.dims})
	in := Incoming{X: randVec(rng, q.n), Y: randVec(rng, len(q.y))}
	f.grad(t, in, DefaultOptions())
	w, L := f.ws, f.ws.lim
	z := append([]float64(nil), w.sol...)
	lam := append([]float64(nil), L.lam...)
	res := make([]float64, len(z))
	if rho := w.limitResidual(f.v, z, lam, res); math.IsNaN(rho) || math.IsInf(rho, 0) {
		t.Fatalf("finite data: residual %g", rho)
	}
	rhs := append([]float64(nil), w.rhs...)
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for i := range rhs {
			copy(w.rhs, rhs)
			w.rhs[i] = bad
			rho := w.limitResidual(f.v, z, lam, res)
			if want := math.Abs(bad); !(rho == want || math.IsNaN(bad) && math.IsNaN(rho)) {
				t.Errorf("rhs[%d] = %v: residual %v, want %v", i, bad, rho, want)
			}
		}
	}
	copy(w.rhs, rhs)
	for _, field := range []string{"P", "A"} {
		vb := cloneValues(f.v)
		data := vb.P
		if field == "A" {
			data = vb.A
		}
		for k := range data {
			old := data[k]
			data[k] = math.NaN()
			if rho := w.limitResidual(vb, z, lam, res); !math.IsNaN(rho) {
				t.Errorf("%s[%d] = NaN: residual %v, want NaN", field, k, rho)
			}
			data[k] = old
		}
	}
}
