package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestRows4: Dot4Rows and Axpy4Rows equal Dot4 and Axpy4 called group by
// group, bit for bit, for every length through the vector part and the
// scalar tails (below 4 as well), strides equal to and above the length.
func TestRows4(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	for n := 0; n < 24; n++ {
		for _, lda := range []int{n, n + 3} {
			for ng := 1; ng <= 3; ng++ {
				a := make([]float64, (4*ng-1)*lda+n)
				for i := range a {
					a[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
				}
				x, c := make([]float64, n), make([]float64, 4*ng)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				for i := range c {
					c[i] = rng.NormFloat64()
				}
				got, want := make([]float64, 4*ng), make([]float64, 4*ng)
				Dot4Rows(a, lda, ng, x, n, got)
				yg, yw := append([]float64(nil), x...), append([]float64(nil), x...)
				Axpy4Rows(c, a, lda, ng, yg, n)
				var s [4]float64
				for g := 0; g < ng; g++ {
					o := 4 * g * lda
					Dot4(a[o:], a[o+lda:], a[o+2*lda:], a[o+3*lda:], x, n, &s)
					copy(want[4*g:], s[:])
					Axpy4((*[4]float64)(c[4*g:4*g+4]), a[o:], a[o+lda:], a[o+2*lda:], a[o+3*lda:], yw, n)
				}
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("Dot4Rows n=%d lda=%d ng=%d: out[%d] = %v, Dot4 %v", n, lda, ng, i, got[i], want[i])
					}
				}
				for i := range yw {
					if math.Float64bits(yg[i]) != math.Float64bits(yw[i]) {
						t.Fatalf("Axpy4Rows n=%d lda=%d ng=%d: y[%d] = %v, Axpy4 %v", n, lda, ng, i, yg[i], yw[i])
					}
				}
			}
		}
	}
}

// TestRows4Short: rows reaching past a panic.
func TestRows4Short(t *testing.T) {
	for _, f := range []func(){
		func() { Dot4Rows(make([]float64, 3*8+7), 8, 1, make([]float64, 8), 8, make([]float64, 4)) },
		func() { Axpy4Rows(make([]float64, 4), make([]float64, 3*8+7), 8, 1, make([]float64, 8), 8) },
		func() { Dot4Rows(make([]float64, 64), 7, 1, make([]float64, 8), 8, make([]float64, 4)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// TestNormInfAsm: NormInf's assembly pass equals the Go loop bit for bit
// for every length through the 8-, 4-wide and scalar parts, unaligned
// offsets, and entries that are ±0, ±Inf or NaN (skipped, as the loop's
// a > m does).
func TestNormInfAsm(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	for n := 0; n < 70; n++ {
		for trial := 0; trial < 6; trial++ {
			v := make([]float64, n+1)
			for i := range v {
				switch rng.Intn(12) {
				case 0:
					v[i] = math.NaN()
				case 1:
					v[i] = math.Copysign(0, -1)
				case 2:
					if trial == 5 {
						v[i] = math.Inf(2*rng.Intn(2) - 1)
					}
				default:
					v[i] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
				}
				if trial == 0 {
					v[i] = 0 // all zeros (+0 result)
				}
			}
			got, want := NormInf(v[1:]), normInfGeneric(v[1:])
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("n=%d trial=%d: %v, Go loop %v", n, trial, got, want)
			}
		}
	}
}

// TestDotRows: DotRows equals Dot row by row bit for bit, for lengths
// below and above the assembly's 8 and through its 16-, 4-wide and
// scalar parts.
func TestDotRows(t *testing.T) {
	rng := rand.New(rand.NewSource(43))
	for n := 0; n < 40; n++ {
		for _, lda := range []int{n, n + 3} {
			for nrows := 1; nrows <= 3; nrows++ {
				a := make([]float64, (nrows-1)*lda+n)
				for i := range a {
					a[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
				}
				x := make([]float64, n)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				got := make([]float64, nrows)
				DotRows(a, lda, nrows, x, n, got)
				for r := range got {
					want := Dot(a[r*lda:r*lda+n], x)
					if math.Float64bits(got[r]) != math.Float64bits(want) {
						t.Fatalf("n=%d lda=%d row %d: %v, Dot %v", n, lda, r, got[r], want)
					}
				}
			}
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("short rows: no panic")
			}
		}()
		DotRows(make([]float64, 8+7), 8, 2, make([]float64, 8), 8, make([]float64, 2))
	}()
}

// TestAxpyRows: AxpyRows gives one Axpy per row with a nonzero
// coefficient bit for bit (assembly on and off), with zero, −0 and NaN
// coefficients breaking the groups of four and NaN, ±Inf and signed
// zeros among the rows and y.
func TestAxpyRows(t *testing.T) {
	defer setAsm(true)()
	rng := rand.New(rand.NewSource(47))
	val := func() float64 {
		switch rng.Intn(14) {
		case 0:
			return []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}[rng.Intn(5)]
		}
		return rng.NormFloat64() * math.Exp(rng.NormFloat64())
	}
	for trial := 0; trial < 500; trial++ {
		n, nrows := rng.Intn(30), rng.Intn(14)
		lda := n + rng.Intn(3)
		a := make([]float64, max(0, (nrows-1)*lda+n))
		for i := range a {
			a[i] = val()
		}
		c := make([]float64, nrows)
		for i := range c {
			c[i] = val()
			if rng.Intn(6) == 0 {
				c[i] = []float64{0, math.Copysign(0, -1), math.NaN()}[rng.Intn(3)]
			}
		}
		y0 := make([]float64, n+1)
		for i := range y0 {
			y0[i] = val()
		}
		want := append([]float64(nil), y0...)
		for r := range c {
			if c[r] != 0 {
				Axpy(c[r], a[r*lda:r*lda+n], want)
			}
		}
		for _, on := range []bool{true, false} {
			restore := setAsm(on)
			got := append([]float64(nil), y0...)
			AxpyRows(c, a, lda, nrows, got, n)
			restore()
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Fatalf("trial %d n=%d rows=%d asm=%v: y[%d] = %v, Axpy loop %v", trial, n, nrows, on, i, got[i], want[i])
				}
			}
		}
	}
}
