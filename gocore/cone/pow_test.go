package cone

import (
	"math"
	"math/rand"
	"testing"
)

// powAlphas are the exponents the tests run (both sides of ½ and near the
// ends of (0, 1)).
var powAlphas = []float64{0.05, 0.3, 0.5, 0.7, 0.95}

// randPowInterior returns a random point strictly inside K_pow(α) (dual
// false) or K_pow(α)* (dual true), from deep inside to close to the boundary.
func randPowInterior(rng *rand.Rand, a float64, dual bool) [3]float64 {
	x, y := math.Exp(1.5*rng.NormFloat64()), math.Exp(1.5*rng.NormFloat64())
	g := powGeo(x, y, a)
	if dual {
		g = powGeo(x/a, y/(1-a), a)
	}
	f := 1 - math.Pow(10, -4*rng.Float64()) // |z|/g in (0, 1)
	if rng.Intn(4) == 0 {
		f = rng.Float64() // deep inside
	}
	if rng.Intn(2) == 0 {
		f = -f
	}
	return [3]float64{x, y, f * g}
}

// The dual barrier's gradient, Hessian and third derivative agree with
// central finite differences.
func TestPowBarrierDerivatives(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, a := range powAlphas {
		for k := 0; k < 200; k++ {
			z := randPowInterior(rng, a, true)
			var g [3]float64
			var H [9]float64
			powDualGradHess(&g, &H, z, a)
			u := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			v := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			third := powDualThird(z, a, u, v)
			// Directional differences along v, the step a small fraction
			// of the distance to the boundary.
			sc := 1e-4 * powDualMargin(z, a) * math.Sqrt(dot3(z, z)) / math.Sqrt(dot3(v, v))
			var zp, zm [3]float64
			for i := range zp {
				zp[i], zm[i] = z[i]+sc*v[i], z[i]-sc*v[i]
			}
			if !powDualInterior(zp[:], a) || !powDualInterior(zm[:], a) {
				continue
			}
			fd := (powDualBarrier(zp, a) - powDualBarrier(zm, a)) / (2 * sc)
			if !closeRel(fd, dot3(g, v), 1e-5) {
				t.Fatalf("α=%g z=%v: ∇f*·v = %g, finite difference %g", a, z, dot3(g, v), fd)
			}
			var gp, gm [3]float64
			var Hp, Hm [9]float64
			powDualGradHess(&gp, &Hp, zp, a)
			powDualGradHess(&gm, &Hm, zm, a)
			hv := mul3(&H, v)
			for i := 0; i < 3; i++ {
				fd := (gp[i] - gm[i]) / (2 * sc)
				if !closeRel(fd, hv[i], 1e-4*math.Max(1, math.Sqrt(dot3(hv, hv)))) {
					t.Fatalf("α=%g z=%v: (∇²f* v)[%d] = %g, finite difference %g", a, z, i, hv[i], fd)
				}
				var d3 float64
				for j := 0; j < 3; j++ {
					d3 += (Hp[3*i+j] - Hm[3*i+j]) / (2 * sc) * u[j]
				}
				if !closeRel(d3, third[i], 1e-4*math.Max(1, math.Sqrt(dot3(third, third)))) {
					t.Fatalf("α=%g z=%v: ∇³f*[u,v][%d] = %g, finite difference %g", a, z, i, third[i], d3)
				}
			}
		}
	}
}

