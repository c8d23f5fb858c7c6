package linsys

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// DualFactorLen is the number of words ExportFactor writes for an x block
// of order nx and nr coupled rows: nx, nr, the coupled rows, the x-block
// pivots and strictly lower factor (packed by rows), the coupled rows of
// W = L⁻¹Aᵀ (nr × nx) and the row block's pivots and strictly lower
// factor (packed). A diagonal x block (L = I, nx ≥ 2) is marked by −nx in
// the first word instead, and its strictly lower factor is left unwritten
// (nx(nx−1)/2 zeros that a reader need not touch).
func DualFactorLen(nx, nr int) int {
	return 2 + nr + nx + nx*(nx-1)/2 + nr*nx + nr + nr*(nr-1)/2
}

// ExportFactor writes the last factorization into dst in the layout
// DualFactorLen describes and returns the number of words written, or 0
// when it cannot be exported: an extended x block (NewDenseDualOrder with
// an order), regularized pivots, no valid factorization, or dst too short.
// ParseDualFactor reads it back to solve with it without the DenseDual
// (the kkt backward reusing a forward's polished active-set system).
func (f *DenseDual) ExportFactor(dst []float64) int {
	nx, nr := f.nx, f.nr
	if f.order != nil || f.kv != nil || !f.valid || f.refused || f.nreg > 0 {
		return 0
	}
	size := DualFactorLen(nx, nr)
	if len(dst) < size {
		return 0
	}
	dst[0], dst[1] = float64(nx), float64(nr)
	if f.diagX && nx >= 2 {
		dst[0] = -float64(nx)
	}
	p := 2
	for _, i := range f.rows[:nr] {
		dst[p] = float64(i)
		p++
	}
	p += copy(dst[p:], f.dp[:nx])
	if f.diagX {
		// L = I, marked in dst[0] (formC does not keep its zeros in lp
		// either): the words are skipped, not written.
		p += nx * (nx - 1) / 2
	} else {
		for i := 1; i < nx; i++ {
			p += copy(dst[p:], f.lp[i*nx:i*nx+i])
		}
	}
	for _, i := range f.rows[:nr] {
		w := f.wpos[i] * nx
		p += copy(dst[p:], f.w[w:w+nx])
	}
	p += copy(dst[p:], f.d[:nr])
	for i := 1; i < nr; i++ {
		p += copy(dst[p:], f.l[i*nr:i*nr+i])
	}
	return p
}

// DualFactor is a read-only view of a factorization written by
// DenseDual.ExportFactor: it solves the KKT system over the coupled rows,
// with every other row decoupled as −z_i = b_i.
type DualFactor struct {
	nx, mr, nr int
	rows       []int
	dp, lp     []float64 // x-block pivots, strictly lower factor (packed)
	w          []float64 // coupled rows of W (nr × nx)
	d, l       []float64 // row-block pivots, strictly lower factor (packed)
	t, zc      []float64 // scratch
	coupled    []bool
	// diag: the record marks the x block diagonal (L = I; lp unwritten).
	diag bool
}

// ParseDualFactor checks buf as ExportFactor's output for an x block of
// order nx and mr constraint rows and returns a view that solves with it
// (the view aliases buf). It reports false for anything ExportFactor could
// not have written: other orders, rows out of range or not increasing, a
// length mismatch, non-finite or zero pivots. It never panics on any
// content.
func ParseDualFactor(buf []float64, nx, mr int) (*DualFactor, bool) {
	f := new(DualFactor)
	return f, f.Parse(buf, nx, mr)
}

