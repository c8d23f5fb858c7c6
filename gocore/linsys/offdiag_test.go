package linsys

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// offDiagZero reports whether every off-diagonal entry of the n×n
// row-major matrix a is zero: the scan of px that decided DenseDual's
// diagonal x block before the full scatter noted it (pxOff).
func offDiagZero(a []float64, n int) bool {
	for i := 0; i < n; i++ {
		for j, v := range a[i*n : i*n+n] {
			if j != i && v != 0 {
				return false
			}
		}
	}
	return true
}

// denseKKTPattern is the upper pattern of a KKT matrix with a dense x
// block (every P entry, as the C ABI's dense layout passes it), dense A
// rows and the row diagonal, with P = I, A of ones and H = −1.
func denseKKTPattern(nx, m int) (*Pattern, []float64) {
	b := newUpperBuilder(nx + m)
	for j := 0; j < nx; j++ {
		for i := 0; i <= j; i++ {
			v := 0.0
			if i == j {
				v = 1
			}
			b.add(i, j, v)
		}
	}
	for r := 0; r < m; r++ {
		for j := 0; j < nx; j++ {
			b.add(j, nx+r, 1)
		}
		b.add(nx+r, nx+r, -1)
	}
	return b.build()
}

// TestDenseDualOffDiagonal: the full scatter's note of a nonzero off the
// x block's diagonal (pxOff, which decides formC's diagonal path) agrees
// with a scan of px: signed zeros are zeros, a NaN is not, the diagonal
// is not looked at; the last column of P, whose run continues into A, and
// the first row included. The scattered buffer is the entry-by-entry
// scatter's bit for bit (TestDenseDualScatterRuns).
func TestDenseDualOffDiagonal(t *testing.T) {
	const nx, m = 4, 3
	for _, tc := range []struct {
		name string
		i, j int // upper entry of P (i ≤ j)
		v    float64
		want bool // off-diagonal zero
	}{
		{"diagonal only", 2, 2, 5, true},
		{"NaN on the diagonal", 3, 3, math.NaN(), true},
		{"negative zero off the diagonal", 1, 3, math.Copysign(0, -1), true},
		{"tiny entry in the last column", 0, 3, 1e-300, false},
		{"last column above the diagonal", 2, 3, -2, false},
		{"first row right of the diagonal", 0, 1, 1, false},
		{"NaN off the diagonal", 1, 2, math.NaN(), false},
	} {
		pat, vals := denseKKTPattern(nx, m)
		for k := pat.Colptr[tc.j]; k < pat.Colptr[tc.j+1]; k++ {
			if pat.Rowval[k] == tc.i {
				vals[k] = tc.v
			}
		}
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Factor(vals) // the scatter precedes any refusal
		if got := !f.pxOff; got != tc.want || got != offDiagZero(f.px, nx) {
			t.Errorf("%s: off-diagonal zero %v, want %v (scan of px %v)", tc.name, got, tc.want, offDiagZero(f.px, nx))
		}
		if tc.want && !math.IsNaN(tc.v) && !f.diagX {
			t.Errorf("%s: diagonal x block not taken", tc.name)
		}
	}
	// Random patterns, values and zeros: the note agrees with the scan.
	rng := rand.New(rand.NewSource(67))
	for trial := 0; trial < 40; trial++ {
		nx, m := 1+rng.Intn(12), 1+rng.Intn(8)
		pat, vals, _ := randomKKT(rng, nx, m, rng.Float64(), 1e-1)
		for k := range vals {
			if rng.Intn(3) > 0 {
				vals[k] = 0
			}
		}
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Factor(vals)
		if !f.pxOff != offDiagZero(f.px, nx) {
			t.Fatalf("trial %d: off-diagonal zero %v, scan of px %v", trial, !f.pxOff, offDiagZero(f.px, nx))
		}
	}
}

// TestSplitOffDiag: the runs are cut where the positions pass between
// px's off-diagonal part and the rest (the diagonal, a, h), in order, and
// cover every value once.
func TestSplitOffDiag(t *testing.T) {
	const nx = 3 // px 0..8, diagonal 0, 4, 8; a from 9
	// A column of px continuing into a (2, 5 | 8 | 11), a row from the
	// diagonal (0 | 1, 2, 3), a single diagonal entry, a run in a.
	runs := []scatterRun{{0, 4, 2, 3}, {4, 4, 0, 1}, {8, 1, 4, 0}, {9, 2, 9, 1}}
	rest, off := splitOffDiag(runs, nx)
	wantRest := []scatterRun{{2, 2, 8, 3}, {4, 1, 0, 0}, {8, 1, 4, 0}, {9, 2, 9, 1}}
	wantOff := []scatterRun{{0, 2, 2, 3}, {5, 3, 1, 1}}
	if !reflect.DeepEqual(rest, wantRest) || !reflect.DeepEqual(off, wantOff) {
		t.Errorf("splitOffDiag = %v, %v; want %v, %v", rest, off, wantRest, wantOff)
	}
}

// TestAllZero: signed zeros are zero; a NaN, an infinity or the smallest
// subnormal anywhere (first, inside an unrolled pair, in the odd tail) is
// not.
func TestAllZero(t *testing.T) {
	nz := math.Copysign(0, -1)
	for _, tc := range []struct {
		name      string
		v         []float64
		want, pos bool
	}{
		{"empty", nil, true, true},
		{"positive zeros", []float64{0, 0, 0, 0, 0}, true, true},
		{"signed zeros", []float64{0, nz, nz, 0, nz}, true, false},
		{"negative zero in the tail", []float64{0, 0, nz}, true, false},
		{"first nonzero", []float64{1, 0, 0}, false, false},
		{"NaN in a pair", []float64{0, nz, math.NaN(), 0}, false, false},
		{"subnormal in the second of a pair", []float64{nz, 0, 0, 5e-324}, false, false},
		{"negative infinity in the tail", []float64{0, 0, 0, 0, math.Inf(-1)}, false, false},
		{"negative subnormal in the tail", []float64{0, 0, -5e-324}, false, false},
	} {
		if got, pos := allZero(tc.v); got != tc.want || pos != tc.pos {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, pos, tc.want, tc.pos)
		}
	}
}
