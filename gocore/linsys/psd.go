package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// MaxAsymmetry returns max |a[i,j] − a[j,i]| and max(1, max |a[i,j]|) of the
// row-major n×n matrix a: the symmetry test of a caller's quadratic term
// compares the first against a tolerance times the second. It runs by 8×8
// tiles, tile (I, J) with its mirror (J, I) in cache together: a row-by-row
// loop reads a[j,i] down a column and misses the cache on every entry
// (n = 500: ~2% of a BPQP study call). Maxima do not depend on the order.
func MaxAsymmetry(a []float64, n int) (asym, scale float64) {
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

// ShiftedCholeskyOK reports whether a + shift·max(1, ‖a‖_F)·I has a Cholesky
// factor, reading only the lower triangle of the row-major n×n matrix a
// (work holds at least n·n values and is overwritten). With a small shift
// (1e-8) it accepts every positive semidefinite a and rejects every a whose
// smallest eigenvalue is below −shift·‖a‖_F; matrices in between may go
// either way, so a caller gives the rejects an eigenvalue test. The
// factorization is the up-looking row form L[i,j] = (a[i,j] − L[i,:j]·L[j,:j]) / L[j,j]
// below order tiledMin, the same by 4×4 tiles (tiledCholeskyOK) below
// tiledMax, and from it the blocked LDLᵀ (blockedPivotsOK); a matrix whose
// strictly lower triangle is zero is decided by its pivot signs. The QP
// layer tests P on every call: at n = 100 the row form, whose short inner
// products run far below the kernel's speed, was 12% of a BPQP study call.
//
// ‖a‖_F is ScanSquare's (its tiled sum), so that this and
// ShiftedCholeskyOKScan decide every matrix alike: a pivot at exactly
// −shift·‖a‖_F would otherwise go either way by the sums' last bit, and a
// P accepted alone (B = 1) be rejected in a batch.
func ShiftedCholeskyOK(a []float64, n int, shift float64, work []float64) bool {
	return ShiftedCholeskyOKScan(a, n, shift, ScanSquare(a[:n*n], n), work)
}

// SquareScan is what ScanSquare gathers in one pass over a row-major n×n
// matrix for the symmetry and positive-semidefiniteness tests.
type SquareScan struct {
	// Asym and Scale are MaxAsymmetry's max |a[i,j] − a[j,i]| and
	// max(1, max |a[i,j]|) (NaN entries left out, as there).
	Asym, Scale float64
	// Fro2 is Σ a[i,j]² (summed by tiles: it may differ from the
	// row-major sum in the last bits).
	Fro2 float64
	// LowerZero reports a strictly lower triangle of zeros (±0).
	LowerZero bool
}

// ScanSquare returns the SquareScan of the row-major n×n matrix a: the
// symmetry test's maxima, the squared Frobenius norm and whether the
// strictly lower triangle is zero, in one pass by 8×8 tiles (tile (I, J)
// with its mirror, as MaxAsymmetry). MaxAsymmetry followed by
// ShiftedCholeskyOK read a three times before the factorization (the
// maxima, ‖a‖_F, the lower triangle); with ShiftedCholeskyOKScan the
// test reads it once.
func ScanSquare(a []float64, n int) SquareScan {
	a = a[:n*n]
	// The maxima are taken on the bits without the sign (ordered as the
	// absolute values, branch-free); a NaN, whose bits exceed every
	// number's, is then redone by MaxAsymmetry, which leaves it out.
	const abs = 1<<63 - 1
	var sc, as uint64          // max |a[i,j]|, max |a[i,j] − a[j,i]| (bits)
	var f0, f1, f2, f3 float64 // Σ of the upper (f0, f2) and lower (f1, f3) squares
	var low uint64             // OR of the lower triangle's bits without the sign
	for i0 := 0; i0 < n; i0 += 8 {
		i1 := min(i0+8, n)
		// The diagonal tile.
		for i := i0; i < i1; i++ {
			row := a[i*n : i*n+n]
			v := row[i]
			sc = max(sc, math.Float64bits(v)&abs)
			f0 += v * v
			for j := i + 1; j < i1; j++ {
				v, u := row[j], a[j*n+i]
				bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
				sc = max(sc, bv, bu)
				as = max(as, math.Float64bits(v-u)&abs)
				f2 += v * v
				f3 += u * u
				low |= bu
			}
		}
		// The tiles right of it with their mirrors below.
		for j0 := i1; j0 < n; j0 += 8 {
			j1 := min(j0+8, n)
			for i := i0; i < i1; i++ {
				row := a[i*n+j0 : i*n+j1]
				col := a[j0*n+i:]
				jj := 0
				for ; jj+1 < len(row); jj += 2 {
					v0, u0 := row[jj], col[jj*n]
					v1, u1 := row[jj+1], col[(jj+1)*n]
					bv0, bu0 := math.Float64bits(v0)&abs, math.Float64bits(u0)&abs
					bv1, bu1 := math.Float64bits(v1)&abs, math.Float64bits(u1)&abs
					// Trees, not chains: one dependent max per accumulator.
					sc = max(sc, max(max(bv0, bu0), max(bv1, bu1)))
					as = max(as, max(math.Float64bits(v0-u0)&abs, math.Float64bits(v1-u1)&abs))
					f0 += v0 * v0
					f1 += u0 * u0
					f2 += v1 * v1
					f3 += u1 * u1
					low |= bu0 | bu1
				}
				if jj < len(row) {
					v, u := row[jj], col[jj*n]
					bv, bu := math.Float64bits(v)&abs, math.Float64bits(u)&abs
					sc = max(sc, bv, bu)
					as = max(as, math.Float64bits(v-u)&abs)
					f0 += v * v
					f1 += u * u
					low |= bu
				}
			}
		}
	}
	out := SquareScan{Asym: math.Float64frombits(as), Scale: max(1, math.Float64frombits(sc)),
		Fro2: (f0 + f2) + (f1 + f3), LowerZero: low == 0}
	if math.IsNaN(out.Fro2) || math.IsNaN(out.Asym) || math.IsNaN(out.Scale) {
		// A NaN entry (its square is NaN), or Inf − Inf.
		out.Asym, out.Scale = MaxAsymmetry(a, n)
	}
	return out
}

// ShiftedCholeskyOKScan is ShiftedCholeskyOK with ‖a‖_F and the lower
// triangle's test taken from sc, ScanSquare's result for a.
func ShiftedCholeskyOKScan(a []float64, n int, shift float64, sc SquareScan, work []float64) bool {
	return shiftedCholeskyOK(a[:n*n], n, shift*math.Max(1, math.Sqrt(sc.Fro2)), sc.LowerZero, work)
}

// shiftedCholeskyOK is ShiftedCholeskyOK's decision for the shift
// d = shift·max(1, ‖a‖_F), with lowZero whether a's strictly lower
// triangle is zero.
func shiftedCholeskyOK(a []float64, n int, d float64, lowZero bool, work []float64) bool {
	if lowZero {
		// Diagonal (as far as it is read): the factorization below has
		// L[i,j] = 0 and pivots a[i,i] + d exactly; only their signs
		// decide (an LP's ε-ridge P = εI, n = 500: 21 M multiply–adds of
		// zeros skipped).
		for i := 0; i < n; i++ {
			if !(a[i*n+i]+d > 0) {
				return false
			}
		}
		return true
	}
	switch {
	case n >= tiledMax:
		return blockedPivotsOK(a, n, d, work)
	case n >= tiledMin:
		return tiledCholeskyOK(a, n, d, work)
	}
	return choleskyRowsOK(a, n, d, work)
}

// tiledMin and tiledMax bound the orders at which ShiftedCholeskyOK uses
// tiledCholeskyOK: below tiledMin the row form is as fast, from tiledMax
// the blocked LDLᵀ.
const (
	tiledMin = 8
	tiledMax = 192
)

// blockedPivotsOK reports whether the blocked LDLᵀ of a + d·I (lower
// triangle of a read; work holds n·n values) has every pivot ≥ DynamicEps
// without a replaced one: the Cholesky test's p > 0 at the kernel's speed
// (n = 500: ~6 ms → ~1 ms per call). The pivots are those of the
// Cholesky factorization squared, so the two decide alike except for a
// pivot in (0, DynamicEps) — which needs λ_min(a) < 0 (a pivot is at least
// λ_min(a + d·I) ≥ d = shift·max(1, ‖a‖_F) ≥ 1e-8 for a PSD a): a matrix
// in the band ShiftedCholeskyOK may decide either way.
func blockedPivotsOK(a []float64, n int, d float64, work []float64) bool {
	l := work[:n*n]
	for i := 0; i < n; i++ {
		copy(l[i*n:i*n+i+1], a[i*n:i*n+i+1])
		l[i*n+i] += d
	}
	signs, piv := make([]float64, n), make([]float64, n)
	for i := range signs {
		signs[i] = 1
	}
	nreg, err := newBlockWork(n).ldl(l, n, n, signs, piv)
	return err == nil && nreg == 0
}

// choleskyRowsOK reports whether a + d·I has a Cholesky factor by the
// up-looking row form (lower triangle of a read; work holds n·n values).
func choleskyRowsOK(a []float64, n int, d float64, work []float64) bool {
	l := work[:n*n]
	for i := 0; i < n; i++ {
		li := l[i*n : i*n+i+1]
		for j := 0; j < i; j++ {
			lj := l[j*n : j*n+j+1]
			li[j] = (a[i*n+j] - vec.Dot(li[:j], lj[:j])) / lj[j]
		}
		p := a[i*n+i] + d - vec.Dot(li[:i], li[:i])
		if !(p > 0) { // also rejects NaN
			return false
		}
		li[i] = math.Sqrt(p)
	}
	return true
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
// row form. n is below tiledMax.
func tiledCholeskyOK(a []float64, n int, d float64, l []float64) bool {
	if n >= tiledMax {
		panic("tiledCholeskyOK: order tiledMax or above")
	}
	l = l[:n*n]
	n4 := n &^ 3
	var t [16]float64
	// inv[j] = 1/L[j,j]: a multiplication per entry instead of a division
	// (whose latency was a third of the factorization at n = 100).
	var inv [tiledMax]float64
	for i0 := 0; i0 < n4; i0 += 4 {
		for j0 := 0; j0 <= i0; j0 += 4 {
			t = [16]float64{}
			if j0 > 0 {
				vec.Dot4x4(l[i0*n:], n, l[j0*n:], n, j0, &t)
			}
			if j0 < i0 {
				// Below the diagonal: the triangular solve with L[J,J]
				// (read once per tile) in straight-line code, the same
				// operations in the same order as the loop below (which
				// spent more instructions on indexing than on them).
				dj := l[j0*n+j0 : (j0+3)*n+j0+4]
				l10 := dj[n]
				l20, l21 := dj[2*n], dj[2*n+1]
				l30, l31, l32 := dj[3*n], dj[3*n+1], dj[3*n+2]
				v0, v1, v2, v3 := inv[j0], inv[j0+1], inv[j0+2], inv[j0+3]
				for r := 0; r < 4; r++ {
					i := i0 + r
					ar := a[i*n+j0 : i*n+j0+4]
					tr := t[4*r : 4*r+4]
					x0 := (ar[0] - tr[0]) * v0
					x1 := (ar[1] - tr[1] - x0*l10) * v1
					x2 := (ar[2] - tr[2] - x0*l20 - x1*l21) * v2
					x3 := (ar[3] - tr[3] - x0*l30 - x1*l31 - x2*l32) * v3
					lr := l[i*n+j0 : i*n+j0+4]
					lr[0], lr[1], lr[2], lr[3] = x0, x1, x2, x3
				}
				continue
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
