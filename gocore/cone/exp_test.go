package cone

import (
	"math"
	"math/rand"
	"testing"
)

// randExpInterior returns a random point strictly inside K_exp (dual
// false) or K_exp* (dual true).
func randExpInterior(rng *rand.Rand, dual bool) [3]float64 {
	for {
		v := [3]float64{2 * rng.NormFloat64(), 2 * rng.NormFloat64(), 3 * math.Exp(rng.NormFloat64())}
		if dual && expDualInterior(v[:]) || !dual && expPrimalInterior(v[:]) {
			return v
		}
	}
}

func TestWrightOmega(t *testing.T) {
	for _, x := range []float64{1, 1 + 1e-9, 1.5, 2, 3.7, 10, 1e3, 1e6, 1e9} {
		w := wrightOmega(x)
		if r := w + math.Log(w) - x; math.Abs(r) > 1e-13*x {
			t.Errorf("ω(%g) = %g: residual %g", x, w, r)
		}
	}
}

// The dual barrier's gradient and Hessian and the primal barrier's gradient
// agree with central finite differences; the barriers are conjugate
// (f(−∇f*(z)) + f*(z) = −3) and ∇f(−∇f*(z)) = −z.
func TestExpBarrierDerivatives(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const h = 1e-6
	for k := 0; k < 200; k++ {
		z := randExpInterior(rng, true)
		var g [3]float64
		var H [9]float64
		expDualGradHess(&g, &H, z)
		for j := 0; j < 3; j++ {
			zp, zm := z, z
			zp[j] += h * math.Abs(z[j])
			zm[j] -= h * math.Abs(z[j])
			if !expDualInterior(zp[:]) || !expDualInterior(zm[:]) {
				continue
			}
			dj := zp[j] - zm[j]
			fd := (expDualBarrier(zp[:]) - expDualBarrier(zm[:])) / dj
			if !closeRel(fd, g[j], 1e-5) {
				t.Fatalf("z=%v: ∂f*/∂z%d = %g, finite difference %g", z, j, g[j], fd)
			}
			var gp, gm [3]float64
			var tmp [9]float64
			expDualGradHess(&gp, &tmp, zp)
			expDualGradHess(&gm, &tmp, zm)
			for i := 0; i < 3; i++ {
				fd := (gp[i] - gm[i]) / dj
				if !closeRel(fd, H[3*i+j], 1e-4) {
					t.Fatalf("z=%v: H[%d,%d] = %g, finite difference %g", z, i, j, H[3*i+j], fd)
				}
			}
		}
		s := [3]float64{-g[0], -g[1], -g[2]}
		if !expPrimalInterior(s[:]) {
			t.Fatalf("−∇f*(z) = %v not in K_exp", s)
		}
		if d := expPrimalBarrier(s[:]) + expDualBarrier(z[:]); math.Abs(d+3) > 1e-8 {
			t.Fatalf("f(−∇f*(z)) + f*(z) = %g, want −3", d)
		}
		gs := expPrimalGrad(s)
		for i := range gs {
			if !closeRel(gs[i], -z[i], 1e-7) {
				t.Fatalf("∇f(−∇f*(z)) = %v, want −z = %v", gs, z)
			}
		}
		p := randExpInterior(rng, false)
		gp := expPrimalGrad(p)
		for j := 0; j < 3; j++ {
			pp, pm := p, p
			pp[j] += h * math.Abs(p[j])
			pm[j] -= h * math.Abs(p[j])
			if !expPrimalInterior(pp[:]) || !expPrimalInterior(pm[:]) {
				continue
			}
			fd := (expPrimalBarrier(pp[:]) - expPrimalBarrier(pm[:])) / (pp[j] - pm[j])
			if !closeRel(fd, gp[j], 1e-5) {
				t.Fatalf("s=%v: ∂f/∂s%d = %g, finite difference %g", p, j, gp[j], fd)
			}
		}
	}
}

