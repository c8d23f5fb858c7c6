package diff

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// socLS is a second-order-cone constrained least-squares problem:
//
//	min ½‖Fx − g‖²  s.t.  ‖x‖ ≤ r₁,  ‖x[0:k]‖ ≤ r₂,  Σx = e
//
// (P = FᵀF, c = −Fᵀg), with radii small enough that the cones are usually
// active (the unconstrained minimizer is ~‖F⁻¹g‖ away).
func socLS(rng *rand.Rand, n, k int) (P, c, A, b []float64, cones problem.Cones) {
	F := make([]float64, 2*n*n)
	for i := range F {
		F[i] = rng.NormFloat64()
	}
	g := randVec(rng, 2*n)
	for i := range g {
		g[i] *= 3
	}
	P = make([]float64, n*n)
	c = make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			for r := 0; r < 2*n; r++ {
				P[i*n+j] += F[r*n+i] * F[r*n+j]
			}
		}
		for r := 0; r < 2*n; r++ {
			c[i] -= F[r*n+i] * g[r]
		}
	}
	m := 1 + (n + 1) + (k + 1)
	A = make([]float64, m*n)
	b = make([]float64, m)
	for j := 0; j < n; j++ {
		A[j] = 1
	}
	b[0] = 0.2 * rng.NormFloat64()
	b[1] = 1 + 0.5*rng.Float64()
	for j := 0; j < n; j++ {
		A[(2+j)*n+j] = -1
	}
	r := 2 + n
	b[r] = 0.6 + 0.3*rng.Float64()
	for j := 0; j < k; j++ {
		A[(r+1+j)*n+j] = -1
	}
	return P, c, A, b, problem.Cones{Zero: 1, SOC: []int{n + 1, k + 1}}
}

// expLS: min ½‖x‖² + Σ(t_i − c_i x_i) s.t. t_i ≥ exp(x_i) (exponential
// cones (x_i, 1, t_i)), Σx = e; variables (x, t), k of each. Every cone is
// active at the solution.
func expLS(rng *rand.Rand, k int) (P, c, A, b []float64, cones []cone.Spec) {
	n, m := 2*k, 1+3*k
	P = make([]float64, n*n)
	c = make([]float64, n)
	A = make([]float64, m*n)
	b = make([]float64, m)
	for i := 0; i < k; i++ {
		P[i*n+i] = 1
		c[i] = -(1 + rng.Float64())
		c[k+i] = 1
		A[i] = 1
		r := 1 + 3*i
		A[r*n+i] = -1
		b[r+1] = 1
		A[(r+2)*n+k+i] = -1
	}
	b[0] = 0.3 * rng.NormFloat64()
	cones = []cone.Spec{{Kind: cone.KindZero, Dim: 1}}
	for i := 0; i < k; i++ {
		cones = append(cones, cone.Spec{Kind: cone.KindExp, Dim: 3})
	}
	return P, c, A, b, cones
}

func socLSFixture(t testing.TB, rng *rand.Rand, n, k int) *fixture {
	P, c, A, b, cones := socLS(rng, n, k)
	return newFixture(t, n, P, c, A, b, cones)
}

// The warm-started perturbed solves of LPGD on second-order cone problems
// (the tangent Newton refinement from the forward's solution) give the
// cold interior-point path's gradients to 1e-9 on both families, every
// side, with and without the proximal term; and they are used (a test of
// the fast path that never runs would pass either way).
func TestLPGDConeWarmEqualsCold(t *testing.T) {
	type tc struct {
		name string
		mk   func(rng *rand.Rand) *fixture
	}
	fams := []tc{
		{"socLS-12", func(rng *rand.Rand) *fixture { return socLSFixture(t, rng, 12, 5) }},
		{"socFixture-qp", func(rng *rand.Rand) *fixture { return socFixture(t, rng, true, 3) }},
		{"socFixture-lp", func(rng *rand.Rand) *fixture { return socFixture(t, rng, false, 3) }},
		{"ncm-4", func(rng *rand.Rand) *fixture {
			P, c, A, b, cones := nearestCorrelation(rng, 4)
			return specFixture(t, len(c), P, c, A, b, cones)
		}},
		{"exp-4", func(rng *rand.Rand) *fixture {
			P, c, A, b, cones := expLS(rng, 4)
			return specFixture(t, len(c), P, c, A, b, cones)
		}},
	}
	warm, total := 0, 0
	for _, fam := range fams {
		for seed := int64(0); seed < 5; seed++ {
			for _, side := range []Side{SideCentral, SideRight, SideLeft} {
				for _, rho := range []float64{0, 0.5} {
					name := fmt.Sprintf("%s seed=%d side=%d rho=%g", fam.name, seed, side, rho)
					rng := rand.New(rand.NewSource(70 + seed))
					f := fam.mk(rng)
					in := Incoming{X: randVec(rng, f.st.N), Y: randVec(rng, f.st.M)}
					for i := range in.Y {
						in.Y[i] *= 0.3
					}
					o := DefaultOptions()
					o.Method, o.Side, o.Rho = MethodLPGD, side, rho
					o.FastPath = false
					gc := f.grad(t, in, o)
					if s := f.ws.LastStats(); s.WarmSolves != 0 || s.RefineSteps != 0 {
						t.Fatalf("%s: cold path used the warm start: %+v", name, s)
					}
					o.FastPath = true
					gw := f.grad(t, in, o)
					s := f.ws.LastStats()
					total += s.WarmSolves + s.ConeFallbacks
					warm += s.WarmSolves
					if s.WarmSolves+s.ConeFallbacks != s.WarmSolves+s.IPMSolves {
						t.Errorf("%s: stats inconsistent %+v", name, s)
					}
					if e := gradErr(gw, gc); e > 1e-9 {
						t.Errorf("%s: warm vs cold %g (stats %+v)", name, e, s)
					}
				}
			}
		}
	}
	if warm < total*9/10 {
		t.Errorf("warm starts accepted on %d of %d perturbed solves, want ≥ 90%%", warm, total)
	}
}

