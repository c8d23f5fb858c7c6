package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// formWCRef is formC's W and C by its earlier loops, kept as the oracle:
// w_i = L⁻¹a_i by one Dot per row and column, then the lower triangle of
// C = (W D⁻¹) Wᵀ row by row, a Dot4 per four rows of W and a Dot for each
// row left. It returns W (nw×nx) and C (nw×nw, lower triangle).
func formWCRef(f *DenseDual) (w, c []float64) {
	nx, mr := f.nx, f.mr
	for i := 0; i < mr; i++ {
		if f.wpos[i] >= 0 {
			w = append(w, f.a[i*nx:i*nx+nx]...)
		}
	}
	nw := len(w) / nx
	for i := 0; i < nw && !f.diagX; i++ {
		wi := w[i*nx : i*nx+nx]
		for k := 0; k < nx; k++ {
			wi[k] -= dot(f.lp[k*nx:k*nx+k], wi[:k])
		}
	}
	c = make([]float64, nw*nw)
	vi := make([]float64, nx)
	var sums [4]float64
	for i := 0; i < nw; i++ {
		for k := range vi {
			vi[k] = w[i*nx+k] / f.dp[k]
		}
		row := c[i*nw : i*nw+i+1]
		j := 0
		for ; j+4 <= i+1; j += 4 {
			dot4(w[j*nx:], w[(j+1)*nx:], w[(j+2)*nx:], w[(j+3)*nx:], vi, nx, &sums)
			row[j], row[j+1], row[j+2], row[j+3] = sums[0], sums[1], sums[2], sums[3]
		}
		for ; j <= i; j++ {
			row[j] = dot(vi, w[j*nx:j*nx+nx])
		}
	}
	return w, c
}

