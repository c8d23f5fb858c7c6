package problem

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

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
// NewDenseStructure makes it) the positions are arithmetic (column j at
// j(j+1)/2) and the entries are visited by bands of eight rows
// (gatherUpper), so the strided reads stay in cache and no index map is
// read. The values are the same bit for bit.
func (s *Structure) GatherDenseP(dst, full []float64) {
	n := s.N
	if s.P.Nnz() == n*(n+1)/2 {
		gatherUpper(dst, full, n)
		return
	}
	s.gatherPattern(dst, full)
}

// GatherDensePFinite is GatherDenseP that also tells whether F = full is
// finite: true means every entry of F is finite. False means one may not
// be: a non-finite entry always makes the values' running sum
// non-finite, but so does an overflow of finite ones, so the caller that
// must know tests F itself (vec.AllFinite) only then. The C ABI gathers
// and tests each sample's P in this one pass instead of two.
func (s *Structure) GatherDensePFinite(dst, full []float64) bool {
	n := s.N
	if s.P.Nnz() == n*(n+1)/2 {
		return finite(gatherUpper(dst, full, n))
	}
	s.gatherPattern(dst, full)
	return vec.AllFinite(full[:n*n])
}

// GatherDensePDiagonal is GatherDensePFinite on the full upper pattern (as
// NewDenseStructure makes it) for a diagonal F: when every off-diagonal
// entry of the row-major n×n matrix F = full is +0 (all bits zero) and its
// diagonal is finite, it writes the same values — +0 off the diagonal,
// 0.5·(F_jj + F_jj) on it — and reports true; otherwise it writes nothing
// and reports false (the caller gathers). The off-diagonal entries are
// the n−1 runs of n entries between consecutive diagonal entries, read as
// bits (vec.OrBitsRuns, stopping at the first run that is not zero), and the
// values' off-diagonal part is cleared: the ε-ridge LPs' P = εI cost
// gatherUpper's two reads, sum and write per upper entry (~15k
// instructions at n = 50; ~3k this way).
func (s *Structure) GatherDensePDiagonal(dst, full []float64) bool {
	n := s.N
	if n == 0 || s.P.Nnz() != n*(n+1)/2 {
		return false
	}
	full = full[:n*n]
	dst = dst[:n*(n+1)/2]
	if n > 1 && vec.OrBitsRuns(full[1:], n, n+1, n-1) != 0 {
		return false
	}
	var t float64
	for k := 0; k < len(full); k += n + 1 {
		t += full[k] * 0 // 0 for a finite entry, NaN otherwise
	}
	if t != 0 {
		return false
	}
	clear(dst)
	// Diagonal entry j is F's word j(n+1) and the values' j(j+3)/2.
	for j, k, kd := 0, 0, 0; j < n; j++ {
		d := full[k]
		dst[kd] = 0.5 * (d + d)
		k += n + 1
		kd += j + 2
	}
	return true
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return x-x == 0 }

// gatherPattern is GatherDenseP entry by entry on any upper pattern.
func (s *Structure) gatherPattern(dst, full []float64) {
	n := s.N
	for j := 0; j < n; j++ {
		for k := s.P.Colptr[j]; k < s.P.Colptr[j+1]; k++ {
			i := s.P.Rowval[k]
			dst[k] = 0.5 * (full[i*n+j] + full[j*n+i])
		}
	}
}

