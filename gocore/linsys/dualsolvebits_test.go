package linsys

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// dualSolveRef is DualFactor.Solve's definition, written as the plain
// loops over the record (per entry indexing, packed offsets k(k−1)/2):
// the same operations in the same order.
func dualSolveRef(f *DualFactor, b []float64) {
	nx, nr := f.nx, f.nr
	t, zc := make([]float64, nx), make([]float64, nr)
	copy(t, b[:nx])
	for k := 1; k < nx && !f.diag; k++ {
		o := k * (k - 1) / 2
		t[k] -= vec.Dot(f.lp[o:o+k], t[:k])
	}
	for k := range t {
		t[k] /= f.dp[k]
	}
	for a, i := range f.rows {
		zc[a] = vec.Dot(f.w[a*nx:a*nx+nx], t) - b[nx+i]
	}
	dualRowSolveRef(f, zc)
	g := b[:nx]
	clear(g)
	for a := range f.rows {
		if zc[a] != 0 {
			vec.Axpy(zc[a], f.w[a*nx:a*nx+nx], g)
		}
	}
	for k := range t {
		t[k] -= g[k] / f.dp[k]
	}
	for k := nx - 1; k >= 1 && !f.diag; k-- {
		o := k * (k - 1) / 2
		vec.Axpy(-t[k], f.lp[o:o+k], t[:k])
	}
	copy(b[:nx], t)
	dualRowsOutRef(f, b, zc)
}

// dualSolveDiagonalXRef is SolveDiagonalX's definition in plain loops:
// W's rows four at a time by Dot4 and Axpy4, the rest by Dot and Axpy.
func dualSolveDiagonalXRef(f *DualFactor, b []float64) {
	nx, nr := f.nx, f.nr
	t, zc := make([]float64, nx), make([]float64, nr)
	for k := range t {
		t[k] = b[k] / f.dp[k]
	}
	var out [4]float64
	a := 0
	for ; a+4 <= nr; a += 4 {
		w := f.w[a*nx : (a+4)*nx]
		vec.Dot4(w[:nx], w[nx:2*nx], w[2*nx:3*nx], w[3*nx:], t, nx, &out)
		for r := 0; r < 4; r++ {
			zc[a+r] = out[r] - b[nx+f.rows[a+r]]
		}
	}
	for ; a < nr; a++ {
		zc[a] = vec.Dot(f.w[a*nx:a*nx+nx], t) - b[nx+f.rows[a]]
	}
	dualRowSolveRef(f, zc)
	g := b[:nx]
	clear(g)
	a = 0
	for ; a+4 <= nr; a += 4 {
		w := f.w[a*nx : (a+4)*nx]
		c := [4]float64{zc[a], zc[a+1], zc[a+2], zc[a+3]}
		vec.Axpy4(&c, w[:nx], w[nx:2*nx], w[2*nx:3*nx], w[3*nx:], g, nx)
	}
	for ; a < nr; a++ {
		if zc[a] != 0 {
			vec.Axpy(zc[a], f.w[a*nx:a*nx+nx], g)
		}
	}
	for k := range t {
		g[k] = t[k] - g[k]/f.dp[k]
	}
	dualRowsOutRef(f, b, zc)
}

// dualRowSolveRef solves the row block's LDLᵀ in place (packed rows).
func dualRowSolveRef(f *DualFactor, zc []float64) {
	for k := 1; k < f.nr; k++ {
		o := k * (k - 1) / 2
		zc[k] -= vec.Dot(f.l[o:o+k], zc[:k])
	}
	for k := range zc {
		zc[k] /= f.d[k]
	}
	for k := f.nr - 1; k >= 1; k-- {
		o := k * (k - 1) / 2
		vec.Axpy(-zc[k], f.l[o:o+k], zc[:k])
	}
}

