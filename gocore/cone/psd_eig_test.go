package cone

import (
	"math"
	"math/rand"
	"testing"
)

// TestTridiagMinEig checks the step length's smallest eigenvalue
// (Householder tridiagonalization + Sturm bisection) against the Jacobi
// eigenvalues on random symmetric matrices, low-rank ones with repeated
// zero eigenvalues and diagonal ones, for floors above, between and below
// the spectrum.
func TestTridiagMinEig(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, d := range []int{1, 2, 3, 5, 10, 16} {
		for trial := 0; trial < 20; trial++ {
			a := make([]float64, d*d)
			switch trial % 3 {
			case 0: // dense
				for i := 0; i < d; i++ {
					for j := 0; j <= i; j++ {
						v := rng.NormFloat64() * math.Pow(10, float64(rng.Intn(5)-2))
						a[i*d+j], a[j*d+i] = v, v
					}
				}
			case 1: // rank one: eigenvalue 0 with multiplicity d − 1
				u := make([]float64, d)
				for i := range u {
					u[i] = rng.NormFloat64()
				}
				sign := 1.0
				if rng.Intn(2) == 0 {
					sign = -1
				}
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						a[i*d+j] = sign * u[i] * u[j]
					}
				}
			default: // diagonal
				for i := 0; i < d; i++ {
					a[i*d+i] = rng.NormFloat64()
				}
			}
			b := append([]float64(nil), a...)
			q, w := make([]float64, d*d), make([]float64, d)
			symEigen(b, q, w, d)
			want, scale := math.Inf(1), 0.0
			for _, e := range w {
				want = math.Min(want, e)
				scale = math.Max(scale, math.Abs(e))
			}
			for _, floor := range []float64{want - 1, want + 1e-3*(1+scale), 0, -1e-3} {
				c := append([]float64(nil), a...)
				diag, off := make([]float64, d), make([]float64, d)
				tridiagonalize(c, diag, off, d)
				got := tridiagMinEig(diag, off[:max(d-1, 0)], floor)
				exp := math.Min(want, floor)
				if want >= floor {
					exp = floor
				}
				if math.Abs(got-exp) > 1e-12*math.Max(1, scale) {
					t.Errorf("d=%d trial %d floor %g: got %.17g, want %.17g (λ %v)", d, trial, floor, got, exp, w)
				}
			}
		}
	}
}
