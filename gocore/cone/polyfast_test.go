package cone

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestPolyFastMatchesBlocks: on cone lists of zero and nonnegative cones
// only (Composite.pp), UpdateScaling, ScalingH, Complementarity,
// LambdaSquare, CombinedShift and DsHat write bit for bit what the blocks'
// own methods write (noPolyFast), scaling state included, on seeded random
// lists (empty blocks, one block, alternating kinds) and vectors with
// zeros, −0, negative entries (NaN scalings) and ±Inf; a list with another
// cone has no polyBlocks.
func TestPolyFastMatchesBlocks(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	vals := func(m int) []float64 {
		v := make([]float64, m)
		for i := range v {
			switch rng.Intn(12) {
			case 0:
				v[i] = 0
			case 1:
				v[i] = math.Copysign(0, -1)
			case 2:
				v[i] = -rng.ExpFloat64()
			case 3:
				v[i] = math.Inf(1 - 2*rng.Intn(2))
			default:
				v[i] = rng.ExpFloat64() * math.Pow(10, float64(rng.Intn(9)-4))
			}
		}
		return v
	}
	same := func(t *testing.T, what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	for trial := 0; trial < 300; trial++ {
		var specs []Spec
		for b := rng.Intn(5); b >= 0; b-- {
			kind := KindZero
			if rng.Intn(2) == 0 {
				kind = KindNonneg
			}
			specs = append(specs, Spec{Kind: kind, Dim: rng.Intn(7)})
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			fast, slow := NewComposite(specs), NewComposite(specs)
			m := fast.Dim()
			if (fast.pp != nil) != (len(fast.cones) > 0) {
				t.Fatalf("polyBlocks %v for %d blocks", fast.pp != nil, len(fast.cones))
			}
			run := func(k *Composite, plain bool, s, z, ds, dz, dsA []float64, sm float64) (h, lam, hat, cs []float64, sz float64) {
				noPolyFast = plain
				defer func() { noPolyFast = false }()
				k.UpdateScaling(s, z)
				h, lam, hat = vals(m), vals(m), vals(m)
				cs = append([]float64(nil), ds...)
				k.ScalingH(h)
				k.LambdaSquare(lam)
				k.DsHat(hat, ds)
				k.CombinedShift(cs, dz, dsA, sm)
				return h, lam, hat, cs, k.Complementarity(s, z)
			}
			for rep := 0; rep < 3; rep++ {
				s, z, ds, dz, dsA := vals(m), vals(m), vals(m), vals(m), vals(m)
				sm := rng.NormFloat64()
				h1, l1, d1, c1, sz1 := run(fast, false, s, z, ds, dz, dsA, sm)
				h2, l2, d2, c2, sz2 := run(slow, true, s, z, ds, dz, dsA, sm)
				same(t, "ScalingH", h1, h2)
				same(t, "LambdaSquare", l1, l2)
				same(t, "DsHat", d1, d2)
				same(t, "CombinedShift", c1, c2)
				if math.Float64bits(sz1) != math.Float64bits(sz2) {
					t.Fatalf("Complementarity %v, want %v", sz1, sz2)
				}
				for b, c := range fast.cones {
					if nn, ok := c.(*Nonneg); ok {
						ref := slow.cones[b].(*Nonneg)
						same(t, "w", nn.w, ref.w)
						same(t, "lambda", nn.lambda, ref.lambda)
					}
				}
			}
		})
	}
	for _, specs := range [][]Spec{
		{{Kind: KindZero, Dim: 2}, {Kind: KindSOC, Dim: 3}},
		{{Kind: KindNonneg, Dim: 2}, {Kind: KindExp, Dim: 3}},
	} {
		if NewComposite(specs).pp != nil {
			t.Fatalf("%v: polyBlocks for a list with another cone", specs)
		}
	}
}
