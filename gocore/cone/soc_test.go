package cone

import (
	"math"
	"math/rand"
	"testing"
)

// socMinEig returns the smallest eigenvalue t − ‖x‖.
func socMinEig(u []float64) float64 { return u[0] - norm2(u[1:]) }

// jordan writes u∘v into out.
func jordan(out, u, v []float64) {
	var dot float64
	for i := range u {
		dot += u[i] * v[i]
	}
	for i := 1; i < len(u); i++ {
		out[i] = u[0]*v[i] + v[0]*u[i]
	}
	out[0] = dot
}

func vnorm(v []float64) float64 { return norm2(v) }

// relDiff returns ‖a − b‖∞ / max(1, ‖b‖∞).
func relDiff(a, b []float64) float64 {
	var num, den float64 = 0, 1
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// randInterior returns a random interior point of Qᵈ. margin is the
// relative distance from the boundary, scale the overall magnitude.
func randInterior(rng *rand.Rand, d int, margin, scale float64) []float64 {
	u := make([]float64, d)
	for i := 1; i < d; i++ {
		u[i] = rng.NormFloat64()
	}
	n := norm2(u[1:])
	u[0] = n*(1+margin) + margin
	for i := range u {
		u[i] *= scale
	}
	return u
}

func randVec(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// denseOf returns the dense row-major matrix of the linear map f.
func denseOf(d int, f func(out, v []float64)) []float64 {
	m := make([]float64, d*d)
	e := make([]float64, d)
	col := make([]float64, d)
	for j := 0; j < d; j++ {
		for i := range e {
			e[i] = 0
		}
		e[j] = 1
		f(col, e)
		for i := 0; i < d; i++ {
			m[i*d+j] = col[i]
		}
	}
	return m
}

type scalingCase struct {
	name          string
	d             int
	sMarg, zMarg  float64
	sScale, zScal float64
}

var scalingCases = []scalingCase{
	{"d1", 1, 0.5, 2, 1, 3},
	{"d2", 2, 0.3, 0.7, 1, 1},
	{"d3", 3, 1, 1, 1, 1},
	{"d5-scaled", 5, 0.2, 3, 1e3, 1e-2},
	{"d10", 10, 0.5, 0.5, 1, 1},
	{"d8-near-boundary-s", 8, 1e-6, 0.5, 1, 1},
	{"d8-near-boundary-both", 8, 1e-5, 1e-5, 1, 10},
	{"d20", 20, 2, 0.1, 5, 0.2},
}

func TestSOCScalingIdentities(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, tc := range scalingCases {
		t.Run(tc.name, func(t *testing.T) {
			for rep := 0; rep < 20; rep++ {
				d := tc.d
				c := NewSOC(d)
				s := randInterior(rng, d, tc.sMarg, tc.sScale)
				z := randInterior(rng, d, tc.zMarg, tc.zScal)
				c.UpdateScaling(s, z)

				// w̄ᵀJw̄ = 1.
				if r := socDet(c.w); math.Abs(r-1) > 1e-12 {
					t.Fatalf("det(w̄) = %v", r)
				}

				// W z = W⁻¹ s = λ.
				wz := make([]float64, d)
				wis := make([]float64, d)
				c.applyW(wz, z)
				c.applyWinv(wis, s)
				tol := 1e-12
				if tc.sMarg < 1e-4 || tc.zMarg < 1e-4 {
					tol = 1e-9
				}
				if e := relDiff(wz, c.lambda); e > tol {
					t.Fatalf("Wz vs λ: %g", e)
				}
				if e := relDiff(wis, c.lambda); e > tol*math.Max(1, vnorm(s)/vnorm(c.lambda)) {
					t.Fatalf("W⁻¹s vs λ: %g (Wz=%v W⁻¹s=%v)", e, wz, wis)
				}
				// λ is interior and det λ = √(det s det z).
				if socMinEig(c.lambda) <= 0 {
					t.Fatalf("λ not interior: %v", c.lambda)
				}

				// Dense W symmetric; W·W⁻¹ = I; W² = HBlock.
				W := denseOf(d, c.applyW)
				Wi := denseOf(d, c.applyWinv)
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						if math.Abs(W[i*d+j]-W[j*d+i]) > 1e-12*math.Max(1, math.Abs(W[i*d+j])) {
							t.Fatalf("W not symmetric at %d,%d", i, j)
						}
						var p float64
						for k := 0; k < d; k++ {
							p += W[i*d+k] * Wi[k*d+j]
						}
						want := 0.0
						if i == j {
							want = 1
						}
						if math.Abs(p-want) > 1e-9 {
							t.Fatalf("W W⁻¹ [%d,%d] = %v", i, j, p)
						}
					}
				}
				H := make([]float64, d*d)
				c.HBlock(H)
				W2 := make([]float64, d*d)
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						for k := 0; k < d; k++ {
							W2[i*d+j] += W[i*d+k] * W[k*d+j]
						}
					}
				}
				if e := relDiff(H, W2); e > 1e-10 {
					t.Fatalf("HBlock vs W²: %g", e)
				}

				// LambdaSquare = (W z)∘(W⁻¹ s).
				ls := make([]float64, d)
				c.LambdaSquare(ls)
				prod := make([]float64, d)
				jordan(prod, wz, wis)
				if e := relDiff(ls, prod); e > 100*tol {
					t.Fatalf("λ∘λ vs Wz∘W⁻¹s: %g", e)
				}
				// and λ∘λ's first entry is ‖λ‖², the complementarity sᵀz.
				if e := math.Abs(ls[0]-c.Complementarity(s, z)) / math.Max(1, ls[0]); e > 1e-10 {
					t.Fatalf("‖λ‖² vs sᵀz: %g", e)
				}
			}
		})
	}
}

