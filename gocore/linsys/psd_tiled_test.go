package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// refCholesky is the textbook up-looking Cholesky factor of a + d·I (lower
// triangle of a read), ok false at the first pivot ≤ 0.
func refCholesky(a []float64, n int, d float64) ([]float64, bool) {
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			if i == j {
				s += d
			}
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if !(s > 0) {
					return l, false
				}
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	return l, true
}

// TestTiledCholeskyFactor: on seeded Gram matrices of every order from 1
// to 70 (full tiles, partial last rows) the tiled factor matches the
// textbook one entry by entry to rounding, and reports success; a matrix
// made indefinite at a chosen row (its diagonal lowered below the Schur
// complement) is rejected.
func TestTiledCholeskyFactor(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	for n := 1; n <= 70; n++ {
		P := testfam.GramP(rng, n)
		want, ok := refCholesky(P, n, 1e-8)
		if !ok {
			t.Fatalf("n=%d: reference factorization failed", n)
		}
		l := make([]float64, n*n)
		for i := range l {
			l[i] = math.NaN() // the upper triangle is never read
		}
		if !tiledCholeskyOK(P, n, 1e-8, l) {
			t.Fatalf("n=%d: tiled factorization rejected a PSD matrix", n)
		}
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				if d := math.Abs(l[i*n+j] - want[i*n+j]); d > 1e-10*(1+math.Abs(want[i*n+j])) {
					t.Fatalf("n=%d: L[%d,%d] = %v, want %v", n, i, j, l[i*n+j], want[i*n+j])
				}
			}
		}
		// Lower P[r,r] by the square of L[r,r] plus a margin: the pivot of
		// row r becomes negative, earlier rows are unchanged.
		r := rng.Intn(n)
		Q := append([]float64(nil), P...)
		Q[r*n+r] -= want[r*n+r]*want[r*n+r] + 1
		if tiledCholeskyOK(Q, n, 1e-8, l) {
			t.Fatalf("n=%d: indefinite at row %d accepted", n, r)
		}
	}
}

// TestShiftedCholeskyFormsAgree: ShiftedCholeskyOK (row form, 4×4 tiles or
// blocked LDLᵀ by order), and ShiftedCholeskyOKScan on ScanSquare's pass,
// decide as the row form at every order
// (rowFormOK) on seeded PSD, rank-deficient, diagonal (ε-ridge) and
// indefinite matrices at orders around the tiled range's bounds.
func TestShiftedCholeskyFormsAgree(t *testing.T) {
	rng := rand.New(rand.NewSource(62))
	for _, n := range []int{1, 4, 7, 8, 9, 10, 31, 50, 100, 101, 191, 192, 200} {
		for kind := 0; kind < 5; kind++ {
			t.Run(fmt.Sprintf("n=%d/kind=%d", n, kind), func(t *testing.T) {
				P := testfam.GramP(rng, n)
				switch kind {
				case 1: // indefinite by a margin
					for i := 0; i < n; i++ {
						P[i*n+i] -= 3 * float64(n)
					}
				case 2: // rank-deficient PSD
					j := rng.Intn(n)
					for i := 0; i < n; i++ {
						P[i*n+j], P[j*n+i] = 0, 0
					}
				case 3: // ε-ridge diagonal, one entry negative when n > 1
					clear(P)
					for i := 0; i < n; i++ {
						P[i*n+i] = 1e-6
					}
					if n > 1 {
						P[(n/2)*n+n/2] = -1
					}
				case 4: // one negative eigenvalue: P − 2·λ·vvᵀ with v a unit row direction
					v := make([]float64, n)
					var nv float64
					for i := range v {
						v[i] = rng.NormFloat64()
						nv += v[i] * v[i]
					}
					var vpv float64
					for i := 0; i < n; i++ {
						for j := 0; j < n; j++ {
							vpv += v[i] * P[i*n+j] * v[j]
						}
					}
					c := 2 * vpv / nv / nv
					for i := 0; i < n; i++ {
						for j := 0; j < n; j++ {
							P[i*n+j] -= c * v[i] * v[j]
						}
					}
				}
				want := rowFormOK(P, n, 1e-8)
				if got := ShiftedCholeskyOK(P, n, 1e-8, make([]float64, n*n)); got != want {
					t.Fatalf("ShiftedCholeskyOK = %v, the row form %v", got, want)
				}
				if got := ShiftedCholeskyOKScan(P, n, 1e-8, ScanSquare(P, n), make([]float64, n*n)); got != want {
					t.Fatalf("ShiftedCholeskyOKScan = %v, the row form %v", got, want)
				}
				if kind == 0 && !want || (kind == 1 || kind == 4) && want || kind == 3 && n > 1 && want {
					t.Fatalf("decision %v for kind %d", want, kind)
				}
			})
		}
	}
}

