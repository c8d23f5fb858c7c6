package cone

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// psdRandInterior returns svec(X) for a random X ≻ 0 whose smallest
// eigenvalue is about margin·scale.
func psdRandInterior(rng *rand.Rand, c *PSD, margin, scale float64) []float64 {
	d := c.d
	g := make([]float64, d*d)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	x := make([]float64, d*d)
	matMul(x, g, g, d, false, true)
	for i := 0; i < d; i++ {
		x[i*d+i] += margin * float64(d)
	}
	for i := range x {
		x[i] *= scale
	}
	v := make([]float64, c.n)
	c.svec(v, x)
	return v
}

// psdJordan writes svec((XY + YX)/2) for x = svec(X), y = svec(Y).
func psdJordan(c *PSD, out, x, y []float64) {
	d := c.d
	a, b, p := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
	c.smat(a, x)
	c.smat(b, y)
	matMul(p, a, b, d, false, false)
	c.svec(out, p)
}

func TestPSDSvecOrder(t *testing.T) {
	c := NewPSD(6)
	// SCS order: lower triangle column by column.
	want := [][2]int{{0, 0}, {1, 0}, {2, 0}, {1, 1}, {2, 1}, {2, 2}}
	for k, w := range want {
		if c.ii[k] != w[0] || c.jj[k] != w[1] {
			t.Fatalf("entry %d is (%d,%d), want %v", k, c.ii[k], c.jj[k], w)
		}
	}
	x := []float64{1, 2, 3, 2, 4, 5, 3, 5, 6}
	v := make([]float64, 6)
	c.svec(v, x)
	r2 := math.Sqrt2
	exp := []float64{1, 2 * r2, 3 * r2, 4, 5 * r2, 6}
	if relDiff(v, exp) > 1e-15 {
		t.Fatalf("svec = %v, want %v", v, exp)
	}
	for _, n := range []int{2, 4, 5, 7, 8, 9} {
		if (Spec{Kind: KindPSD, Dim: n}).Check() == nil {
			t.Errorf("dimension %d accepted", n)
		}
	}
	for _, n := range []int{1, 3, 6, 10, 55} {
		if err := (Spec{Kind: KindPSD, Dim: n}).Check(); err != nil {
			t.Errorf("dimension %d: %v", n, err)
		}
	}
}

func TestPSDLinalg(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, d := range []int{1, 2, 3, 6} {
		a := make([]float64, d*d)
		for i := range a {
			a[i] = rng.NormFloat64()
		}
		// SVD.
		u, v, sig := append([]float64(nil), a...), make([]float64, d*d), make([]float64, d)
		svdJacobi(u, v, sig, make([]float64, d), d)
		us := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				us[i*d+j] = u[i*d+j] * sig[j]
			}
		}
		rec := make([]float64, d*d)
		matMul(rec, us, v, d, false, true)
		if e := relDiff(rec, a); e > 1e-13 {
			t.Errorf("d=%d: SVD reconstruction error %g", d, e)
		}
		// Eigen.
		s := make([]float64, d*d)
		matMul(s, a, a, d, false, true)
		q, w := make([]float64, d*d), make([]float64, d)
		sc := append([]float64(nil), s...)
		symEigen(sc, q, w, d)
		qw := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				qw[i*d+j] = q[i*d+j] * w[j]
			}
		}
		matMul(rec, qw, q, d, false, true)
		if e := relDiff(rec, s); e > 1e-13 {
			t.Errorf("d=%d: eigen reconstruction error %g", d, e)
		}
	}
}

