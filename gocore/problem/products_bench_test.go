package problem

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
)

// BenchmarkProducts times MulP, MulA and MulAT on dense data at the BPQP
// study's shapes (n variables, m = 2k rows).
func BenchmarkProducts(b *testing.B) {
	for _, sz := range [][2]int{{10, 10}, {50, 20}, {100, 40}} {
		n, m := sz[0], sz[1]
		s, err := NewDense(n, m, []cone.Spec{{Kind: cone.KindNonneg, Dim: m}}, true)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewSource(1))
		fill := func(k int) []float64 {
			v := make([]float64, k)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			return v
		}
		pv, av, xn, xm, yn, ym := fill(s.P.Nnz()), fill(s.A.Nnz()), fill(n), fill(m), fill(n), fill(m)
		b.Run(fmt.Sprintf("MulP/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.MulP(yn, pv, xn, 1)
			}
		})
		b.Run(fmt.Sprintf("MulA/%dx%d", m, n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.MulA(ym, av, xn, 1)
			}
		})
		b.Run(fmt.Sprintf("MulAT/%dx%d", m, n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.MulAT(yn, av, xm, 1)
			}
		})
	}
}