func TestSOCDsHat(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, tc := range scalingCases {
		t.Run(tc.name, func(t *testing.T) {
			for rep := 0; rep < 20; rep++ {
				d := tc.d
				c := NewSOC(d)
				s := randInterior(rng, d, math.Max(tc.sMarg, 1e-2), tc.sScale)
				z := randInterior(rng, d, math.Max(tc.zMarg, 1e-2), tc.zScal)
				c.UpdateScaling(s, z)
				ds := randVec(rng, d)
				out := make([]float64, d)
				c.DsHat(out, ds)

				// λ ∘ (W⁻ᵀ out) = ds.
				v := make([]float64, d)
				c.applyWinv(v, out)
				got := make([]float64, d)
				jordan(got, c.lambda, v)
				if e := relDiff(got, ds); e > 1e-9 {
					t.Fatalf("λ∘(W⁻¹ DsHat(ds)) vs ds: %g", e)
				}

				// Aliased call gives the same result.
				alias := append([]float64(nil), ds...)
				c.DsHat(alias, alias)
				if e := relDiff(alias, out); e > 1e-14 {
					t.Fatalf("aliased DsHat differs: %g", e)
				}

				// Full linearised complementarity: with Δs = −out − W²Δz,
				// λ∘(WΔz + W⁻¹Δs) = −ds.
				dz := randVec(rng, d)
				H := make([]float64, d*d)
				c.HBlock(H)
				dS := make([]float64, d)
				for i := 0; i < d; i++ {
					dS[i] = -out[i]
					for j := 0; j < d; j++ {
						dS[i] -= H[i*d+j] * dz[j]
					}
				}
				a := make([]float64, d)
				b := make([]float64, d)
				c.applyW(a, dz)
				c.applyWinv(b, dS)
				for i := range a {
					a[i] += b[i]
				}
				jordan(got, c.lambda, a)
				for i := range got {
					got[i] = -got[i]
				}
				scale := 1.0
				for _, h := range H {
					scale = math.Max(scale, math.Abs(h))
				}
				if e := relDiff(got, ds); e > 1e-9*scale {
					t.Fatalf("linearised complementarity: %g", e)
				}
			}
		})
	}
}

