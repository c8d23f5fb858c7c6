package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// putRun's assembly path (putRunAVX, from putRunAsmMin values at a
// positive stride) writes what its Go loops write, bit for bit (+0 for
// −0, NaNs and infinities kept), at every run length around its eight-
// and four-value steps, strides 1–5 and offsets, and no position off the
// run; a run past the buffer panics.
func TestPutRunAsm(t *testing.T) {
	defer func(v bool) { noPutAsm = v }(noPutAsm)
	rng := rand.New(rand.NewSource(23))
	special := []float64{math.Copysign(0, -1), 0, math.NaN(), math.Inf(1), math.Inf(-1), 5e-324}
	for n := 0; n < 40; n++ {
		for stride := 1; stride <= 5; stride++ {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = rng.NormFloat64()
				if rng.Intn(4) == 0 {
					vals[i] = special[rng.Intn(len(special))]
				}
			}
			d := rng.Intn(7)
			size := d + max(n-1, 0)*stride + 1 + rng.Intn(3)
			var got, want []float64
			for _, asm := range []bool{true, false} {
				noPutAsm = !asm
				buf := make([]float64, size)
				for i := range buf {
					buf[i] = -7
				}
				putRun(buf, vals, d, stride)
				if asm {
					got = buf
				} else {
					want = buf
				}
			}
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n %d stride %d d %d: buf[%d] = %v, Go loop %v", n, stride, d, i, got[i], want[i])
				}
			}
			for i, v := range vals {
				if w := want[d+i*stride]; math.Float64bits(w) != math.Float64bits(0+v) || (v == 0 && math.Signbit(w)) {
					t.Fatalf("n %d stride %d: value %d written as %v", n, stride, i, w)
				}
			}
		}
	}
	noPutAsm = false
	defer func() {
		if recover() == nil {
			t.Fatal("a run past the buffer did not panic")
		}
	}()
	putRun(make([]float64, 10), make([]float64, 5), 2, 2)
}
