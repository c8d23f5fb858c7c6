package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestTransposeRows8: TransposeRows8 (assembly where the CPU has it, and
// its Go loop) writes every entry of the eight rows' transpose bit for bit
// and nothing else of dst, at widths around the four-column blocks, and
// its sum is finite exactly when the entries are (NaN, ±Inf, −0 among
// them). A block transposed wrongly, a skipped tail column or a row left
// out of the sum fails it.
func TestTransposeRows8(t *testing.T) {
	rng := rand.New(rand.NewSource(71))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}
	for trial := 0; trial < 200; trial++ {
		cols := 1 + rng.Intn(23)
		ld := 8 + rng.Intn(6)
		src := make([]float64, 8*cols+rng.Intn(3))
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		fin := true
		if trial%2 == 1 {
			k := rng.Intn(8 * cols)
			src[k] = special[rng.Intn(len(special))]
			fin = src[k]-src[k] == 0
		}
		for _, asm := range []bool{true, false} {
			dst := make([]float64, (cols-1)*ld+8+rng.Intn(3))
			for i := range dst {
				dst[i] = -7
			}
			var sum [4]float64
			keep := transposeAsm
			transposeAsm = asm && keep
			TransposeRows8(&sum, dst, ld, src, cols)
			transposeAsm = keep
			for i, g := range dst {
				j, r := i/ld, i%ld
				w := -7.0
				if r < 8 && j < cols {
					w = src[r*cols+j]
				}
				if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Fatalf("trial %d (asm %v) cols=%d ld=%d: dst[%d] = %v, want %v", trial, asm, cols, ld, i, g, w)
				}
			}
			tot := (sum[0] + sum[1]) + (sum[2] + sum[3])
			if (tot-tot == 0) != fin {
				t.Fatalf("trial %d (asm %v): sum %v, entries finite %v", trial, asm, tot, fin)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		dst, src []float64
		ld, cols int
	}{
		{"short src", make([]float64, 8), make([]float64, 7), 8, 1},
		{"short dst", make([]float64, 15), make([]float64, 16), 8, 2},
		{"ld < 8", make([]float64, 64), make([]float64, 16), 7, 2},
		{"wrapping cols", make([]float64, 64), make([]float64, 64), 8, math.MaxInt / 4},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			var sum [4]float64
			TransposeRows8(&sum, tc.dst, tc.ld, tc.src, tc.cols)
		}()
	}
}