func TestPSDScalingIdentities(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, d := range []int{1, 2, 3, 5} {
		for _, margin := range []float64{1, 1e-3, 1e-6} {
			c := NewPSD(d * (d + 1) / 2)
			n := c.n
			s := psdRandInterior(rng, c, margin, 2)
			z := psdRandInterior(rng, c, margin, 0.5)
			c.UpdateScaling(s, z)
			lam := make([]float64, n)
			c.identity(lam)
			for k := range lam {
				if c.ii[k] == c.jj[k] {
					lam[k] = c.lambda[c.ii[k]]
				}
			}
			// W z = svec(RᵀZR), W⁻ᵀ s = svec(R⁻¹SR⁻ᵀ).
			wz, wis := make([]float64, n), make([]float64, n)
			x, y, tmp := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
			c.smat(x, z)
			c.congruence(y, c.r, x, tmp, false)
			c.svec(wz, y)
			c.smat(x, s)
			c.congruence(y, c.rinv, x, tmp, true)
			c.svec(wis, y)
			scale := math.Max(1, vnorm(lam))
			if e := relDiff(wz, lam) / scale; e > 1e-9 {
				t.Errorf("d=%d margin=%g: Wz ≠ λ (%g)", d, margin, e)
			}
			if e := relDiff(wis, lam) / scale; e > 1e-9 {
				t.Errorf("d=%d margin=%g: W⁻ᵀs ≠ λ (%g)", d, margin, e)
			}
			// HBlock = WᵀW: HBlock·z = Wᵀλ = s... (Wᵀ W z = Wᵀ λ and W⁻ᵀ s = λ ⇒ Wᵀλ = s).
			h := make([]float64, n*n)
			c.HBlock(h)
			hz := make([]float64, n)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					hz[i] += h[i*n+j] * z[j]
				}
			}
			if e := relDiff(hz, s); e > 1e-8 {
				t.Errorf("d=%d margin=%g: Hz ≠ s (%g)", d, margin, e)
			}
			// Symmetry and QuadH.
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					if math.Abs(h[i*n+j]-h[j*n+i]) > 1e-12*math.Max(1, math.Abs(h[i*n+j])) {
						t.Fatalf("H not symmetric")
					}
				}
			}
			v := randVec(rng, n)
			var vhv float64
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					vhv += v[i] * h[i*n+j] * v[j]
				}
			}
			if q := c.QuadH(v); math.Abs(q-vhv) > 1e-8*math.Max(1, q) {
				t.Errorf("d=%d: QuadH %g vs vᵀHv %g", d, q, vhv)
			}
			// DsHat: λ∘(W⁻ᵀ(Wᵀ(λ\ds))) = ds, i.e. λ∘(λ\ds) = ds.
			ds := randVec(rng, n)
			out := make([]float64, n)
			c.DsHat(out, ds)
			// W⁻ᵀ out = λ\ds; check λ∘(W⁻ᵀ out) = ds.
			c.smat(x, out)
			c.congruence(y, c.rinv, x, tmp, true)
			wo := make([]float64, n)
			c.svec(wo, y)
			back := make([]float64, n)
			psdJordan(c, back, lam, wo)
			if e := relDiff(back, ds); e > 1e-8 {
				t.Errorf("d=%d margin=%g: DsHat inverse error %g", d, margin, e)
			}
			// LambdaSquare.
			ls, lsw := make([]float64, n), make([]float64, n)
			c.LambdaSquare(ls)
			psdJordan(c, lsw, lam, lam)
			if e := relDiff(ls, lsw); e > 1e-12 {
				t.Errorf("LambdaSquare error %g", e)
			}
		}
	}
}

func TestPSDCombinedShift(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	c := NewPSD(10)
	n, d := c.n, c.d
	s := psdRandInterior(rng, c, 0.5, 1)
	z := psdRandInterior(rng, c, 0.5, 1)
	c.UpdateScaling(s, z)
	dz, dsA := randVec(rng, n), randVec(rng, n)
	ds := make([]float64, n)
	c.CombinedShift(ds, dz, dsA, 0.3)
	x, y, tmp := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
	u, v := make([]float64, n), make([]float64, n)
	c.smat(x, dsA)
	c.congruence(y, c.rinv, x, tmp, true)
	c.svec(u, y)
	c.smat(x, dz)
	c.congruence(y, c.r, x, tmp, false)
	c.svec(v, y)
	want := make([]float64, n)
	psdJordan(c, want, u, v)
	e := make([]float64, n)
	c.identity(e)
	for k := range want {
		want[k] -= 0.3 * e[k]
	}
	if err := relDiff(ds, want); err > 1e-12 {
		t.Fatalf("CombinedShift error %g", err)
	}
}