// TestDenseDualFormWC: formC's W = L⁻¹-rows of A (vec.ForwardRows4 four
// rows at a time, the loop for the rest) and C (vec's row kernels) are bit
// for bit the earlier loops' (formWCRef) below the level-3 orders: orders
// of every residue mod 4 and 16, 1…40 rows (odd tails of the groups of
// four), dense and diagonal x blocks, a zero A row; with the assembly
// triangular kernels and with their Go fallbacks.
func TestDenseDualFormWC(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	type size struct {
		nx, m    int
		lp, zero bool
	}
	sizes := []size{{1, 1, false, false}, {3, 2, false, false}, {7, 5, false, true}, {8, 4, false, false},
		{9, 13, false, false}, {10, 10, false, false}, {10, 10, true, false}, {31, 40, false, true},
		{50, 20, false, false}, {50, 20, true, false}, {50, 31, false, true}, {63, 7, false, false}, {100, 3, false, false}}
	for len(sizes) < 60 {
		sizes = append(sizes, size{1 + rng.Intn(70), 1 + rng.Intn(40), rng.Intn(4) == 0, rng.Intn(3) == 0})
	}
	defer func() { noTriAsm = false }()
	for _, asm := range []bool{true, false} {
		noTriAsm = !asm
		for _, sz := range sizes {
			zeroRow := -1
			if sz.zero {
				zeroRow = rng.Intn(sz.m)
			}
			pat, vals := bpqpKKT(rng, sz.nx, sz.m, sz.lp, zeroRow)
			f, err := NewDenseDual(pat, sz.nx)
			if err != nil {
				t.Fatal(err)
			}
			if f.gw != nil {
				continue // the level-3 path: W and C by vec.Workspace
			}
			if err := f.Factor(vals); err != nil {
				t.Fatalf("%+v: %v", sz, err)
			}
			if f.diagX != (sz.lp || sz.nx == 1) {
				t.Fatalf("%+v: diagonal x block %v", sz, f.diagX)
			}
			w, c := formWCRef(f)
			nw, nx := f.nw, f.nx
			if nw*nx != len(w) {
				t.Fatalf("%+v: %d rows of W, the oracle %d", sz, nw, len(w)/nx)
			}
			for k, v := range w {
				if math.Float64bits(f.w[k]) != math.Float64bits(v) {
					t.Fatalf("%+v asm %v: W[%d][%d] = %v, the loop %v", sz, asm, k/nx, k%nx, f.w[k], v)
				}
			}
			for i := 0; i < nw; i++ {
				for j := 0; j <= i; j++ {
					if got, want := f.c[i*f.mr+j], c[i*nw+j]; math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("%+v asm %v: C[%d][%d] = %v, the loop %v", sz, asm, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestForwardHead: forwardHead, formC's columns below dotAsmMin written
// out, is the loop of Dot calls it replaces bit for bit but for a NaN's
// payload (which of two NaN operands an addition keeps follows the
// order the compiler gives them; x blocks of order 1…12, every k0 up to
// dotAsmMin, magnitudes over many binades, ±0, NaN and ±Inf): a
// sequential sum, another grouping of the four partial sums or a skipped
// column differs in some bit of these.
func TestForwardHead(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	vals := func(n int, special bool) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(8*rng.NormFloat64())
			if special && rng.Intn(6) == 0 {
				v[i] = specials[rng.Intn(len(specials))]
			}
		}
		return v
	}
	for trial := 0; trial < 3000; trial++ {
		nx := 1 + trial%12
		k0 := min(nx, rng.Intn(dotAsmMin+1))
		special := trial%5 == 4
		lp, wi := vals(nx*nx, special), vals(nx, special)
		want := append([]float64(nil), wi...)
		for k := 0; k < k0; k++ {
			want[k] -= dot(lp[k*nx:k*nx+k], want[:k])
		}
		forwardHead(lp, nx, k0, wi)
		for i := range want {
			if math.Float64bits(wi[i]) != math.Float64bits(want[i]) && !(math.IsNaN(wi[i]) && math.IsNaN(want[i])) {
				t.Fatalf("nx=%d k0=%d: w[%d] = %v, the Dot loop %v", nx, k0, i, wi[i], want[i])
			}
		}
	}
}

// BenchmarkDenseDualFormC: Factor with a new x block each call (formC:
// the x block's LDLᵀ, W and C, then the row block) at the BPQP study's
// dense QP orders.
func BenchmarkDenseDualFormC(b *testing.B) {
	for _, sz := range []struct{ nx, m int }{{10, 10}, {50, 20}, {100, 40}} {
		b.Run(fmt.Sprintf("%dx%d", sz.nx, sz.m), func(b *testing.B) {
			rng := rand.New(rand.NewSource(5))
			pat, vals := bpqpKKT(rng, sz.nx, sz.m, false, -1)
			v2 := append([]float64(nil), vals...)
			for j := 0; j < sz.nx; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if pat.Rowval[k] == j {
						v2[k] *= 2
					}
				}
			}
			f, err := NewDenseDual(pat, sz.nx)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v := vals
				if i%2 == 1 {
					v = v2
				}
				if err := f.Factor(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestForwardHeadRowsAsm: forwardHeadRows' assembly kernel
// (forwardHeadAVX) and its Go loop (noTriAsm: forwardHead per row) leave
// the same rows, bit for bit but for a NaN's payload, the Dot loop's
// numbers, for every order to 12, head k0 ≤ dotAsmMin and 1–5 rows, with
// NaNs, infinities and zeros of both signs among the values (the rows
// past the head untouched).
func TestForwardHeadRowsAsm(t *testing.T) {
	defer func(v bool) { noTriAsm = v }(noTriAsm)
	rng := rand.New(rand.NewSource(41))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	vals := func(n int, special bool) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
			if special && rng.Intn(6) == 0 {
				v[i] = specials[rng.Intn(len(specials))]
			}
		}
		return v
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for trial := 0; trial < 2000; trial++ {
		nx := 1 + trial%12
		k0 := min(nx, rng.Intn(dotAsmMin+1))
		nrows := 1 + rng.Intn(5)
		special := trial%5 == 4
		lp, w := vals(nx*nx, special), vals(nrows*nx, special)
		want := append([]float64(nil), w...)
		for r := 0; r < nrows; r++ {
			wr := want[r*nx : r*nx+nx]
			for k := 0; k < k0; k++ {
				wr[k] -= dot(lp[k*nx:k*nx+k], wr[:k])
			}
		}
		for _, asm := range []bool{true, false} {
			noTriAsm = !asm
			got := append([]float64(nil), w...)
			forwardHeadRows(lp, nx, k0, got, nrows)
			for i := range want {
				if !same(got[i], want[i]) {
					t.Fatalf("nx=%d k0=%d rows=%d asm=%v: w[%d] = %v, the Dot loop %v", nx, k0, nrows, asm, i, got[i], want[i])
				}
			}
		}
	}
}

// TestForwardHeadRowsShortW: both paths of forwardHeadRows panic on a w
// whose last row is shorter than nx, also when the head k0 fits in it
// (the assembly path once checked only the last row's head).
func TestForwardHeadRowsShortW(t *testing.T) {
	defer func(v bool) { noTriAsm = v }(noTriAsm)
	for _, asm := range []bool{true, false} {
		for _, c := range []struct{ nx, k0, nrows, short int }{
			{6, 3, 2, 1}, {6, 3, 2, 3}, {4, 4, 1, 1}, {12, 2, 5, 10},
		} {
			noTriAsm = !asm
			lp := make([]float64, c.nx*c.nx)
			w := make([]float64, c.nrows*c.nx-c.short)
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				forwardHeadRows(lp, c.nx, c.k0, w, c.nrows)
				return false
			}()
			if !panicked {
				t.Fatalf("asm=%v %+v: no panic on len(w) = %d < %d", asm, c, len(w), c.nrows*c.nx)
			}
		}
	}
}
