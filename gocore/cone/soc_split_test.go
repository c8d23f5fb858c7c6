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

// socProjectRef is the Euclidean projection onto Qᵈ in closed form,
// written here independently of the package: u = (t, x) with ‖x‖ ≤ t is
// kept, ‖x‖ ≤ −t maps to 0, else Π(u) = (t + ‖x‖)/2 · (1, x/‖x‖).
func socProjectRef(u []float64) []float64 {
	p := make([]float64, len(u))
	var nx float64
	for _, v := range u[1:] {
		nx += v * v
	}
	nx = math.Sqrt(nx)
	t := u[0]
	switch {
	case nx <= t:
		copy(p, u)
	case nx <= -t:
	default:
		a := (t + nx) / 2
		p[0] = a
		for i := 1; i < len(u); i++ {
			p[i] = a * u[i] / nx
		}
	}
	return p
}

// projectionJacobianFD is M = DΠ(u) (d×d, row-major) by central
// differences of socProjectRef.
func projectionJacobianFD(u []float64) []float64 {
	d := len(u)
	const h = 1e-6
	M := make([]float64, d*d)
	for c := 0; c < d; c++ {
		up, um := append([]float64(nil), u...), append([]float64(nil), u...)
		up[c] += h
		um[c] -= h
		pp, pm := socProjectRef(up), socProjectRef(um)
		for r := 0; r < d; r++ {
			M[r*d+c] = (pp[r] - pm[r]) / (2 * h)
		}
	}
	return M
}

// sqMul returns the d×d product ab (row-major).
func sqMul(a, b []float64, d int) []float64 {
	out := make([]float64, d*d)
	for r := 0; r < d; r++ {
		for k := 0; k < d; k++ {
			for c := 0; c < d; c++ {
				out[r*d+c] += a[r*d+k] * b[k*d+c]
			}
		}
	}
	return out
}

// The split of ProjectionH against the derivative of the projection,
// M = DΠ(u) at u = y − s by finite differences of the closed-form
// projection (independent of the code under test): ds = −H dy with
// dy = M du and ds = (M − I) du, so on the range of M (the complement of
// the infinite directions D, M D = 0) hfin·M = I − M − P_D with P_D the
// projector onto span D. On the boundary D is the one unit direction
// (1, −x̂)/√2 and hfin kills it; at the apex (s ~ μ, y interior) D is empty
// and H = 0 (fully active); inactive (y ~ μ, s interior) D is all of Rᵈ
// (the coordinate axes, M = 0). ProjectionH's H satisfies the same
// relation on the range of M, H·(I − P_D)M(I − P_D) = I − M − P_D, and
// H d = big·d on D, with the big of the table.
func TestSOCProjectionSplit(t *testing.T) {
	tests := []struct {
		kind string
		eps  float64
		nd   int // -1: d (the coordinate axes)
		big  float64
	}{
		{"boundary", 0, 1, socDerivBig},
		{"apex", 0, 0, 0},
		{"apex", 1e-9, 0, 0},
		{"inactive", 0, -1, derivBig},
		{"inactive", 1e-9, -1, derivBig},
	}
	rng := rand.New(rand.NewSource(5))
	for _, tc := range tests {
		for _, d := range []int{2, 3, 6} {
			name := fmt.Sprintf("%s eps=%g d=%d", tc.kind, tc.eps, d)
			c := NewSOC(d)
			s, y := socPair(rng, d, tc.kind, tc.eps)
			hfin, dir, h := make([]float64, d*d), make([]float64, d), make([]float64, d*d)
			k, big := c.projectionSplit(hfin, dir, s, y)
			c.ProjectionH(h, s, y)
			want := tc.nd
			if want < 0 {
				want = d
			}
			if k != want || big != tc.big && k > 0 {
				t.Errorf("%s: %d directions with big %g, want %d with %g", name, k, big, want, tc.big)
				continue
			}
			// P_D and the directions, as columns.
			pd := make([]float64, d*d)
			var dirs [][]float64
			switch {
			case k == d:
				for i := 0; i < d; i++ {
					pd[i*d+i] = 1
					e := make([]float64, d)
					e[i] = 1
					dirs = append(dirs, e)
				}
			case k == 1:
				if math.Abs(norm2(dir)-1) > 1e-15 {
					t.Errorf("%s: direction has norm %v", name, norm2(dir))
				}
				for r := 0; r < d; r++ {
					for q := 0; q < d; q++ {
						pd[r*d+q] = dir[r] * dir[q]
					}
				}
				dirs = append(dirs, dir)
			}
			u := make([]float64, d)
			for i := range u {
				u[i] = y[i] - s[i]
			}
			M := projectionJacobianFD(u)
			ip := make([]float64, d*d) // I − P_D
			want2 := make([]float64, d*d)
			for i := range want2 {
				ip[i] = -pd[i]
				want2[i] = -M[i] - pd[i]
			}
			for i := 0; i < d; i++ {
				ip[i*d+i]++
				want2[i*d+i]++
			}
			hm := sqMul(hfin, M, d)
			hmr := sqMul(h, sqMul(ip, sqMul(M, ip, d), d), d)
			for i := range want2 {
				if math.Abs(hm[i]-want2[i]) > 1e-7 {
					t.Errorf("%s: (hfin·M)[%d] = %v, want (I − M − P_D)[%d] = %v", name, i, hm[i], i, want2[i])
				}
				if math.Abs(hmr[i]-want2[i]) > 1e-6 {
					t.Errorf("%s: (H·M on range M)[%d] = %v, want %v", name, i, hmr[i], want2[i])
				}
			}
			for j, e := range dirs {
				me, he, hfe := make([]float64, d), make([]float64, d), make([]float64, d)
				for r := 0; r < d; r++ {
					for q := 0; q < d; q++ {
						me[r] += M[r*d+q] * e[q]
						he[r] += h[r*d+q] * e[q]
						hfe[r] += hfin[r*d+q] * e[q]
					}
				}
				if norm2(me) > 1e-8 {
					t.Errorf("%s: ‖M·d%d‖ = %g, want 0 (an infinite direction of H)", name, j, norm2(me))
				}
				if norm2(hfe) > 1e-14 {
					t.Errorf("%s: ‖hfin·d%d‖ = %g, want 0", name, j, norm2(hfe))
				}
				for r := range he {
					if math.Abs(he[r]-big*e[r]) > 1e-14*big {
						t.Errorf("%s: (H·d%d)[%d] = %v, want big·d = %v", name, j, r, he[r], big*e[r])
					}
				}
			}
		}
	}
}

