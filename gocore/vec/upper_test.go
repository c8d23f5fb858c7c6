package vec

import (
	"math"
	"math/rand"
	"testing"
)

// upperColsRef is UpperCols4 group by group with upperCols4Go: the loop
// the kernel replaces.
func upperColsRef(c, x, y []float64, alpha float64, j0, ng int) {
	off := 0
	for g := 0; g < ng; g++ {
		j := j0 + 4*g
		n := 4*j + 10
		upperCols4Go(c[off:off+n], x, y, alpha, j)
		off += n
	}
}

// sameBits reports whether a and b are the same float64, any two NaNs
// counting as equal (their payloads are not meant).
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestUpperCols4: the kernel gives upperCols4Go's numbers bit for bit
// (assembly or not, from every first column, odd ones and 1…3 included,
// with NaN, ±Inf and signed zeros among the values), and those are the
// product with the symmetric matrix to rounding.
func TestUpperCols4(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	vals := func(k int, special bool) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
			if special && rng.Intn(10) == 0 {
				v[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}[rng.Intn(5)]
			}
		}
		return v
	}
	for trial := 0; trial < 600; trial++ {
		j0 := rng.Intn(42)
		if trial < 40 {
			j0 = trial % 10
		}
		ng := 1 + rng.Intn(5)
		k := 4 * ng
		special := trial%3 == 2
		nc := k*j0 + k*(k+1)/2
		c := vals(nc+rng.Intn(3), special)
		x := vals(j0+k+rng.Intn(3), special)
		y0 := vals(len(x)+rng.Intn(3), special)
		alpha := []float64{1, -1, 0.5, rng.NormFloat64()}[trial%4]
		want := append([]float64(nil), y0...)
		upperColsRef(c, x, want, alpha, j0, ng)
		for _, on := range []bool{true, false} {
			restore := setAsm(on)
			got := append([]float64(nil), y0...)
			UpperCols4(c, x, got, alpha, j0, ng)
			restore()
			for i := range want {
				if !sameBits(got[i], want[i]) {
					t.Fatalf("trial %d j0=%d ng=%d asm=%v: y[%d] = %v, want %v", trial, j0, ng, on, i, got[i], want[i])
				}
			}
		}
		if special {
			continue
		}
		// The product itself: S (columns j0 … j0+k−1, rows 0…j) times x.
		ref := append([]float64(nil), y0...)
		scale := make([]float64, len(ref))
		off := 0
		for j := j0; j < j0+k; j++ {
			for i := 0; i <= j; i++ {
				v := c[off+i]
				ref[j] += alpha * v * x[i]
				scale[j] += math.Abs(alpha * v * x[i])
				if i != j {
					ref[i] += alpha * v * x[j]
					scale[i] += math.Abs(alpha * v * x[j])
				}
			}
			off += j + 1
		}
		for i := range ref {
			if math.Abs(want[i]-ref[i]) > 1e-13*(scale[i]+math.Abs(y0[i])) {
				t.Fatalf("trial %d j0=%d ng=%d: y[%d] = %v, product %v", trial, j0, ng, i, want[i], ref[i])
			}
		}
	}
}

// UpperCols4 panics on short slices instead of reading past them.
func TestUpperCols4Short(t *testing.T) {
	for _, tc := range []struct {
		name          string
		nc, nx, ny, j int
	}{
		{"c", 4*5 + 9, 9, 9, 5},
		{"x", 4*5 + 10, 8, 9, 5},
		{"y", 4*5 + 10, 9, 8, 5},
		{"negative j0", 100, 9, 9, -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			UpperCols4(make([]float64, tc.nc), make([]float64, tc.nx), make([]float64, tc.ny), 1, tc.j, 1)
		}()
	}
}

func BenchmarkUpperCols4(b *testing.B) {
	for _, n := range []int{12, 48, 100} {
		c := make([]float64, n*(n+1)/2)
		x, y := make([]float64, n), make([]float64, n)
		for i := range c {
			c[i] = float64(i%7) - 3
		}
		for i := range x {
			x[i] = float64(i%5) - 2
		}
		b.Run(itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				UpperCols4(c, x, y, 1, 0, n/4)
			}
		})
		b.Run(itoa(n)+"/go", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				upperColsRef(c, x, y, 1, 0, n/4)
			}
		})
	}
}
