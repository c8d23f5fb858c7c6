package problem

import (
	"math"
	"math/rand"
	"testing"
)

// MulP equals the product with the dense symmetric matrix, for full upper
// triangles of every order around the four-column blocks and for a pattern
// that mixes full and partial columns.
func TestMulP(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	cones := Cones{Nonneg: 1}
	check := func(name string, s *Structure, pv []float64) {
		t.Helper()
		n := s.N
		full := make([]float64, n*n)
		for j := 0; j < n; j++ {
			for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
				i := s.P.Rowval[k]
				full[i*n+j], full[j*n+i] = pv[k], pv[k]
			}
		}
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		want := append([]float64(nil), y...)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				want[i] += -0.5 * full[i*n+j] * x[j]
			}
		}
		s.MulP(y, pv, x, -0.5)
		for i := range y {
			if math.Abs(y[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
				t.Fatalf("%s n=%d: y[%d] = %v, want %v", name, n, i, y[i], want[i])
			}
		}
	}
	for n := 1; n < 23; n++ {
		s, err := NewDenseStructure(n, 1, cones, true)
		if err != nil {
			t.Fatal(err)
		}
		pv := make([]float64, s.P.Nnz())
		for k := range pv {
			pv[k] = rng.NormFloat64()
		}
		check("dense", s, pv)
		// Drop one entry above the diagonal of column n−2: the columns
		// before it stay full, that one is partial.
		if n < 4 {
			continue
		}
		var p CSC
		p.Rows, p.Cols = n, n
		p.Colptr = append(p.Colptr, 0)
		for j := 0; j < n; j++ {
			for i := 0; i <= j; i++ {
				if j == n-2 && i == 1 {
					continue
				}
				p.Rowval = append(p.Rowval, i)
			}
			p.Colptr = append(p.Colptr, len(p.Rowval))
		}
		s2, err := NewStructure(n, 1, cones, p, DensePattern(1, n))
		if err != nil {
			t.Fatal(err)
		}
		check("partial column", s2, pv[:p.Nnz()])
	}
}

// diagLayouts builds P patterns of order n holding the diagonal: the dense
// upper triangle, one with a partial column (an entry above the diagonal
// left out) and a column without its diagonal, and the diagonal alone
// with an empty column.
func diagLayouts(t *testing.T, n int) map[string]*Structure {
	t.Helper()
	cones := Cones{Nonneg: 1}
	out := map[string]*Structure{}
	s, err := NewDenseStructure(n, 1, cones, true)
	if err != nil {
		t.Fatal(err)
	}
	out["dense"] = s
	build := func(keep func(i, j int) bool) *Structure {
		var p CSC
		p.Rows, p.Cols = n, n
		p.Colptr = append(p.Colptr, 0)
		for j := 0; j < n; j++ {
			for i := 0; i <= j; i++ {
				if keep(i, j) {
					p.Rowval = append(p.Rowval, i)
				}
			}
			p.Colptr = append(p.Colptr, len(p.Rowval))
		}
		s, err := NewStructure(n, 1, cones, p, DensePattern(1, n))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	out["partial"] = build(func(i, j int) bool { return !(j == n-2 && i == 0) && !(j == n/2 && i == j) })
	out["diagonal"] = build(func(i, j int) bool { return i == j && j != n-1 })
	return out
}

// MulPDiagonal gives MulP's numbers bit for bit (signs of zeros included)
// for P with zero off-diagonal values of either sign, over every layout,
// with zeros, exact cancellations and non-finite entries in x and y; and
// OffDiagonalZero tells such values from ones with a nonzero (or NaN) off
// the diagonal.
func TestMulPDiagonal(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	pick := func(vals ...float64) float64 { return vals[rng.Intn(len(vals))] }
	negZero := math.Copysign(0, -1)
	for n := 1; n < 24; n++ {
		for name, s := range diagLayouts(t, n) {
			if n < 4 && name != "dense" {
				continue
			}
			for trial := 0; trial < 20; trial++ {
				pv := make([]float64, s.P.Nnz())
				for j := 0; j < n; j++ {
					for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
						if s.P.Rowval[k] == j {
							pv[k] = pick(rng.NormFloat64(), 1e-6, 0, negZero, -1e-6)
						} else {
							pv[k] = pick(0, negZero)
						}
					}
				}
				if !s.OffDiagonalZero(pv) {
					t.Fatalf("%s n=%d: zero off-diagonal values not recognized", name, n)
				}
				x, y := make([]float64, n), make([]float64, n)
				for i := range x {
					x[i] = pick(rng.NormFloat64(), 0, negZero, -3, 1e300)
					y[i] = pick(rng.NormFloat64(), 0, negZero)
				}
				if trial%5 == 4 {
					x[rng.Intn(n)] = pick(math.Inf(1), math.Inf(-1), math.NaN())
				}
				// Exact cancellations: y_j = −P_jj x_j where the diagonal is stored.
				for j := 0; j < n; j++ {
					if hi := s.P.Colptr[j+1]; hi > s.P.Colptr[j] && s.P.Rowval[hi-1] == j && rng.Intn(3) == 0 {
						y[j] = -pv[hi-1] * x[j]
					}
				}
				want := append([]float64(nil), y...)
				s.MulP(want, pv, x, 1)
				s.MulPDiagonal(y, pv, x)
				for i := range y {
					if math.Float64bits(y[i]) != math.Float64bits(want[i]) && !(math.IsNaN(y[i]) && math.IsNaN(want[i])) {
						t.Fatalf("%s n=%d trial %d: y[%d] = %v (%x), MulP %v (%x)", name, n, trial, i, y[i], math.Float64bits(y[i]), want[i], math.Float64bits(want[i]))
					}
				}
				// One value off the diagonal nonzero (or NaN): not diagonal.
				var off []int
				for j := 0; j < n; j++ {
					for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
						if s.P.Rowval[k] != j {
							off = append(off, k)
						}
					}
				}
				if len(off) > 0 {
					k := off[rng.Intn(len(off))]
					pv[k] = pick(1e-300, -2, math.NaN(), 5e-324)
					if s.OffDiagonalZero(pv) {
						t.Fatalf("%s n=%d: off-diagonal value %v at %d not seen", name, n, pv[k], k)
					}
				}
			}
		}
	}
}
