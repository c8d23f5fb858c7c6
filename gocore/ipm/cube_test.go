package ipm

import (
	"math"
	"math/rand"
	"testing"
)

// TestCubeMatchesPow: cube is math.Pow(x, 3) bit for bit — on special
// values, at and around the bounds of its product path (2^±340), on
// values whose cube is subnormal or overflows (Pow's path), and on
// seeded random values of every exponent and of the step's range [0, 1].
func TestCubeMatchesPow(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		if got, want := cube(x), math.Pow(x, 3); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("cube(%v) = %v (%#x), math.Pow = %v (%#x)", x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 2, 3, 1 - 1e-16, math.NaN(),
		math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022,
		0x1p-340, 0x1p340, 0x1p-341, 0x1p341, math.Nextafter(0x1p-340, 0), math.Nextafter(0x1p340, math.Inf(1)),
		1e-103, 2.8e-103, 3e-103, 5.6e102, 5.7e102, -1e-103, 1e-300} {
		check(x)
		check(-x)
	}
	rng := rand.New(rand.NewSource(31))
	for i := 0; i < 200000; i++ {
		// Every exponent: random bits (NaNs included).
		check(math.Float64frombits(rng.Uint64()))
		// The centering's range: 1 − α for α in [0, 1].
		check(1 - rng.Float64())
		// Near the bounds, where x³ is about the smallest normal.
		check(math.Ldexp(0.5+rng.Float64()/2, -345+rng.Intn(12)))
	}
}