// BenchmarkShiftedCholesky compares the PSD test's three forms (row,
// 4×4 tiles, blocked LDLᵀ) at the BPQP study's orders and around
// tiledMax.
func BenchmarkShiftedCholesky(b *testing.B) {
	for _, n := range []int{10, 50, 100, 150, 191} {
		P := testfam.GramP(rand.New(rand.NewSource(1)), n)
		w := make([]float64, n*n)
		b.Run(fmt.Sprintf("rows/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				choleskyRowsOK(P, n, 1e-8, w)
			}
		})
		b.Run(fmt.Sprintf("tiled/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tiledCholeskyOK(P, n, 1e-8, w)
			}
		})
		b.Run(fmt.Sprintf("blocked/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				blockedPivotsOK(P, n, 1e-8, w)
			}
		})
	}
}

// TestMaxAsymmetryTiled: the tiled MaxAsymmetry returns the row-by-row
// loop's values (maxAsymmetryRows) exactly on seeded non-symmetric
// matrices of orders around the tile of eight, with the largest entry
// placed in either triangle.
func TestMaxAsymmetryTiled(t *testing.T) {
	rng := rand.New(rand.NewSource(63))
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 40, 101} {
		for trial := 0; trial < 6; trial++ {
			a := testfam.GramP(rng, n)
			for i := range a {
				a[i] += 1e-6 * rng.NormFloat64()
			}
			i, j := rng.Intn(n), rng.Intn(n)
			a[i*n+j] = float64(trial-3) * 1e3 // largest entry anywhere, either sign
			wantA, wantS := maxAsymmetryRows(a, n)
			if gotA, gotS := MaxAsymmetry(a, n); gotA != wantA || gotS != wantS {
				t.Fatalf("n=%d trial %d: (%v, %v), want (%v, %v)", n, trial, gotA, gotS, wantA, wantS)
			}
		}
	}
}

// TestScanSquare: ScanSquare's maxima are MaxAsymmetry's row-by-row
// values exactly, its lower-triangle test lowerZero's and its Fro2 the
// row-major Σ a[i,j]² to rounding, on seeded non-symmetric matrices of
// orders around the tile of eight (the largest entry in either triangle),
// diagonal ones (a −0 or a NaN below the diagonal: zero and not), and
// matrices with a NaN (left out of the maxima as there).
func TestScanSquare(t *testing.T) {
	rng := rand.New(rand.NewSource(64))
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 40, 101} {
		for trial := 0; trial < 9; trial++ {
			a := testfam.GramP(rng, n)
			for i := range a {
				a[i] += 1e-6 * rng.NormFloat64()
			}
			i, j := rng.Intn(n), rng.Intn(n)
			switch {
			case trial < 6:
				a[i*n+j] = float64(trial-3) * 1e3 // largest entry anywhere, either sign
			case trial == 6: // diagonal, a −0 below it
				clear(a)
				for k := 0; k < n; k++ {
					a[k*n+k] = 1e-6 * float64(k+1)
				}
				if i > j {
					a[i*n+j] = math.Copysign(0, -1)
				}
			case trial == 7: // diagonal, a NaN below it
				clear(a)
				for k := 0; k < n; k++ {
					a[k*n+k] = 1
				}
				if i > j {
					a[i*n+j] = math.NaN()
				}
			default:
				a[i*n+j] = math.NaN()
			}
			wantA, wantS := maxAsymmetryRows(a, n)
			var fro float64
			for _, v := range a {
				fro += v * v
			}
			sc := ScanSquare(a, n)
			if sc.Asym != wantA || sc.Scale != wantS || sc.LowerZero != lowerZero(a, n) {
				t.Fatalf("n=%d trial %d: %+v, want asym %v, scale %v, lower zero %v", n, trial, sc, wantA, wantS, lowerZero(a, n))
			}
			if !(math.Abs(sc.Fro2-fro) <= 1e-14*fro) && !(math.IsNaN(fro) && math.IsNaN(sc.Fro2)) {
				t.Fatalf("n=%d trial %d: Fro2 %v, want %v", n, trial, sc.Fro2, fro)
			}
		}
	}
}

