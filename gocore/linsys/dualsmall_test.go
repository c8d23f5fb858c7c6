package linsys

import (
	"errors"
	"math"
	"math/rand"
	"testing"
)

// The small-order kernels (dualsmall.go) against the general ones on
// random quasi-definite and SPD matrices of every order up to
// dualSmallMax (odd tails of the four-row blocks included): the same
// factor, pivots and regularization count, and the same solutions, to
// rounding (they differ by the summation order only).
func TestDualSmallKernels(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	const tol = 1e-12
	for n := 1; n <= dualSmallMax; n++ {
		for _, nx := range []int{n, (n + 1) / 2, 0} {
			a, signs := lowerQuasiDefinite(rng, n, nx)
			ls, lg := append([]float64(nil), a...), append([]float64(nil), a...)
			ds, dg := make([]float64, n), make([]float64, n)
			rs, err := smallLDL(ls, n, signs, ds, make([]float64, 4*n))
			if err != nil {
				t.Fatal(n, nx, err)
			}
			rg, err := denseLDLRows(lg, n, n, signs, dg, make([]float64, 4*n))
			if err != nil {
				t.Fatal(n, nx, err)
			}
			if rs != rg {
				t.Fatalf("n %d nx %d: %d regularized pivots, general %d", n, nx, rs, rg)
			}
			for i := 0; i < n; i++ {
				if e := math.Abs(ds[i] - dg[i]); e > tol*math.Abs(dg[i]) {
					t.Fatalf("n %d nx %d: d[%d] = %g, general %g", n, nx, i, ds[i], dg[i])
				}
				for j := 0; j < i; j++ {
					if e := math.Abs(ls[i*n+j] - lg[i*n+j]); e > tol*(1+math.Abs(lg[i*n+j])) {
						t.Fatalf("n %d nx %d: L[%d][%d] = %g, general %g", n, nx, i, j, ls[i*n+j], lg[i*n+j])
					}
				}
			}
			// Solves: the factor's L with stride n, and a strided copy
			// (ld > n, as DenseDual's x block is not).
			b := make([]float64, n)
			for i := range b {
				b[i] = rng.NormFloat64()
			}
			xs, xg := append([]float64(nil), b...), append([]float64(nil), b...)
			denseSolve4(lg, dg, n, xs) // small path (n ≤ dualSmallMax)
			denseSolve(lg, dg, n, xg)  // general reference
			checkClose(t, "denseSolve4", n, xs, xg, tol)
			ld := n + 3
			lw := make([]float64, n*ld)
			for i := 0; i < n; i++ {
				copy(lw[i*ld:i*ld+i], lg[i*n:i*n+i])
			}
			for _, tr := range []bool{false, true} {
				xs, xg = append(xs[:0], b...), append(xg[:0], b...)
				if tr {
					smallLowerTSolve(lw, ld, n, xs)
					lowerTSolve(lw, ld, n, xg)
				} else {
					smallLowerSolve(lw, ld, n, xs)
					lowerSolve(lw, ld, n, xg)
				}
				checkClose(t, "triangular solve", n, xs, xg, tol)
			}
		}
	}
}

