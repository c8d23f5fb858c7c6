package cone

import (
	"math"
	"math/rand"
	"testing"
)

// Conformance suite in the style of gonum's lapack/testlapack: every cone
// runs through the same checks, written against the Cone interface only. A
// new cone adds one entry to coneKinds (how to draw interior points, its
// smallest "eigenvalue" and the projection onto its dual cone, all
// test-side references) and its dimensions to the table.

type coneKind struct {
	kind Kind
	dims []int
	// interior returns a random point strictly inside the cone (for the
	// zero cone: a primal point 0 and a dual point, any vector).
	interior func(rng *rand.Rand, d int, dual bool) []float64
	// minEig is the distance-like function that is ≥ 0 exactly on the
	// cone (for the zero cone: −‖s‖∞ for primal points).
	minEig func(v []float64) float64
	// projectDual writes the Euclidean projection of u onto the dual cone.
	projectDual func(out, u []float64)
}

var coneKinds = []coneKind{
	{
		kind: KindZero, dims: []int{1, 4},
		interior: func(rng *rand.Rand, d int, dual bool) []float64 {
			if dual {
				return randVec(rng, d)
			}
			return make([]float64, d)
		},
		minEig: func(v []float64) float64 {
			m := 0.0
			for _, x := range v {
				m = math.Max(m, math.Abs(x))
			}
			return -m
		},
		projectDual: func(out, u []float64) { copy(out, u) }, // K* = Rᵈ
	},
	{
		kind: KindNonneg, dims: []int{1, 3, 7},
		interior: func(rng *rand.Rand, d int, _ bool) []float64 {
			v := make([]float64, d)
			for i := range v {
				v[i] = math.Exp(rng.NormFloat64())
			}
			return v
		},
		minEig: func(v []float64) float64 {
			m := math.Inf(1)
			for _, x := range v {
				m = math.Min(m, x)
			}
			return m
		},
		projectDual: func(out, u []float64) {
			for i, x := range u {
				out[i] = math.Max(x, 0)
			}
		},
	},
	{
		kind: KindSOC, dims: []int{1, 2, 3, 5, 9},
		interior: func(rng *rand.Rand, d int, _ bool) []float64 {
			return randInterior(rng, d, 0.05+rng.Float64(), math.Exp(rng.NormFloat64()))
		},
		minEig: func(v []float64) float64 { return v[0] - norm2(v[1:]) },
		projectDual: func(out, u []float64) {
			t, nx := u[0], norm2(u[1:])
			switch {
			case nx <= t:
				copy(out, u)
			case nx <= -t:
				for i := range out {
					out[i] = 0
				}
			default:
				a := (t + nx) / 2
				out[0] = a
				for i := 1; i < len(u); i++ {
					out[i] = a * u[i] / nx
				}
			}
		},
	},
}

// forEachCone runs f on a fresh cone of every kind and dimension.
func forEachCone(t *testing.T, f func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand)) {
	for _, ck := range coneKinds {
		for _, d := range ck.dims {
			t.Run(ck.kind.String()+"/"+itoa(d), func(t *testing.T) {
				f(t, ck, New(Spec{Kind: ck.kind, Dim: d}), rand.New(rand.NewSource(int64(d)+10*int64(ck.kind))))
			})
		}
	}
}

func itoa(d int) string {
	if d < 10 {
		return string(rune('0' + d))
	}
	return itoa(d/10) + itoa(d%10)
}

// hMatrix returns WᵀW as a dense d×d matrix from HBlock's layout.
func hMatrix(c Cone) []float64 {
	d := c.Dim()
	if c.Diagonal() {
		h := make([]float64, d)
		c.HBlock(h)
		m := make([]float64, d*d)
		for i := range h {
			m[i*d+i] = h[i]
		}
		return m
	}
	m := make([]float64, d*d)
	c.HBlock(m)
	return m
}

func matVec(m []float64, v []float64) []float64 {
	d := len(v)
	out := make([]float64, d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			out[i] += m[i*d+j] * v[j]
		}
	}
	return out
}

