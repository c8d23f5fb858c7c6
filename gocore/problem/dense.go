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
//
// On the full upper pattern (every entry of the upper triangle, as
// NewDenseStructure makes it) the entries are visited in tiles of
// gatherTile × gatherTile, so the strided reads full[i·n + j] stay in
// cache; the plain column loop missed it on every such read (n = 500:
// 0.7 ms a gather, twice per sample on the BPQP study's LPs — forward and
// backward). The values are the same bit for bit.
func (s *Structure) GatherDenseP(dst, full []float64) {
	n := s.N
	if n > gatherTile && s.P.Nnz() == n*(n+1)/2 {
		gatherUpperTiled(dst, full, s.P.Colptr, n)
		return
	}
	for j := 0; j < n; j++ {
		for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
			i := s.P.Rowval[k]
			dst[k] = 0.5 * (full[i*n+j] + full[j*n+i])
		}
	}
}

// gatherTile is the tile order of gatherUpperTiled: 32 rows of full, 32
// entries of each, 8 KB.
const gatherTile = 32

// gatherUpperTiled is GatherDenseP on the full upper pattern (column j's
// values at colptr[j] + i, i = 0…j: a valid upper pattern, as New checks
// it, with n(n+1)/2 entries), tile by tile.
func gatherUpperTiled(dst, full []float64, colptr []int, n int) {
	for j0 := 0; j0 < n; j0 += gatherTile {
		j1 := min(j0+gatherTile, n)
		for i0 := 0; i0 < j1; i0 += gatherTile {
			for j := j0; j < j1; j++ {
				ie := min(i0+gatherTile, j+1)
				if ie <= i0 {
					continue
				}
				col := dst[colptr[j]+i0 : colptr[j]+ie]
				rowj := full[j*n+i0 : j*n+ie]
				rowj = rowj[:len(col)]
				// Column j of full from row i0, by a running offset (the
				// index product per entry, and its bounds checks, were half
				// the loop's instructions).
				colj := full[i0*n+j : (ie-1)*n+j+1]
				p := 0
				for t := range col {
					col[t] = 0.5 * (colj[p] + rowj[t])
					p += n
				}
			}
		}
	}
}

// GatherDenseA writes the values of the row-major m×n matrix full on the
// pattern of s.A into dst.
func (s *Structure) GatherDenseA(dst, full []float64) {
	n := s.N
	if s.DenseA() {
		Transpose(dst, s.M, full, s.M, n)
		return
	}
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
	if s.DenseA() {
		Transpose(full, n, grad, n, s.M)
		return
	}
	for i := range full[:s.M*n] {
		full[i] = 0
	}
	for j := 0; j < n; j++ {
		for k := s.A.Colptr[j]; k < s.A.Colptr[j+1]; k++ {
			full[s.A.Rowval[k]*n+j] = grad[k]
		}
	}
}

// DenseA reports whether the pattern of A is full (every row of every
// column stored): the values are then A column-major, and a row-major dense
// matrix is their transpose.
func (s *Structure) DenseA() bool { return s.A.Nnz() == s.M*s.N }

// Transpose writes the transpose of the row-major rows×cols matrix src
// into dst with leading dimension ld: dst[j·ld + i] = src[i·cols + j]. It
// is the dense gather of A's values (the row-major caller's matrix into
// the column-major values of a full pattern, a row block at an offset of
// dst) and the scatter of their gradient. Eight rows of src are read
// together, so each write fills a cache line of dst and each read runs
// along a row: a plain double loop misses the cache on one side per entry
// and cost the LPGD benchmark's backward pass (which gathers every
// sample's A anew) about a tenth of its time.
func Transpose(dst []float64, ld int, src []float64, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = src[rows*cols-1]
	_ = dst[(cols-1)*ld+rows-1]
	i := 0
	for ; i+8 <= rows; i += 8 {
		s0 := src[i*cols : i*cols+cols]
		s1 := src[(i+1)*cols : (i+1)*cols+cols][:len(s0)]
		s2 := src[(i+2)*cols : (i+2)*cols+cols][:len(s0)]
		s3 := src[(i+3)*cols : (i+3)*cols+cols][:len(s0)]
		s4 := src[(i+4)*cols : (i+4)*cols+cols][:len(s0)]
		s5 := src[(i+5)*cols : (i+5)*cols+cols][:len(s0)]
		s6 := src[(i+6)*cols : (i+6)*cols+cols][:len(s0)]
		s7 := src[(i+7)*cols : (i+7)*cols+cols][:len(s0)]
		for j := range s0 {
			d := dst[j*ld+i : j*ld+i+8]
			d[0], d[1], d[2], d[3] = s0[j], s1[j], s2[j], s3[j]
			d[4], d[5], d[6], d[7] = s4[j], s5[j], s6[j], s7[j]
		}
	}
	for ; i < rows; i++ {
		for j, v := range src[i*cols : i*cols+cols] {
			dst[j*ld+i] = v
		}
	}
}