func TestPSDStepLengthAndShift(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for trial := 0; trial < 50; trial++ {
		d := 1 + trial%4
		c := NewPSD(d * (d + 1) / 2)
		u := psdRandInterior(rng, c, 0.1, 1)
		du := randVec(rng, c.n)
		for k := range du {
			du[k] *= 3
		}
		a, _ := c.StepLength(du, du, u, u, 10)
		at := func(al float64) float64 {
			v := make([]float64, c.n)
			for k := range v {
				v[k] = u[k] + al*du[k]
			}
			return c.minEig(v)
		}
		if a < 10 {
			if m := at(a * (1 - 1e-9)); m < -1e-9 {
				t.Errorf("trial %d: inside point at %g has eigenvalue %g", trial, a, m)
			}
			if m := at(a * (1 + 1e-6)); m > 1e-12 {
				t.Errorf("trial %d: step %g is not maximal (eigenvalue %g after)", trial, a, m)
			}
		} else if m := at(10); m < 0 {
			t.Errorf("trial %d: full step leaves the cone", trial)
		}
	}
	// ShiftToCone lands in the interior; an interior point is left alone.
	c := NewPSD(6)
	v := randVec(rng, 6)
	c.ShiftToCone(v, false)
	if m := c.minEig(v); m < sqrtEps*0.99 {
		t.Fatalf("shifted point has eigenvalue %g", m)
	}
	s, z := make([]float64, 6), make([]float64, 6)
	c.UnitInit(s, z)
	w := append([]float64(nil), s...)
	c.ShiftToCone(w, true)
	if relDiff(w, s) != 0 {
		t.Fatalf("interior point moved")
	}
}

// psdProject returns svec(Π(smat(u))) (projection onto the PSD cone).
func psdProject(c *PSD, u []float64) []float64 {
	d := c.d
	x, q, w := make([]float64, d*d), make([]float64, d*d), make([]float64, d)
	c.smat(x, u)
	symEigen(x, q, w, d)
	p := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			var acc float64
			for k := 0; k < d; k++ {
				acc += q[i*d+k] * math.Max(w[k], 0) * q[j*d+k]
			}
			p[i*d+j] = acc
		}
	}
	out := make([]float64, c.n)
	c.svec(out, p)
	return out
}

// TestPSDProjectionH checks ds = −H dy against finite differences of the
// projection: for u on a path u + t du, y(t) = Π(u), s(t) = Π(u) − u, and
// the linearization must satisfy ds + H dy = 0.
func TestPSDProjectionH(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for trial := 0; trial < 20; trial++ {
		d := 2 + trial%3
		c := NewPSD(d * (d + 1) / 2)
		n := c.n
		// u with mixed-sign, well separated eigenvalues.
		g := make([]float64, d*d)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		x, q, w := make([]float64, d*d), make([]float64, d*d), make([]float64, d)
		matMul(x, g, g, d, false, true)
		symEigen(x, q, w, d)
		for k := 0; k < d; k++ {
			w[k] = float64(k) - float64(d)/2 + 0.3
		}
		um := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for k := 0; k < d; k++ {
					um[i*d+j] += q[i*d+k] * w[k] * q[j*d+k]
				}
			}
		}
		u := make([]float64, n)
		c.svec(u, um)
		y := psdProject(c, u)
		s := make([]float64, n)
		for k := range s {
			s[k] = y[k] - u[k]
		}
		h := make([]float64, n*n)
		c.ProjectionH(h, s, y)
		du := randVec(rng, n)
		const eps = 1e-6
		up, um2 := make([]float64, n), make([]float64, n)
		for k := range u {
			up[k] = u[k] + eps*du[k]
			um2[k] = u[k] - eps*du[k]
		}
		yp, ym := psdProject(c, up), psdProject(c, um2)
		dy, ds := make([]float64, n), make([]float64, n)
		for k := range dy {
			dy[k] = (yp[k] - ym[k]) / (2 * eps)
			ds[k] = dy[k] - du[k]
		}
		// H = DΠ(u)⁻¹ − I, so (I + H)⁻¹ du must be dy = DΠ(u) du.
		ih := append([]float64(nil), h...)
		for i := 0; i < n; i++ {
			ih[i*n+i]++
		}
		if !cholLower(ih, n) {
			t.Fatalf("trial %d: I + H not positive definite", trial)
		}
		sol := make([]float64, n*n)
		for i := 0; i < n; i++ {
			sol[i*n] = du[i]
		}
		solveLower(ih, sol, n)
		lt := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				lt[i*n+j] = ih[j*n+i]
			}
		}
		// Back substitution with Lᵀ (upper): reverse the index order.
		x0 := make([]float64, n)
		for i := n - 1; i >= 0; i-- {
			acc := sol[i*n]
			for j := i + 1; j < n; j++ {
				acc -= lt[i*n+j] * x0[j]
			}
			x0[i] = acc / lt[i*n+i]
		}
		if e := relDiff(x0, dy); e > 1e-6 {
			t.Errorf("trial %d: (I+H)⁻¹du vs DΠ du: %g", trial, e)
		}
	}
}

func TestPSDNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	c := NewPSD(10)
	s := psdRandInterior(rng, c, 0.5, 1)
	z := psdRandInterior(rng, c, 0.5, 1)
	dz, ds := randVec(rng, 10), randVec(rng, 10)
	h := make([]float64, 100)
	out := make([]float64, 10)
	allocs := testing.AllocsPerRun(20, func() {
		c.UpdateScaling(s, z)
		c.HBlock(h)
		c.HInvBlock(h)
		c.LambdaSquare(out)
		c.CombinedShift(out, dz, ds, 0.1)
		c.DsHat(out, ds)
		c.StepLength(dz, ds, z, s, 1)
		c.QuadH(dz)
		c.ProjectionH(h, s, z)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

// projectionHRef is the previous PSD ProjectionH (one rank-one update per
// eigenvector pair), the reference of TestPSDProjectionHGemm.
func (c *PSD) projectionHRef(h, s, y []float64) {
	d, n := c.d, c.n
	u := c.m1
	for k := range s {
		i, j := c.ii[k], c.jj[k]
		val := y[k] - s[k]
		if i == j {
			u[i*d+i] = val
		} else {
			val /= math.Sqrt2
			u[i*d+j], u[j*d+i] = val, val
		}
	}
	q, mu := c.m2, c.w1
	symEigen(u, q, mu, d)
	for i := range h {
		h[i] = 0
	}
	// Accumulate Σ h_pq v v ᵀ, v = svec(Q E_pq Qᵀ).
	for p := 0; p < d; p++ {
		for r := p; r < d; r++ {
			var bval float64
			mp, mr := mu[p], mu[r]
			switch {
			case mp > 0 && mr > 0:
				bval = 1
			case mp <= 0 && mr <= 0:
				bval = 0
			default:
				pos, neg := mp, mr
				if pos <= 0 {
					pos, neg = mr, mp
				}
				bval = pos / (pos - neg)
			}
			var hv float64
			if bval <= 0 {
				hv = psdDerivBig
			} else {
				hv = math.Min((1-bval)/bval, psdDerivBig)
			}
			if hv == 0 {
				continue
			}
			// v_k for svec entry k = (i, j): (Q E_pr Qᵀ)_ij times a_ij, with
			// E_pr = (e_p e_rᵀ + e_r e_pᵀ)/√2 (p ≠ r) or e_p e_pᵀ.
			v := make([]float64, n)
			for a := range v {
				v[a] = c.projVec(q, a, p, r)
			}
			for a, va := range v {
				if va == 0 {
					continue
				}
				f := hv * va
				row := h[a*n : a*n+n]
				for b, vb := range v {
					row[b] += f * vb
				}
			}
		}
	}
}

// ProjectionH by chunked GEMM equals the rank-one-update sum it replaced
// (to rounding relative to the block's largest entry, psdDerivBig), is
// exactly symmetric, for d from 1 to 14 (n up to 105: more eigenvector
// pairs than one GEMM chunk) and complementary pairs of every rank,
// including exactly zero eigenvalues: low ranks of y take the
// psdDerivBig·I base with a correction of the other pairs, high ranks the
// zero base. So does the H that NewtonPair writes from moreau's
// eigen-decomposition.
func TestPSDProjectionHGemm(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	for d := 1; d <= 14; d++ {
		n := d * (d + 1) / 2
		c := NewPSD(n)
		for rep := 0; rep < 6; rep++ {
			// u = y − s with rank(y) = r, −s the rest; one eigenvalue 0 on
			// odd reps.
			g := make([]float64, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j <= i; j++ {
					g[i*d+j] = rng.NormFloat64()
					g[j*d+i] = g[i*d+j]
				}
			}
			q, w := make([]float64, d*d), make([]float64, d)
			symEigen(g, q, w, d) // q: a random orthogonal matrix (columns)
			r := rng.Intn(d + 1)
			ev := make([]float64, d)
			for k := range ev {
				ev[k] = 0.2 + rng.Float64()
				if k >= r {
					ev[k] = -ev[k]
				}
			}
			if rep%2 == 1 {
				ev[rng.Intn(d)] = 0
			}
			y, s := make([]float64, n), make([]float64, n)
			yp, sp := make([]float64, d*d), make([]float64, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					for k := 0; k < d; k++ {
						v := q[i*d+k] * q[j*d+k]
						if ev[k] > 0 {
							yp[i*d+j] += ev[k] * v
						} else {
							sp[i*d+j] -= ev[k] * v
						}
					}
				}
			}
			c.svec(y, yp)
			c.svec(s, sp)
			got, want := make([]float64, n*n), make([]float64, n*n)
			c.ProjectionH(got, s, y)
			c.projectionHRef(want, s, y)
			// NewtonPair's H comes from moreau's eigen-decomposition of
			// s − y (moreauH), not from a second one of ŷ − ŝ.
			comp := NewComposite([]Spec{{Kind: KindPSD, Dim: n}})
			sh, yh, hp := make([]float64, n), make([]float64, n), make([]float64, comp.HLen())
			if !comp.NewtonPair(s, y, sh, yh, hp) || len(hp) != n*n {
				t.Fatalf("d=%d: NewtonPair refused a PSD block (H %d entries)", d, len(hp))
			}
			for name, h := range map[string][]float64{"ProjectionH": got, "NewtonPair": hp} {
				for a := 0; a < n; a++ {
					for b := 0; b < n; b++ {
						if h[a*n+b] != h[b*n+a] {
							t.Fatalf("d=%d %s: H not symmetric at (%d, %d)", d, name, a, b)
						}
						if math.Abs(h[a*n+b]-want[a*n+b]) > 64*machEps*psdDerivBig {
							t.Fatalf("d=%d rank %d %s: H[%d,%d] = %g, rank-one sum %g", d, r, name, a, b, h[a*n+b], want[a*n+b])
						}
					}
				}
			}
		}
	}
}

// HInvBlock is the inverse of HBlock: H⁻¹H = I at the NT scaling of random
// interior pairs (well centred and far from centred: margin 1e-6 puts the
// iterates near the boundary, where H spans many orders of magnitude) and
// at the identity scaling, and Composite.HInvBlock serves the PSD blocks
// of a mixed cone list (InverseHBlocks lists exactly those).
func TestPSDHInvBlock(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, d := range []int{1, 2, 5, 12} {
		c := NewPSD(d * (d + 1) / 2)
		n := c.Dim()
		h, hi, prod := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for trial := 0; trial < 6; trial++ {
			if trial == 0 {
				c.SetIdentityScaling()
			} else {
				margin := 0.5
				if trial%2 == 0 {
					margin = 1e-6
				}
				c.UpdateScaling(psdRandInterior(rng, c, margin, 1), psdRandInterior(rng, c, margin, 1))
			}
			c.HBlock(h)
			c.HInvBlock(hi)
			var hmax float64
			for _, v := range h {
				hmax = math.Max(hmax, math.Abs(v))
			}
			var himax float64
			for _, v := range hi {
				himax = math.Max(himax, math.Abs(v))
			}
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					var acc float64
					for k := 0; k < n; k++ {
						acc += hi[i*n+k] * h[k*n+j]
					}
					if i == j {
						acc--
					}
					prod[i*n+j] = acc
				}
			}
			// Rounding: ε times the condition number of H (at most
			// ‖H‖·‖H⁻¹‖ in max norm, times n).
			tol := 1e-13 * float64(n) * math.Max(1, hmax*himax)
			if e := relDiff(prod, make([]float64, n*n)); e > tol {
				t.Errorf("d=%d trial %d: ‖H⁻¹H − I‖ = %.1e (tol %.1e)", d, trial, e, tol)
			}
		}
	}
	comp := NewComposite([]Spec{{Kind: KindNonneg, Dim: 2}, {Kind: KindPSD, Dim: 3}, {Kind: KindSOC, Dim: 3}, {Kind: KindPSD, Dim: 6}})
	blocks, first, dims := comp.InverseHBlocks()
	if fmt.Sprint(blocks, first, dims) != "[1 3] [2 8] [3 6]" {
		t.Fatalf("InverseHBlocks = %v %v %v, want [1 3] [2 8] [3 6]", blocks, first, dims)
	}
	dst := make([]float64, 36)
	comp.HInvBlock(3, dst)
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(dst[i*6+j]-want) > 1e-15 {
				t.Fatalf("identity scaling: H⁻¹[%d,%d] = %g", i, j, dst[i*6+j])
			}
		}
	}
}