// A perturbation far larger than the data (τ = 1e4) moves the solution
// outside the refinement's region of convergence: the warm start is
// rejected, the cold solve runs (ConeFallbacks), and the gradients are the
// cold path's.
func TestLPGDConeWarmFallsBack(t *testing.T) {
	fallbacks := 0
	for seed := int64(0); seed < 4; seed++ {
		rng := rand.New(rand.NewSource(90 + seed))
		f := socLSFixture(t, rng, 12, 5)
		in := Incoming{X: randVec(rng, f.st.N)}
		o := DefaultOptions()
		o.Method, o.Tau = MethodLPGD, 1e4
		o.FastPath = false
		gc := f.grad(t, in, o)
		o.FastPath = true
		gw := f.grad(t, in, o)
		s := f.ws.LastStats()
		fallbacks += s.ConeFallbacks
		if s.ConeFallbacks > 0 && s.IPMSolves < s.ConeFallbacks {
			t.Errorf("seed %d: %d fallbacks but %d interior-point solves", seed, s.ConeFallbacks, s.IPMSolves)
		}
		if e := gradErr(gw, gc); e > 1e-9 {
			t.Errorf("seed %d: warm vs cold %g (stats %+v)", seed, e, s)
		}
	}
	if fallbacks == 0 {
		t.Error("no warm start was rejected at τ = 1e4")
	}
}

// BenchmarkLPGDCones is LPGD's backward (central, τ = 0.1) on cone
// families with the warm-started perturbed solves (warm) and without
// (cold): the second-order-cone least-squares family (socLS, n = 40,
// k = 15), the nearest correlation matrix (d = 6, a PSD cone) and expLS
// (k = 20 exponential cones). Reported: forward and backward CPU per
// sample, forward iterations, refinement steps and fallbacks of the
// backward:
//
//	go test ./gocore/diff -run '^$' -bench LPGDCones -count 3
func BenchmarkLPGDCones(b *testing.B) {
	fams := []struct {
		name string
		gen  func(rng *rand.Rand) (P, c, A, bb []float64, cones []cone.Spec)
	}{
		{"soc40", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, []cone.Spec) {
			P, c, A, bb, cones := socLS(rng, 40, 15)
			return P, c, A, bb, cones.Specs()
		}},
		{"ncm6", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, []cone.Spec) {
			return nearestCorrelation(rng, 6)
		}},
		{"exp20", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, []cone.Spec) {
			return expLS(rng, 20)
		}},
	}
	for _, fam := range fams {
		for _, fast := range []bool{true, false} {
			name := fam.name + map[bool]string{true: "/warm", false: "/cold"}[fast]
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewSource(5))
				var st *problem.Structure
				var vs []*problem.Values
				for k := 0; k < 8; k++ {
					P, c, A, bb, cones := fam.gen(rng)
					f := specFixture(b, len(c), P, c, A, bb, cones)
					st = f.st
					vs = append(vs, f.v)
				}
				_, slv, ws, sol, res, g := benchRig(b, st)
				in := Incoming{X: randVec(rng, st.N)}
				o := DefaultOptions()
				o.Method, o.FastPath = MethodLPGD, fast
				var fwd, bwd time.Duration
				iters, steps, warm, fb := 0, 0, 0, 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					v := vs[i%len(vs)]
					t0 := testfam.CPUTime()
					slv.Solve(v, &res)
					t1 := testfam.CPUTime()
					if res.Info.Status != ipm.StatusSolved {
						b.Fatalf("status %v", res.Info.Status)
					}
					if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
						b.Fatal(err)
					}
					bwd += testfam.CPUTime() - t1
					fwd += t1 - t0
					iters += res.Info.Iter
					s := ws.LastStats()
					steps += s.RefineSteps
					warm += s.WarmSolves
					fb += s.ConeFallbacks
				}
				b.ReportMetric(float64(fwd)/float64(b.N), "fwd-cpu-ns/op")
				b.ReportMetric(float64(bwd)/float64(b.N), "bwd-cpu-ns/op")
				b.ReportMetric(float64(bwd)/float64(fwd), "bwd/fwd")
				b.ReportMetric(float64(iters)/float64(b.N), "fwd-iters")
				b.ReportMetric(float64(steps)/float64(b.N), "bwd-refine-steps")
				b.ReportMetric(float64(warm)/float64(b.N), "warm")
				b.ReportMetric(float64(fb)/float64(b.N), "fallbacks")
			})
		}
	}
}