// BenchmarkScanSquare compares ScanSquare's one pass with the passes it
// replaces (MaxAsymmetry, the Frobenius sum and lowerZero) on a dense PSD
// matrix and an ε-ridge diagonal one.
func BenchmarkScanSquare(b *testing.B) {
	for _, n := range []int{100, 500} {
		for _, diag := range []bool{false, true} {
			P := testfam.GramP(rand.New(rand.NewSource(1)), n)
			if diag {
				clear(P)
				for i := 0; i < n; i++ {
					P[i*n+i] = 1e-6
				}
			}
			b.Run(fmt.Sprintf("passes/%d/diag=%v", n, diag), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					MaxAsymmetry(P, n)
					var fro float64
					for _, v := range P {
						fro += v * v
					}
					lowerZero(P, n)
				}
			})
			b.Run(fmt.Sprintf("scan/%d/diag=%v", n, diag), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					ScanSquare(P, n)
				}
			})
		}
	}
}

// BenchmarkMaxAsymmetry compares the tiled symmetry test with the
// row-by-row loop.
func BenchmarkMaxAsymmetry(b *testing.B) {
	for _, n := range []int{100, 500} {
		P := testfam.GramP(rand.New(rand.NewSource(1)), n)
		b.Run(fmt.Sprintf("rows/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				maxAsymmetryRows(P, n)
			}
		})
		b.Run(fmt.Sprintf("tiled/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				MaxAsymmetry(P, n)
			}
		})
	}
}

// maxAsymmetryRows is MaxAsymmetry's row-by-row loop (the reference).
func maxAsymmetryRows(a []float64, n int) (asym, scale float64) {
	a = a[:n*n]
	scale = 1
	for i := 0; i < n; i++ {
		row := a[i*n : (i+1)*n]
		for j, v := range row {
			if x := math.Abs(v); x > scale {
				scale = x
			}
			if j > i {
				if d := math.Abs(v - a[j*n+i]); d > asym {
					asym = d
				}
			}
		}
	}
	return asym, scale
}

// rowFormOK is ShiftedCholeskyOK's decision by the row form at every order
// (the reference of TestShiftedCholeskyFormsAgree).
func rowFormOK(a []float64, n int, shift float64) bool {
	var fro float64
	for _, v := range a[:n*n] {
		fro += v * v
	}
	d := shift * math.Max(1, math.Sqrt(fro))
	if lowerZero(a, n) {
		for i := 0; i < n; i++ {
			if !(a[i*n+i]+d > 0) {
				return false
			}
		}
		return true
	}
	return choleskyRowsOK(a, n, d, make([]float64, n*n))
}

// TestTiledCholeskyStraightLine: tiledCholeskyOK's straight-line solve of
// the tiles below the diagonal writes the factor of the loop form it
// replaced (tiledCholeskyLoops) bit for bit, and decides alike, on
// seeded PSD and indefinite matrices at orders around the tile of four.
func TestTiledCholeskyStraightLine(t *testing.T) {
	rng := rand.New(rand.NewSource(65))
	for _, n := range []int{8, 9, 11, 12, 13, 31, 64, 100, 150, 191} {
		for _, indef := range []bool{false, true} {
			P := testfam.GramP(rng, n)
			if indef {
				for i := n / 2; i < n; i++ {
					P[i*n+i] -= 3 * float64(n)
				}
			}
			got, want := make([]float64, n*n), make([]float64, n*n)
			okG, okW := tiledCholeskyOK(P, n, 1e-8, got), tiledCholeskyLoops(P, n, 1e-8, want)
			if okG != okW {
				t.Fatalf("n=%d indefinite %v: %v, loop form %v", n, indef, okG, okW)
			}
			if !indef && !okG {
				t.Fatalf("n=%d: PSD matrix rejected", n)
			}
			if !okG {
				continue
			}
			for i := 0; i < n; i++ {
				for j := 0; j <= i; j++ {
					if math.Float64bits(got[i*n+j]) != math.Float64bits(want[i*n+j]) {
						t.Fatalf("n=%d: L[%d,%d] = %v, loop form %v", n, i, j, got[i*n+j], want[i*n+j])
					}
				}
			}
		}
	}
}

// tiledCholeskyLoops is tiledCholeskyOK with the tiles below the diagonal
// solved by the loops of the diagonal tile (the form before the
// straight-line solve): the reference of TestTiledCholeskyStraightLine.
func tiledCholeskyLoops(a []float64, n int, d float64, l []float64) bool {
	if n >= tiledMax {
		panic("tiledCholeskyLoops: order tiledMax or above")
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
