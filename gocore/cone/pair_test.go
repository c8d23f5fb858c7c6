package cone

import (
	"math"
	"math/rand"
	"testing"
)

// NewtonPair maps a point near the complementarity set to a complementary
// pair (s ∈ K, y ∈ K*, sᵀy = 0) at a distance of the order of the
// perturbation, and leaves an exact pair where it is.
func TestNewtonPair(t *testing.T) {
	// Exact pairs per block: zero (s = 0), nonneg (one active, one
	// inactive row), SOC (both on the boundary), exp (active: s on the
	// boundary, y on its normal ray; inactive: y = 0).
	rho := -1.3
	er := math.Exp(rho)
	specs := []Spec{{Kind: KindZero, Dim: 2}, {Kind: KindNonneg, Dim: 2}, {Kind: KindSOC, Dim: 3},
		{Kind: KindExp, Dim: 3}, {Kind: KindExp, Dim: 3}, {Kind: KindPSD, Dim: 3}}
	s := []float64{0, 0, 0, 1.5, 1, 0.6, 0.8, 2 * rho, 2, 2 * er, 0.5, 1, 3, 1, 0, 0}
	y := []float64{0.7, -0.2, 2, 0, 1, -0.6, -0.8, -0.4 * er, 0.4 * (rho - 1) * er, 0.4, 0, 0, 0, 0, 0, 2}
	k := NewComposite(specs)
	m := len(s)
	sh, yh, hs := make([]float64, m), make([]float64, m), make([]float64, k.HLen())
	if !k.NewtonPair(s, y, sh, yh, hs) {
		t.Fatal("no pair for an exact complementary point")
	}
	for i := range s {
		if math.Abs(sh[i]-s[i]) > 1e-14 || math.Abs(yh[i]-y[i]) > 1e-14 {
			t.Fatalf("exact pair moved: row %d (%v, %v) -> (%v, %v)", i, s[i], y[i], sh[i], yh[i])
		}
	}
	rng := rand.New(rand.NewSource(1))
	for _, eps := range []float64{1e-4, 1e-7} {
		ps, py := make([]float64, m), make([]float64, m)
		for i := range s {
			ps[i] = s[i] + eps*rng.NormFloat64()
			py[i] = y[i] + eps*rng.NormFloat64()
		}
		if !k.NewtonPair(ps, py, sh, yh, hs) {
			t.Fatalf("eps %g: no pair", eps)
		}
		var dist float64
		for i := range s {
			dist = math.Max(dist, math.Max(math.Abs(sh[i]-s[i]), math.Abs(yh[i]-y[i])))
		}
		if dist > 20*eps {
			t.Errorf("eps %g: pair %.2e from the exact one", eps, dist)
		}
		for b := range k.cones {
			sb, yb := k.rows(sh, b), k.rows(yh, b)
			var sy float64
			for i := range sb {
				sy += sb[i] * yb[i]
			}
			if math.Abs(sy) > 1e-14 {
				t.Errorf("eps %g: block %d: sᵀy = %g", eps, b, sy)
			}
		}
		if v := k.Violation(sh, yh); v > 1e-14 {
			t.Errorf("eps %g: pair outside the cones by %g", eps, v)
		}
		for b, c := range k.cones {
			if _, ok := c.(*Exp); ok && !(expDualMargin([3]float64{yh[k.off[b]], yh[k.off[b]+1], yh[k.off[b]+2]}) > -1e-14) {
				t.Errorf("eps %g: exp block %d: y outside K*", eps, b)
			}
		}
	}
	// The flat face of the exponential cone has no trusted pair.
	e := NewComposite([]Spec{{Kind: KindExp, Dim: 3}})
	if e.NewtonPair([]float64{-1, 0, 1}, []float64{-0.5, 1, 0.1}, make([]float64, 3), make([]float64, 3), make([]float64, e.HLen())) {
		t.Error("pair on the flat face s₁ = 0")
	}
}

// The PSD pair is complementary to rounding relative to ‖ŝ‖‖ŷ‖ even when ŝ
// is much larger than ŷ (a 12×12 LMI: eigenvalues of s up to ~20, y of
// rank one and trace one). ŷ formed as ŝ − (s − y) carried ŝ's rounding
// into ŷ and left ŝᵀŷ ≈ 1e-12.
func TestPSDPairComplementarity(t *testing.T) {
	const d = 12
	n := d * (d + 1) / 2
	c := NewPSD(n)
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 20; trial++ {
		// A random orthogonal Q: the eigenvectors of a random symmetric matrix.
		a, q, w := make([]float64, d*d), make([]float64, d*d), make([]float64, d)
		for i := 0; i < d; i++ {
			for j := 0; j <= i; j++ {
				g := rng.NormFloat64()
				a[i*d+j], a[j*d+i] = g, g
			}
		}
		symEigen(a, q, w, d)
		sm, ym := make([]float64, d*d), make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for k := 1; k < d; k++ {
					sm[i*d+j] += q[i*d+k] * 2 * float64(k) * q[j*d+k]
				}
				ym[i*d+j] = q[i*d] * q[j*d]
			}
		}
		s, y := make([]float64, n), make([]float64, n)
		c.svec(s, sm)
		c.svec(y, ym)
		for i := range s {
			s[i] += 1e-9 * rng.NormFloat64()
			y[i] += 1e-9 * rng.NormFloat64()
		}
		sh, yh := make([]float64, n), make([]float64, n)
		c.moreau(s, y, sh, yh)
		if sy, r := pairProduct(sh, yh); r > 1e-15 {
			t.Errorf("trial %d: ŝᵀŷ = %.1e (relative %.1e)", trial, sy, r)
		}
	}
}

