package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestLowerSolve4Short: blocks that reach past l or x panic rather than
// read or write past them (where the kernels run).
func TestLowerSolve4Short(t *testing.T) {
	if !triAsm {
		t.Skip("no assembly triangular kernels here")
	}
	for _, tc := range []struct {
		name       string
		nl, ld, nx int
	}{{"l", 8*8 - 2, 8, 8}, {"x", 64, 8, 7}, {"ld", 64, 7, 8}} {
		for _, f := range []func([]float64, int, int, []float64) bool{LowerSolve4, LowerTSolve4} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s too short: no panic", tc.name)
					}
				}()
				f(make([]float64, tc.nl), tc.ld, 2, make([]float64, tc.nx))
			}()
		}
	}
	// Exactly long enough: row 7 up to column 6.
	if !LowerSolve4(make([]float64, 7*8+7), 8, 2, make([]float64, 8)) {
		t.Error("LowerSolve4 did not run")
	}
}

// TestLowerSolvePairsShort: an order reaching past l or x panics (where
// the kernels run); orders below 2 leave x to the caller.
func TestLowerSolvePairsShort(t *testing.T) {
	if !triAsm {
		t.Skip("no assembly triangular kernels here")
	}
	for _, tc := range []struct {
		name       string
		nl, ld, nx int
	}{{"l", 4*5 + 3, 5, 5}, {"x", 25, 5, 4}} {
		for _, f := range []func([]float64, int, int, []float64) bool{LowerSolvePairs, LowerTSolvePairs} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s too short: no panic", tc.name)
					}
				}()
				f(make([]float64, tc.nl), tc.ld, 5, make([]float64, tc.nx))
			}()
		}
	}
	if LowerSolvePairs(nil, 1, 1, make([]float64, 1)) || !LowerTSolvePairs(make([]float64, 4*5+4), 5, 5, make([]float64, 5)) {
		t.Error("order 1 ran, or an exactly long enough order 5 did not")
	}
}

// TestLDLSolvePairs: LDLSolvePairs is LowerSolvePairs, the division by d
// and LowerTSolvePairs bit for bit (zero entries in x included, whose
// updates the kernels skip), for every order to 18, and reports false,
// x unchanged, with the assembly off (setAsm) or below order 2.
func TestLDLSolvePairs(t *testing.T) {
	defer setAsm(true)()
	rng := rand.New(rand.NewSource(31))
	for n := 0; n <= 18; n++ {
		ld := n + 2
		l, d, b := make([]float64, n*ld+1), make([]float64, n), make([]float64, n)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		for i := range d {
			d[i] = rng.NormFloat64()
			if rng.Intn(4) > 0 {
				b[i] = rng.NormFloat64()
			}
		}
		got := append([]float64(nil), b...)
		ran := LDLSolvePairs(l, ld, n, d, got)
		if want := triAsm && n >= 2; ran != want {
			t.Fatalf("n=%d: ran %v, want %v", n, ran, want)
		}
		if !ran {
			continue
		}
		want := append([]float64(nil), b...)
		LowerSolvePairs(l, ld, n, want)
		for i := range want {
			want[i] /= d[i]
		}
		LowerTSolvePairs(l, ld, n, want)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: [%d] = %v, the three calls %v", n, i, got[i], want[i])
			}
		}
		setAsm(false)
		off := append([]float64(nil), b...)
		if LDLSolvePairs(l, ld, n, d, off) {
			t.Fatalf("n=%d: ran with the assembly off", n)
		}
		for i := range off {
			if math.Float64bits(off[i]) != math.Float64bits(b[i]) {
				t.Fatalf("n=%d: x changed with the assembly off", n)
			}
		}
		setAsm(true)
	}
}

// lowerTSolvePairsRef is LowerTSolvePairs as its doc states it, in Go.
func lowerTSolvePairsRef(l []float64, ld, n int, x []float64) {
	i := n - 1
	for ; i >= 2; i -= 2 {
		xi := x[i]
		if xi != 0 {
			x[i-1] -= float64(xi * l[i*ld+i-1])
		}
		xj := x[i-1]
		for k := 0; k < i-1; k++ {
			if xi != 0 {
				x[k] -= float64(xi * l[i*ld+k])
			}
			if xj != 0 {
				x[k] -= float64(xj * l[(i-1)*ld+k])
			}
		}
	}
	if i == 1 && x[1] != 0 {
		x[0] -= float64(x[1] * l[ld])
	}
}

// TestLowerTSolvePairs: the kernel (its four-k step where both x's of a
// row pair are nonzero, the two-k step and the last k, and the one-sided
// passes where one x is ±0) is the stated order bit for bit, for every
// order to 21 (each length mod 4 of the updates) and NaN or ±Inf in x.
func TestLowerTSolvePairs(t *testing.T) {
	if !triAsm {
		t.Skip("no assembly triangular kernels here")
	}
	rng := rand.New(rand.NewSource(41))
	for n := 2; n <= 21; n++ {
		for trial := 0; trial < 6; trial++ {
			ld := n + trial%3
			l := make([]float64, n*ld)
			for i := range l {
				l[i] = rng.NormFloat64()
			}
			x := make([]float64, n)
			for i := range x {
				switch r := rng.Intn(10); {
				case trial > 0 && r < 2:
					x[i] = math.Copysign(0, float64(r)-0.5)
				case trial == 5 && r == 2:
					x[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[rng.Intn(3)]
				default:
					x[i] = rng.NormFloat64()
				}
			}
			want := append([]float64(nil), x...)
			lowerTSolvePairsRef(l, ld, n, want)
			if !LowerTSolvePairs(l, ld, n, x) {
				t.Fatalf("n=%d: did not run", n)
			}
			for i := range want {
				if math.Float64bits(x[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n=%d trial %d: x[%d] = %v, want %v", n, trial, i, x[i], want[i])
				}
			}
		}
	}
}
