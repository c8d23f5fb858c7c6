package kkt

import (
	"math"
	"math/rand"
	"testing"
)

// TestFinite: finite (a branch-free sum of x − x) is false exactly when an
// entry is NaN or ±Inf, wherever it sits, and true for the largest and
// smallest finite values.
func TestFinite(t *testing.T) {
	cases := []struct {
		name string
		v    []float64
		want bool
	}{
		{"empty", nil, true},
		{"zeros", []float64{0, math.Copysign(0, -1)}, true},
		{"extremes", []float64{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-310}, true},
		{"nan", []float64{1, math.NaN(), 2}, false},
		{"+inf", []float64{math.Inf(1)}, false},
		{"-inf", []float64{3, 4, math.Inf(-1)}, false},
		{"inf and -inf", []float64{math.Inf(1), math.Inf(-1)}, false},
	}
	for _, c := range cases {
		if got := finite(c.v); got != c.want {
			t.Errorf("%s: finite = %v, want %v", c.name, got, c.want)
		}
	}
	rng := rand.New(rand.NewSource(3))
	for k := 0; k < 200; k++ {
		v := make([]float64, 1+rng.Intn(40))
		for i := range v {
			v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(600)-300))
		}
		want := true
		if k%2 == 1 {
			v[rng.Intn(len(v))] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[k%3]
			want = false
		}
		if got := finite(v); got != want {
			t.Fatalf("#%d: finite = %v, want %v (%v)", k, got, want, v)
		}
	}
}
