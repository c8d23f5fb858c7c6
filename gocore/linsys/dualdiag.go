package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// DiagonalX reports whether the factorization's x block is diagonal:
// every strictly lower entry of its LDLᵀ factor is ±0, as DenseDual
// factors a diagonal x block (an ε-ridge LP's P = εI). SolveDiagonalX
// then solves without the x block's two triangular passes over those
// zeros. It reads the nx(nx−1)/2 entries once (no branch per entry), and
// stops at the first row with a nonzero one. A record marked diagonal
// (DenseDual's diagonal x block, DualFactorLen) is, without the read.
func (f *DualFactor) DiagonalX() bool {
	if f.diag {
		return true
	}
	for k := 1; k < f.nx; k++ {
		o := k * (k - 1) / 2
		row := f.lp[o : o+k]
		var a0, a1, a2, a3 uint64
		for len(row) >= 4 {
			a0 |= math.Float64bits(row[0])
			a1 |= math.Float64bits(row[1])
			a2 |= math.Float64bits(row[2])
			a3 |= math.Float64bits(row[3])
			row = row[4:]
		}
		for _, x := range row {
			a0 |= math.Float64bits(x)
		}
		if (a0|a1|a2|a3)<<1 != 0 { // more than a sign bit: a nonzero entry
			return false
		}
	}
	return true
}

// SolveDiagonalX is Solve for a factorization whose x block is diagonal
// (DiagonalX): L = I in the x block, so t = D⁻¹b_x and x = t − D⁻¹Wᵀz
// without the triangular passes; the other steps are Solve's, with W's
// rows taken four at a time. The solution is Solve's to rounding (the
// products with W summed in another order). With an x block that is not
// diagonal it solves another system (the caller checks DiagonalX).
func (f *DualFactor) SolveDiagonalX(b []float64) { f.solveDiagonalX(b, nil, 0) }

// SolveDiagonalXScaled is SolveDiagonalX of a system equilibrated by the
// column scaling s of its x block and the factor k: bit for bit the three
// steps b_x[j] *= k·s[j]; SolveDiagonalX(b); b_x[j] *= s[j] (diff's
// solve of an unscaled system with a scaled record), the scalings taken
// in the solve's first and last passes over b_x instead of two of their
// own. s requires len(s) ≥ nx, the x block's order (only s[:nx] is
// read); a shorter s panics with an index out of range, as a b shorter
// than Dim() does.
func (f *DualFactor) SolveDiagonalXScaled(b, s []float64, k float64) {
	f.solveDiagonalX(b, s[:f.nx], k)
}

// solveDiagonalX is SolveDiagonalX, with s (not nil) SolveDiagonalXScaled.
func (f *DualFactor) solveDiagonalX(b, s []float64, ks float64) {
	nx, nr := f.nx, f.nr
	// The loops run over slices of their exact lengths (no bounds check
	// per entry: ~14 instructions per x entry in the divisions before);
	// the operations and their order are unchanged.
	t, zc, dp := f.t[:nx], f.zc[:nr], f.dp[:nx]
	bx, bz := b[:nx], b[nx:nx+f.mr]
	rows, d := f.rows[:nr], f.d[:nr]
	if s == nil {
		vec.Div(t, bx, dp)
	} else {
		s = s[:nx]
		for k, p := range dp {
			t[k] = bx[k] * (ks * s[k]) / p
		}
	}
	// W's coupled rows four at a time (vec.Dot4, vec.Axpy4 below): with
	// the triangular passes gone they are the solve's work, and one kernel
	// call per short row (nx = 50, 100 in the BPQP study) was call-bound.
	var out, c [4]float64
	a := 0
	for ; a+4 <= nr; a += 4 {
		w := f.w[a*nx : (a+4)*nx]
		vec.Dot4(w[:nx], w[nx:2*nx], w[2*nx:3*nx], w[3*nx:], t, nx, &out)
		r4, z4 := rows[a:a+4:a+4], zc[a:a+4:a+4]
		z4[0] = out[0] - bz[r4[0]]
		z4[1] = out[1] - bz[r4[1]]
		z4[2] = out[2] - bz[r4[2]]
		z4[3] = out[3] - bz[r4[3]]
	}
	for ; a < nr; a++ {
		zc[a] = dot(f.w[a*nx:a*nx+nx], t) - bz[rows[a]]
	}
	for k := 1; k < nr; k++ {
		o := k * (k - 1) / 2
		zc[k] -= dot(f.l[o:o+k], zc[:k])
	}
	vec.Div(zc, zc, d)
	for k := nr - 1; k >= 1; k-- {
		o := k * (k - 1) / 2
		axpy(-zc[k], f.l[o:o+k], zc[:k])
	}
	g := bx
	clear(g)
	a = 0
	for ; a+4 <= nr; a += 4 {
		w := f.w[a*nx : (a+4)*nx]
		c = [4]float64{zc[a], zc[a+1], zc[a+2], zc[a+3]}
		vec.Axpy4(&c, w[:nx], w[nx:2*nx], w[2*nx:3*nx], w[3*nx:], g, nx)
	}
	for ; a < nr; a++ {
		if zc[a] != 0 {
			axpy(zc[a], f.w[a*nx:a*nx+nx], g)
		}
	}
	if s == nil {
		for k, p := range dp {
			g[k] = t[k] - g[k]/p
		}
	} else {
		for k, p := range dp {
			g[k] = (t[k] - g[k]/p) * s[k]
		}
	}
	for i, cp := range f.coupled[:len(bz)] {
		if !cp {
			bz[i] = -bz[i]
		}
	}
	for a, i := range rows {
		bz[i] = zc[a]
	}
}