// dualRowsOutRef writes the rows' part of the solution: −b_i on the
// decoupled rows, z on the coupled ones.
func dualRowsOutRef(f *DualFactor, b, zc []float64) {
	for i := 0; i < f.mr; i++ {
		if !f.coupled[i] {
			b[f.nx+i] = -b[f.nx+i]
		}
	}
	for a, i := range f.rows {
		b[f.nx+i] = zc[a]
	}
}

// TestDualFactorSolveBits: DualFactor.Solve and SolveDiagonalX give their
// definitions' solutions (dualSolveRef, dualSolveDiagonalXRef) bit for
// bit, and SolveDiagonalXScaled the scalings and SolveDiagonalX in turn,
// on full and active-set records of x blocks dense and diagonal, over
// coupled-row counts with every remainder of four (the unrolled kernels'
// tails) and right-hand sides with zero entries (zeros of b_x through the
// x-block passes, the decoupled rows' negation of a zero). Zero entries
// of b do not make z = Wt − b_z zero, so the Axpy skipped for a zero z is
// not exercised here (it would add only ±0 to g, which starts at +0).
func TestDualFactorSolveBits(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	bits := func(t *testing.T, what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: entry %d is %v, its definition gives %v", what, i, got[i], want[i])
			}
		}
	}
	for _, sz := range []struct{ nx, m int }{{1, 1}, {2, 1}, {3, 2}, {5, 4}, {6, 3}, {9, 5}, {10, 7}, {13, 8}, {17, 12}, {45, 33}} {
		for _, decouple := range []int{0, 2, 3} {
			for _, diagonal := range []bool{false, true} {
				pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.5, 1e-1)
				f, err := NewDenseDual(pat, sz.nx)
				if err != nil {
					t.Fatal(err)
				}
				v := append([]float64(nil), vals...)
				for j := 0; j < pat.N; j++ {
					for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
						i := pat.Rowval[k]
						switch {
						case diagonal && j < sz.nx && i != j:
							v[k] = 0
						case decouple > 0 && j >= sz.nx && (j-sz.nx)%decouple == 1 && i == j:
							v[k] = -1 // row j−nx decoupled
						case decouple > 0 && j >= sz.nx && (j-sz.nx)%decouple == 1 && i < sz.nx:
							v[k] = 0
						}
					}
				}
				if err := f.Factor(v); err != nil {
					t.Fatalf("%+v: %v", sz, err)
				}
				buf := make([]float64, DualFactorLen(sz.nx, min(sz.nx, sz.m)))
				k := f.ExportFactor(buf)
				view, ok := ParseDualFactor(buf[:k], sz.nx, sz.m)
				if k == 0 || !ok {
					t.Fatalf("%+v: not exported", sz)
				}
				if diagonal && !view.DiagonalX() {
					t.Fatalf("%+v: diagonal x block not recognized", sz)
				}
				for r := 0; r < 3; r++ {
					b := randVec(rng, pat.N)
					if r == 1 {
						for i := range b {
							if rng.Intn(3) == 0 {
								b[i] = 0
							}
						}
					}
					got, want := append([]float64(nil), b...), append([]float64(nil), b...)
					view.Solve(got)
					dualSolveRef(view, want)
					bits(t, "Solve", got, want)
					if diagonal {
						got, want = append(got[:0], b...), append(want[:0], b...)
						view.SolveDiagonalX(got)
						dualSolveDiagonalXRef(view, want)
						bits(t, "SolveDiagonalX", got, want)
						// The scaled form: the three steps it fuses.
						sc, k := randVec(rng, sz.nx), 0.5+rng.Float64()
						got, want = append(got[:0], b...), append(want[:0], b...)
						view.SolveDiagonalXScaled(got, sc, k)
						for j, d := range sc {
							want[j] *= k * d
						}
						dualSolveDiagonalXRef(view, want)
						for j, d := range sc {
							want[j] *= d
						}
						bits(t, "SolveDiagonalXScaled", got, want)
					}
				}
			}
		}
	}
}