// The small LDLᵀ's pivot rule: a zero pivot is regularized and counted as
// by the general form, a pivot of the wrong sign too, and a non-finite
// entry is ErrSingular.
func TestDualSmallLDLPivots(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     []float64 // 3×3 lower triangle, row-major
		signs []float64
		nreg  int
		err   error
	}{
		{"rank one", []float64{1, 0, 0, 1, 1, 0, 1, 1, 1}, []float64{1, 1, 1}, 2, nil},
		{"wrong sign", []float64{2, 0, 0, 1, -3, 0, 0, 0, 4}, []float64{1, 1, 1}, 1, nil},
		{"quasi-definite", []float64{2, 0, 0, 1, -3, 0, 0, 1, 4}, []float64{1, -1, 1}, 0, nil},
		{"NaN", []float64{2, 0, 0, math.NaN(), 3, 0, 0, 1, 4}, []float64{1, 1, 1}, 0, ErrSingular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls, lg := append([]float64(nil), tc.a...), append([]float64(nil), tc.a...)
			ds, dg := make([]float64, 3), make([]float64, 3)
			rs, errS := smallLDL(ls, 3, tc.signs, ds, make([]float64, 12))
			rg, errG := denseLDLRows(lg, 3, 3, tc.signs, dg, make([]float64, 12))
			if !errors.Is(errS, tc.err) || !errors.Is(errG, tc.err) {
				t.Fatalf("errors %v, general %v, want %v", errS, errG, tc.err)
			}
			if tc.err != nil {
				return
			}
			if rs != tc.nreg || rg != tc.nreg {
				t.Fatalf("%d regularized pivots, general %d, want %d", rs, rg, tc.nreg)
			}
			checkClose(t, "pivots", 3, ds, dg, 1e-15)
		})
	}
}

func checkClose(t *testing.T, what string, n int, got, want []float64, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if e := math.Abs(got[i] - want[i]); !(e <= tol*scale) {
			t.Fatalf("%s, n %d: [%d] = %g, want %g", what, n, i, got[i], want[i])
		}
	}
}

// The two-row small triangular solves are the one-row substitutions bit
// for bit (each sum and each update of x in the same order), on every
// order up to dualSmallMax + 1 (both parities of the two-row loops) with
// zero entries in x (the skipped updates).
func TestDualSmallSolvesRowOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	for n := 1; n <= dualSmallMax+1; n++ {
		ld := n + 1
		l := make([]float64, n*ld)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		b := make([]float64, n)
		for i := range b {
			if rng.Intn(4) > 0 {
				b[i] = rng.NormFloat64()
			}
		}
		for _, tr := range []bool{false, true} {
			got, want := append([]float64(nil), b...), append([]float64(nil), b...)
			if tr {
				smallLowerTSolve(l, ld, n, got)
				for i := n - 1; i > 0; i-- {
					if xi := want[i]; xi != 0 {
						for k := 0; k < i; k++ {
							want[k] -= xi * l[i*ld+k]
						}
					}
				}
			} else {
				smallLowerSolve(l, ld, n, got)
				for i := 1; i < n; i++ {
					s := want[i]
					for k := 0; k < i; k++ {
						s -= l[i*ld+k] * want[k]
					}
					want[i] = s
				}
			}
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n %d transposed %v: [%d] = %v, one row at a time %v", n, tr, i, got[i], want[i])
				}
			}
		}
	}
}

