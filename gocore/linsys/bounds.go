package linsys

import (
	"errors"
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// ErrBoundsForm reports a pattern DenseBounds cannot factor: coupled
// constraint rows.
var ErrBoundsForm = errors.New("linsys: pattern unsuited to the bound-row form")

// ErrBoundsRefused reports values DenseBounds does not factor: an x block
// with a nonzero off-diagonal value, a variable without a bound row, or
// more rows left than make the form cheaper than the caller's next one.
// The caller moves to another form.
var ErrBoundsRefused = errors.New("linsys: values unsuited to the bound-row form")

// DenseBounds factors a quasi-definite KKT matrix with a diagonal x block
// in which every variable has at least one bound row (an LP, or a QP with
// a diagonal P, with box or sign constraints):
//
//	K = [ Dx₀   A_Rᵀ  A_Bᵀ ]   x: indices < nx, Dx₀ diagonal (P + δI)
//	    [ A_R   H_R   0    ]   R: the other constraint rows
//	    [ A_B   0     H_B  ]   B: bound rows (one nonzero in A each), H_B < 0
//
// It eliminates the bound rows (each adds a²/|h| to one diagonal entry of
// the x block: Dx = Dx₀ − A_BᵀH_B⁻¹A_B, still diagonal and positive), then
// x (diagonal), and factors the rows' complement
//
//	M = H_R − A_R Dx⁻¹ A_Rᵀ   (|R| × |R|, negative definite)
//
// by the dense LDLᵀ, its product by the level-3 kernel (vec.MulSubNT):
// the classical normal equations A Θ Aᵀ of an LP interior-point method,
// |R|²n/2 + |R|³/6 multiply–adds per factorization. The bound rows are
// found from the values (a dense G of a layer holds the box as rows of
// ±I with explicit zeros) at every full scatter, i.e. once per data set.
// For the LPGD benchmark's box LP (n = 100, 60 dense rows, 200 bound rows,
// dense pattern) that is 0.22 M instead of the 1.7 M of DenseSchur's
// normal equations (all 250 rows structurally coupled to every x) or
// 7.8 M of the 360-row LDLᵀ. Like DenseSchur's fast form it loses
// accuracy when Dx has pivots near δ (a variable strictly inside its box
// near the solution): the caller checks the refined residual and moves to
// the next form (kkt.System).
type DenseBounds struct {
	pat     *Pattern
	n       int     // KKT dimension
	nx, m   int     // x block and constraint rows
	cand    []bool  // per constraint row: may be a bound row
	altCost float64 // multiply–adds of the caller's next form
	// Scattered values: dx0 (nx), a (m×nx row-major), h (m).
	dx0, a, h []float64
	buf       []float64
	dst       []int // value index → position in buf (−1: an off-diagonal x entry)
	hc        hCache
	// activeSet: the systems factored are active-set systems
	// (SetActiveSet): variables without a bound row are allowed.
	activeSet bool
	// Classification of the last full scatter (classify).
	ok       bool  // the values suit the form (bound rows aside)
	missingB bool  // some variable has no bound row
	rIdx     []int // complement rows (constraint row indices)
	fIdx     []int // free rows: candidates whose A row is zero (decoupled)
	bIdx     []int // bound rows (constraint row indices)
	bCol     []int // their variable
	ba, bh   []float64
	bq       []float64 // ba/bh of the last factorization (the solve's per-row quotient)
	ar, hr   []float64 // A_R (|R|×nx) and H_R
	hasB     []bool
	// Per factorization.
	dx, inv []float64 // Dx and Dx⁻¹
	l, d    []float64 // M, then its factor
	signs   []float64 // −1 (M is negative definite)
	wb      []float64
	bw      *blockWork
	gw      *vec.Workspace
	t, z    []float64 // nx and |R| scratch
	nreg    int
}

// NewDenseBounds returns the bound-row factorization for the upper pattern
// pat whose first nx indices are the x block; bound[i] marks the
// constraint rows (KKT index i ≥ nx) that may be bound rows (the
// nonnegative-cone rows): those with a single nonzero A value are.
// altCost is the caller's next form's multiply–adds per factorization:
// values that leave so many rows that this form costs more are refused.
// It returns ErrBoundsForm when two constraint rows are coupled.
func NewDenseBounds(pat *Pattern, nx int, bound []bool, altCost float64) (*DenseBounds, error) {
	n := pat.N
	m := n - nx
	f := &DenseBounds{pat: pat, n: n, nx: nx, m: m, altCost: altCost, cand: make([]bool, m)}
	for i := range f.cand {
		f.cand[i] = bound[nx+i]
	}
	f.buf = make([]float64, nx+m*nx+m)
	f.dx0, f.a, f.h = f.buf[:nx], f.buf[nx:nx+m*nx], f.buf[nx+m*nx:]
	nnz := pat.Colptr[n]
	f.dst = make([]int, nnz)
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			switch {
			case i == j && j < nx:
				f.dst[k] = j
			case i == j:
				f.dst[k] = nx + m*nx + (j - nx)
				f.hc.add(k, f.dst[k])
			case j < nx:
				f.dst[k] = -1
			case i >= nx:
				return nil, fmt.Errorf("%w: rows %d and %d coupled", ErrBoundsForm, i-nx, j-nx)
			default: // i < nx ≤ j: an A entry of row j, column i
				f.dst[k] = nx + (j-nx)*nx + i
			}
		}
	}
	f.hc.init(nnz)
	f.rIdx, f.fIdx = make([]int, 0, m), make([]int, 0, m)
	f.bIdx, f.bCol = make([]int, 0, m), make([]int, 0, m)
	f.ba, f.bh, f.bq = make([]float64, m), make([]float64, m), make([]float64, m)
	f.ar, f.hr = make([]float64, m*nx), make([]float64, m)
	f.hasB = make([]bool, nx)
	f.dx, f.inv = make([]float64, nx), make([]float64, nx)
	f.l, f.d = make([]float64, m*m), make([]float64, m)
	f.signs = make([]float64, m)
	for i := range f.signs {
		f.signs[i] = -1
	}
	f.wb = make([]float64, 4*max(m, 1))
	f.t, f.z = make([]float64, nx), make([]float64, m)
	return f, nil
}

