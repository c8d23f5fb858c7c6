package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// hardQP builds a strictly convex QP with a known solution (x*, y*) whose
// active inequalities have small multipliers and whose inactive ones small
// slacks (log-uniform in [1e-6, 1e-3]): an interior point stopped at 1e-8
// leaves those rows smeared (s·y ≈ μ), so the W²-linearized kkt and BPQP's
// y > s rule were wrong there. Rows are [A; G]; active[i] is the true
// active set.
func hardQP(rng *rand.Rand, n, meq, mi int) (P, c, A, b []float64, cones problem.Cones, xs, ys []float64, active []bool) {
	m := meq + mi
	A = make([]float64, m*n)
	for i := range A {
		A[i] = rng.NormFloat64()
	}
	xs = make([]float64, n)
	for j := range xs {
		xs[j] = rng.NormFloat64()
	}
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
		P[i*n+i] += 0.1
	}
	small := func() float64 { return math.Pow(10, -6+3*rng.Float64()) }
	ys = make([]float64, m)
	b = make([]float64, m)
	active = make([]bool, m)
	nact := min(mi/2, n-meq)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			b[i] += A[i*n+j] * xs[j]
		}
		switch {
		case i < meq:
			ys[i] = rng.NormFloat64()
			active[i] = true
		case i < meq+nact:
			ys[i] = small()
			active[i] = true
		default:
			b[i] += small()
		}
	}
	c = make([]float64, n)
	for j := 0; j < n; j++ {
		for k := 0; k < n; k++ {
			c[j] -= P[j*n+k] * xs[k]
		}
		for i := 0; i < m; i++ {
			c[j] -= A[i*n+j] * ys[i]
		}
	}
	return P, c, A, b, problem.Cones{Zero: meq, Nonneg: mi}, xs, ys, active
}

// denseSolve solves the square system K z = r (row-major) by Gaussian
// elimination with partial pivoting: an independent reference.
func denseSolve(K []float64, r []float64) []float64 {
	d := len(r)
	a := append([]float64(nil), K...)
	z := append([]float64(nil), r...)
	for col := 0; col < d; col++ {
		p := col
		for i := col + 1; i < d; i++ {
			if math.Abs(a[i*d+col]) > math.Abs(a[p*d+col]) {
				p = i
			}
		}
		for j := 0; j < d; j++ {
			a[col*d+j], a[p*d+j] = a[p*d+j], a[col*d+j]
		}
		z[col], z[p] = z[p], z[col]
		for i := col + 1; i < d; i++ {
			f := a[i*d+col] / a[col*d+col]
			for j := col; j < d; j++ {
				a[i*d+j] -= f * a[col*d+j]
			}
			z[i] -= f * z[col]
		}
	}
	for i := d - 1; i >= 0; i-- {
		for j := i + 1; j < d; j++ {
			z[i] -= a[i*d+j] * z[j]
		}
		z[i] /= a[i*d+i]
	}
	return z
}

// referenceGrad is the exact gradient at a known solution with a known
// (strictly complementary) active set: the adjoint of
// [P A_actᵀ; A_act 0] [u; v] = [gx; gy_act] gives ∂c = −u, ∂b = v (0 on
// inactive rows) and ∂A = −(y uᵀ + v xᵀ), on the fixture's patterns.
func referenceGrad(f *fixture, Pd, Ad []float64, xs, ys []float64, active []bool, in Incoming) *Grad {
	n, m := f.st.N, f.st.M
	var rows []int
	for i := 0; i < m; i++ {
		if active[i] {
			rows = append(rows, i)
		}
	}
	d := n + len(rows)
	K := make([]float64, d*d)
	r := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			K[i*d+j] = Pd[i*n+j]
		}
		r[i] = in.X[i]
	}
	for k, i := range rows {
		for j := 0; j < n; j++ {
			K[(n+k)*d+j] = Ad[i*n+j]
			K[j*d+n+k] = Ad[i*n+j]
		}
		r[n+k] = in.Y[i]
	}
	z := denseSolve(K, r)
	u, v := z[:n], make([]float64, m)
	for k, i := range rows {
		v[i] = z[n+k]
	}
	g := &Grad{C: make([]float64, n), B: v, A: make([]float64, f.st.A.Nnz())}
	for j := range u {
		g.C[j] = -u[j]
	}
	for j := 0; j < n; j++ {
		for e := f.st.A.Colptr[j]; e < f.st.A.Colptr[j+1]; e++ {
			i := f.st.A.Rowval[e]
			g.A[e] = -(ys[i]*u[j] + v[i]*xs[j])
		}
	}
	return g
}