// smallLDL's assembly kernel (smallLDLAVX) is its Go loops bit for bit:
// the factor, the pivots, the regularization count and the error, on
// every order up to dualSmallMax (both parities of the kernel's two-term
// passes) for quasi-definite matrices, matrices whose pivots are
// regularized (rank deficient, wrong signs, with the later rows
// eliminated by the replaced pivots) and ones with a NaN or an infinity
// (ErrSingular at the row it reaches), with the kernel on and off.
func TestSmallLDLAsmBits(t *testing.T) {
	if !pairAsm {
		t.Skip("no assembly kernels")
	}
	defer func(v bool) { noLDLAsm = v }(noLDLAsm)
	rng := rand.New(rand.NewSource(19))
	type result struct {
		l, d []float64
		nreg int
		err  error
	}
	run := func(a, signs []float64, n int, asm bool) result {
		noLDLAsm = !asm
		l, d := append([]float64(nil), a...), make([]float64, n)
		for i := range d {
			d[i] = math.NaN() // written by both before it is read
		}
		nreg, err := smallLDL(l, n, signs, d, make([]float64, n))
		return result{l, d, nreg, err}
	}
	checked, regs, bad := 0, 0, 0
	for n := 0; n <= dualSmallMax; n++ {
		for c := 0; c < 6; c++ {
			a, signs := lowerQuasiDefinite(rng, n, (c*n)/5)
			switch c {
			case 3: // rank deficient: rows repeat, pivots vanish
				for i := 2; i < n; i += 3 {
					copy(a[i*n:i*n+i], a[(i-1)*n:(i-1)*n+i-1])
					a[i*n+i-1] = a[(i-1)*n+i-1]
					a[i*n+i] = a[(i-1)*n+i-1]
				}
			case 4: // wrong signs
				for i := range signs {
					if rng.Intn(3) == 0 {
						signs[i] = -signs[i]
					}
				}
			case 5: // a non-finite entry in a random row
				if n > 0 {
					i := rng.Intn(n)
					a[i*n+rng.Intn(i+1)] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[rng.Intn(3)]
				}
			}
			got, want := run(a, signs, n, true), run(a, signs, n, false)
			if !errors.Is(got.err, want.err) || got.nreg != want.nreg {
				t.Fatalf("n %d case %d: (%d, %v), Go loops (%d, %v)", n, c, got.nreg, got.err, want.nreg, want.err)
			}
			for i := range want.l {
				if math.Float64bits(got.l[i]) != math.Float64bits(want.l[i]) && !(math.IsNaN(got.l[i]) && math.IsNaN(want.l[i])) {
					t.Fatalf("n %d case %d: l[%d] = %v, Go loops %v", n, c, i, got.l[i], want.l[i])
				}
			}
			for i := range want.d {
				if math.Float64bits(got.d[i]) != math.Float64bits(want.d[i]) && !(math.IsNaN(got.d[i]) && math.IsNaN(want.d[i])) {
					t.Fatalf("n %d case %d: d[%d] = %v, Go loops %v", n, c, i, got.d[i], want.d[i])
				}
			}
			checked++
			regs += want.nreg
			if want.err != nil {
				bad++
			}
		}
	}
	if regs == 0 || bad == 0 || checked == bad {
		t.Fatalf("cases not exercised: %d regularized pivots, %d of %d singular", regs, bad, checked)
	}
}

// denseSolve4 and denseSolve4Pair at small orders (vec.LDLSolvePairs:
// the two-row substitutions and the division in one call) give the Go
// loops' solutions (noTriAsm) bit for bit, on every order to
// dualSmallMax, with zero entries in the right-hand sides.
func TestDenseSolve4SmallAsm(t *testing.T) {
	if !pairAsm {
		t.Skip("no assembly kernels")
	}
	defer func(v bool) { noTriAsm = v }(noTriAsm)
	rng := rand.New(rand.NewSource(37))
	for n := 1; n <= dualSmallMax; n++ {
		a, signs := lowerQuasiDefinite(rng, n, (n+1)/2)
		d := make([]float64, n)
		if _, err := denseLDLRows(a, n, n, signs, d, make([]float64, 4*n)); err != nil {
			t.Fatal(n, err)
		}
		b1, b2 := make([]float64, n), make([]float64, n)
		for i := range b1 {
			if rng.Intn(4) > 0 {
				b1[i] = rng.NormFloat64()
			}
			b2[i] = rng.NormFloat64()
		}
		var got, want [3][]float64
		for _, asm := range []bool{true, false} {
			noTriAsm = !asm
			s := append([]float64(nil), b1...)
			denseSolve4(a, d, n, s)
			x, y := append([]float64(nil), b1...), append([]float64(nil), b2...)
			denseSolve4Pair(a, d, n, x, y)
			if asm {
				got = [3][]float64{s, x, y}
			} else {
				want = [3][]float64{s, x, y}
			}
		}
		for k := range want {
			for i := range want[k] {
				if math.Float64bits(got[k][i]) != math.Float64bits(want[k][i]) {
					t.Fatalf("n %d vector %d: [%d] = %v, Go loops %v", n, k, i, got[k][i], want[k][i])
				}
			}
		}
		if math.Float64bits(got[0][0]) != math.Float64bits(got[1][0]) {
			t.Fatalf("n %d: denseSolve4Pair's first vector differs from denseSolve4's", n)
		}
	}
}