// Composite.SplitBlocks lists the second-order blocks (nil without one),
// Block their rows, and ProjectionSplitBlock is the block's split at its
// rows of (s, y).
func TestCompositeProjectionSplit(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	if sb := NewComposite([]Spec{{Kind: KindZero, Dim: 2}, {Kind: KindNonneg, Dim: 3}, {Kind: KindPSD, Dim: 6}}).SplitBlocks(); sb != nil {
		t.Errorf("no second-order block: SplitBlocks = %v, want nil", sb)
	}
	specs := []Spec{{Kind: KindZero, Dim: 2}, {Kind: KindSOC, Dim: 4}, {Kind: KindNonneg, Dim: 3}, {Kind: KindSOC, Dim: 3}}
	k := NewComposite(specs)
	if sb := k.SplitBlocks(); len(sb) != 2 || sb[0] != 1 || sb[1] != 3 {
		t.Fatalf("SplitBlocks = %v, want [1 3]", sb)
	}
	for b, want := range [][2]int{{0, 2}, {2, 4}, {6, 3}, {9, 3}} {
		if first, dim := k.Block(b); first != want[0] || dim != want[1] {
			t.Errorf("Block(%d) = %d, %d, want %d, %d", b, first, dim, want[0], want[1])
		}
	}
	for _, kinds := range [][2]string{{"boundary", "apex"}, {"apex", "inactive"}, {"inactive", "boundary"}} {
		s, y := make([]float64, k.Dim()), make([]float64, k.Dim())
		for i := 6; i < 9; i++ {
			s[i], y[i] = rng.Float64(), rng.Float64()
		}
		for j, b := range k.SplitBlocks() {
			first, dim := k.Block(b)
			sb, yb := socPair(rng, dim, kinds[j], 0)
			copy(s[first:], sb)
			copy(y[first:], yb)
			hfin, dir := make([]float64, dim*dim), make([]float64, dim)
			nd, big := k.ProjectionSplitBlock(b, hfin, dir, s, y)
			wantH, wantDir := make([]float64, dim*dim), make([]float64, dim)
			wnd, wbig := socProjectionSplit(wantH, wantDir, sb, yb)
			if nd != wnd || big != wbig {
				t.Errorf("%v block %d: %d directions, big %g; want %d, %g", kinds, b, nd, big, wnd, wbig)
			}
			if wantN := map[string]int{"boundary": 1, "apex": 0, "inactive": dim}[kinds[j]]; nd != wantN {
				t.Errorf("%v block %d: %d directions, want %d", kinds, b, nd, wantN)
			}
			for i := range hfin {
				if hfin[i] != wantH[i] {
					t.Errorf("%v block %d: hfin[%d] = %v, want %v", kinds, b, i, hfin[i], wantH[i])
				}
			}
			if nd == 1 {
				for i := range dir {
					if dir[i] != wantDir[i] {
						t.Errorf("%v block %d: dir[%d] = %v, want %v", kinds, b, i, dir[i], wantDir[i])
					}
				}
			}
		}
	}
}
