package linsys

import "math"

// DiagonalX reports whether the factorization's x block is diagonal:
// every strictly lower entry of its LDLᵀ factor is ±0, as DenseDual
// factors a diagonal x block (an ε-ridge LP's P = εI). SolveDiagonalX
// then solves without the x block's two triangular passes over those
// zeros. It reads the nx(nx−1)/2 entries once (no branch per entry), and
// stops at the first row with a nonzero one.
func (f *DualFactor) DiagonalX() bool {
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
// without the triangular passes; the other steps are Solve's. The
// solution is Solve's up to the sign of a zero. With an x block that is
// not diagonal it solves another system (the caller checks DiagonalX).
func (f *DualFactor) SolveDiagonalX(b []float64) {
	nx, nr := f.nx, f.nr
	t, zc := f.t, f.zc
	for k := range t {
		t[k] = b[k] / f.dp[k]
	}
	for a, i := range f.rows {
		zc[a] = dot(f.w[a*nx:a*nx+nx], t) - b[nx+i]
	}
	for k := 1; k < nr; k++ {
		o := k * (k - 1) / 2
		zc[k] -= dot(f.l[o:o+k], zc[:k])
	}
	for k := range zc {
		zc[k] /= f.d[k]
	}
	for k := nr - 1; k >= 1; k-- {
		o := k * (k - 1) / 2
		axpy(-zc[k], f.l[o:o+k], zc[:k])
	}
	g := b[:nx]
	clear(g)
	for a := range f.rows {
		if zc[a] != 0 {
			axpy(zc[a], f.w[a*nx:a*nx+nx], g)
		}
	}
	for k := range t {
		g[k] = t[k] - g[k]/f.dp[k]
	}
	for i := 0; i < f.mr; i++ {
		if !f.coupled[i] {
			b[nx+i] = -b[nx+i]
		}
	}
	for a, i := range f.rows {
		b[nx+i] = zc[a]
	}
}