// gatherUpper is GatherDenseP on the full upper pattern of order n (column
// j's rows 0…j at j(j+1)/2), returning the sum of the values written (in
// an order of its own: only its finiteness is meant). Eight rows i0…i0+7
// of F are read together, each along its row, with eight consecutive
// entries of row j: each write fills a cache line of dst's column j and
// each read runs along a row. The tiled column loop it replaces spent ~17
// instructions per value on its slices and index products (two gathers of
// a ~6 M instruction BPQP call at n = 100 were 3 % of it).
func gatherUpper(dst, full []float64, n int) float64 {
	full = full[:n*n]
	dst = dst[:n*(n+1)/2]
	var t0, t1 float64
	var ts [4]float64
	i0 := 0
	for ; i0+8 <= n; i0 += 8 {
		// The band's diagonal block: columns i0…i0+7, rows i0…j, on
		// fixed-size views of its rows and of dst's columns (column
		// i0+k's rows i0 … i0+k in a view of eight that the band's last
		// column bounds): no index products or bounds checks.
		var rs, ds [8]*[8]float64
		for k := range 8 {
			j := i0 + k
			rs[k] = (*[8]float64)(full[j*n+i0 : j*n+i0+8])
			ds[k] = (*[8]float64)(dst[j*(j+1)/2+i0 : j*(j+1)/2+i0+8])
		}
		for k := range 8 {
			col, rowj := ds[k], rs[k]
			for r := 0; r <= k; r++ {
				v := 0.5 * (rs[r][k] + rowj[r])
				col[r] = v
				t0 += v
			}
		}
		r0 := full[i0*n : i0*n+n]
		r1 := full[(i0+1)*n : (i0+1)*n+n][:len(r0)]
		r2 := full[(i0+2)*n : (i0+2)*n+n][:len(r0)]
		r3 := full[(i0+3)*n : (i0+3)*n+n][:len(r0)]
		r4 := full[(i0+4)*n : (i0+4)*n+n][:len(r0)]
		r5 := full[(i0+5)*n : (i0+5)*n+n][:len(r0)]
		r6 := full[(i0+6)*n : (i0+6)*n+n][:len(r0)]
		r7 := full[(i0+7)*n : (i0+7)*n+n][:len(r0)]
		// Columns i0+8 … by 8×8 tiles (vec.GatherTile8: the same values,
		// their sum in its lanes), the last ones (fewer than eight) below.
		j := i0 + 8
		for ; j+8 <= n; j += 8 {
			vec.GatherTile8(&ts, full[i0*n+j:], full[j*n+i0:], n, dst[j*(j+1)/2+i0:], j)
		}
		// Column j's rows i0…i0+7 are at j(j+1)/2 + i0.
		off := j*(j+1)/2 + i0
		for ; j < len(r0); j++ {
			c := full[j*n+i0 : j*n+i0+8 : j*n+i0+8]
			d := dst[off : off+8 : off+8]
			d0 := 0.5 * (r0[j] + c[0])
			d1 := 0.5 * (r1[j] + c[1])
			d2 := 0.5 * (r2[j] + c[2])
			d3 := 0.5 * (r3[j] + c[3])
			d4 := 0.5 * (r4[j] + c[4])
			d5 := 0.5 * (r5[j] + c[5])
			d6 := 0.5 * (r6[j] + c[6])
			d7 := 0.5 * (r7[j] + c[7])
			d[0], d[1], d[2], d[3] = d0, d1, d2, d3
			d[4], d[5], d[6], d[7] = d4, d5, d6, d7
			t1 += ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7))
			off += j + 1
		}
	}
	// The last rows (fewer than eight): columns i0…n−1, rows i0…j.
	for j := i0; j < n; j++ {
		col := dst[j*(j+1)/2+i0 : j*(j+1)/2+j+1]
		rowj := full[j*n+i0 : j*n+j+1][:len(col)]
		for r := range col {
			v := 0.5 * (full[(i0+r)*n+j] + rowj[r])
			col[r] = v
			t0 += v
		}
	}
	return t0 + t1 + ((ts[0] + ts[1]) + (ts[2] + ts[3]))
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
	transposeSum(dst, ld, src, rows, cols)
}

// TransposeFinite is Transpose that also tells whether src is finite: true
// means every entry is, false that one may not be (a non-finite entry makes
// the running sum of the entries non-finite, and so does an overflow of
// finite ones: the caller that must know tests src itself only then). The
// C ABI gathers and tests each sample's dense A in this one pass.
func TransposeFinite(dst []float64, ld int, src []float64, rows, cols int) bool {
	return finite(transposeSum(dst, ld, src, rows, cols))
}

// transposeSum is Transpose returning the sum of the entries of src (in
// an order of its own: only its finiteness is meant).
func transposeSum(dst []float64, ld int, src []float64, rows, cols int) float64 {
	if rows == 0 || cols == 0 {
		return 0
	}
	var t0, t1 float64
	_ = src[rows*cols-1]
	_ = dst[(cols-1)*ld+rows-1]
	i := 0
	if ld >= 8 {
		// The bands in vec.TransposeRows8 (the same entries, their sum in
		// its lanes).
		var ts [4]float64
		for ; i+8 <= rows; i += 8 {
			vec.TransposeRows8(&ts, dst[i:], ld, src[i*cols:], cols)
		}
		t0 = (ts[0] + ts[1]) + (ts[2] + ts[3])
	}
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
			a0, a1, a2, a3 := s0[j], s1[j], s2[j], s3[j]
			a4, a5, a6, a7 := s4[j], s5[j], s6[j], s7[j]
			d[0], d[1], d[2], d[3] = a0, a1, a2, a3
			d[4], d[5], d[6], d[7] = a4, a5, a6, a7
			t0 += ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
		}
	}
	// The last rows (fewer than eight, or all rows when ld < 8): four,
	// then two at a time (a row block of the BPQP study's A, 5 or 10
	// rows, spent ~11 instructions a value one row at a time), then one.
	if ld >= 4 {
		for ; i+4 <= rows; i += 4 {
			s0 := src[i*cols : i*cols+cols]
			s1 := src[(i+1)*cols : (i+1)*cols+cols][:len(s0)]
			s2 := src[(i+2)*cols : (i+2)*cols+cols][:len(s0)]
			s3 := src[(i+3)*cols : (i+3)*cols+cols][:len(s0)]
			for j := range s0 {
				d := dst[j*ld+i : j*ld+i+4 : j*ld+i+4]
				a0, a1, a2, a3 := s0[j], s1[j], s2[j], s3[j]
				d[0], d[1], d[2], d[3] = a0, a1, a2, a3
				t1 += (a0 + a1) + (a2 + a3)
			}
		}
	}
	if ld >= 2 {
		for ; i+2 <= rows; i += 2 {
			s0 := src[i*cols : i*cols+cols]
			s1 := src[(i+1)*cols : (i+1)*cols+cols][:len(s0)]
			for j := range s0 {
				d := dst[j*ld+i : j*ld+i+2 : j*ld+i+2]
				a0, a1 := s0[j], s1[j]
				d[0], d[1] = a0, a1
				t1 += a0 + a1
			}
		}
	}
	for ; i < rows; i++ {
		for j, v := range src[i*cols : i*cols+cols] {
			dst[j*ld+i] = v
			t1 += v
		}
	}
	return t0 + t1
}

