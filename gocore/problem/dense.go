package problem

import "github.com/lpgd-go/lpgd_go/gocore/cone"

// NewDense returns the structure of a problem with a dense P (full upper
// triangle) and a dense A, with the cone list cones; pass denseP false for
// an LP (no P entries).
func NewDense(n, m int, cones []cone.Spec, denseP bool) (*Structure, error) {
	p := EmptyPattern(n, n)
	if denseP {
		p = UpperPattern(n)
	}
	return New(n, m, cones, p, DensePattern(m, n))
}

// NewDenseStructure returns the structure of a problem with a dense P (full
// upper triangle) and a dense A; pass denseP false for an LP (no P entries).
func NewDenseStructure(n, m int, cones Cones, denseP bool) (*Structure, error) {
	p := EmptyPattern(n, n)
	if denseP {
		p = UpperPattern(n)
	}
	return NewStructure(n, m, cones, p, DensePattern(m, n))
}

// GatherDenseP writes the values of the symmetric part ½(F + Fᵀ) of the
// row-major n×n matrix F = full into dst, on the pattern of s.P. Using the
// symmetric part makes the problem a smooth function of every entry of F,
// whose derivative is the one ScatterDenseP returns.
func (s *Structure) GatherDenseP(dst, full []float64) {
	n := s.N
	for j := 0; j < n; j++ {
		for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
			i := s.P.Rowval[k]
			dst[k] = 0.5 * (full[i*n+j] + full[j*n+i])
		}
	}
}

// GatherDenseA writes the values of the row-major m×n matrix full on the
// pattern of s.A into dst.
func (s *Structure) GatherDenseA(dst, full []float64) {
	n := s.N
	for j := 0; j < n; j++ {
		for k := s.A.Colptr[j]; k < s.A.Colptr[j+1]; k++ {
			dst[k] = full[s.A.Rowval[k]*n+j]
		}
	}
}

// ScatterDenseP writes a gradient given on the upper pattern of P (as a
// derivative with respect to the symmetric matrix, see package diff) into a
// row-major full n×n matrix, splitting each off-diagonal entry evenly
// between (i,j) and (j,i). Entries off the pattern are set to zero.
func (s *Structure) ScatterDenseP(full, grad []float64) {
	n := s.N
	for i := range full[:n*n] {
		full[i] = 0
	}
	for j := 0; j < n; j++ {
		for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
			i := s.P.Rowval[k]
			if i == j {
				full[i*n+j] = grad[k]
			} else {
				full[i*n+j] = 0.5 * grad[k]
				full[j*n+i] = 0.5 * grad[k]
			}
		}
	}
}

// ScatterDenseA writes a gradient on the pattern of A into a row-major m×n
// matrix (zero off the pattern).
func (s *Structure) ScatterDenseA(full, grad []float64) {
	n := s.N
	for i := range full[:s.M*n] {
		full[i] = 0
	}
	for j := 0; j < n; j++ {
		for k := s.A.Colptr[j]; k < s.A.Colptr[j+1]; k++ {
			full[s.A.Rowval[k]*n+j] = grad[k]
		}
	}
}
