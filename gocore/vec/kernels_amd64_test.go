package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestDot4TailOrder (amd64: elsewhere Dot4 is four plain dot products,
// with no vector part): Dot4's tail (n mod 4 terms past the vector part) adds
// each term into its sum in order, bit for bit as adding into out term by
// term does (the vector part of the reference is Dot4 on the first n&^3
// terms, which has no tail).
func TestDot4TailOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	for n := 0; n < 23; n++ {
		var w [4][]float64
		for r := range w {
			w[r] = make([]float64, n)
			for i := range w[r] {
				w[r][i] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
			}
		}
		l := make([]float64, n)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		var got, want [4]float64
		Dot4(w[0], w[1], w[2], w[3], l, n, &got)
		k := n &^ 3
		Dot4(w[0], w[1], w[2], w[3], l, k, &want)
		for ; k < n; k++ {
			for r := range want {
				want[r] += float64(w[r][k] * l[k]) // rounded, even where a*b+c fuses
			}
		}
		if got != want {
			t.Fatalf("n=%d: %v, want %v", n, got, want)
		}
	}
}