// Parse is ParseDualFactor into f, reusing f's scratch (no allocation once
// f has parsed a record of the same sizes).
func (f *DualFactor) Parse(buf []float64, nx, mr int) bool {
	if len(buf) < 2 || (buf[0] != float64(nx) && (nx < 2 || buf[0] != -float64(nx))) {
		return false
	}
	f.diag = buf[0] < 0
	nrf := buf[1]
	if !(nrf >= 0 && nrf <= float64(mr) && nrf <= float64(nx)) || nrf != math.Trunc(nrf) {
		return false
	}
	nr := int(nrf)
	if len(buf) != DualFactorLen(nx, nr) {
		return false
	}
	grow := func(s []float64, k int) []float64 {
		if cap(s) < k {
			return make([]float64, k)
		}
		return s[:k]
	}
	f.nx, f.mr, f.nr = nx, mr, nr
	if cap(f.rows) < nr {
		f.rows = make([]int, nr)
	}
	f.rows = f.rows[:nr]
	if cap(f.coupled) < mr {
		f.coupled = make([]bool, mr)
	}
	f.coupled = f.coupled[:mr]
	clear(f.coupled)
	f.t, f.zc = grow(f.t, nx), grow(f.zc, nr)
	p := 2
	prev := -1
	for a := 0; a < nr; a++ {
		v := buf[p+a]
		if !(v > float64(prev) && v < float64(mr)) || v != math.Trunc(v) {
			return false
		}
		f.rows[a] = int(v)
		f.coupled[f.rows[a]] = true
		prev = f.rows[a]
	}
	p += nr
	take := func(k int) []float64 {
		s := buf[p : p+k : p+k]
		p += k
		return s
	}
	f.dp = take(nx)
	f.lp = take(nx * (nx - 1) / 2)
	f.w = take(nr * nx)
	f.d = take(nr)
	f.l = take(nr * (nr - 1) / 2)
	for _, v := range f.dp {
		if !(v > 0) || math.IsInf(v, 0) {
			return false
		}
	}
	for _, v := range f.d {
		if !(v > 0) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Dim implements Factorizer.
func (f *DualFactor) Dim() int { return f.nx + f.mr }

// Regularized implements Factorizer (an exported factorization has none).
func (f *DualFactor) Regularized() int { return 0 }

// Factor implements Factorizer: a view cannot be refactored.
func (f *DualFactor) Factor([]float64) error { return ErrSingular }

// Solve implements Factorizer: b = [b_x; b_z] is overwritten by the
// solution, as DenseDual.Solve with the exported factorization (H = 0 on
// the coupled rows; the other rows decoupled with H = 1).
func (f *DualFactor) Solve(b []float64) {
	nx, nr := f.nx, f.nr
	// The loops run over slices of their exact lengths (no bounds check
	// per entry) and the packed rows' offsets are running sums; the
	// operations and their order are unchanged.
	t, zc, dp := f.t[:nx], f.zc[:nr], f.dp[:nx]
	bx, bz := b[:nx], b[nx:nx+f.mr]
	rows, d := f.rows[:nr], f.d[:nr]
	copy(t, bx)
	// t = D⁻¹ L⁻¹ b_x (L unit lower, packed by rows; none when marked
	// diagonal).
	if !f.diag {
		for k, o := 1, 0; k < nx; k++ {
			t[k] -= dot(f.lp[o:o+k], t[:k])
			o += k
		}
	}
	vec.Div(t, t, dp)
	// (C) z = W t − b_z on the coupled rows.
	for a, i := range rows {
		zc[a] = dot(f.w[a*nx:a*nx+nx], t) - bz[i]
	}
	for k, o := 1, 0; k < nr; k++ {
		zc[k] -= dot(f.l[o:o+k], zc[:k])
		o += k
	}
	vec.Div(zc, zc, d)
	for k := nr - 1; k >= 1; k-- {
		o := k * (k - 1) / 2
		axpy(-zc[k], f.l[o:o+k], zc[:k])
	}
	// x = L⁻ᵀ (t − D⁻¹ Wᵀ z).
	g := bx
	clear(g)
	for a, z := range zc {
		if z != 0 {
			axpy(z, f.w[a*nx:a*nx+nx], g)
		}
	}
	for k, p := range dp {
		t[k] -= g[k] / p
	}
	if !f.diag {
		for k, o := nx-1, (nx-1)*(nx-2)/2; k >= 1; k-- {
			axpy(-t[k], f.lp[o:o+k], t[:k])
			o -= k - 1
		}
	}
	copy(bx, t)
	for i, cp := range f.coupled[:len(bz)] {
		if !cp {
			bz[i] = -bz[i]
		}
	}
	for a, i := range rows {
		bz[i] = zc[a]
	}
}
