package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// lowerSolve and lowerTSolve invert L and Lᵀ (unit lower triangular,
// row-major with a stride larger than the order) for every order around
// the four-row blocks, as the one-row substitutions of denseSolve do.
func TestLowerSolves(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for n := 0; n < 40; n++ {
		ld := n + 3
		l := make([]float64, max(1, n*ld))
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				l[i*ld+j] = rng.NormFloat64() / 4
			}
			l[i*ld+i] = math.NaN() // the diagonal is not read
		}
		b := make([]float64, n)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		// L x = b
		x := append([]float64(nil), b...)
		lowerSolve(l, ld, n, x)
		for i := 0; i < n; i++ {
			s := x[i]
			for j := 0; j < i; j++ {
				s += l[i*ld+j] * x[j]
			}
			if math.Abs(s-b[i]) > 1e-12*(1+math.Abs(b[i])) {
				t.Fatalf("n=%d: (Lx)[%d] = %v, want %v", n, i, s, b[i])
			}
		}
		// Lᵀ x = b
		x = append([]float64(nil), b...)
		lowerTSolve(l, ld, n, x)
		for j := 0; j < n; j++ {
			s := x[j]
			for i := j + 1; i < n; i++ {
				s += l[i*ld+j] * x[i]
			}
			if math.Abs(s-b[j]) > 1e-12*(1+math.Abs(b[j])) {
				t.Fatalf("n=%d: (Lᵀx)[%d] = %v, want %v", n, j, s, b[j])
			}
		}
	}
}

// TestLowerSolvesAsm: lowerSolve and lowerTSolve with their four-row
// blocks in one assembly call (vec.LowerSolve4, LowerTSolve4) give the Go
// loops' results bit for bit, for every order around the blocks, strides
// equal to and above the order, and right-hand sides with zeros and
// signed zeros (a zero x_i's Axpy4 still runs in the blocks).
func TestLowerSolvesAsm(t *testing.T) {
	defer func(v bool) { noTriAsm = v }(noTriAsm)
	rng := rand.New(rand.NewSource(23))
	for n := 0; n < 61; n++ {
		for _, ld := range []int{n, n + 5} {
			l := make([]float64, max(1, n*ld))
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					l[i*ld+j] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
				}
				l[i*ld+i] = math.NaN() // the diagonal is not read
			}
			b := make([]float64, n)
			for i := range b {
				switch rng.Intn(6) {
				case 0:
					b[i] = 0
				case 1:
					b[i] = math.Copysign(0, -1)
				default:
					b[i] = rng.NormFloat64()
				}
			}
			sameTriSolves(t, lowerSolve, lowerTSolve, l, ld, n, b)
		}
	}
}

// TestSmallLowerSolvesAsm: smallLowerSolve and smallLowerTSolve in one
// assembly call (vec.LowerSolvePairs, LowerTSolvePairs) give the Go
// loops' results bit for bit, for every order up to past dualSmallMax,
// odd and even (the single last row, the i = 1 step), strides equal to
// and above the order, and right-hand sides with zeros, signed zeros
// (whose updates the loops leave out) and a NaN (which they do not).
func TestSmallLowerSolvesAsm(t *testing.T) {
	defer func(v bool) { noTriAsm = v }(noTriAsm)
	rng := rand.New(rand.NewSource(29))
	for n := 0; n < 21; n++ {
		for _, ld := range []int{n, n + 2} {
			for trial := 0; trial < 40; trial++ {
				l := make([]float64, max(1, n*ld))
				for i := 0; i < n; i++ {
					for j := 0; j < i; j++ {
						if rng.Intn(3) > 0 { // zeros: −0 entries of x stay −0 but for a skipped update's ±0 products
							l[i*ld+j] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
						}
					}
					l[i*ld+i] = math.NaN() // the diagonal is not read
				}
				b := make([]float64, n)
				for i := range b {
					switch rng.Intn(8) {
					case 0, 1:
						b[i] = 0
					case 2:
						b[i] = math.Copysign(0, -1)
					case 3:
						if trial%8 == 7 {
							b[i] = math.NaN()
						}
					default:
						b[i] = rng.NormFloat64()
					}
				}
				sameTriSolves(t, smallLowerSolve, smallLowerTSolve, l, ld, n, b)
			}
		}
	}
}

// sameTriSolves: solve and solveT (a triangular solve and its transposed
// form) give on b the same bits with the assembly kernels (noTriAsm
// false) as with their Go loops (noTriAsm true).
func sameTriSolves(t *testing.T, solve, solveT func(l []float64, ld, n int, x []float64), l []float64, ld, n int, b []float64) {
	t.Helper()
	for _, tr := range []bool{false, true} {
		got, want := append([]float64(nil), b...), append([]float64(nil), b...)
		f := solve
		if tr {
			f = solveT
		}
		noTriAsm = false
		f(l, ld, n, got)
		noTriAsm = true
		f(l, ld, n, want)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d ld=%d transposed=%v: x[%d] = %v, Go loop %v (b %v)", n, ld, tr, i, got[i], want[i], b)
			}
		}
	}
}

// TestDotShort: dotShort is vec.Dot bit for bit below dotAsmMin entries
// (vec's generic kernel; lengths 0…7, random magnitudes, ±0, NaN, ±Inf):
// a sequential sum or another grouping of the four partial sums differs
// in some bit of these.
func TestDotShort(t *testing.T) {
	rng := rand.New(rand.NewSource(71))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	for trial := 0; trial < 4000; trial++ {
		n := trial % dotAsmMin
		a, b := make([]float64, n), make([]float64, n+trial%3)
		for _, v := range [][]float64{a, b} {
			for i := range v {
				v[i] = rng.NormFloat64() * math.Exp(8*rng.NormFloat64())
				if trial%7 == 6 && rng.Intn(4) == 0 {
					v[i] = specials[rng.Intn(len(specials))]
				}
			}
		}
		got, want := dotShort(a, b), dot(a, b)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("n=%d: dotShort %v, Dot %v", n, got, want)
		}
	}
}