// skronRef is the former skron: the upper triangle of X ↦ MXM in svec
// coordinates entry by entry from the index tables, mirrored (each product
// rounded, as in skron, whatever the compiler fuses).
func (c *PSD) skronRef(dst, mm []float64) {
	d, n := c.d, c.n
	for p := 0; p < n; p++ {
		i, j := c.ii[p], c.jj[p]
		ap := 0.5 * c.sv[p]
		for q := p; q < n; q++ {
			k, l := c.ii[q], c.jj[q]
			h := ap * c.sv[q] * (float64(mm[i*d+k]*mm[j*d+l]) + float64(mm[i*d+l]*mm[j*d+k]))
			dst[p*n+q] = h
			dst[q*n+p] = h
		}
	}
}

// skron's row-wise fill equals the entry-by-entry reference bit for bit
// (and so is symmetric bit for bit) on random symmetric M, including the
// M = RRᵀ of an NT scaling, and HBlock applies X ↦ MXM: HBlock·svec(X) =
// svec(MXM) to rounding. At the identity scaling HBlock and HInvBlock are
// exactly the identity, and a later UpdateScaling leaves that shortcut.
func TestPSDSkron(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	for _, d := range []int{1, 2, 3, 7, 12} {
		c := NewPSD(d * (d + 1) / 2)
		n := c.Dim()
		got, want := make([]float64, n*n), make([]float64, n*n)
		mm, x, y, tmp := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
		for trial := 0; trial < 4; trial++ {
			for i := 0; i < d; i++ {
				for j := 0; j <= i; j++ {
					v := rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
					mm[i*d+j], mm[j*d+i] = v, v
				}
			}
			c.skron(got, mm)
			c.skronRef(want, mm)
			for k := range got {
				if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
					t.Fatalf("d=%d trial %d: skron[%d,%d] = %v, reference %v", d, trial, k/n, k%n, got[k], want[k])
				}
			}
		}
		// The identity scaling: exact identity blocks.
		c.SetIdentityScaling()
		for name, f := range map[string]func([]float64){"HBlock": c.HBlock, "HInvBlock": c.HInvBlock} {
			for k := range got {
				got[k] = math.NaN()
			}
			f(got)
			for k, v := range got {
				want := 0.0
				if k/n == k%n {
					want = 1
				}
				if v != want {
					t.Fatalf("d=%d identity scaling: %s[%d,%d] = %v", d, name, k/n, k%n, v)
				}
			}
		}
		// After UpdateScaling: HBlock is X ↦ MXM with M = RRᵀ.
		c.UpdateScaling(psdRandInterior(rng, c, 0.3, 1), psdRandInterior(rng, c, 0.3, 2))
		c.HBlock(got)
		matMul(mm, c.r, c.r, d, false, true)
		xv := psdRandInterior(rng, c, 0.1, 1)
		c.smat(x, xv)
		c.congruence(y, mm, x, tmp, false) // MᵀXM = MXM
		wantV, gotV := make([]float64, n), make([]float64, n)
		c.svec(wantV, y)
		for p := 0; p < n; p++ {
			for q := 0; q < n; q++ {
				gotV[p] += got[p*n+q] * xv[q]
			}
		}
		if e := relDiff(gotV, wantV); e > 1e-12 {
			t.Fatalf("d=%d: HBlock·svec(X) vs svec(MXM): %.1e", d, e)
		}
	}
}

// BenchmarkPSDSkron: one n×n block of the d = 12 PSD cone (n = 78).
func BenchmarkPSDSkron(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	c := NewPSD(78)
	c.UpdateScaling(psdRandInterior(rng, c, 0.3, 1), psdRandInterior(rng, c, 0.3, 1))
	dst := make([]float64, 78*78)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.HBlock(dst)
	}
}
