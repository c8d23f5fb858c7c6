package vec

import (
	"math"
	"math/rand"
	"testing"
)

// Dot4x4 agrees with the generic Go tile (and with plain dot products) on
// every length up to 70 — the 8-wide AVX-512 body, the 4-wide AVX2 body
// and odd tails — at strides larger than the length and unaligned offsets.
func TestDot4x4MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 70; n++ {
		for _, pad := range []int{0, 1, 5} {
			for off := 0; off < 2; off++ {
				lda, ldb := n+pad, n+2*pad+1
				a := make([]float64, off+3*lda+n)
				b := make([]float64, off+3*ldb+n)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				var got, want [16]float64
				Dot4x4(a[off:], lda, b[off:], ldb, n, &got)
				dot4x4Generic(a[off:], lda, b[off:], ldb, n, &want)
				for idx := range got {
					r, c := idx/4, idx%4
					d := dotGeneric(a[off+r*lda:off+r*lda+n], b[off+c*ldb:off+c*ldb+n])
					scale := 1 + math.Abs(want[idx])
					if math.Abs(got[idx]-want[idx]) > 1e-12*scale || math.Abs(d-want[idx]) > 1e-12*scale {
						t.Fatalf("n=%d pad=%d off=%d (%d,%d): got %v generic %v dot %v", n, pad, off, r, c, got[idx], want[idx], d)
					}
				}
			}
		}
	}
}

func TestDot4x4PanicsOnShortOperands(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for short operand")
		}
	}()
	var out [16]float64
	Dot4x4(make([]float64, 10), 3, make([]float64, 12), 3, 3, &out)
}

// BenchmarkDot4x4 reports the tile kernel's rate (2·16·n flops a call).
func BenchmarkDot4x4(b *testing.B) {
	for _, n := range []int{64, 256, 1000} {
		a := make([]float64, 4*n)
		c := make([]float64, 4*n)
		for i := range a {
			a[i], c[i] = float64(i%7), float64(i%5)
		}
		var out [16]float64
		b.Run(itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Dot4x4(a, n, c, n, n, &out)
			}
			b.ReportMetric(32*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFlop/s")
		})
	}
}

func itoa(n int) string {
	s := ""
	for n >= 10 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return string(rune('0'+n)) + s
}