// TestPolishedGradientsHardFamily: on the hard family at default solver
// settings (tolerance 1e-8, polish on) the kkt and BPQP gradients equal the
// reference on the true active set to 1e-9 in the worst instance (the
// maximum over instances is asserted), and kkt equals BPQP to rounding.
// Without polish the same solves give errors of order 1e-2…1 (logged).
func TestPolishedGradientsHardFamily(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	sizes := []struct{ n, meq, mi int }{{10, 2, 10}, {30, 5, 40}, {50, 10, 50}}
	worstKKT, worstBPQP, worstPair, worstRaw := 0.0, 0.0, 0.0, 0.0
	for _, sz := range sizes {
		for trial := 0; trial < 8; trial++ {
			P, c, A, b, cones, xs, ys, active := hardQP(rng, sz.n, sz.meq, sz.mi)
			f := newFixtureWith(t, sz.n, P, c, A, b, cones, ipm.DefaultSettings())
			in := Incoming{X: randVec(rng, sz.n), Y: randVec(rng, f.st.M)}
			ref := referenceGrad(f, P, A, xs, ys, active, in)
			gk := f.grad(t, in, DefaultOptions())
			ob := DefaultOptions()
			ob.Method = MethodBPQP
			gb := f.grad(t, in, ob)
			worstKKT = math.Max(worstKKT, gradErrCBA(gk, ref))
			worstBPQP = math.Max(worstBPQP, gradErrCBA(gb, ref))
			worstPair = math.Max(worstPair, gradErr(gk, gb))

			raw := ipm.DefaultSettings()
			raw.Polish = false
			fr := newFixtureWith(t, sz.n, P, c, A, b, cones, raw)
			worstRaw = math.Max(worstRaw, gradErrCBA(fr.grad(t, in, DefaultOptions()), ref))
		}
	}
	t.Logf("worst relative error vs reference: kkt %.2g, bpqp %.2g, kkt vs bpqp %.2g; kkt without polish %.2g",
		worstKKT, worstBPQP, worstPair, worstRaw)
	if worstKKT > 1e-9 || worstBPQP > 1e-9 {
		t.Errorf("worst relative gradient error kkt %g, bpqp %g; want ≤ 1e-9", worstKKT, worstBPQP)
	}
	if worstPair > 1e-12 {
		t.Errorf("kkt and bpqp differ by %g on polished samples", worstPair)
	}
}

// TestPolishedLPVertexGradient: at the unique vertex of an LP, x = A_act⁻¹b_act,
// so ∂L/∂b = A_act⁻ᵀ gx on the active rows and 0 elsewhere, ∂L/∂c = 0;
// kkt and BPQP give it exactly.
func TestPolishedLPVertexGradient(t *testing.T) {
	// min −x₁ − x₂ s.t. x₁ + 2x₂ ≤ 4, 3x₁ + x₂ ≤ 6, x ≥ 0: vertex (1.6, 1.2).
	f := newFixtureWith(t, 2, nil, []float64{-1, -1}, []float64{1, 2, 3, 1, -1, 0, 0, -1},
		[]float64{4, 6, 0, 0}, problem.Cones{Nonneg: 4}, ipm.DefaultSettings())
	in := Incoming{X: []float64{0.7, -1.3}}
	// A_act = [1 2; 3 1], A_act⁻ᵀ gx = [1 3; 2 1]⁻¹ gx.
	det := 1.0*1 - 3*2
	want := []float64{(1*0.7 - 3*-1.3) / det, (-2*0.7 + 1*-1.3) / det, 0, 0}
	for _, method := range []Method{MethodKKT, MethodBPQP} {
		opt := DefaultOptions()
		opt.Method = method
		g := f.grad(t, in, opt)
		for i := range want {
			if math.Abs(g.B[i]-want[i]) > 1e-14 {
				t.Errorf("method %d: ∂b[%d] = %v, want %v", method, i, g.B[i], want[i])
			}
		}
		for j := range g.C {
			if g.C[j] != 0 {
				t.Errorf("method %d: ∂c[%d] = %v, want 0", method, j, g.C[j])
			}
		}
	}
}

// TestPolishedWeaklyActive: min ½(x − 1)² s.t. x ≤ 1 has s = y = 0 at the
// solution (x = 1). Given that exactly complementary solution, kkt flags the
// row weakly active and keeps the interior-point limit there (H = 1), which
// gives ∂L/∂h = ½ and ∂L/∂q = −½ for L = x.
func TestPolishedWeaklyActive(t *testing.T) {
	f := newFixtureWith(t, 1, []float64{1}, []float64{-1}, []float64{1}, []float64{1}, problem.Cones{Nonneg: 1}, ipm.DefaultSettings())
	sol := Solution{X: []float64{1}, Y: []float64{0}, S: []float64{0}}
	g := &Grad{B: make([]float64, 1), C: make([]float64, 1)}
	opt := DefaultOptions()
	flags, err := f.ws.Backward(f.v, sol, Incoming{X: []float64{1}}, &opt, g)
	if err != nil {
		t.Fatal(err)
	}
	if flags&FlagWeaklyActive == 0 {
		t.Errorf("flags %b without FlagWeaklyActive", flags)
	}
	if math.Abs(g.B[0]-0.5) > 1e-12 || math.Abs(g.C[0]+0.5) > 1e-12 {
		t.Errorf("∂h = %v, ∂q = %v; want 0.5, −0.5", g.B[0], g.C[0])
	}
}

func newFixtureWith(t testing.TB, n int, P, c, A, b []float64, cones problem.Cones, set ipm.Settings) *fixture {
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
	slv, err := ipm.NewSolver(an, set)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := NewWorkspace(an, set)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, v: v, slv: slv, ws: ws}
	f.sol = f.solve(v)
	return f
}

func gradErrCBA(a, ref *Grad) float64 {
	return math.Max(relErr(a.C, ref.C), math.Max(relErr(a.B, ref.B), relErr(a.A, ref.A)))
}