func closeRel(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// The third-order correction is ½∇³f*(z)[u, v], u = ∇²f*(z)⁻¹Δs: checked
// against a finite difference of the Hessian along v.
func TestExpThirdOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for k := 0; k < 200; k++ {
		c := NewExp()
		z := randExpInterior(rng, true)
		s := randExpInterior(rng, false)
		c.UpdateScaling(s[:], z[:])
		ds := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		v := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		eta := c.thirdOrder(ds, v)
		u, ok := solveSPD3(&c.hd, [3]float64{ds[0], ds[1], ds[2]})
		if !ok {
			t.Fatal("∇²f*(z) not positive definite")
		}
		h := 1e-6 / (1 + math.Sqrt(v[0]*v[0]+v[1]*v[1]+v[2]*v[2]))
		zp, zm := z, z
		for i := range zp {
			zp[i] += h * v[i]
			zm[i] -= h * v[i]
		}
		if !expDualInterior(zp[:]) || !expDualInterior(zm[:]) {
			continue
		}
		var g [3]float64
		var Hp, Hm [9]float64
		expDualGradHess(&g, &Hp, zp)
		expDualGradHess(&g, &Hm, zm)
		for i := 0; i < 3; i++ {
			var fd float64
			for j := 0; j < 3; j++ {
				fd += (Hp[3*i+j] - Hm[3*i+j]) / (2 * h) * u[j]
			}
			fd *= 0.5
			if !closeRel(fd, eta[i], 1e-4) {
				t.Fatalf("z=%v: η[%d] = %g, finite difference %g", z, i, eta[i], fd)
			}
		}
	}
}

// The primal–dual scaling is symmetric positive definite and maps z to s
// and ∇f(s) to ∇f*(z); the dual scaling is μ∇²f*(z).
func TestExpScaling(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	pd := 0
	for k := 0; k < 500; k++ {
		c := NewExp()
		z := randExpInterior(rng, true)
		s := randExpInterior(rng, false)
		c.SetScalingStrategy(false, 0)
		c.UpdateScaling(s[:], z[:])
		H := hMatrix(c)
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				if H[3*i+j] != H[3*j+i] {
					t.Fatalf("Hs not symmetric: %v", H)
				}
			}
		}
		if _, ok := solveSPD3((*[9]float64)(H), [3]float64{1, 0, 0}); !ok {
			t.Fatalf("Hs not positive definite: %v", H)
		}
		if c.primalDualScaling() {
			pd++
			hz := matVec(H, z[:])
			for i := range hz {
				if !closeRel(hz[i], s[i], 1e-8) {
					t.Fatalf("Hs z = %v, want s = %v", hz, s)
				}
			}
			zt := expPrimalGrad(s)
			hzt := matVec(H, zt[:])
			for i := range hzt {
				if !closeRel(hzt[i], c.grad[i], 1e-7) {
					t.Fatalf("Hs ∇f(s) = %v, want ∇f*(z) = %v", hzt, c.grad)
				}
			}
		}
		v := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		if q := c.QuadH(v); !closeRel(q, dotv(v, matVec(H, v)), 1e-9) {
			t.Fatalf("QuadH = %g, vᵀHv = %g", q, dotv(v, matVec(H, v)))
		}
		mu := 0.37
		c.SetScalingStrategy(true, mu)
		c.UpdateScaling(s[:], z[:])
		H = hMatrix(c)
		for i := range H {
			if !closeRel(H[i], mu*c.hd[i], 1e-15) {
				t.Fatalf("dual scaling %v, want μ∇²f*(z)", H)
			}
		}
		if q := c.QuadH(v); !closeRel(q, dotv(v, matVec(H, v)), 1e-9) {
			t.Fatalf("dual scaling: QuadH = %g, vᵀHv = %g", q, dotv(v, matVec(H, v)))
		}
	}
	if pd < 400 {
		t.Errorf("primal–dual scaling used at %d of 500 random points", pd)
	}
}

func dotv(a, b []float64) float64 {
	var acc float64
	for i := range a {
		acc += a[i] * b[i]
	}
	return acc
}