func TestSOCCombinedShift(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, d := range []int{1, 2, 3, 7} {
		c := NewSOC(d)
		s := randInterior(rng, d, 0.5, 1)
		z := randInterior(rng, d, 0.3, 2)
		c.UpdateScaling(s, z)
		dz := randVec(rng, d)
		dsA := randVec(rng, d)
		ds := randVec(rng, d)
		want := append([]float64(nil), ds...)
		u := make([]float64, d)
		v := make([]float64, d)
		p := make([]float64, d)
		Wi := denseOf(d, c.applyWinv)
		W := denseOf(d, c.applyW)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				u[i] += Wi[i*d+j] * dsA[j]
				v[i] += W[i*d+j] * dz[j]
			}
		}
		jordan(p, u, v)
		sm := 0.37
		for i := range want {
			want[i] += p[i]
		}
		want[0] -= sm
		c.CombinedShift(ds, dz, dsA, sm)
		if e := relDiff(ds, want); e > 1e-12 {
			t.Fatalf("d=%d CombinedShift: %g", d, e)
		}
	}
}

func TestSOCUnitInitShift(t *testing.T) {
	c := NewSOC(4)
	s := []float64{9, 9, 9, 9}
	z := []float64{-1, 2, 3, 4}
	c.UnitInit(s, z)
	for i := range s {
		want := 0.0
		if i == 0 {
			want = 1
		}
		if s[i] != want || z[i] != want {
			t.Fatalf("UnitInit: s=%v z=%v", s, z)
		}
	}
	c.UpdateScaling(s, z)
	H := make([]float64, 16)
	c.HBlock(H)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(H[i*4+j]-want) > 1e-15 {
				t.Fatalf("H at e not identity: %v", H)
			}
		}
	}

	cases := []struct {
		name   string
		in     []float64
		want   []float64
		isDual bool
	}{
		{"interior unchanged", []float64{5, 3, 0, 0}, []float64{5, 3, 0, 0}, false},
		{"outside shifted", []float64{1, 3, 4, 0}, []float64{1 + 1 - (1 - 5), 3, 4, 0}, false},
		{"boundary shifted", []float64{5, 3, 4, 0}, []float64{6, 3, 4, 0}, true},
		{"negative t", []float64{-2, 0, 0, 0}, []float64{1, 0, 0, 0}, true},
	}
	for _, tc := range cases {
		v := append([]float64(nil), tc.in...)
		c.ShiftToCone(v, tc.isDual)
		if relDiff(v, tc.want) > 1e-15 {
			t.Fatalf("%s: got %v want %v", tc.name, v, tc.want)
		}
		if socMinEig(v) < sqrtEps {
			t.Fatalf("%s: not interior after shift: %v", tc.name, v)
		}
	}
	// d = 1 matches Nonneg.
	c1, n1 := NewSOC(1), NewNonneg(1)
	for _, x := range []float64{-3, 0, 1e-9, 0.5, 2} {
		a, b := []float64{x}, []float64{x}
		c1.ShiftToCone(a, false)
		n1.ShiftToCone(b, false)
		if a[0] != b[0] {
			t.Fatalf("d=1 shift %v: %v vs %v", x, a[0], b[0])
		}
	}
}

// checkStep verifies that α is the exact exit step of u + α du.
func checkStep(t *testing.T, name string, u, du []float64, alpha, alphaMax float64) {
	t.Helper()
	d := len(u)
	p := make([]float64, d)
	at := func(a float64) []float64 {
		for i := range p {
			p[i] = u[i] + a*du[i]
		}
		return p
	}
	scale := vnorm(u) + alpha*vnorm(du)
	if alpha < 0 || alpha > alphaMax {
		t.Fatalf("%s: α = %v outside [0, %v]", name, alpha, alphaMax)
	}
	if alpha < alphaMax {
		// On the boundary.
		if m := socMinEig(at(alpha)); math.Abs(m) > 1e-9*scale {
			t.Fatalf("%s: α = %v < αmax but min eig = %g (scale %g)", name, alpha, m, scale)
		}
		// Slightly further is outside (unless the direction is tangent).
		if m := socMinEig(at(alpha * (1 + 1e-6))); m > 1e-9*scale && alpha > 0 {
			t.Fatalf("%s: α = %v is not the exit step (min eig %g beyond)", name, alpha, m)
		}
	} else if m := socMinEig(at(alpha)); m < -1e-9*scale {
		t.Fatalf("%s: α = αmax leaves the cone (min eig %g)", name, m)
	}
	// Every smaller step stays inside.
	for k := 0; k <= 50; k++ {
		a := alpha * float64(k) / 51
		if m := socMinEig(at(a)); m < -1e-9*scale {
			t.Fatalf("%s: α·%d/51 outside (min eig %g)", name, k, m)
		}
	}
}

