package kkt

import (
	"math"
	"math/rand"
	"testing"
)

// TestFmaxMatchesMathMax: fmax is math.Max bit for bit, signed zeros,
// infinities and NaNs included (refine's tolerances and returned residuals).
func TestFmaxMatchesMathMax(t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), 1, -1, 1e-300, math.Inf(1), math.Inf(-1), math.NaN(), 2.5}
	rng := rand.New(rand.NewSource(17))
	for i := 0; i < 200; i++ {
		special = append(special, rng.NormFloat64()*math.Exp(10*rng.NormFloat64()))
	}
	for _, a := range special {
		for _, b := range special {
			got, want := fmax(a, b), math.Max(a, b)
			if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("fmax(%v, %v) = %v, math.Max %v", a, b, got, want)
			}
		}
	}
}
