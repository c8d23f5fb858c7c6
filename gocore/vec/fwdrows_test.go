package vec

import (
	"math"
	"math/rand"
	"testing"
)

// fwdRowsLoop is the loop ForwardRows4 replaces: Dot calls per row and
// column.
func fwdRowsLoop(l []float64, ld, k0, n int, w []float64, ldw int) {
	for r := 0; r < 4; r++ {
		wr := w[r*ldw : r*ldw+n]
		for k := k0; k < n; k++ {
			wr[k] -= Dot(l[k*ld:k*ld+k], wr[:k])
		}
	}
}

// TestForwardRows4 compares ForwardRows4 with the Dot loop bit for bit:
// orders across every residue of Dot's 16- and 4-wide loops, strides
// above the order, k0 at and above 8, and special values (NaN, ±Inf,
// −0) in l and w. A kernel that skipped a column, read a wrong row or
// summed in another order differs in some bit of these.
func TestForwardRows4(t *testing.T) {
	if !triAsm {
		if ForwardRows4(make([]float64, 100), 10, 8, 10, make([]float64, 40), 10) {
			t.Fatal("ForwardRows4 ran without the assembly kernels")
		}
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewSource(61))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	vals := func(k int, special bool) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
			if special && rng.Intn(50) == 0 {
				v[i] = specials[rng.Intn(len(specials))]
			}
		}
		return v
	}
	for trial := 0; trial < 600; trial++ {
		n := 9 + rng.Intn(80)
		ld, ldw := n+rng.Intn(3), n+rng.Intn(3)
		k0 := 8 + rng.Intn(n-8)
		if trial%3 == 0 {
			k0 = 8
		}
		special := trial%5 == 4
		l := vals((n-1)*ld+n-1, special)
		w := vals(3*ldw+n, special)
		want := append([]float64(nil), w...)
		fwdRowsLoop(l, ld, k0, n, want, ldw)
		if !ForwardRows4(l, ld, k0, n, w, ldw) {
			t.Fatal("ForwardRows4 reported no kernel with AVX2")
		}
		for i := range want {
			if math.Float64bits(w[i]) != math.Float64bits(want[i]) && !(math.IsNaN(w[i]) && math.IsNaN(want[i])) {
				t.Fatalf("n=%d ld=%d ldw=%d k0=%d: w[%d] = %v, the Dot loop %v", n, ld, ldw, k0, i, w[i], want[i])
			}
		}
	}
	// Nothing to do from k0 = n; too short a slice panics.
	if !ForwardRows4(nil, 5, 9, 9, nil, 9) {
		t.Fatal("k0 = n: want true (nothing left)")
	}
	fwdRowsBadArgs(t)
}

// fwdRowsBadArgs checks that ForwardRows4 panics on each bad argument
// (with or without the assembly kernel: the check comes first).
func fwdRowsBadArgs(t *testing.T) {
	t.Helper()
	for _, c := range []struct {
		name          string
		l, w          []float64
		ld, k0, n, lw int
	}{
		{"l short", make([]float64, 9*10+8), make([]float64, 40), 10, 8, 10, 10},
		{"w short", make([]float64, 100), make([]float64, 39), 10, 8, 10, 10},
		{"k0 below 8", make([]float64, 100), make([]float64, 40), 10, 7, 10, 10},
		{"ldw below n", make([]float64, 100), make([]float64, 40), 10, 8, 10, 9},
		{"ld below n-1", make([]float64, 100), make([]float64, 40), 8, 8, 10, 10},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			ForwardRows4(c.l, c.ld, c.k0, c.n, c.w, c.lw)
		}()
	}
}

// TestForwardRows4AsmOff: with the assembly switched off (setAsm) the
// kernel reports false and leaves w as it was, for the caller's loop,
// and still panics on bad arguments.
func TestForwardRows4AsmOff(t *testing.T) {
	defer setAsm(false)()
	fwdRowsBadArgs(t)
	l, w := make([]float64, 100), make([]float64, 40)
	for i := range l {
		l[i] = float64(i)
	}
	for i := range w {
		w[i] = float64(i)
	}
	if ForwardRows4(l, 10, 8, 10, w, 10) {
		t.Fatal("ForwardRows4 ran with the assembly switched off")
	}
	for i, v := range w {
		if v != float64(i) {
			t.Fatalf("w[%d] = %v written", i, v)
		}
	}
}

// TestForwardRows4NegativeZeroLanes: below k = 16 the kernel skips the
// second pass, relying on A0 + A1 (A1 = +0 there) to have turned −0 lanes
// into +0: products that underflow to −0 (−1e-200·1e-130) leave −0 lanes
// in A0, and w[k] = −0 must end −0 − (+0) = −0 as in the Dot loop (a
// kernel that skipped A0 + A1 as well would give −0 − (−0) = +0).
func TestForwardRows4NegativeZeroLanes(t *testing.T) {
	for n := 9; n <= 18; n++ {
		ld, ldw := n, n
		l := make([]float64, n*ld)
		for i := range l {
			l[i] = -1e-200
		}
		w := make([]float64, 4*ldw)
		for i := range w {
			w[i] = 1e-130
			if i%ldw >= 8 {
				w[i] = math.Copysign(0, -1)
			}
		}
		want := append([]float64(nil), w...)
		fwdRowsLoop(l, ld, 8, n, want, ldw)
		if !ForwardRows4(l, ld, 8, n, w, ldw) {
			continue
		}
		for i := range w {
			if math.Float64bits(w[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: w[%d] = %v, the Dot loop %v", n, i, w[i], want[i])
			}
		}
	}
}