func TestSOCStepLength(t *testing.T) {
	e3 := []float64{1, 0, 0}
	cases := []struct {
		name     string
		u, du    []float64
		alphaMax float64
		want     float64 // NaN: only check properties
	}{
		{"zero direction", []float64{2, 1, 0}, []float64{0, 0, 0}, 1, 1},
		{"dt=0 dx≠0", e3, []float64{0, 1, 0}, 10, 1},
		{"dx=0 dt<0", []float64{2, 1, 0}, []float64{-1, 0, 0}, 10, 1},
		{"dx=0 dt>0", []float64{2, 1, 0}, []float64{1, 0, 0}, 10, 10},
		{"through apex", []float64{2, 1, 0}, []float64{-2, -1, 0}, 10, 1},
		{"into cone", []float64{2, 1, 0}, []float64{3, 0, 1}, 7, 7},
		{"a=0 tangent to -Q", e3, []float64{-1, 1, 0}, 10, 0.5},
		{"a=0 tangent to Q", e3, []float64{1, 1, 0}, 10, 10},
		{"αmax caps", e3, []float64{0, 1, 0}, 0.25, 0.25},
		{"boundary leaving", []float64{1, 1, 0}, []float64{0, 1, 0}, 1, 0},
		{"boundary entering", []float64{1, 1, 0}, []float64{1, -1, 0}, 1, 1},
		{"boundary along then leave", []float64{1, 1, 0}, []float64{0, 0, 1}, 1, 0},
		{"d2 exit", []float64{3, 1}, []float64{-1, 1}, 10, 1},
		{"d2 into", []float64{3, 1}, []float64{1, 0.5}, 10, 10},
		{"d1 leave", []float64{2}, []float64{-4}, 10, 0.5},
		{"d1 stay", []float64{2}, []float64{4}, 10, 10},
		{"d1 zero dir", []float64{2}, []float64{0}, 3, 3},
		{"near boundary exit", []float64{1 + 1e-12, 1, 0}, []float64{0, 1, 0}, 1, math.NaN()},
		{"near boundary tangent", []float64{1 + 1e-10, 0, 1}, []float64{1e-3, 1, 0}, 1, math.NaN()},
	}
	c := NewSOC(3)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := socStep(tc.u, tc.du, tc.alphaMax)
			if !math.IsNaN(tc.want) && math.Abs(a-tc.want) > 1e-12*math.Max(1, tc.want) {
				t.Fatalf("α = %v, want %v", a, tc.want)
			}
			checkStep(t, tc.name, tc.u, tc.du, a, tc.alphaMax)
			if len(tc.u) == 3 {
				az, as := c.StepLength(tc.du, tc.du, tc.u, tc.u, tc.alphaMax)
				if az != a || as != a {
					t.Fatalf("StepLength (%v, %v) vs %v", az, as, a)
				}
			}
		})
	}
}

func TestSOCStepLengthRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, d := range []int{1, 2, 3, 6, 15} {
		for _, margin := range []float64{1, 1e-3, 1e-8} {
			for rep := 0; rep < 200; rep++ {
				u := randInterior(rng, d, margin, math.Exp(rng.NormFloat64()))
				du := randVec(rng, d)
				if rep%5 == 0 && d > 1 {
					du[0] = 0
				}
				if rep%7 == 0 {
					for i := 1; i < d; i++ {
						du[i] = 0
					}
				}
				alphaMax := 1.0
				if rep%3 == 0 {
					alphaMax = 100
				}
				a := socStep(u, du, alphaMax)
				checkStep(t, "random", u, du, a, alphaMax)
			}
		}
	}
}

