package diff

import (
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// specFixture is newFixture for a cone list.
func specFixture(t testing.TB, n int, P, c, A, b []float64, cones []cone.Spec) *fixture {
	t.Helper()
	m := len(b)
	pp := problem.EmptyPattern(n, n)
	if P != nil {
		pp = problem.UpperPattern(n)
	}
	st, err := problem.New(n, m, cones, pp, problem.DensePattern(m, n))
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
	// 1e-10: at 1e-11 the PSD end game can stall (see ipm's PSD tests).
	set := tightSettings()
	set.TolGapAbs, set.TolGapRel, set.TolFeas = 1e-10, 1e-10, 1e-10
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

// nearestCorrelation is min ‖X − C‖²_F s.t. diag X = 1, X ⪰ 0 over
// x = svec(X), for a random symmetric C = I + noise (whose solution is
// generically on the boundary with strict complementarity, of rank d − 1
// for d ≥ 3 so that x is not pinned by the constraints: at d = 2, or at
// rank 1, the dual is determined only through near-dependent normals and
// re-solves give it to about 1e-5, too noisy for finite differences), with the PSD rows
// −Gx + s = 0 for a random G near the identity so that every A entry
// matters.
func nearestCorrelation(rng *rand.Rand, d int) (P, c, A, b []float64, cones []cone.Spec) {
	nv := d * (d + 1) / 2
	m := d + nv
	P = make([]float64, nv*nv)
	c = make([]float64, nv)
	A = make([]float64, m*nv)
	b = make([]float64, m)
	r, k := 0, 0
	for j := 0; j < d; j++ {
		for i := j; i < d; i++ {
			P[k*nv+k] = 2
			c[k] = -2 * 0.8 * rng.NormFloat64()
			if i == j {
				c[k] -= 2
				A[r*nv+k] = 1
				b[r] = 1
				r++
			}
			k++
		}
	}
	for k := 0; k < nv; k++ {
		for l := 0; l < nv; l++ {
			A[(d+k)*nv+l] = 0.1 * rng.NormFloat64()
		}
		A[(d+k)*nv+k] -= 1
	}
	return P, c, A, b, []cone.Spec{{Kind: cone.KindZero, Dim: d}, {Kind: cone.KindPSD, Dim: nv}}
}

// TestPSDKKTFiniteDifferences checks the kkt gradient of gxᵀx through PSD
// blocks (the eigen-decomposition derivative of the projection) against
// central differences of tight re-solves, for every data entry.
//
// The tolerance is loose (5e-3) because the reference is: on instances
// whose PSD block is active, re-solves at tolerance 1e-10 return x to only
// about 1e-5 (differences at h ≤ 1e-3 are dominated by that noise), so h is
// 1e-2 with Richardson extrapolation. On instances with an inactive block
// the agreement is 1e-9. The 1e-5 target of the issue is NOT verified here.
func TestPSDKKTFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for trial := 0; trial < 4; trial++ {
		d := 3 + trial%2
		P, c, A, b, cones := nearestCorrelation(rng, d)
		f := specFixture(t, len(c), P, c, A, b, cones)
		in := Incoming{X: randVec(rng, f.st.N)}
		g := f.grad(t, in, DefaultOptions())
		// Central differences with Richardson extrapolation (h and h/2):
		// the re-solves' answers are only accurate to about 1e-8 near the
		// PSD boundary, so h must be large and the O(h²) term removed.
		const h = 1e-2
		var worst float64
		central := func(field func(*problem.Values) []float64, k int, h float64) float64 {
			vp, vm := cloneValues(f.v), cloneValues(f.v)
			field(vp)[k] += h
			field(vm)[k] -= h
			return (f.loss(vp, in) - f.loss(vm, in)) / (2 * h)
		}
		check := func(name string, field func(*problem.Values) []float64, got []float64) {
			for k := range got {
				fd := (4*central(field, k, h/2) - central(field, k, h)) / 3
				e := math.Abs(fd-got[k]) / (1 + math.Abs(fd))
				worst = math.Max(worst, e)
				if e > 5e-3 {
					t.Errorf("trial %d: d%s[%d] = %.8g, finite difference %.8g", trial, name, k, got[k], fd)
				}
			}
		}
		check("P", func(v *problem.Values) []float64 { return v.P }, g.P)
		check("c", func(v *problem.Values) []float64 { return v.C }, g.C)
		check("A", func(v *problem.Values) []float64 { return v.A }, g.A)
		check("b", func(v *problem.Values) []float64 { return v.B }, g.B)
		t.Logf("trial %d (d=%d): max relative error vs finite differences %.2g", trial, d, worst)
	}
}

// LPGD re-solves work unchanged on PSD blocks (no fast path: the cone is
// not polyhedral) and converge to the kkt gradient as τ → 0; BPQP refuses.
func TestPSDLPGDAndBPQP(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	P, c, A, b, cones := nearestCorrelation(rng, 3)
	f := specFixture(t, len(c), P, c, A, b, cones)
	in := Incoming{X: randVec(rng, f.st.N), Y: randVec(rng, f.st.M)}
	gk := f.grad(t, in, DefaultOptions())
	var prev float64
	for i, tau := range []float64{1e-2, 1e-3} {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, tau, SideCentral
		e := gradErr(f.grad(t, in, o), gk)
		if i == 1 && prev/e < 100.0/3 && e > 1e-7 {
			t.Errorf("LPGD central: error %g → %g, want ≈ τ²", prev, e)
		}
		prev = e
	}
	o := DefaultOptions()
	o.Method = MethodBPQP
	g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, f.st.N), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
	if _, err := f.ws.Backward(f.v, f.sol, in, &o, g); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("BPQP on a PSD cone: err %v, want ErrUnsupported", err)
	}
}
