package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestOrBits checks OrBitsRuns on one run (the assembly pass where the CPU has it, and the
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
				if got := OrBitsRuns(v, n, n, 1); got != 0 {
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
						if got, w := OrBitsRuns(v, n, n, 1), want(v); got != w {
							t.Fatalf("asm %v n=%d off=%d: entry %d = %v gives %#x, want %#x", asm, n, off, p, s, got, w)
						}
					}
				}
				for i := range v {
					v[i] = rng.NormFloat64() * math.Exp(10*rng.NormFloat64())
				}
				if got, w := OrBitsRuns(v, n, n, 1), want(v); got != w {
					t.Fatalf("asm %v n=%d off=%d: random values give %#x, want %#x", asm, n, off, got, w)
				}
			}
		}
	}
	orBitsAsm = orBitsCPU
}

// TestOrBitsRuns checks OrBitsRuns (assembly and Go) against the or of
// the runs up to the first nonzero one, computed entry by entry, over run
// lengths 0…40, strides to length+3 and 1…6 runs, with the gaps between
// runs (and the entries around the slice) nonzero — never read — and one
// entry of one run set to each special value, or none; its range check
// panics on a short slice.
func TestOrBitsRuns(t *testing.T) {
	orBitsCPU := orBitsAsm
	defer func() { orBitsAsm = orBitsCPU }()
	special := []float64{math.Copysign(0, -1), 5e-324, math.NaN(), math.Inf(-1), 2}
	want := func(v []float64, n, stride, runs int) uint64 {
		for r := 0; r < runs; r++ {
			var a uint64
			for _, x := range v[r*stride : r*stride+n] {
				a |= math.Float64bits(x)
			}
			if a != 0 {
				return a
			}
		}
		return 0
	}
	for _, asm := range []bool{true, false} {
		orBitsAsm = asm && orBitsCPU
		for n := 0; n <= 40; n++ {
			for stride := n; stride <= n+3; stride++ {
				for runs := 1; runs <= 6; runs++ {
					size := (runs-1)*stride + n
					buf := make([]float64, size+2)
					v := buf[1 : 1+size]
					set := func() {
						for i := range buf {
							buf[i] = 7 // the gaps and the guards
						}
						for r := 0; r < runs; r++ {
							clear(v[r*stride : r*stride+n])
						}
					}
					set()
					if got := OrBitsRuns(v, n, stride, runs); got != 0 {
						t.Fatalf("asm %v n=%d stride=%d runs=%d: zero runs give %#x", asm, n, stride, runs, got)
					}
					for r := 0; r < runs && n > 0; r++ {
						for _, p := range []int{0, n / 2, n - 1} {
							for _, s := range special {
								set()
								v[r*stride+p] = s
								if r+1 < runs {
									v[(r+1)*stride] = 1 // a later run: not part of the answer
								}
								if got, w := OrBitsRuns(v, n, stride, runs), want(v, n, stride, runs); got != w {
									t.Fatalf("asm %v n=%d stride=%d runs=%d: run %d entry %d = %v gives %#x, want %#x", asm, n, stride, runs, r, p, s, got, w)
								}
							}
						}
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a short slice did not panic")
		}
	}()
	OrBitsRuns(make([]float64, 10), 4, 4, 3)
}
