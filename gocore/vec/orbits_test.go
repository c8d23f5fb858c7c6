package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestOrBits checks OrBits (the assembly pass where the CPU has it, and the
// Go loop with it switched off) against the or of math.Float64bits entry by
// entry, at every length to 70 and at every offset of a slice into a
// larger one (unaligned starts), on +0 runs with one entry set — ±0, a
// subnormal, NaN, ±Inf or a normal value, at each position — and on
// random values. A pass that skipped the tail, a step's last lane or an
// accumulator fails it.
func TestOrBits(t *testing.T) {
	orBitsCPU := orBitsAsm
	rng := rand.New(rand.NewSource(29))
	special := []float64{math.Copysign(0, -1), 5e-324, math.NaN(), math.Inf(1), math.Inf(-1), 1, -3.5e300}
	want := func(v []float64) uint64 {
		var a uint64
		for _, x := range v {
			a |= math.Float64bits(x)
		}
		return a
	}
	for _, asm := range []bool{true, false} {
		orBitsAsm = asm && orBitsCPU
		buf := make([]float64, 80)
		for off := 0; off < 4; off++ {
			for n := 0; n <= 70; n++ {
				v := buf[off : off+n]
				clear(buf)
				if got := OrBits(v); got != 0 {
					t.Fatalf("asm %v n=%d off=%d: zeros give %#x", asm, n, off, got)
				}
				for p := 0; p < n; p++ {
					for _, s := range special {
						clear(buf)
						buf[off+p] = s
						buf[off+n] = 1 // past the end: never read
						if off > 0 {
							buf[off-1] = 1
						}
						if got, w := OrBits(v), want(v); got != w {
							t.Fatalf("asm %v n=%d off=%d: entry %d = %v gives %#x, want %#x", asm, n, off, p, s, got, w)
						}
					}
				}
				for i := range v {
					v[i] = rng.NormFloat64() * math.Exp(10*rng.NormFloat64())
				}
				if got, w := OrBits(v), want(v); got != w {
					t.Fatalf("asm %v n=%d off=%d: random values give %#x, want %#x", asm, n, off, got, w)
				}
			}
		}
	}
	orBitsAsm = orBitsCPU
}