// TestConeScalingIdentities checks W z = W⁻ᵀ s = λ through the interface:
// WᵀW z = s, ‖Wv‖² = vᵀWᵀWv (QuadH), ⟨e, λ∘λ⟩ = ‖λ‖² = sᵀz and
// Wᵀ(λ \ (λ∘λ)) = Wᵀλ = s (DsHat of LambdaSquare), and that WᵀW is
// symmetric.
func TestConeScalingIdentities(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		e, e2 := make([]float64, d), make([]float64, d)
		c.UnitInit(e, e2)
		for rep := 0; rep < 20; rep++ {
			s, z := ck.interior(rng, d, false), ck.interior(rng, d, true)
			c.UpdateScaling(s, z)
			H := hMatrix(c)
			for i := 0; i < d; i++ {
				for j := 0; j < i; j++ {
					if math.Abs(H[i*d+j]-H[j*d+i]) > 1e-12*(1+math.Abs(H[i*d+j])) {
						t.Fatalf("WᵀW not symmetric at (%d, %d)", i, j)
					}
				}
			}
			if r := relDiff(matVec(H, z), s); r > 1e-10 {
				t.Fatalf("WᵀW z ≠ s (rel %g)", r)
			}
			v := randVec(rng, d)
			var vHv float64
			for i, x := range matVec(H, v) {
				vHv += v[i] * x
			}
			if q := c.QuadH(v); math.Abs(q-vHv) > 1e-10*(1+math.Abs(vHv)) {
				t.Fatalf("QuadH %v, vᵀWᵀWv %v", q, vHv)
			}
			ll := make([]float64, d)
			c.LambdaSquare(ll)
			var el float64
			for i := range ll {
				el += e[i] * ll[i]
			}
			sz := c.Complementarity(s, z)
			if math.Abs(el-sz) > 1e-10*(1+math.Abs(sz)) {
				t.Fatalf("⟨e, λ∘λ⟩ = %v, sᵀz = %v", el, sz)
			}
			out := make([]float64, d)
			c.DsHat(out, ll)
			want := append([]float64(nil), s...)
			if ck.kind == KindZero {
				want = make([]float64, d) // ds = 0 on equality rows
			}
			if r := relDiff(out, want); r > 1e-10 {
				t.Fatalf("Wᵀ(λ \\ λ∘λ) = %v, want s = %v", out, want)
			}
		}
	})
}

// TestConeStepLength checks the step to the boundary: the returned α keeps
// both points in the cone, and is either αmax or a boundary point.
func TestConeStepLength(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		hitS, hitZ := 0, 0
		for rep := 0; rep < 50; rep++ {
			s, z := ck.interior(rng, d, false), ck.interior(rng, d, true)
			ds, dz := randVec(rng, d), randVec(rng, d)
			if ck.kind == KindZero {
				ds = make([]float64, d) // primal steps stay at 0
			}
			const amax = 10.0
			az, as := c.StepLength(dz, ds, z, s, amax)
			if !(az > 0 && az <= amax && as > 0 && as <= amax) {
				t.Fatalf("step lengths %v, %v outside (0, %v]", az, as, amax)
			}
			for _, p := range []struct {
				u, du []float64
				a     float64
				dual  bool
				hit   *int
			}{{s, ds, as, false, &hitS}, {z, dz, az, true, &hitZ}} {
				if ck.kind == KindZero && p.dual {
					continue // the dual cone is everything
				}
				at := make([]float64, d)
				for i := range at {
					at[i] = p.u[i] + p.a*p.du[i]
				}
				scale := 1 + norm2(p.u) + p.a*norm2(p.du)
				if me := ck.minEig(at); me < -1e-10*scale {
					t.Fatalf("u + αΔu leaves the cone (min eigenvalue %g)", me)
				}
				if p.a < amax {
					*p.hit++
					if me := ck.minEig(at); me > 1e-9*scale {
						t.Fatalf("α = %v < αmax but u + αΔu is interior (min eigenvalue %g)", p.a, me)
					}
				}
			}
		}
		if ck.kind != KindZero && (hitS == 0 || hitZ == 0) {
			t.Fatalf("no step hit the boundary (%d, %d): the test is void", hitS, hitZ)
		}
	})
}

// TestConeInitialisation checks UnitInit (e with ⟨e, e⟩ as the degree),
// SetIdentityScaling (WᵀW = I, or 0 for the zero cone) and ShiftToCone
// (the result is interior; an interior point is left alone).
func TestConeInitialisation(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		s, z := make([]float64, d), make([]float64, d)
		c.UnitInit(s, z) // s = z = e from here on
		if got := c.Complementarity(s, z); got != float64(c.Degree()) {
			t.Fatalf("⟨e, e⟩ = %v, degree %d", got, c.Degree())
		}
		c.UpdateScaling(ck.interior(rng, d, false), ck.interior(rng, d, true))
		c.SetIdentityScaling()
		H := hMatrix(c)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				want := 0.0
				if i == j && ck.kind != KindZero {
					want = 1
				}
				if H[i*d+j] != want {
					t.Fatalf("identity scaling: H[%d,%d] = %v", i, j, H[i*d+j])
				}
			}
		}
		for rep := 0; rep < 20; rep++ {
			v := randVec(rng, d)
			for i := range v {
				v[i] *= 3
			}
			c.ShiftToCone(v, false)
			if ck.kind == KindZero {
				if ck.minEig(v) != 0 {
					t.Fatalf("zero cone: shifted primal %v", v)
				}
				continue
			}
			if me := ck.minEig(v); !(me > 0) {
				t.Fatalf("shifted point %v not interior (%g)", v, me)
			}
			in := ck.interior(rng, d, false)
			for i := range in {
				in[i] += s[i] // + e: well inside, ShiftToCone must not move it
			}
			before := append([]float64(nil), in...)
			c.ShiftToCone(in, true)
			if relDiff(in, before) != 0 {
				t.Fatalf("ShiftToCone moved an interior point")
			}
		}
	})
}