// Dim implements Factorizer.
func (f *DenseBounds) Dim() int { return f.n }

// SetActiveSet tells the factorization whether the following systems are
// active-set systems (the solver's polish: active rows H = 0, inactive
// rows decoupled). For them a variable without a bound row (one strictly
// inside its box) is allowed: its pivot is P_jj + δ, the complement has
// entries of size ‖a‖²/δ, and the caller's residual check decides. The
// interior-point systems refuse such values (the next form is better
// conditioned there).
func (f *DenseBounds) SetActiveSet(on bool) { f.activeSet = on }

// Regularized implements Factorizer.
func (f *DenseBounds) Regularized() int { return f.nreg }

// Rows returns the order of the factored complement M for the values of
// the last full scatter (the constraint rows that are not bound rows).
func (f *DenseBounds) Rows() int { return len(f.rIdx) }

// classify finds the bound rows of the scattered values and decides
// whether the form suits them.
func (f *DenseBounds) classify(offDiag bool) {
	nx := f.nx
	f.rIdx, f.fIdx, f.bIdx, f.bCol = f.rIdx[:0], f.fIdx[:0], f.bIdx[:0], f.bCol[:0]
	clear(f.hasB)
	for i := 0; i < f.m; i++ {
		row := f.a[i*nx : i*nx+nx]
		col, cnt := -1, 0
		if f.cand[i] {
			for j, v := range row {
				if v != 0 {
					col, cnt = j, cnt+1
					if cnt > 1 {
						break
					}
				}
			}
		}
		if f.cand[i] && cnt == 0 {
			f.fIdx = append(f.fIdx, i)
			continue
		}
		if cnt == 1 {
			f.ba[len(f.bIdx)] = row[col]
			f.bIdx = append(f.bIdx, i)
			f.bCol = append(f.bCol, col)
			f.hasB[col] = true
			continue
		}
		copy(f.ar[len(f.rIdx)*nx:], row)
		f.rIdx = append(f.rIdx, i)
	}
	r, nf := float64(len(f.rIdx)), float64(nx)
	f.ok = !offDiag && r*(r+1)/2*nf+r*r*r/6 < f.altCost
	f.missingB = false
	for _, b := range f.hasB {
		f.missingB = f.missingB || !b
	}
	mr := len(f.rIdx)
	if f.ok && mr >= blockMin && f.bw == nil {
		f.bw = newBlockWork(f.m)
	}
	if f.ok && f.gw == nil {
		f.gw = vec.NewWorkspace(max(f.m, 1))
	}
}

