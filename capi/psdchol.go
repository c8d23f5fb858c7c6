package main

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// tiledPSDMin and tiledPSDMax bound the orders at which shiftedCholeskyOK
// uses its 4×4-tiled factorization: below tiledPSDMin the row form is as
// fast, and from tiledPSDMax linsys uses its blocked LDLᵀ.
const (
	tiledPSDMin = 8
	tiledPSDMax = 192
)

// shiftedCholeskyOK is linsys.ShiftedCholeskyOK (whether a + shift·max(1,
// ‖a‖_F)·I has a Cholesky factor, lower triangle of the row-major n×n a
// read, work holding n·n values) with the orders tiledPSDMin ≤ n <
// tiledPSDMax factored by tiledCholeskyOK: lpgd_solve tests P on every
// call of the QP layer, and at n = 100 linsys's up-looking row form, whose
// short inner products run far below the kernel's speed, was 12% of a
// BPQP study call. The factor is the same up to rounding (each entry is a
// sum of the same products in another order), so the two decide alike
// except in the band linsys.ShiftedCholeskyOK already leaves open (a pivot
// near zero, which needs λ_min(a) ≈ −shift·max(1, ‖a‖_F)).
func shiftedCholeskyOK(a []float64, n int, shift float64, work []float64) bool {
	if n < tiledPSDMin || n >= tiledPSDMax {
		return linsys.ShiftedCholeskyOK(a, n, shift, work)
	}
	a = a[:n*n]
	if lowerZero(a, n) {
		// Diagonal: linsys decides it from the pivot signs alone.
		return linsys.ShiftedCholeskyOK(a, n, shift, work)
	}
	var fro float64
	for _, v := range a {
		fro += v * v
	}
	d := shift * math.Max(1, math.Sqrt(fro))
	return tiledCholeskyOK(a, n, d, work)
}

// lowerZero reports whether the strictly lower triangle of the row-major
// n×n matrix a is zero (it stops at the first nonzero entry).
func lowerZero(a []float64, n int) bool {
	for i := 1; i < n; i++ {
		for _, v := range a[i*n : i*n+i] {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

// tiledCholeskyOK reports whether a + d·I has a Cholesky factor (every
// pivot > 0; NaN rejects), reading the lower triangle of the row-major
// n×n a and writing the factor L's lower triangle into l (n·n values,
// row-major). It is the left-looking form by 4×4 tiles: tile (I, J) of L
// is A[I,J] − L[I,:J]·L[J,:J]ᵀ (one vec.Dot4x4, sixteen inner products
// that share their loads) followed by the small triangular solve with the
// diagonal tile L[J,J]; the rows past the last multiple of four use the
// row form. n is at most tiledPSDMax.
func tiledCholeskyOK(a []float64, n int, d float64, l []float64) bool {
	if n > tiledPSDMax {
		panic("tiledCholeskyOK: order above tiledPSDMax")
	}
	l = l[:n*n]
	n4 := n &^ 3
	var t [16]float64
	// inv[j] = 1/L[j,j]: a multiplication per entry instead of a division
	// (whose latency was a third of the factorization at n = 100).
	var inv [tiledPSDMax]float64
	for i0 := 0; i0 < n4; i0 += 4 {
		for j0 := 0; j0 <= i0; j0 += 4 {
			t = [16]float64{}
			if j0 > 0 {
				vec.Dot4x4(l[i0*n:], n, l[j0*n:], n, j0, &t)
			}
			for r := 0; r < 4; r++ {
				i := i0 + r
				li := l[i*n : i*n+i+1]
				cmax := 4
				if j0 == i0 {
					cmax = r
				}
				for c := 0; c < cmax; c++ {
					j := j0 + c
					lj := l[j*n : j*n+j+1]
					s := a[i*n+j] - t[4*r+c]
					for q := j0; q < j; q++ {
						s -= li[q] * lj[q]
					}
					li[j] = s * inv[j]
				}
				if j0 == i0 {
					p := a[i*n+i] + d - t[4*r+r]
					for q := i0; q < i; q++ {
						p -= li[q] * li[q]
					}
					if !(p > 0) { // also rejects NaN
						return false
					}
					li[i] = math.Sqrt(p)
					inv[i] = 1 / li[i]
				}
			}
		}
	}
	for i := n4; i < n; i++ {
		li := l[i*n : i*n+i+1]
		for j := 0; j < i; j++ {
			lj := l[j*n : j*n+j+1]
			li[j] = (a[i*n+j] - vec.Dot(li[:j], lj[:j])) * inv[j]
		}
		p := a[i*n+i] + d - vec.Dot(li[:i], li[:i])
		if !(p > 0) {
			return false
		}
		li[i] = math.Sqrt(p)
		inv[i] = 1 / li[i]
	}
	return true
}

// maxAsymmetry is linsys.MaxAsymmetry (max |a[i,j] − a[j,i]| and
// max(1, max |a[i,j]|) of the row-major n×n a) by 8×8 tiles: tile (I, J)
// with its mirror (J, I) in cache together, where the row-by-row loop read
// a[j,i] down a column and missed the cache on every entry (n = 500: ~2%
// of a BPQP study call). Maxima do not depend on the order, so the results
// are linsys's, bit for bit.
func maxAsymmetry(a []float64, n int) (asym, scale float64) {
	a = a[:n*n]
	scale = 1
	for i0 := 0; i0 < n; i0 += 8 {
		i1 := min(i0+8, n)
		for j0 := i0; j0 < n; j0 += 8 {
			j1 := min(j0+8, n)
			for i := i0; i < i1; i++ {
				row := a[i*n : i*n+n]
				for j := max(j0, i); j < j1; j++ {
					v := row[j]
					if x := math.Abs(v); x > scale {
						scale = x
					}
					if j == i {
						continue
					}
					u := a[j*n+i]
					if x := math.Abs(u); x > scale {
						scale = x
					}
					if d := math.Abs(v - u); d > asym {
						asym = d
					}
				}
			}
		}
	}
	return asym, scale
}