// TestConeProjectionH checks ProjectionH against finite differences of the
// projection: at y = Π(u), s = y − u (K self-dual; s = 0 for the zero
// cone), dy = DΠ(u) du and ds = dy − du, and ds = −H dy says
// dy = (I + H)⁻¹ du. Central differences of Π give dy.
func TestConeProjectionH(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		for rep := 0; rep < 30; rep++ {
			u := randVec(rng, d)
			y, s := make([]float64, d), make([]float64, d)
			ck.projectDual(y, u)
			if ck.kind != KindZero {
				for i := range s {
					s[i] = y[i] - u[i]
				}
			}
			H := make([]float64, d*d)
			if c.Diagonal() {
				h := make([]float64, d)
				c.ProjectionH(h, s, y)
				for i := range h {
					H[i*d+i] = h[i]
				}
			} else {
				c.ProjectionH(H, s, y)
			}
			du := randVec(rng, d)
			const eps = 1e-6
			up, um := make([]float64, d), make([]float64, d)
			for i := range u {
				up[i], um[i] = u[i]+eps*du[i], u[i]-eps*du[i]
			}
			yp, ym := make([]float64, d), make([]float64, d)
			ck.projectDual(yp, up)
			ck.projectDual(ym, um)
			dyFD := make([]float64, d)
			for i := range dyFD {
				dyFD[i] = (yp[i] - ym[i]) / (2 * eps)
			}
			IH := append([]float64(nil), H...)
			for i := 0; i < d; i++ {
				IH[i*d+i]++
			}
			dy := solveDense(IH, du)
			if r := relDiff(dy, dyFD); r > 1e-6 {
				t.Fatalf("u = %v: (I + H)⁻¹du = %v, finite differences %v", u, dy, dyFD)
			}
		}
	})
}

// solveDense solves the d×d system a x = b by Gaussian elimination with
// partial pivoting (a is overwritten).
func solveDense(a, b []float64) []float64 {
	d := len(b)
	x := append([]float64(nil), b...)
	for k := 0; k < d; k++ {
		p := k
		for i := k + 1; i < d; i++ {
			if math.Abs(a[i*d+k]) > math.Abs(a[p*d+k]) {
				p = i
			}
		}
		for j := 0; j < d; j++ {
			a[k*d+j], a[p*d+j] = a[p*d+j], a[k*d+j]
		}
		x[k], x[p] = x[p], x[k]
		for i := k + 1; i < d; i++ {
			f := a[i*d+k] / a[k*d+k]
			for j := k; j < d; j++ {
				a[i*d+j] -= f * a[k*d+j]
			}
			x[i] -= f * x[k]
		}
	}
	for k := d - 1; k >= 0; k-- {
		for j := k + 1; j < d; j++ {
			x[k] -= a[k*d+j] * x[j]
		}
		x[k] /= a[k*d+k]
	}
	return x
}

// TestConeRectifyScaling: the rectified scaling maps the cone onto itself:
// an interior point scaled by it is still interior.
func TestConeRectifyScaling(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		for rep := 0; rep < 20; rep++ {
			e := make([]float64, d)
			for i := range e {
				e[i] = math.Exp(2 * rng.NormFloat64())
			}
			c.RectifyScaling(e)
			for _, x := range e {
				if !(x > 0) {
					t.Fatalf("rectified scaling %v not positive", e)
				}
			}
			// A point on the boundary must stay on it (and inside).
			v := ck.interior(rng, d, false)
			if ck.kind == KindSOC && d > 1 {
				v[0] = norm2(v[1:])
			}
			for i := range v {
				v[i] *= e[i]
			}
			if me := ck.minEig(v); me < -1e-12*(1+norm2(v)) {
				t.Fatalf("scaled point leaves the cone (%g)", me)
			}
		}
	})
}

// TestConeNoAllocs: the per-iteration operations allocate nothing.
func TestConeNoAllocs(t *testing.T) {
	forEachCone(t, func(t *testing.T, ck coneKind, c Cone, rng *rand.Rand) {
		d := c.Dim()
		s, z := ck.interior(rng, d, false), ck.interior(rng, d, true)
		ds, dz := randVec(rng, d), randVec(rng, d)
		h := make([]float64, d*d)
		out := make([]float64, d)
		var sink float64
		allocs := testing.AllocsPerRun(20, func() {
			c.SetIdentityScaling()
			c.UpdateScaling(s, z)
			c.HBlock(h)
			c.LambdaSquare(out)
			c.CombinedShift(out, dz, ds, 0.1)
			c.DsHat(out, ds)
			a, b := c.StepLength(dz, ds, z, s, 1)
			sink += a + b + c.QuadH(dz) + c.Complementarity(s, z)
			c.ProjectionH(h, s, z)
		})
		if allocs != 0 {
			t.Fatalf("%v allocations per run", allocs)
		}
		_ = sink
	})
}
