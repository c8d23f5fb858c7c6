package cone

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// socPair returns a complementary pair of Qᵈ: on the boundary
// (s = a(1, û), y = b(1, −û)), at the apex (s = 0, y interior with margin
// y₀/2, s perturbed by eps) or inactive (y = 0 perturbed by eps, s
// interior).
func socPair(rng *rand.Rand, d int, kind string, eps float64) (s, y []float64) {
	u := make([]float64, d-1)
	for i := range u {
		u[i] = rng.NormFloat64()
	}
	nu := norm2(u)
	s, y = make([]float64, d), make([]float64, d)
	a, b := 0.5+rng.Float64(), 0.5+rng.Float64()
	switch kind {
	case "boundary":
		s[0], y[0] = a, b
		for i := 1; i < d; i++ {
			s[i], y[i] = a*u[i-1]/nu, -b*u[i-1]/nu
		}
	case "apex":
		y[0] = b
		for i := 1; i < d; i++ {
			y[i] = 0.5 * b * u[i-1] / nu
		}
		for i := range s {
			s[i] = eps * rng.NormFloat64()
		}
	case "inactive":
		s[0] = a
		for i := 1; i < d; i++ {
			s[i] = 0.5 * a * u[i-1] / nu
		}
		for i := range y {
			y[i] = eps * rng.NormFloat64()
		}
	}
	return s, y
}

// ProjectionSplit is ProjectionH in parts: H = hfin + big·Σ ddᵀ to
// rounding; on the boundary one unit direction d ∝ (1, ŝ) with hfin d = 0
// and hfin (1, −ŝ) = 0 (the equality ds ⊥ y left exact), big socDerivBig;
// at the apex (s ~ μ, y interior) none and H = 0 (fully active); inactive
// (y ~ μ, s interior) the d coordinate axes with derivBig and hfin = 0.
func TestSOCProjectionSplit(t *testing.T) {
	tests := []struct {
		kind  string
		eps   float64
		nd    int
		big   float64
		hzero bool
	}{
		{"boundary", 0, 1, socDerivBig, false},
		{"apex", 0, 0, 0, true},
		{"apex", 1e-9, 0, 0, true},
		{"inactive", 0, -1, derivBig, true},
		{"inactive", 1e-9, -1, derivBig, true},
	}
	rng := rand.New(rand.NewSource(5))
	for _, tc := range tests {
		for _, d := range []int{2, 3, 6} {
			name := fmt.Sprintf("%s eps=%g d=%d", tc.kind, tc.eps, d)
			c := NewSOC(d)
			s, y := socPair(rng, d, tc.kind, tc.eps)
			hfin, dirs, h := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
			k, big := c.ProjectionSplit(hfin, dirs, s, y)
			c.ProjectionH(h, s, y)
			want := tc.nd
			if want < 0 {
				want = d
			}
			if k != want || big != tc.big && k > 0 {
				t.Errorf("%s: %d directions with big %g, want %d with %g", name, k, big, want, tc.big)
				continue
			}
			recon := append([]float64(nil), hfin...)
			for j := 0; j < k; j++ {
				dj := dirs[j*d : j*d+d]
				if math.Abs(norm2(dj)-1) > 1e-15 {
					t.Errorf("%s: direction %d has norm %v", name, j, norm2(dj))
				}
				for r := 0; r < d; r++ {
					for q := 0; q < d; q++ {
						recon[r*d+q] += big * dj[r] * dj[q]
					}
				}
			}
			for i := range h {
				if math.Abs(recon[i]-h[i]) > 1e-15*math.Max(1, math.Abs(h[i])) {
					t.Errorf("%s: H[%d] = %v, hfin + big·ddᵀ = %v", name, i, h[i], recon[i])
				}
			}
			if tc.hzero {
				for i, v := range hfin {
					if v != 0 {
						t.Errorf("%s: hfin[%d] = %v, want 0", name, i, v)
					}
				}
			}
			if tc.kind == "boundary" {
				// hfin kills both (1, ±ŝ) (the normal and the ray).
				for _, sg := range []float64{1, -1} {
					v := make([]float64, d)
					v[0] = s[0]
					for i := 1; i < d; i++ {
						v[i] = sg * s[i]
					}
					out := make([]float64, d)
					for r := 0; r < d; r++ {
						for q := 0; q < d; q++ {
							out[r] += hfin[r*d+q] * v[q]
						}
					}
					if norm2(out) > 1e-14*norm2(v) {
						t.Errorf("%s: ‖hfin·(s₀, %g·s̄)‖ = %g", name, sg, norm2(out))
					}
				}
			}
		}
	}
}

// Composite.ProjectionSplit: the second-order blocks split, every other
// block's H is its ProjectionH, nd and big per block, and the report says
// whether some block has a direction.
func TestCompositeProjectionSplit(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	specs := []Spec{{Kind: KindZero, Dim: 2}, {Kind: KindNonneg, Dim: 3}, {Kind: KindSOC, Dim: 4}, {Kind: KindSOC, Dim: 3}}
	k := NewComposite(specs)
	for _, kinds := range [][2]string{{"boundary", "apex"}, {"apex", "apex"}, {"apex", "inactive"}} {
		s, y := make([]float64, k.Dim()), make([]float64, k.Dim())
		for i := 2; i < 5; i++ {
			s[i], y[i] = rng.Float64(), rng.Float64()
		}
		s1, y1 := socPair(rng, 4, kinds[0], 0)
		s2, y2 := socPair(rng, 3, kinds[1], 0)
		copy(s[5:], s1)
		copy(y[5:], y1)
		copy(s[9:], s2)
		copy(y[9:], y2)
		hfin, dirs, h := make([]float64, k.HLen()), make([]float64, k.HLen()), make([]float64, k.HLen())
		nd, big := make([]int, k.Blocks()), make([]float64, k.Blocks())
		found := k.ProjectionSplit(hfin, dirs, nd, big, s, y)
		k.ProjectionH(h, s, y)
		for b := 0; b < 2; b++ {
			_, dim, hf := k.Block(b)
			for i := hf; i < hf+dim; i++ {
				if hfin[i] != h[i] || nd[b] != 0 {
					t.Errorf("%v: polyhedral block %d: hfin %v, H %v, nd %d", kinds, b, hfin[i], h[i], nd[b])
				}
			}
		}
		for j, kind := range kinds {
			_, dim, _ := k.Block(2 + j)
			want := map[string]int{"boundary": 1, "apex": 0, "inactive": dim}[kind]
			if nd[2+j] != want {
				t.Errorf("%v: block %d has %d directions, want %d", kinds, 2+j, nd[2+j], want)
			}
		}
		if want := nd[2]+nd[3] > 0; found != want {
			t.Errorf("%v: reported %v, want %v", kinds, found, want)
		}
		if first, dim, _ := k.Block(3); first != 9 || dim != 3 {
			t.Errorf("Block(3) = %d, %d", first, dim)
		}
	}
}
