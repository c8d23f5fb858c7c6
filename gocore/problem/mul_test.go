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