// TestSOCPairComplementarity: on the boundary of the second-order cone the
// pair's ŷ is Π_K(−v) in closed form, ½(‖x‖ − t)(1, −x/‖x‖), not ŝ − v:
// the difference carries ŝ's rounding (ε‖ŝ‖ per entry) into ŷ, so that
// ŝᵀŷ was ~ε‖ŝ‖² instead of ~ε‖ŝ‖‖ŷ‖ — the refined point's gap when the
// multiplier is small against s (here ‖ŷ‖ = 1e-6‖ŝ‖).
func TestSOCPairComplementarity(t *testing.T) {
	const d = 8
	rng := rand.New(rand.NewSource(4))
	for trial := 0; trial < 50; trial++ {
		u := make([]float64, d-1)
		var nu float64
		for i := range u {
			u[i] = rng.NormFloat64()
			nu += u[i] * u[i]
		}
		nu = math.Sqrt(nu)
		a, b := 1+30*rng.Float64(), 1e-6*(1+rng.Float64())
		s, y := make([]float64, d), make([]float64, d)
		s[0], y[0] = a, b
		for i := range u {
			s[i+1], y[i+1] = a*u[i]/nu, -b*u[i]/nu
		}
		for i := range s {
			s[i] += 1e-9 * rng.NormFloat64()
			y[i] += 1e-12 * rng.NormFloat64()
		}
		sh, yh := make([]float64, d), make([]float64, d)
		socMoreau(s, y, sh, yh)
		if sy, r := pairProduct(sh, yh); r > 1e-14 {
			t.Errorf("trial %d: ŝᵀŷ = %.1e (relative %.1e)", trial, sy, r)
		}
		// ŝ − ŷ is still v to rounding (Moreau).
		for i := range s {
			if e := math.Abs(sh[i] - yh[i] - (s[i] - y[i])); e > 1e-14*(1+math.Abs(s[i])) {
				t.Errorf("trial %d: (ŝ − ŷ − v)[%d] = %.1e", trial, i, e)
			}
		}
	}
}

// pairProduct returns ŝᵀŷ and |ŝᵀŷ| / (‖ŝ‖‖ŷ‖).
func pairProduct(sh, yh []float64) (sy, rel float64) {
	var ns, ny float64
	for i := range sh {
		sy += sh[i] * yh[i]
		ns += sh[i] * sh[i]
		ny += yh[i] * yh[i]
	}
	return sy, math.Abs(sy) / math.Sqrt(ns*ny)
}

// A PSD pair asked for again (the tangent refinement's next step at the
// point it moved onto C) reuses the decomposition it came from: the pair
// of (ŝ, ŷ) is (ŝ, ŷ) bit for bit, and its H is a fresh cone's to
// rounding; any other input, even one entry off, is decomposed afresh
// (bit for bit a fresh cone's pair and H).
func TestPSDPairReuse(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, d := range []int{1, 3, 6} {
		n := d * (d + 1) / 2
		c, fresh := NewPSD(n), NewPSD(n)
		hn := n * n
		s, y := make([]float64, n), make([]float64, n)
		sh, yh, sh2, yh2 := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		fs, fy := make([]float64, n), make([]float64, n)
		h, fh := make([]float64, hn), make([]float64, hn)
		for trial := 0; trial < 20; trial++ {
			for i := range s {
				s[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			c.moreau(s, y, sh, yh)
			// The pair of the pair: itself, with the H of a fresh
			// decomposition of ŝ − ŷ.
			c.moreau(sh, yh, sh2, yh2)
			c.moreauH(h)
			for i := range sh {
				if math.Float64bits(sh2[i]) != math.Float64bits(sh[i]) || math.Float64bits(yh2[i]) != math.Float64bits(yh[i]) {
					t.Fatalf("d=%d trial %d: the pair of (ŝ, ŷ) differs at %d", d, trial, i)
				}
			}
			fresh.moreau(sh, yh, fs, fy)
			fresh.moreauH(fh)
			if e := relDiff(h, fh); e > 1e-9 {
				t.Fatalf("d=%d trial %d: reused H vs fresh: %.1e", d, trial, e)
			}
			// One entry off: decomposed afresh.
			k := rng.Intn(n)
			sh[k] += 1e-3
			c.moreau(sh, yh, sh2, yh2)
			c.moreauH(h)
			fresh.moreau(sh, yh, fs, fy)
			fresh.moreauH(fh)
			for i := range sh2 {
				if math.Float64bits(sh2[i]) != math.Float64bits(fs[i]) || math.Float64bits(yh2[i]) != math.Float64bits(fy[i]) {
					t.Fatalf("d=%d trial %d: changed input: pair %d differs from a fresh cone's", d, trial, i)
				}
			}
			for i := range h {
				if math.Float64bits(h[i]) != math.Float64bits(fh[i]) {
					t.Fatalf("d=%d trial %d: changed input: H differs from a fresh cone's", d, trial)
				}
			}
		}
	}
}