// SymScan is what GatherDensePScan measures of the row-major n×n matrix F
// besides gathering it: the fields of linsys.SquareScan (this package does
// not import linsys), for the C ABI's symmetry and positive-semidefiniteness
// test of P.
type SymScan struct {
	// Asym and Scale are max |F[i,j] − F[j,i]| and max(1, max |F[i,j]|).
	Asym, Scale float64
	// Fro2 is Σ F[i,j]², summed in linsys.ScanSquare's order.
	Fro2 float64
	// LowerZero reports a strictly lower triangle of zeros (±0).
	LowerZero bool
}

// GatherDensePScan is GatherDenseP on the full upper pattern (as
// NewDenseStructure makes it; it panics on another) that also returns
// linsys.ScanSquare's measures of F = full, bit for bit: the same 8×8
// tiles in the same order, with each pair's value ½(F[i,j] + F[j,i])
// stored as it is read. The QP layer's B = 1 call, which tests P when it
// gathers it, reads P once for both (and for its finiteness) instead of
// three times.
//
// ok true means every entry of F is finite (Fro2 is: a NaN or ±Inf entry
// makes it NaN or +Inf); false means one may not be (or Fro2 overflowed),
// and the measures are then not meant (linsys.ScanSquare redoes the
// maxima of a matrix with a NaN): the caller tests F itself.
func (s *Structure) GatherDensePScan(dst, full []float64) (sc SymScan, ok bool) {
	n := s.N
	if s.P.Nnz() != n*(n+1)/2 {
		panic("problem: GatherDensePScan needs the full upper pattern of P")
	}
	a := full[:n*n]
	dst = dst[:n*(n+1)/2]
	// The maxima on the bits without the sign, as linsys.ScanSquare takes
	// them; the sums in its accumulators and order.
	const abs = 1<<63 - 1
	var scb, as uint64
	var f0, f1, f2, f3 float64
	var low uint64
	var off [8]int // j(j+1)/2 for the tile's columns j0 … j0+7
	var acc vec.SymScanAcc
	for i0 := 0; i0 < n; i0 += 8 {
		i1 := min(i0+8, n)
		// The diagonal tile.
		if i1-i0 == 8 {
			// A full one: the same operations in the same order on
			// fixed-size views of its rows and of dst's columns (column
			// i0+k's rows i0 … i0+k, in a view of eight that the last
			// column of the band bounds), with no index products or
			// bounds checks (the loop below spent ~50 instructions a
			// pair).
			var rs, ds [8]*[8]float64
			for k := range 8 {
				j := i0 + k
				rs[k] = (*[8]float64)(a[j*n+i0 : j*n+i0+8])
				ds[k] = (*[8]float64)(dst[j*(j+1)/2+i0 : j*(j+1)/2+i0+8])
			}
			for i := range 8 {
				row := rs[i]
				v := row[i]
				scb = max(scb, math.Float64bits(v)&abs)
				f0 += v * v
				ds[i][i] = 0.5 * (v + v)
				for j := i + 1; j < 8; j++ {
					v, u := row[j], rs[j][i]
					bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
					scb = max(scb, bv, bu)
					as = max(as, math.Float64bits(v-u)&abs)
					f2 += v * v
					f3 += u * u
					low |= bu
					ds[j][i] = 0.5 * (v + u)
				}
			}
		} else {
			for i := i0; i < i1; i++ {
				row := a[i*n : i*n+n]
				v := row[i]
				scb = max(scb, math.Float64bits(v)&abs)
				f0 += v * v
				dst[i*(i+1)/2+i] = 0.5 * (v + v)
				for j := i + 1; j < i1; j++ {
					v, u := row[j], a[j*n+i]
					bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
					scb = max(scb, bv, bu)
					as = max(as, math.Float64bits(v-u)&abs)
					f2 += v * v
					f3 += u * u
					low |= bu
					dst[j*(j+1)/2+i] = 0.5 * (v + u)
				}
			}
		}
		// The tiles right of it with their mirrors below.
		for j0 := i1; j0 < n; j0 += 8 {
			j1 := min(j0+8, n)
			if i1-i0 == 8 && j1-j0 == 8 {
				// A full tile: vec.SymTile8, the same operations in the
				// same order (the sums continued from f0 … f3, its maxima
				// in lanes of their own, reduced below). The Go loop it
				// replaces spent ~40 instructions a pair.
				acc.Sq = [4]float64{f0, f1, f2, f3}
				vec.SymTile8(&acc, a[i0*n+j0:], a[j0*n+i0:], n, dst[j0*(j0+1)/2+i0:], j0)
				f0, f1, f2, f3 = acc.Sq[0], acc.Sq[1], acc.Sq[2], acc.Sq[3]
				continue
			}
			if i1-i0 == 8 {
				// The band's last, narrower tile: the loop below on
				// fixed-size views of its mirror rows and dst's columns.
				w := j1 - j0
				var cs, ds [8]*[8]float64
				for t := range w {
					j := j0 + t
					cs[t] = (*[8]float64)(a[j*n+i0 : j*n+i0+8])
					ds[t] = (*[8]float64)(dst[j*(j+1)/2+i0 : j*(j+1)/2+i0+8])
				}
				for r := range 8 {
					row := a[(i0+r)*n+j0 : (i0+r)*n+j1]
					t := 0
					for ; t+1 < len(row); t += 2 {
						v0, u0 := row[t], cs[t][r]
						v1, u1 := row[t+1], cs[t+1][r]
						bv0, bu0 := math.Float64bits(v0)&abs, math.Float64bits(u0)&abs
						bv1, bu1 := math.Float64bits(v1)&abs, math.Float64bits(u1)&abs
						scb = max(scb, max(max(bv0, bu0), max(bv1, bu1)))
						as = max(as, max(math.Float64bits(v0-u0)&abs, math.Float64bits(v1-u1)&abs))
						f0 += v0 * v0
						f1 += u0 * u0
						f2 += v1 * v1
						f3 += u1 * u1
						low |= bu0 | bu1
						ds[t][r] = 0.5 * (v0 + u0)
						ds[t+1][r] = 0.5 * (v1 + u1)
					}
					if t < len(row) {
						v, u := row[t], cs[t][r]
						bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
						scb = max(scb, bv, bu)
						as = max(as, math.Float64bits(v-u)&abs)
						f0 += v * v
						f1 += u * u
						low |= bu
						ds[t][r] = 0.5 * (v + u)
					}
				}
				continue
			}
			for jj := range j1 - j0 {
				off[jj] = (j0 + jj) * (j0 + jj + 1) / 2
			}
			for i := i0; i < i1; i++ {
				row := a[i*n+j0 : i*n+j1]
				col := a[j0*n+i:]
				jj := 0
				for ; jj+1 < len(row); jj += 2 {
					v0, u0 := row[jj], col[jj*n]
					v1, u1 := row[jj+1], col[(jj+1)*n]
					bv0, bu0 := math.Float64bits(v0)&abs, math.Float64bits(u0)&abs
					bv1, bu1 := math.Float64bits(v1)&abs, math.Float64bits(u1)&abs
					scb = max(scb, max(max(bv0, bu0), max(bv1, bu1)))
					as = max(as, max(math.Float64bits(v0-u0)&abs, math.Float64bits(v1-u1)&abs))
					f0 += v0 * v0
					f1 += u0 * u0
					f2 += v1 * v1
					f3 += u1 * u1
					low |= bu0 | bu1
					dst[off[jj]+i] = 0.5 * (v0 + u0)
					dst[off[jj+1]+i] = 0.5 * (v1 + u1)
				}
				if jj < len(row) {
					v, u := row[jj], col[jj*n]
					bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
					scb = max(scb, bv, bu)
					as = max(as, math.Float64bits(v-u)&abs)
					f0 += v * v
					f1 += u * u
					low |= bu
					dst[off[jj]+i] = 0.5 * (v + u)
				}
			}
		}
	}
	for l := range 4 {
		scb, as, low = max(scb, acc.Abs[l]), max(as, acc.Diff[l]), low|acc.Low[l]
	}
	sc = SymScan{Asym: math.Float64frombits(as), Scale: max(1, math.Float64frombits(scb)),
		Fro2: (f0 + f2) + (f1 + f3), LowerZero: low == 0}
	return sc, finite(sc.Fro2)
}
