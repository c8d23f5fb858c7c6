package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// bpqpKKT is the KKT matrix of the BPQP study's dense QP (P = P′ᵀP′ +
// δI, P′ ~ U(0, 1): condition ~n²/δ) or, with lp, of its ε-ridge LP
// (P = εI), with m rows of A ~ U(0, 1): the first half equality rows
// (H = 0), the others inequality rows with H spread over 1e-6…1e2 as
// late interior-point iterates have; row zeroRow (≥ 0) has a zero A row.
func bpqpKKT(rng *rand.Rand, nx, m int, lp bool, zeroRow int) (*Pattern, []float64) {
	b := newUpperBuilder(nx + m)
	if lp {
		for j := 0; j < nx; j++ {
			b.add(j, j, 1e-6)
		}
	} else {
		pp := make([]float64, nx*nx)
		for k := range pp {
			pp[k] = rng.Float64()
		}
		for i := 0; i < nx; i++ {
			for j := i; j < nx; j++ {
				s := 0.0
				for k := 0; k < nx; k++ {
					s += pp[k*nx+i] * pp[k*nx+j]
				}
				if i == j {
					s += 1e-6
				}
				b.add(i, j, s)
			}
		}
	}
	for r := 0; r < m; r++ {
		if r != zeroRow {
			for j := 0; j < nx; j++ {
				b.add(j, nx+r, rng.Float64())
			}
		}
		h := 0.0
		if r >= m/2 {
			h = math.Pow(10, -8+12*rng.Float64())
		}
		b.add(nx+r, nx+r, -h)
	}
	return b.build()
}

// The row-block correction of DenseDual's solve (correct). On the ε-ridge
// LP's systems (P = εI, H over 1e-8…1e4; every row coupled, a zero A row,
// an active-set system with masked rows) a single Solve, without iterative
// refinement, meets the refinement tolerances (1e-12 + 1e-13‖b‖∞), where
// the solve without the correction misses them by 10–10³ times (so the
// systems exercise it). On the dense-P systems the residual already meets
// them and the correction is skipped; there correct is checked directly:
// from (y, z) = 0 with b = [0; b_z] (b_z zero on the decoupled rows), then
// x = L⁻ᵀy, it is the whole solve of K [x; z] = [0; b_z] (r = b_z), and
// must reach a normwise backward error at rounding level — a wrong sign,
// row map or x-block step in it would not.
func TestDenseDualRowCorrection(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	for _, c := range []struct {
		nx, m   int
		lp      bool
		zeroRow int
		mask    bool
	}{
		{24, 10, false, -1, false}, {40, 20, false, 13, false}, {64, 24, false, -1, true}, {150, 40, false, 30, true},
		{24, 10, true, -1, false}, {50, 20, true, 15, false}, {64, 36, true, -1, true}, {150, 40, true, 30, true},
	} {
		pat, vals := bpqpKKT(rng, c.nx, c.m, c.lp, c.zeroRow)
		f, err := NewDenseDual(pat, c.nx)
		if err != nil {
			t.Fatal(err)
		}
		if c.mask {
			// Factor the full system first, then decouple every third
			// inequality row (A row zero, H = 1): DenseDual masks them.
			if err := f.Factor(vals); err != nil {
				t.Fatal(err)
			}
			act := append([]float64(nil), vals...)
			for j := c.nx + c.m/2; j < pat.N; j += 3 {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if pat.Rowval[k] == j {
						act[k] = -1
					} else {
						act[k] = 0
					}
				}
			}
			vals = act
		}
		b := make([]float64, pat.N)
		SymMulVec(pat, vals, randVec(rand.New(rand.NewSource(5)), pat.N), b)
		residual := func(x []float64) float64 {
			r := make([]float64, pat.N)
			SymMulVec(pat, vals, x, r)
			for i := range r {
				r[i] -= b[i]
			}
			return normInf(r)
		}
		tol := 1e-12 + 1e-13*normInf(b)
		var res [2]float64
		for k, noCorrect := range []bool{false, true} {
			f.noCorrect = noCorrect
			if err := f.Factor(vals); err != nil {
				t.Fatal(err)
			}
			if f.masked != c.mask || f.nreg != 0 {
				t.Fatalf("%+v: masked %v, %d regularized pivots", c, f.masked, f.nreg)
			}
			x := append([]float64(nil), b...)
			f.Solve(x)
			res[k] = residual(x)
		}
		if res[0] > tol {
			t.Errorf("%+v: residual %g with the correction, above %g", c, res[0], tol)
		}
		if c.lp && res[1] < 10*tol {
			t.Errorf("%+v: residual %g without the correction (%g with, tolerance %g): the system does not exercise it", c, res[1], res[0], tol)
		}
		// correct alone from zero: the solve of K [x; z] = [0; b_z], b_z
		// zero on the decoupled rows (which correct leaves to solve).
		f.noCorrect = false
		coupled := make([]bool, c.m)
		for _, i := range f.rows[:f.nr] {
			coupled[i] = true
		}
		clear(b[:c.nx])
		for i, on := range coupled {
			if !on {
				b[c.nx+i] = 0
			}
		}
		x := make([]float64, pat.N)
		f.correct(b, x[:c.nx], x[c.nx:]) // y = Lᵀx of the correction
		if !f.diagX {
			lowerTSolve(f.lp, c.nx, c.nx, x[:c.nx])
		}
		if r := relResidual(pat, vals, x, b); r > 1e-14 {
			t.Errorf("%+v: correct from zero leaves a normwise residual %g", c, r)
		}
		want := append([]float64(nil), b...)
		f.Solve(want)
		if d := relDiff(x, want); d > 1e-8 {
			t.Errorf("%+v: correct from zero differs from Solve by %g", c, d)
		}
	}
}

// The row-block correction is taken by the first solve after each Factor
// and, once one solve since C was formed needed it, by every solve until
// C is formed again; otherwise the later solves of a factorization leave
// it out (the BPQP study's QP 10×5 needed it in 3 of 405 solves, its
// residual product a twentieth of a solve's instructions). On the ε-ridge
// LP's systems, which need it, the second and third solves after a Factor
// still meet the refinement tolerance; on the dense-P systems none needs
// it; new x-block data start over.
func TestDenseDualCorrectionSticky(t *testing.T) {
	rng := rand.New(rand.NewSource(33))
	for _, lp := range []bool{true, false} {
		pat, vals := bpqpKKT(rng, 24, 10, lp, -1)
		f, err := NewDenseDual(pat, 24)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
		for s := 0; s < 3; s++ {
			b := make([]float64, pat.N)
			SymMulVec(pat, vals, randVec(rng, pat.N), b)
			x := append([]float64(nil), b...)
			f.Solve(x)
			r := make([]float64, pat.N)
			SymMulVec(pat, vals, x, r)
			for i := range r {
				r[i] -= b[i]
			}
			if tol := 1e-12 + 1e-13*normInf(b); normInf(r) > tol {
				t.Errorf("lp %v, solve %d after Factor: residual %g above %g", lp, s, normInf(r), tol)
			}
		}
		if f.corrNeed != lp {
			t.Errorf("lp %v: correction needed recorded %v", lp, f.corrNeed)
		}
		// New x-block data: C is formed again and the record starts over.
		vals2 := append([]float64(nil), vals...)
		vals2[0] *= 2
		if err := f.Factor(vals2); err != nil {
			t.Fatal(err)
		}
		if f.corrNeed || f.corrSolved {
			t.Errorf("lp %v: record (%v, %v) after new data", lp, f.corrNeed, f.corrSolved)
		}
	}
}
