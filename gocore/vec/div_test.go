package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestDivSubDiv: Div and SubDiv with the assembly on and off (setAsm)
// give the scalar loops' results bit for bit — in place and into another
// slice, at every length around the eight- and four-entry steps, with
// zeros of both signs, infinities, NaNs and subnormals among the values —
// and leave the entries past len(dst) (len(y)) alone.
func TestDivSubDiv(t *testing.T) {
	defer setAsm(true)()
	rng := rand.New(rand.NewSource(29))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, math.MaxFloat64}
	vals := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
			if rng.Intn(6) == 0 {
				v[i] = special[rng.Intn(len(special))]
			}
		}
		return v
	}
	same := func(what string, n int, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("%s n=%d: [%d] = %v, scalar loop %v", what, n, i, got[i], want[i])
			}
		}
	}
	for n := 0; n < 40; n++ {
		a, d, g, y := vals(n+2), vals(n+2), vals(n+2), vals(n+2)
		want := append([]float64(nil), a...)
		for k := 0; k < n; k++ {
			want[k] = a[k] / d[k]
		}
		wantY := append([]float64(nil), y...)
		for k := 0; k < n; k++ {
			wantY[k] -= g[k] / d[k]
		}
		for _, on := range []bool{true, false} {
			setAsm(on)
			dst := vals(n + 2)
			copy(dst[n:], a[n:])
			Div(dst[:n], a, d)
			same("Div", n, dst, want)
			in := append([]float64(nil), a...)
			Div(in[:n], in, d)
			same("Div in place", n, in, want)
			yy := append([]float64(nil), y...)
			SubDiv(yy[:n], g, d)
			same("SubDiv", n, yy, wantY)
		}
	}
}