// The conjugate point ẑ of s satisfies −∇f*(ẑ) = s and lies in int K*; the
// primal barrier f(s) = −3 − f*(ẑ) has gradient −ẑ (finite differences),
// and on the central path s = −∇f*(z) it gives f(s) + f*(z) = −3.
func TestPowConjugate(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, a := range powAlphas {
		f := func(s [3]float64) float64 {
			zh, ok := powConjugate(s, a)
			if !ok {
				t.Fatalf("α=%g: no conjugate point for s=%v", a, s)
			}
			return -3 - powDualBarrier(zh, a)
		}
		for k := 0; k < 200; k++ {
			s := randPowInterior(rng, a, false)
			zh, ok := powConjugate(s, a)
			if !ok || !powDualInterior(zh[:], a) {
				t.Fatalf("α=%g s=%v: conjugate %v ok=%v", a, s, zh, ok)
			}
			var g [3]float64
			var H [9]float64
			powDualGradHess(&g, &H, zh, a)
			for i := range g {
				if !closeRel(-g[i], s[i], 1e-9*math.Sqrt(dot3(s, s))) {
					t.Fatalf("α=%g: −∇f*(ẑ) = %v, want s = %v", a, g, s)
				}
			}
			if d := dot3(s, zh); math.Abs(d-3) > 1e-9 {
				t.Fatalf("α=%g: sᵀẑ = %g, want ν = 3", a, d)
			}
			v := [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			sc := 1e-4 * powPrimalMargin(s, a) * math.Sqrt(dot3(s, s)) / math.Sqrt(dot3(v, v))
			var sp, sm [3]float64
			for i := range sp {
				sp[i], sm[i] = s[i]+sc*v[i], s[i]-sc*v[i]
			}
			if !powPrimalInterior(sp[:], a) || !powPrimalInterior(sm[:], a) {
				continue
			}
			fd := (f(sp) - f(sm)) / (2 * sc)
			if want := -dot3(zh, v); !closeRel(fd, want, 1e-5*math.Max(1, math.Sqrt(dot3(zh, zh)*dot3(v, v)))) {
				t.Fatalf("α=%g s=%v: ∇f(s)·v = %g, finite difference %g", a, s, want, fd)
			}
			// Central path: s = −μ∇f*(z) for z ∈ int K*.
			z := randPowInterior(rng, a, true)
			powDualGradHess(&g, &H, z, a)
			sc2 := [3]float64{-g[0], -g[1], -g[2]}
			c := NewPow(a)
			if b := c.Barrier(sc2[:], z[:]); math.Abs(b+3) > 1e-8 {
				t.Fatalf("α=%g: f(−∇f*(z)) + f*(z) = %g, want −3", a, b)
			}
		}
	}
}

// Dual cone membership: K*'s interior points pair positively with K's;
// −∇f*(z) lies in int K for z in int K*; complementary boundary pairs
// s = (1, t, ±t^(1−α)), y = (α t^(1−α), (1−α) t^(−α), ∓1) lie on the
// boundaries of K and K* with sᵀy = 0, and pushing y out of K* (|y₂|
// larger) gives a point of K with negative inner product.
func TestPowDualCone(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, a := range powAlphas {
		for k := 0; k < 500; k++ {
			s, z := randPowInterior(rng, a, false), randPowInterior(rng, a, true)
			if d := dot3(s, z); !(d > 0) {
				t.Fatalf("α=%g: sᵀz = %g ≤ 0 for s=%v ∈ K, z=%v ∈ K*", a, d, s, z)
			}
			var g [3]float64
			var H [9]float64
			powDualGradHess(&g, &H, z, a)
			if m := [3]float64{-g[0], -g[1], -g[2]}; !powPrimalInterior(m[:], a) {
				t.Fatalf("α=%g z=%v: −∇f*(z) = %v not in int K", a, z, m)
			}
			tt := math.Exp(2 * rng.NormFloat64())
			sg := 1.0
			if rng.Intn(2) == 0 {
				sg = -1
			}
			sb := [3]float64{1, tt, sg * math.Pow(tt, 1-a)}
			yb := [3]float64{a * math.Pow(tt, 1-a), (1 - a) * math.Pow(tt, -a), -sg}
			if m := powPrimalMargin(sb, a); math.Abs(m) > 1e-12 {
				t.Fatalf("α=%g: primal margin %g on the boundary", a, m)
			}
			if m := powDualMargin(yb, a); math.Abs(m) > 1e-12 {
				t.Fatalf("α=%g: dual margin %g on the boundary", a, m)
			}
			if d := dot3(sb, yb); math.Abs(d) > 1e-12*math.Sqrt(dot3(sb, sb)*dot3(yb, yb)) {
				t.Fatalf("α=%g: sᵀy = %g on a complementary pair", a, d)
			}
			yo := yb
			yo[2] *= 1.01
			if powDualInterior(yo[:], a) || dot3(sb, yo) >= 0 {
				t.Fatalf("α=%g: y=%v outside K* but sᵀy = %g", a, yo, dot3(sb, yo))
			}
		}
	}
}

// The primal–dual scaling is symmetric positive definite and maps z to s
// and ∇f(s) to ∇f*(z); the dual scaling is μ∇²f*(z); QuadH agrees with
// vᵀHs v.
func TestPowScaling(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, a := range powAlphas {
		pd := 0
		for k := 0; k < 300; k++ {
			c := NewPow(a)
			z, s := randPowInterior(rng, a, true), randPowInterior(rng, a, false)
			c.SetScalingStrategy(false, 0)
			c.UpdateScaling(s[:], z[:])
			H := hMatrix(c)
			if _, ok := solveSPD3((*[9]float64)(H), [3]float64{1, 0, 0}); !ok {
				t.Fatalf("α=%g: Hs not positive definite: %v", a, H)
			}
			zh, _ := powConjugate(s, a)
			var hs, wf [9]float64
			if nonsymScaling3(s, z, [3]float64{-zh[0], -zh[1], -zh[2]}, c.grad, &c.hd, &hs, &wf) {
				pd++
				hz := matVec(H, z[:])
				for i := range hz {
					if !closeRel(hz[i], s[i], 1e-8*math.Sqrt(dot3(s, s))) {
						t.Fatalf("α=%g: Hs z = %v, want s = %v", a, hz, s)
					}
				}
				hzt := matVec(H, []float64{-zh[0], -zh[1], -zh[2]})
				for i := range hzt {
					if !closeRel(hzt[i], c.grad[i], 1e-7*math.Sqrt(dot3(c.grad, c.grad))) {
						t.Fatalf("α=%g: Hs ∇f(s) = %v, want ∇f*(z) = %v", a, hzt, c.grad)
					}
				}
			}
			v := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			if q := c.QuadH(v); !closeRel(q, dotv(v, matVec(H, v)), 1e-8) {
				t.Fatalf("α=%g: QuadH = %g, vᵀHv = %g", a, q, dotv(v, matVec(H, v)))
			}
			mu := 0.37
			c.SetScalingStrategy(true, mu)
			c.UpdateScaling(s[:], z[:])
			H = hMatrix(c)
			for i := range H {
				if !closeRel(H[i], mu*c.hd[i], 1e-15) {
					t.Fatalf("α=%g: dual scaling %v, want μ∇²f*(z)", a, H)
				}
			}
		}
		if pd < 250 {
			t.Errorf("α=%g: primal–dual scaling used at %d of 300 random points", a, pd)
		}
	}
}

// StepLength returns a step in [0, αmax] that keeps both iterates strictly
// inside their cones, and αmax itself when that is feasible.
func TestPowStepLength(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, a := range powAlphas {
		c := NewPow(a)
		prim := func(v []float64) bool { return powPrimalInterior(v, a) }
		dual := func(v []float64) bool { return powDualInterior(v, a) }
		for k := 0; k < 300; k++ {
			z, s := randPowInterior(rng, a, true), randPowInterior(rng, a, false)
			dz := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			ds := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			amax := 0.5 + rng.Float64()
			az, as := c.StepLength(dz, ds, z[:], s[:], amax)
			for _, tc := range []struct {
				a     float64
				v, d  []float64
				in    func([]float64) bool
				label string
			}{{az, z[:], dz, dual, "dual"}, {as, s[:], ds, prim, "primal"}} {
				if tc.a < 0 || tc.a > amax {
					t.Fatalf("%s step %g outside [0, %g]", tc.label, tc.a, amax)
				}
				w := []float64{tc.v[0] + tc.a*tc.d[0], tc.v[1] + tc.a*tc.d[1], tc.v[2] + tc.a*tc.d[2]}
				if tc.a > 0 && !tc.in(w) {
					t.Fatalf("%s step %g leaves the cone", tc.label, tc.a)
				}
				full := []float64{tc.v[0] + amax*tc.d[0], tc.v[1] + amax*tc.d[1], tc.v[2] + amax*tc.d[2]}
				if tc.in(full) && tc.a != amax {
					t.Fatalf("%s step %g < feasible αmax %g", tc.label, tc.a, amax)
				}
				// A backtracked step is bisected to within a sixteenth of
				// the boundary (the interior along the ray is an interval).
				if b := tc.a * (1 + 1.0/16) * (1 + 1e-12); tc.a > expMinStep && tc.a < amax && b < amax {
					far := []float64{tc.v[0] + b*tc.d[0], tc.v[1] + b*tc.d[1], tc.v[2] + b*tc.d[2]}
					if tc.in(far) {
						t.Fatalf("%s step %g: %g is still inside (not bisected)", tc.label, tc.a, b)
					}
				}
			}
		}
	}
}

// TestPowGeoAbove checks the shortcut of the interior tests against the
// weighted geometric mean itself, on both sides of its min/max bounds and
// at ties.
func TestPowGeoAbove(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for k := 0; k < 20000; k++ {
		a := 0.05 + 0.9*rng.Float64()
		x, y := math.Exp(3*rng.NormFloat64()), math.Exp(3*rng.NormFloat64())
		var r float64
		switch k % 4 {
		case 0:
			r = math.Min(x, y)
		case 1:
			r = math.Max(x, y)
		default:
			r = powGeo(x, y, a) * (1 + 0.1*rng.NormFloat64())
		}
		if got, want := powGeoAbove(x, y, a, r), powGeo(x, y, a) > r; got != want && math.Abs(powGeo(x, y, a)-r) > 1e-15*r {
			t.Fatalf("powGeoAbove(%g, %g, %g, %g) = %v, powGeo = %g", x, y, a, r, got, powGeo(x, y, a))
		}
	}
}

// ProjectionH linearizes complementarity on the manifold of complementary
// pairs s = r(1, t, ±t^(1−α)), y = b(α t^(1−α), (1−α)t^(−α), ∓1): moving b
// gives ds = 0 (H y = 0); moving t gives (ds, dy) with ds = −H dy up to the
// ray direction ŝ, on which H is infinite. y = 0 gives H = ∞·I, s = 0
// gives H = 0; on an edge (s = (x, 0, 0)) H is ∞ along the ray.
func TestPowProjectionH(t *testing.T) {
	h := make([]float64, 9)
	for _, a := range powAlphas {
		c := NewPow(a)
		for _, tt := range []float64{0.05, 0.4, 1, 2.5, 30} {
			for _, rb := range [][2]float64{{1, 1}, {0.3, 2}, {4, 0.1}} {
				for _, sg := range []float64{1, -1} {
					r, b := rb[0], rb[1]
					pa, pb := math.Pow(tt, 1-a), math.Pow(tt, -a)
					s := []float64{r, r * tt, sg * r * pa}
					y := []float64{b * a * pa, b * (1 - a) * pb, -sg * b}
					c.ProjectionH(h, s, y)
					hy := matVec(h, y)
					if n := math.Sqrt(dotv(hy, hy)); n > 1e-5*math.Sqrt(dotv(y, y)) {
						t.Errorf("α=%g t=%g r=%g b=%g: ‖H y‖ = %g, want 0", a, tt, r, b, n)
					}
					ds := []float64{0, r, sg * r * (1 - a) * pb}
					dy := []float64{b * a * (1 - a) * pb, -b * a * (1 - a) * pb / tt, 0}
					res := matVec(h, dy)
					for i := range res {
						res[i] += ds[i]
					}
					ns := math.Sqrt(dotv(s, s))
					proj := dotv(res, s) / ns
					for i := range res {
						res[i] -= proj * s[i] / ns
					}
					if n := math.Sqrt(dotv(res, res)); n > 1e-5*math.Sqrt(dotv(ds, ds)) {
						t.Errorf("α=%g t=%g r=%g b=%g: ds + H dy = %v off the ray, want 0", a, tt, r, b, res)
					}
				}
			}
		}
		c.ProjectionH(h, []float64{1, 2, 0.5}, []float64{0, 0, 0})
		if h[0] != derivBig || h[4] != derivBig || h[8] != derivBig || h[1] != 0 {
			t.Errorf("y = 0: H = %v, want ∞·I", h)
		}
		c.ProjectionH(h, []float64{0, 0, 0}, []float64{1, 1, 0})
		for i, v := range h {
			if v != 0 {
				t.Errorf("s = 0: H[%d] = %g, want 0", i, v)
			}
		}
		// The edge s = (2, 0, 0) with y = (0, 1, 0): H ≥ 0, infinite along
		// the ray, zero along y.
		c.ProjectionH(h, []float64{2, 0, 0}, []float64{0, 1, 0})
		if h[0] < 1e6 || h[4] != 0 || h[1] != 0 {
			t.Errorf("α=%g edge: H = %v", a, h)
		}
	}
}

// The composite with power cones is not symmetric, starts from the
// central-ray point (μ = 1) where the barrier is −3 per cone; bad specs are
// refused with the reason.
func TestPowComposite(t *testing.T) {
	k := NewComposite([]Spec{{Kind: KindNonneg, Dim: 1}, {Kind: KindPow, Dim: 3, Param: 0.3}, {Kind: KindPow, Dim: 3, Param: 0.8}})
	if k.Symmetric() || k.Degree() != 7 || k.Polyhedral() {
		t.Fatalf("Symmetric %v Degree %d Polyhedral %v", k.Symmetric(), k.Degree(), k.Polyhedral())
	}
	s, z := make([]float64, 7), make([]float64, 7)
	k.UnitInit(s, z)
	if mu := k.Complementarity(s, z) / 7; math.Abs(mu-1) > 1e-12 {
		t.Fatalf("μ at the unit point = %g, want 1", mu)
	}
	zero := make([]float64, 7)
	if b := k.Barrier(s, z, zero, zero, 0); math.Abs(b+6) > 1e-9 {
		t.Fatalf("barrier at the unit point = %g, want −6", b)
	}
	for _, tc := range []struct {
		sp   Spec
		want bool
	}{
		{Spec{Kind: KindPow, Dim: 3, Param: 0.5}, true},
		{Spec{Kind: KindPow, Dim: 3, Param: 0}, false},
		{Spec{Kind: KindPow, Dim: 3, Param: 1}, false},
		{Spec{Kind: KindPow, Dim: 3, Param: -0.2}, false},
		{Spec{Kind: KindPow, Dim: 3, Param: math.NaN()}, false},
		{Spec{Kind: KindPow, Dim: 4, Param: 0.5}, false},
		{Spec{Kind: KindNonneg, Dim: 2, Param: 0.5}, false},
	} {
		if err := tc.sp.Check(); (err == nil) != tc.want {
			t.Errorf("%+v: Check() = %v", tc.sp, err)
		}
	}
}

func TestPowNoAllocs(t *testing.T) {
	c := NewPow(0.3)
	rng := rand.New(rand.NewSource(6))
	z, s := randPowInterior(rng, 0.3, true), randPowInterior(rng, 0.3, false)
	d := []float64{0.1, -0.2, 0.3}
	out, h := make([]float64, 3), make([]float64, 9)
	allocs := testing.AllocsPerRun(50, func() {
		c.SetScalingStrategy(false, 1)
		c.UpdateScaling(s[:], z[:])
		c.HBlock(h)
		c.LambdaSquare(out)
		c.CombinedShift(out, d, d, 0.1)
		c.DsHat(out, out)
		c.StepLength(d, d, z[:], s[:], 1)
		c.QuadH(d)
		c.ProjectionH(h, s[:], z[:])
		c.Barrier(s[:], z[:])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}

// powProject is the Euclidean projection: the Moreau decomposition
// v = Π_K(v) − ŷ has Π_K(v) ∈ K, ŷ ∈ K*, Π_K(v)ᵀŷ = 0, and no nearby point of
// K is closer to v. NewtonPair on a power block returns that pair and leaves
// an exact complementary pair where it is.
func TestPowProject(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, a := range powAlphas {
		for k := 0; k < 300; k++ {
			v := [3]float64{rng.NormFloat64(), rng.NormFloat64(), 2 * rng.NormFloat64()}
			p := powProject(v, a)
			y := [3]float64{p[0] - v[0], p[1] - v[1], p[2] - v[2]}
			scale := math.Sqrt(dot3(v, v))
			if m := powPrimalMargin(p, a); m < -1e-12 {
				t.Fatalf("α=%g v=%v: Π(v) = %v outside K (margin %g)", a, v, p, m)
			}
			// y ∈ K*: yᵀq ≥ 0 for q ∈ K (by definition; the margin
			// formula amplifies rounding in a tiny y₀ by the power α).
			for j := 0; j < 20; j++ {
				q := randPowInterior(rng, a, false)
				if d := dot3(y, q); d < -1e-12*scale*math.Sqrt(dot3(q, q)) {
					t.Fatalf("α=%g v=%v: Π(v) − v = %v outside K* (yᵀq = %g)", a, v, y, d)
				}
			}
			if d := dot3(p, y); math.Abs(d) > 1e-12*scale*scale {
				t.Fatalf("α=%g v=%v: Π(v)ᵀ(Π(v) − v) = %g", a, v, d)
			}
			d0 := math.Sqrt(dot3(y, y))
			for j := 0; j < 20; j++ {
				q := randPowInterior(rng, a, false)
				if dq := math.Sqrt((q[0]-v[0])*(q[0]-v[0]) + (q[1]-v[1])*(q[1]-v[1]) + (q[2]-v[2])*(q[2]-v[2])); dq < d0-1e-12*scale {
					t.Fatalf("α=%g v=%v: %v ∈ K is closer (%g) than Π(v) (%g)", a, v, q, dq, d0)
				}
			}
		}
		k := NewComposite([]Spec{{Kind: KindNonneg, Dim: 1}, {Kind: KindPow, Dim: 3, Param: a}})
		if !k.PairSupported() || k.Symmetric() {
			t.Fatal("a power block has complementary pairs and is not symmetric")
		}
		tt := 1.7
		s := []float64{0.5, 1, tt, math.Pow(tt, 1-a)}
		y := []float64{0, a * math.Pow(tt, 1-a), (1 - a) * math.Pow(tt, -a), -1}
		sh, yh, hs := make([]float64, 4), make([]float64, 4), make([]float64, k.HLen())
		if !k.NewtonPair(s, y, sh, yh, hs) {
			t.Fatal("no pair for an exact complementary point")
		}
		for i := range s {
			if math.Abs(sh[i]-s[i]) > 1e-12 || math.Abs(yh[i]-y[i]) > 1e-12 {
				t.Fatalf("α=%g: exact pair moved: row %d (%v, %v) -> (%v, %v)", a, i, s[i], y[i], sh[i], yh[i])
			}
		}
	}
}

// powConjugateBracket is the previous powConjugate (kept as the reference
// of TestPowConjugateFast): it returns ẑ ∈ int K* with −∇f*(ẑ) = s for s ∈ int K, so that
// ∇f(s) = −ẑ for the conjugate primal barrier f, and ψ(ẑ).
//
// The three equations reduce to one in x = |ẑ₂|: with Φ/ψ = 1 + x|s₂|/2
// (from ẑ₂ = −s₂ψ/2 and Φ = ψ + ẑ₂²) the first two give
//
//	ẑ₀ = (α·x|s₂| + 1 + α)/s₀,  ẑ₁ = ((1−α)·x|s₂| + 2 − α)/s₁,
//
// and ψ(ẑ) = 2x/|s₂| leaves, in logarithms,
//
//	h(x) = 2α·log(α x|s₂| + 1 + α) + 2(1−α)·log((1−α) x|s₂| + 2 − α)
//	       − log(x² + 2x/|s₂|) − log(s₀^(2α) s₁^(2(1−α))) − c = 0,
//
// c = 2α·log α + 2(1−α)·log(1−α). h decreases from +∞ (x → 0) to
// log(s₂²/(s₀^(2α) s₁^(2(1−α)))) < 0 (x → ∞), so the root is bracketed
// and found by Newton's method safeguarded by bisection. For s₂ = 0 the
// solution is x = 0. It reports false when s is not strictly inside K or
// the iteration does not converge.
func powConjugateBracket(s [3]float64, a float64) ([3]float64, bool) {
	if !powPrimalInterior(s[:], a) {
		return s, false
	}
	if s[2] == 0 {
		return [3]float64{(1 + a) / s[0], (2 - a) / s[1], 0}, true
	}
	r := math.Abs(s[2])
	k := 2*a*math.Log(s[0]) + 2*(1-a)*math.Log(s[1]) + 2*a*math.Log(a) + 2*(1-a)*math.Log(1-a)
	h := func(x float64) (float64, float64) {
		p0, p1, q := a*x*r+1+a, (1-a)*x*r+2-a, x*x+2*x/r
		f := 2*a*math.Log(p0) + 2*(1-a)*math.Log(p1) - math.Log(q) - k
		df := 2*a*a*r/p0 + 2*(1-a)*(1-a)*r/p1 - (2*x+2/r)/q
		return f, df
	}
	// Bracket the root: h(lo) > 0 > h(hi).
	x := 1 / r
	lo, hi := x, x
	for it := 0; ; it++ {
		if f, _ := h(lo); f > 0 {
			break
		}
		if lo *= 0.125; it > 400 || lo == 0 {
			return s, false
		}
	}
	for it := 0; ; it++ {
		if f, _ := h(hi); f < 0 {
			break
		}
		if hi *= 8; it > 400 || math.IsInf(hi, 0) {
			return s, false
		}
	}
	x = math.Sqrt(lo) * math.Sqrt(hi)
	for it := 0; it < 200; it++ {
		f, df := h(x)
		if f == 0 {
			break
		}
		if f > 0 {
			lo = x
		} else {
			hi = x
		}
		xn := x - f/df
		if !(xn > lo && xn < hi) {
			xn = math.Sqrt(lo) * math.Sqrt(hi) // bisection in log x
		}
		if math.Abs(xn-x) <= 4e-16*x || hi-lo <= 4e-16*hi {
			x = xn
			break
		}
		x = xn
	}
	g := [3]float64{(a*x*r + 1 + a) / s[0], ((1-a)*x*r + 2 - a) / s[1], -x}
	if s[2] < 0 {
		g[2] = x
	}
	return g, true
}

// powConjugate (Newton from Clarabel's start) agrees with the bracketing
// search it replaced to rounding (relative to the root's condition), on random interior points from deep
// inside to 1e-12 from the boundary and over twelve orders of magnitude
// of scale, and both report false outside the cone.
func TestPowConjugateFast(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for _, a := range append(powAlphas, 0.2, 0.8, 0.001, 0.999) {
		for k := 0; k < 2000; k++ {
			s := randPowInterior(rng, a, false)
			switch k % 4 {
			case 1: // very close to the boundary
				s[2] = math.Copysign(powGeo(s[0], s[1], a)*(1-math.Pow(10, -12*rng.Float64())), s[2])
			case 2: // scaled
				sc := math.Pow(10, 12*rng.Float64()-6)
				s = [3]float64{sc * s[0], sc * s[1], sc * s[2]}
			case 3: // small |s₂|
				s[2] *= math.Pow(10, -10*rng.Float64())
			}
			want, okW := powConjugateBracket(s, a)
			got, ok := powConjugate(s, a)
			if ok != okW {
				// Within rounding of the boundary the two interior tests
				// may disagree; the new one must not accept a point the
				// old one rejects by more than that.
				if ok && powPrimalMargin(s, a) > 1e-13 {
					t.Fatalf("α=%g s=%v: ok %v, bracketing search %v", a, s, ok, okW)
				}
				continue
			}
			if !ok {
				continue
			}
			// The root's condition: near the boundary h ≈ h(∞) + C/x is
			// flat, h(∞) = log s₂² − log φ, so rounding δ in h's terms
			// (logarithms up to log(1 + x|s₂|)) moves the root by
			// δ/(log φ − log s₂²) relatively.
			tol := 1e-13
			if s[2] != 0 {
				lphi := 2*a*math.Log(s[0]) + 2*(1-a)*math.Log(s[1])
				lr2 := 2 * math.Log(math.Abs(s[2]))
				terms := 1 + math.Abs(lphi) + math.Abs(lr2) + 2*math.Log1p(math.Abs(want[2]*s[2]))
				tol += 1e-15 * terms / (lphi - lr2)
			}
			nz := math.Sqrt(dot3(want, want))
			for i := range got {
				if math.Abs(got[i]-want[i]) > tol*nz {
					t.Fatalf("α=%g s=%v: ẑ = %v, bracketing search %v", a, s, got, want)
				}
			}
		}
		for _, s := range [][3]float64{{-1, 1, 0}, {1, 0, 0}, {1, 1, 2}, {math.NaN(), 1, 0}, {1, 1, math.Inf(1)}} {
			if _, ok := powConjugate(s, a); ok {
				t.Errorf("α=%g: conjugate of %v (outside K) reported ok", a, s)
			}
		}
	}
}

// powProjectRef is the previous powProject (Newton's method from |v₂|/2,
// stopping at a step of 4e-16 or a bracket of 4e-16|v₂|), the reference of
// TestPowProjectFast.
func powProjectRef(v [3]float64, a float64) [3]float64 {
	switch {
	case v[0] >= 0 && v[1] >= 0 && math.Pow(v[0], a)*math.Pow(v[1], 1-a) >= math.Abs(v[2]):
		return v
	case v[0] <= 0 && v[1] <= 0 && math.Pow(-v[0]/a, a)*math.Pow(-v[1]/(1-a), 1-a) >= math.Abs(v[2]):
		return [3]float64{}
	}
	z := math.Abs(v[2])
	// In the multiplier λ = |v₂| − r (r near |v₂| would lose λ to
	// cancellation), φ(λ) = α·log x + (1−α)·log y − log(|v₂| − λ) increases
	// from φ(0) < 0 (v ∉ K) to +∞ at λ = |v₂|; its root by Newton's method
	// safeguarded by the bracket [lo, hi] (bisection where a step leaves it).
	sq := func(u, c float64) (root, inv float64) {
		d := math.Sqrt(u*u + 4*c)
		if u < 0 { // ½(u + d) without cancellation
			return 2 * c / (d - u), 1 / d
		}
		return 0.5 * (u + d), 1 / d
	}
	phi := func(l float64) (f, df, x, y float64) {
		r := z - l
		q := r * l
		x, ix := sq(v[0], a*q)
		y, iy := sq(v[1], (1-a)*q)
		dq := r - l
		f = a*math.Log(x) + (1-a)*math.Log(y) - math.Log(r)
		df = a*a*dq*ix/x + (1-a)*(1-a)*dq*iy/y + 1/r
		return f, df, x, y
	}
	lo, hi := 0.0, z
	l := 0.5 * z
	var x, y float64
	for it := 0; it < 100; it++ {
		f, df, xl, yl := phi(l)
		x, y = xl, yl
		if f >= 0 {
			hi = l
		} else {
			lo = l
		}
		ln := l - f/df
		if !(ln > lo && ln < hi) {
			ln = 0.5 * (lo + hi)
		}
		if math.Abs(ln-l) <= 4e-16*l || hi-lo <= 4e-16*z {
			break
		}
		l = ln
	}
	if math.IsNaN(x) || math.IsNaN(y) {
		return [3]float64{math.Max(v[0], 0), math.Max(v[1], 0), 0}
	}
	// |p₂| ≤ x^α·y^(1−α): the point is in K, not just near it (a change at
	// rounding level of φ).
	r := math.Min(z-l, math.Exp(a*math.Log(x)+(1-a)*math.Log(y)))
	return [3]float64{x, y, math.Copysign(r, v[2])}
}

// powProjectFrom (stopping once φ is below its rounding error, started
// from a hint when it is usable) agrees with the previous search to
// rounding where that search was accurate (λ ≥ 1e-3·|v₂|: it stopped at a
// bracket of 4e-16·|v₂|, so a tiny multiplier kept only a few digits), and
// everywhere, with no hint, the exact multiplier perturbed and a useless
// one, it satisfies the projection's optimality conditions: Π(v) ∈ K,
// Π(v) − v ∈ K*, Π(v)ᵀ(Π(v) − v) = 0. The last point is one the previous
// search got wrong (r off by 3e-4 relative, complementarity −6e-5).
func TestPowProjectFast(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	check := func(a float64, v [3]float64, hint float64) [3]float64 {
		p := powProjectFrom(v, a, hint)
		scale := math.Sqrt(dot3(v, v))
		y := [3]float64{p[0] - v[0], p[1] - v[1], p[2] - v[2]}
		if m := powPrimalMargin(p, a); m < -1e-12 {
			t.Fatalf("α=%g v=%v: Π(v) = %v outside K (margin %g)", a, v, p, m)
		}
		for j := 0; j < 5; j++ {
			q := randPowInterior(rng, a, false)
			if d := dot3(y, q); d < -1e-12*scale*math.Sqrt(dot3(q, q)) {
				t.Fatalf("α=%g v=%v hint %g: Π(v) − v = %v outside K* (yᵀq = %g)", a, v, hint, y, d)
			}
		}
		if d := dot3(p, y); math.Abs(d) > 1e-13*scale*scale {
			t.Fatalf("α=%g v=%v hint %g: Π(v)ᵀ(Π(v) − v) = %g", a, v, hint, d)
		}
		return p
	}
	for _, a := range append(powAlphas, 0.2, 0.8) {
		for k := 0; k < 3000; k++ {
			v := [3]float64{rng.NormFloat64(), rng.NormFloat64(), 2 * rng.NormFloat64()}
			if k%3 == 1 {
				sc := math.Pow(10, 8*rng.Float64()-4)
				v = [3]float64{sc * v[0], sc * v[1], sc * v[2]}
			}
			want := powProjectRef(v, a)
			lam := math.Abs(v[2]) - math.Abs(check(a, v, -1)[2])
			for _, hint := range []float64{-1, lam * (1 + 1e-3*rng.NormFloat64()), lam, 10 * math.Abs(v[2])} {
				got := check(a, v, hint)
				if !(lam >= 1e-3*math.Abs(v[2])) {
					continue
				}
				scale := math.Sqrt(dot3(v, v))
				for i := range got {
					if math.Abs(got[i]-want[i]) > 1e-13*scale {
						t.Fatalf("α=%g v=%v hint %g: Π(v) = %v, previous search %v", a, v, hint, got, want)
					}
				}
			}
		}
	}
	v := [3]float64{-1.217701598849124, 1.5896320117851954, -0.19300972033665897}
	if p := check(0.05, v, -1); math.Abs(p[2]+0.19300972033665888) > 1e-16 {
		t.Errorf("edge point: Π(v)₂ = %.17g, want −0.19300972033665888", p[2])
	}
}

// powGeoAtLeast decides x^α·y^(1−α) ≥ r as math.Pow does, on a table of
// edges (zero x or y, r at min(x, y), above max(x, y), zero r, NaN) and on
// seeded random points away from the boundary (relative margin 1e-9, where
// the two roundings cannot disagree).
func TestPowGeoAtLeast(t *testing.T) {
	ref := func(x, y, a, r float64) bool { return math.Pow(x, a)*math.Pow(y, 1-a) >= r }
	cases := []struct {
		x, y, a, r float64
		want       bool
	}{
		{0, 2, 0.3, 0, true},
		{0, 2, 0.3, 1e-300, false},
		{2, 0, 0.7, 0, true},
		{0, 0, 0.5, 0, true},
		{3, 5, 0.4, 3, true},    // r = min: the mean is at least the minimum
		{3, 5, 0.4, 5.5, false}, // above the maximum
		{3, 5, 0.4, 5, false},   // at the maximum with x ≠ y
		{7, 7, 0.2, 7, true},
		{1, 16, 0.5, 3.9, true},
		{1, 16, 0.5, 4.1, false},
		{1, 2, 0.5, math.NaN(), false},
	}
	for _, c := range cases {
		if got := powGeoAtLeast(c.x, c.y, c.a, c.r); got != c.want {
			t.Errorf("powGeoAtLeast(%g, %g, %g, %g) = %v, want %v", c.x, c.y, c.a, c.r, got, c.want)
		}
	}
	rng := rand.New(rand.NewSource(41))
	for i := 0; i < 20000; i++ {
		x, y := math.Exp(8*rng.NormFloat64()), math.Exp(8*rng.NormFloat64())
		a := 0.01 + 0.98*rng.Float64()
		g := math.Pow(x, a) * math.Pow(y, 1-a)
		r := g * math.Exp(2*rng.NormFloat64())
		if math.Abs(r-g) <= 1e-9*g {
			continue
		}
		if got, want := powGeoAtLeast(x, y, a, r), ref(x, y, a, r); got != want {
			t.Fatalf("powGeoAtLeast(%g, %g, %g, %g) = %v, math.Pow %v", x, y, a, r, got, want)
		}
	}
}