// Factor implements Factorizer. It returns ErrBoundsRefused for values
// the form does not suit, and ErrSingular when a bound row's diagonal is
// not negative or the x block is not positive after the bound rows.
func (f *DenseBounds) Factor(values []float64) error {
	values = values[:len(f.dst)]
	f.nreg = 0
	if same, _ := f.hc.onlyH(values, f.buf); !same {
		f.hc.valid = false
		clear(f.buf)
		offDiag := false
		for k, v := range values {
			if d := f.dst[k]; d >= 0 {
				f.buf[d] += v
			} else if v != 0 {
				offDiag = true
			}
		}
		f.hc.store(values)
		f.classify(offDiag)
	}
	if !f.ok || (f.missingB && !f.activeSet) {
		return ErrBoundsRefused
	}
	for _, i := range f.fIdx {
		if h := f.h[i]; !(h < 0) || math.IsInf(h, 0) {
			return ErrSingular
		}
	}
	nx, mr := f.nx, len(f.rIdx)
	copy(f.dx, f.dx0)
	for b, i := range f.bIdx {
		h := f.h[i]
		if !(h < 0) || math.IsInf(h, 0) {
			return ErrSingular
		}
		f.bh[b] = h
		a := f.ba[b]
		q := a / h
		f.bq[b] = q
		f.dx[f.bCol[b]] -= a * q
	}
	for j, v := range f.dx {
		if !(v > 0) || math.IsInf(v, 0) {
			return ErrSingular
		}
		f.inv[j] = 1 / v
	}
	l := f.l[:mr*mr]
	clear(l)
	for p, i := range f.rIdx {
		h := f.h[i]
		if math.IsNaN(h) || math.IsInf(h, 0) {
			return ErrSingular
		}
		f.hr[p] = h
		l[p*mr+p] = h
	}
	if mr == 0 {
		return nil
	}
	f.gw.MulSubNT(mr, mr, nx, f.ar, nx, f.ar, nx, f.inv, l, mr, true)
	nreg, err := denseLDL(l, mr, f.signs[:mr], f.d[:mr], f.wb, f.bw)
	f.nreg = nreg
	return err
}

// Solve implements Factorizer.
func (f *DenseBounds) Solve(b []float64) {
	nx, mr := f.nx, len(f.rIdx)
	bx, z := f.t, f.z
	copy(bx, b[:nx])
	// Bound rows: b̃x = bx − A_Bᵀ H_B⁻¹ b_B.
	for k, i := range f.bIdx {
		// (ba/bh)·b as before, the quotient taken once per factorization.
		bx[f.bCol[k]] -= f.bq[k] * b[nx+i]
	}
	// z = b_R − A_R Dx⁻¹ b̃x; then M y_R = z.
	for j := range bx {
		bx[j] *= f.inv[j]
	}
	z = z[:mr]
	for p, i := range f.rIdx {
		z[p] = b[nx+i] - dot(f.ar[p*nx:p*nx+nx], bx)
	}
	denseSolve(f.l[:mr*mr], f.d[:mr], mr, z)
	// x = Dx⁻¹ (b̃x − A_Rᵀ y_R) = (Dx⁻¹ b̃x) − Dx⁻¹ A_Rᵀ y_R.
	x := b[:nx]
	for j := range x {
		x[j] = 0
	}
	for p, i := range f.rIdx {
		b[nx+i] = z[p]
		if z[p] != 0 {
			axpy(z[p], f.ar[p*nx:p*nx+nx], x)
		}
	}
	for j := range x {
		x[j] = bx[j] - f.inv[j]*x[j]
	}
	for _, i := range f.fIdx {
		b[nx+i] /= f.h[i]
	}
	// y_B = H_B⁻¹ (b_B − A_B x).
	for k, i := range f.bIdx {
		b[nx+i] = (b[nx+i] - f.ba[k]*x[f.bCol[k]]) / f.bh[k]
	}
}

// MulVec computes y = K x for the matrix passed to the last Factor.
func (f *DenseBounds) MulVec(x, y []float64) {
	nx := f.nx
	yx := y[:nx]
	for j := range yx {
		yx[j] = f.dx0[j] * x[j]
	}
	for p, i := range f.rIdx {
		row, xi := f.ar[p*nx:p*nx+nx], x[nx+i]
		y[nx+i] = dot(row, x[:nx]) + f.hr[p]*xi
		if xi != 0 {
			axpy(xi, row, yx)
		}
	}
	for k, i := range f.bIdx {
		j, xi := f.bCol[k], x[nx+i]
		y[nx+i] = f.ba[k]*x[j] + f.bh[k]*xi
		yx[j] += f.ba[k] * xi
	}
	for _, i := range f.fIdx {
		y[nx+i] = f.h[i] * x[nx+i]
	}
}

var (
	_ Factorizer = (*DenseBounds)(nil)
	_ Multiplier = (*DenseBounds)(nil)
)

// SetValuesVersion implements ValuesVersioned.
func (f *DenseBounds) SetValuesVersion(v uint64) { f.hc.setNext(v) }

// VersionSkips implements ValuesVersioned.
func (f *DenseBounds) VersionSkips() int { return f.hc.skipped }