// ProjectionH linearizes complementarity on the manifold of complementary
// pairs s = a(ρ, 1, e^ρ), y = b(−e^ρ, e^ρ(ρ−1), 1): moving b gives ds = 0
// (H y = 0); moving ρ gives (ds, dy) with ds = −H dy up to the ray
// direction ŝ, on which H is infinite; a cone with y = 0 gets H = ∞·I and
// one with s = 0 gets H = 0.
func TestExpProjectionH(t *testing.T) {
	c := NewExp()
	h := make([]float64, 9)
	for _, rho := range []float64{-3, -1, -0.2, 0, 0.5, 1, 2.5} {
		for _, ab := range [][2]float64{{1, 1}, {0.3, 2}, {4, 0.1}} {
			a, b := ab[0], ab[1]
			er := math.Exp(rho)
			s := []float64{a * rho, a, a * er}
			y := []float64{-b * er, b * er * (rho - 1), b}
			c.ProjectionH(h, s, y)
			hy := matVec(h, y)
			if n := math.Sqrt(dotv(hy, hy)); n > 1e-5*math.Sqrt(dotv(y, y)) {
				t.Errorf("ρ=%g a=%g b=%g: ‖H y‖ = %g, want 0", rho, a, b, n)
			}
			ds := []float64{a, 0, a * er}
			dy := []float64{-b * er, b * rho * er, 0}
			r := matVec(h, dy)
			for i := range r {
				r[i] += ds[i]
			}
			ns := math.Sqrt(dotv(s, s))
			proj := dotv(r, s) / ns
			for i := range r {
				r[i] -= proj * s[i] / ns
			}
			if n := math.Sqrt(dotv(r, r)); n > 1e-5*math.Sqrt(dotv(ds, ds)) {
				t.Errorf("ρ=%g a=%g b=%g: ds + H dy = %v off the ray, want 0", rho, a, b, r)
			}
		}
	}
	c.ProjectionH(h, []float64{0, 1, 2}, []float64{0, 0, 0})
	if h[0] != derivBig || h[4] != derivBig || h[8] != derivBig || h[1] != 0 {
		t.Errorf("y = 0: H = %v, want ∞·I", h)
	}
	c.ProjectionH(h, []float64{0, 0, 0}, []float64{-1, 0, 1})
	for i, v := range h {
		if v != 0 {
			t.Errorf("s = 0: H[%d] = %g, want 0", i, v)
		}
	}
}

// StepLength returns a step in [0, αmax] that keeps both iterates strictly
// inside their cones, and αmax itself when that is feasible.
func TestExpStepLength(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	c := NewExp()
	for k := 0; k < 500; k++ {
		z, s := randExpInterior(rng, true), randExpInterior(rng, false)
		dz := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		ds := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		amax := 0.5 + rng.Float64()
		az, as := c.StepLength(dz, ds, z[:], s[:], amax)
		for _, tc := range []struct {
			a     float64
			v, d  []float64
			in    func([]float64) bool
			label string
		}{{az, z[:], dz, expDualInterior, "dual"}, {as, s[:], ds, expPrimalInterior, "primal"}} {
			if tc.a < 0 || tc.a > amax {
				t.Fatalf("%s step %g outside [0, %g]", tc.label, tc.a, amax)
			}
			w := []float64{tc.v[0] + tc.a*tc.d[0], tc.v[1] + tc.a*tc.d[1], tc.v[2] + tc.a*tc.d[2]}
			if !tc.in(w) {
				t.Fatalf("%s step %g leaves the cone", tc.label, tc.a)
			}
			full := []float64{tc.v[0] + amax*tc.d[0], tc.v[1] + amax*tc.d[1], tc.v[2] + amax*tc.d[2]}
			if tc.in(full) && tc.a != amax {
				t.Fatalf("%s step %g < feasible αmax %g", tc.label, tc.a, amax)
			}
		}
	}
}

// The composite of a cone list with an exponential cone is not symmetric,
// starts from the central-ray point and has barrier −3 per exponential
// cone (0 per orthant row) at that point, where μ = 1.
func TestExpComposite(t *testing.T) {
	k := NewComposite([]Spec{{Kind: KindNonneg, Dim: 2}, {Kind: KindExp, Dim: 3}, {Kind: KindExp, Dim: 3}})
	if k.Symmetric() || k.Degree() != 8 || k.Polyhedral() {
		t.Fatalf("Symmetric %v Degree %d Polyhedral %v", k.Symmetric(), k.Degree(), k.Polyhedral())
	}
	s, z := make([]float64, 8), make([]float64, 8)
	k.UnitInit(s, z)
	if mu := k.Complementarity(s, z) / 8; math.Abs(mu-1) > 1e-12 {
		t.Fatalf("μ at the unit point = %g, want 1", mu)
	}
	zero := make([]float64, 8)
	if b := k.Barrier(s, z, zero, zero, 0); math.Abs(b+6) > 1e-9 {
		t.Fatalf("barrier at the unit point = %g, want −6", b)
	}
	if NewComposite([]Spec{{Kind: KindSOC, Dim: 3}}).Symmetric() != true {
		t.Fatal("a second-order cone list is symmetric")
	}
	if err := (Spec{Kind: KindExp, Dim: 4}).Check(); err == nil {
		t.Fatal("exp cone of dimension 4 accepted")
	}
}

func TestExpNoAllocs(t *testing.T) {
	c := NewExp()
	rng := rand.New(rand.NewSource(5))
	z, s := randExpInterior(rng, true), randExpInterior(rng, false)
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
