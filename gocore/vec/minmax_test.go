package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestMinMaxMatchMath: Max and Min are math.Max and math.Min bit for bit,
// signed zeros, infinities and NaNs included.
func TestMinMaxMatchMath(t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-300, math.Inf(1), math.Inf(-1), math.NaN(), 2.5}
	rng := rand.New(rand.NewSource(17))
	for i := 0; i < 200; i++ {
		special = append(special, rng.NormFloat64()*math.Exp(10*rng.NormFloat64()))
	}
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	for _, a := range special {
		for _, b := range special {
			if got, want := Max(a, b), math.Max(a, b); !same(got, want) {
				t.Fatalf("Max(%v, %v) = %v, math.Max %v", a, b, got, want)
			}
			if got, want := Min(a, b), math.Min(a, b); !same(got, want) {
				t.Fatalf("Min(%v, %v) = %v, math.Min %v", a, b, got, want)
			}
		}
	}
}