func TestSOCMatchesNonnegD1(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	c, n := NewSOC(1), NewNonneg(1)
	if c.Degree() != n.Degree() || c.Dim() != 1 {
		t.Fatal("degree/dim mismatch")
	}
	for rep := 0; rep < 200; rep++ {
		s := []float64{math.Exp(3 * rng.NormFloat64())}
		z := []float64{math.Exp(3 * rng.NormFloat64())}
		c.UpdateScaling(s, z)
		n.UpdateScaling(s, z)
		const tol = 1e-13
		close := func(what string, a, b float64) {
			if math.Abs(a-b) > tol*math.Max(math.Abs(a), math.Abs(b)) {
				t.Fatalf("%s: SOC %v vs Nonneg %v (s=%v z=%v)", what, a, b, s, z)
			}
		}
		h1, h2 := []float64{0}, []float64{0}
		c.HBlock(h1)
		n.HBlock(h2)
		close("HBlock", h1[0], h2[0])
		c.LambdaSquare(h1)
		n.LambdaSquare(h2)
		close("LambdaSquare", h1[0], h2[0])
		ds := []float64{rng.NormFloat64()}
		c.DsHat(h1, ds)
		n.DsHat(h2, ds)
		close("DsHat", h1[0], h2[0])
		dz, dsA := []float64{rng.NormFloat64()}, []float64{rng.NormFloat64()}
		h1[0], h2[0] = ds[0], ds[0]
		c.CombinedShift(h1, dz, dsA, 0.3)
		n.CombinedShift(h2, dz, dsA, 0.3)
		if math.Abs(h1[0]-h2[0]) > 1e-12*(1+math.Abs(dz[0]*dsA[0])) {
			t.Fatalf("CombinedShift: %v vs %v", h1[0], h2[0])
		}
		am := []float64{1, 100}[rep%2]
		az1, as1 := c.StepLength(dz, dsA, z, s, am)
		az2, as2 := n.StepLength(dz, dsA, z, s, am)
		if az1 != az2 || as1 != as2 {
			t.Fatalf("StepLength: SOC (%v,%v) vs Nonneg (%v,%v)", az1, as1, az2, as2)
		}
		close("Complementarity", c.Complementarity(s, z), n.Complementarity(s, z))
	}
}

func TestSOCNoAllocs(t *testing.T) {
	for _, d := range []int{1, 2, 5} {
		rng := rand.New(rand.NewSource(int64(d)))
		c := NewSOC(d)
		s := randInterior(rng, d, 0.5, 1)
		z := randInterior(rng, d, 0.5, 2)
		dz, dsA, ds := randVec(rng, d), randVec(rng, d), randVec(rng, d)
		out := make([]float64, d)
		H := make([]float64, d*d)
		v := make([]float64, d)
		var sink float64
		var cone Cone = c
		allocs := testing.AllocsPerRun(100, func() {
			cone.UnitInit(out, v)
			copy(v, s)
			cone.ShiftToCone(v, false)
			cone.UpdateScaling(s, z)
			cone.HBlock(H)
			cone.LambdaSquare(out)
			cone.CombinedShift(out, dz, dsA, 0.1)
			cone.DsHat(out, ds)
			a, b := cone.StepLength(dz, dsA, z, s, 1)
			sink += a + b + cone.Complementarity(s, z) + float64(cone.Dim()+cone.Degree())
			_ = cone.Diagonal()
		})
		if allocs != 0 {
			t.Fatalf("d=%d: %v allocations per run", d, allocs)
		}
		_ = sink
	}
}

func TestBuildIncludesSOC(t *testing.T) {
	cs := Build([]Spec{{Kind: KindZero, Dim: 1}, {Kind: KindNonneg, Dim: 2}, {Kind: KindSOC, Dim: 3}, {Kind: KindNonneg}, {Kind: KindSOC, Dim: 1}})
	if len(cs) != 4 {
		t.Fatalf("Build gave %d cones", len(cs))
	}
	if s, ok := cs[2].(*SOC); !ok || s.Dim() != 3 || s.Diagonal() {
		t.Fatalf("cone 2 is %T", cs[2])
	}
}
