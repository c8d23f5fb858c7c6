package linsys

import (
	"errors"
	"fmt"
	"math"
)

// SparseLDL is a sparse LDLᵀ factorization of a symmetric quasi-definite
// matrix in the style of QDLDL: the matrix is symmetrically permuted by a
// fill-reducing ordering, the elimination tree and the column counts of L
// are computed once, and every numeric factorization is an up-looking
// row-by-row sparse triangular solve with L stored in compressed sparse
// column form. Pivots receive the same dynamic regularization as Dense.
//
// Fill-reducing orderings end in a block that fills in completely (the top
// separators of the elimination tree). When the symbolic analysis finds
// such a trailing block worth it (see denseTailStart), its rows are not
// eliminated by the scalar sparse code: the up-looking solves of those rows
// stop at the sparse columns, which leaves the Schur complement
// K₂₂ − L₂₁ D₁ L₂₁ᵀ of the trailing block in the accumulator, and that
// block is factored by the dense blocked kernel (several times faster per
// flop than indirect addressing).
//
// All symbolic work and all allocation happen in NewSparseLDL; Factor and
// Solve do not allocate. A SparseLDL is not safe for concurrent use (Solve
// uses an internal workspace).
type SparseLDL struct {
	n     int
	nnzA  int       // number of entries of the original pattern
	perm  []int     // perm[k] = original index of pivot k
	iperm []int     // iperm[perm[k]] = k
	signs []float64 // expected pivot signs, permuted

	// Permuted upper-triangular pattern C = (PKPᵀ) upper, duplicates merged.
	cp, ci []int
	cx     []float64
	vmap   []int // original value index → index into cx, or −1 if ignored

	etree  []int // elimination tree parent (−1 for roots)
	lp, li []int // L in CSC form, strictly lower part, unit diagonal implied
	lx     []float64
	d      []float64
	dinv   []float64

	// Workspaces.
	y    []float64 // dense accumulator of the current row
	yidx []int     // row pattern stack (topological order)
	path []int     // etree path buffer
	mark []int     // row stamps
	next []int     // next free slot in each column of L
	x    []float64 // solve workspace

	// Dense trailing block: pivots k0..n−1 (t = n − k0; t = 0: none),
	// lower triangle row-major in tl, factored by denseLDL.
	k0, t int
	tl    []float64
	twb   []float64
	tbw   *blockWork // blocked LDLᵀ workspace (nil below blockMin)

	nreg int
}

// denseTailSpeedup is the assumed speed ratio, per multiply–add, of the
// dense LDLᵀ kernel over the scalar sparse up-looking code (its indirect
// updates of the trailing rows are the expensive part); chosen by timing
// the factorization of the Maros–Mészáros CVXQP1_L KKT matrix (35,000
// rows): 1.08 s at 6, 0.83 s at 25, 0.80 s at 50. denseTailMin is the
// smallest trailing block worth factoring densely.
const (
	denseTailSpeedup = 25.0
	denseTailMin     = 32
)

// denseTailStart chooses the first pivot of the dense trailing block from
// the column counts of L: the split k0 that minimizes the estimated work
// Σ_{j≥k0} (sparse cost lnz_j²/2 replaced by) the dense cost
// t³/(3·denseTailSpeedup), t = n − k0. It returns n when no trailing block
// of at least denseTailMin pivots pays off.
func denseTailStart(lnz []int) int {
	n := len(lnz)
	best, bestGain := n, 0.0
	sparse := 0.0
	for k := n - 1; k >= 0; k-- {
		c := float64(lnz[k])
		sparse += c * c / 2
		t := float64(n - k)
		if n-k < denseTailMin {
			continue
		}
		if gain := sparse - t*t*t/(3*denseTailSpeedup); gain > bestGain {
			best, bestGain = k, gain
		}
	}
	return best
}

var _ Factorizer = (*SparseLDL)(nil)

// NewSparseLDL performs the symbolic analysis of the upper-triangular
// pattern pat with the expected pivot signs (+1/−1, in the original
// ordering) under the symmetric ordering perm (perm[k] = original index of
// the k-th pivot; nil computes AMDOrder(pat)). Entries of pat below the
// diagonal are ignored, as Dense does; duplicate entries are summed. It
// returns an error if pat, signs or perm are inconsistent.
func NewSparseLDL(pat *Pattern, signs []float64, perm []int) (*SparseLDL, error) {
	n := pat.N
	if n < 0 || len(pat.Colptr) < n+1 {
		return nil, errors.New("linsys: invalid pattern")
	}
	nnz := pat.Colptr[n]
	if pat.Colptr[0] != 0 || len(pat.Rowval) < nnz {
		return nil, errors.New("linsys: invalid pattern")
	}
	for j := 0; j < n; j++ {
		if pat.Colptr[j+1] < pat.Colptr[j] {
			return nil, errors.New("linsys: invalid pattern: column pointers decrease")
		}
	}
	for _, i := range pat.Rowval[:nnz] {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("linsys: invalid pattern: row index %d out of range", i)
		}
	}
	if len(signs) != n {
		return nil, fmt.Errorf("linsys: %d signs for dimension %d", len(signs), n)
	}
	if perm == nil {
		perm = AMDOrder(pat)
	}
	if len(perm) != n {
		return nil, fmt.Errorf("linsys: permutation of length %d for dimension %d", len(perm), n)
	}
	f := &SparseLDL{n: n, nnzA: nnz}
	f.perm = append([]int(nil), perm...)
	f.iperm = make([]int, n)
	for i := range f.iperm {
		f.iperm[i] = -1
	}
	for k, i := range f.perm {
		if i < 0 || i >= n || f.iperm[i] >= 0 {
			return nil, errors.New("linsys: perm is not a permutation")
		}
		f.iperm[i] = k
	}
	f.signs = make([]float64, n)
	for k, i := range f.perm {
		f.signs[k] = signs[i]
	}

	// Permuted upper pattern: count, bucket by column, merge duplicates.
	cnt := make([]int, n+1)
	for j := 0; j < n; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			if i := pat.Rowval[p]; i <= j {
				a, b := f.iperm[i], f.iperm[j]
				if a > b {
					b = a
				}
				cnt[b+1]++
			}
		}
	}
	for k := 0; k < n; k++ {
		cnt[k+1] += cnt[k]
	}
	slot := make([]int, cnt[n]) // original value indices bucketed by column
	rows := make([]int, cnt[n])
	pos := make([]int, n)
	copy(pos, cnt[:n])
	f.vmap = make([]int, nnz)
	for j := 0; j < n; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			i := pat.Rowval[p]
			if i > j {
				f.vmap[p] = -1
				continue
			}
			a, b := f.iperm[i], f.iperm[j]
			if a > b {
				a, b = b, a
			}
			slot[pos[b]] = p
			rows[pos[b]] = a
			pos[b]++
		}
	}
	f.cp = make([]int, n+1)
	f.ci = make([]int, 0, cnt[n])
	where := make([]int, n) // where[r] = index in ci of row r in the current column
	f.mark = make([]int, n)
	for i := range f.mark {
		f.mark[i] = -1
	}
	for c := 0; c < n; c++ {
		for q := cnt[c]; q < cnt[c+1]; q++ {
			r := rows[q]
			if f.mark[r] != c {
				f.mark[r] = c
				where[r] = len(f.ci)
				f.ci = append(f.ci, r)
			}
			f.vmap[slot[q]] = where[r]
		}
		f.cp[c+1] = len(f.ci)
	}
	f.cx = make([]float64, len(f.ci))

	// Elimination tree and column counts of L: the pattern of row k of L is
	// the set of nodes on the etree paths from the rows of column k of C up
	// to k.
	f.etree = make([]int, n)
	lnz := make([]int, n)
	for i := range f.etree {
		f.etree[i] = -1
		f.mark[i] = -1
	}
	for k := 0; k < n; k++ {
		f.mark[k] = k
		for p := f.cp[k]; p < f.cp[k+1]; p++ {
			for i := f.ci[p]; f.mark[i] != k; i = f.etree[i] {
				f.mark[i] = k
				lnz[i]++
				if f.etree[i] < 0 {
					f.etree[i] = k
				}
			}
		}
	}
	f.k0 = denseTailStart(lnz)
	f.t = n - f.k0
	if f.t > 0 {
		f.tl = make([]float64, f.t*f.t)
		f.twb = make([]float64, 4*f.t)
		if f.t >= blockMin {
			f.tbw = newBlockWork(f.t)
		}
		for j := f.k0; j < n; j++ {
			lnz[j] = 0 // stored densely in tl
		}
	}
	f.lp = make([]int, n+1)
	for i := 0; i < n; i++ {
		f.lp[i+1] = f.lp[i] + lnz[i]
	}
	f.li = make([]int, f.lp[n])
	f.lx = make([]float64, f.lp[n])
	f.d = make([]float64, n)
	f.dinv = make([]float64, n)
	f.y = make([]float64, n)
	f.yidx = make([]int, n)
	f.path = make([]int, n)
	f.next = make([]int, n)
	f.x = make([]float64, n)
	return f, nil
}

// Dim implements Factorizer.
func (f *SparseLDL) Dim() int { return f.n }

// Regularized implements Factorizer.
func (f *SparseLDL) Regularized() int { return f.nreg }

// NnzL returns the number of entries of the strictly lower triangular
// factor L (the unit diagonal is not stored), counting the dense trailing
// block as full.
func (f *SparseLDL) NnzL() int { return f.lp[f.n] + f.t*(f.t-1)/2 }

// DenseTail returns the dimension of the trailing block that is factored
// densely (0: none).
func (f *SparseLDL) DenseTail() int { return f.t }

// Perm returns the ordering in use (perm[k] = original index of pivot k).
// The slice is shared and must not be modified.
func (f *SparseLDL) Perm() []int { return f.perm }

// Factor implements Factorizer. values are given on the pattern passed to
// NewSparseLDL, in its (original) ordering. A pivot whose signed value is
// below DynamicEps is replaced by sign·DynamicDelta and counted in
// Regularized; a NaN or infinite pivot returns ErrSingular, after which the
// factorization must not be used for Solve.
func (f *SparseLDL) Factor(values []float64) error {
	if len(values) < f.nnzA {
		return fmt.Errorf("linsys: %d values for a pattern with %d entries", len(values), f.nnzA)
	}
	cx := f.cx
	for i := range cx {
		cx[i] = 0
	}
	for k, t := range f.vmap {
		if t >= 0 {
			cx[t] += values[k]
		}
	}
	n := f.n
	d, dinv, signs, y, mark := f.d, f.dinv, f.signs, f.y, f.mark
	copy(f.next, f.lp[:n])
	for i := range mark {
		mark[i] = -1
	}
	f.nreg = 0
	k0 := f.k0
	for k := 0; k < k0; k++ {
		dk := f.upRow(k)
		if math.IsNaN(dk) || math.IsInf(dk, 0) {
			return ErrSingular
		}
		if sg := signs[k]; sg*dk < DynamicEps {
			dk = sg * DynamicDelta
			f.nreg++
		}
		if dk == 0 {
			return ErrSingular
		}
		d[k] = dk
		dinv[k] = 1 / dk
	}
	if f.t == 0 {
		return nil
	}
	// Trailing rows: solve only over the sparse columns (< k0); the
	// updates that land on trailing positions r ∈ [k0, k) accumulate
	// −(L₂₁ D₁ L₂₁ᵀ)_{kr}, which with the scattered entries of C is row k
	// of the Schur complement.
	t, tl := f.t, f.tl
	for k := k0; k < n; k++ {
		dk := f.upRow(k)
		row := tl[(k-k0)*t : (k-k0)*t+t]
		for r := k0; r < k; r++ {
			row[r-k0] = y[r]
			y[r] = 0
		}
		row[k-k0] = dk
	}
	nreg, err := denseLDL(tl, t, signs[k0:], d[k0:], f.twb, f.tbw)
	f.nreg += nreg
	if err != nil {
		return err
	}
	for k := k0; k < n; k++ {
		if d[k] == 0 {
			return ErrSingular
		}
		dinv[k] = 1 / d[k]
	}
	return nil
}

// upRow computes row k of L by the up-looking step over the sparse columns
// (< k0): it scatters column k of C into the accumulator y, finds the
// pattern of the row in topological order (descendants before ancestors)
// by walking the elimination tree, solves for the row's entries (stored in
// their columns of L) and returns C_kk − Σ_j L_kj² D_j. For a trailing row
// (k ≥ k0) the updates that fall on trailing positions [k0, k) stay in y.
func (f *SparseLDL) upRow(k int) float64 {
	n, k0 := f.n, f.k0
	cx, ci, etree := f.cx, f.ci, f.etree
	lp, li, lx, dinv := f.lp, f.li, f.lx, f.dinv
	y, yidx, path, mark, next := f.y, f.yidx, f.path, f.mark, f.next
	top := n
	mark[k] = k
	for p := f.cp[k]; p < f.cp[k+1]; p++ {
		i := ci[p]
		y[i] += cx[p]
		ln := 0
		for ; i < k0 && mark[i] != k; i = etree[i] {
			mark[i] = k
			path[ln] = i
			ln++
		}
		for ln > 0 {
			ln--
			top--
			yidx[top] = path[ln]
		}
	}
	dk := y[k]
	y[k] = 0
	for _, i := range yidx[top:n] {
		yi := y[i]
		y[i] = 0
		q := next[i]
		for p := lp[i]; p < q; p++ {
			y[li[p]] -= lx[p] * yi
		}
		lki := yi * dinv[i]
		li[q] = k
		lx[q] = lki
		next[i] = q + 1
		dk -= yi * lki
	}
	return dk
}

// Solve implements Factorizer. b is in the original ordering.
func (f *SparseLDL) Solve(b []float64) {
	x, perm := f.x, f.perm
	lp, li, lx := f.lp, f.li, f.lx
	for k, i := range perm {
		x[k] = b[i]
	}
	k0 := f.k0
	// L z = Pb over the sparse columns (their entries in trailing rows
	// included), then the dense block solves its part completely.
	for j := 0; j < k0; j++ {
		xj := x[j]
		if xj == 0 {
			continue
		}
		for p := lp[j]; p < lp[j+1]; p++ {
			x[li[p]] -= lx[p] * xj
		}
	}
	if f.t > 0 {
		denseSolve(f.tl, f.d[k0:], f.t, x[k0:])
	}
	// D w = z
	for j, v := range f.dinv[:k0] {
		x[j] *= v
	}
	// Lᵀ u = w
	for j := k0 - 1; j >= 0; j-- {
		s := x[j]
		for p := lp[j]; p < lp[j+1]; p++ {
			s -= lx[p] * x[li[p]]
		}
		x[j] = s
	}
	for k, i := range perm {
		b[i] = x[k]
	}
}
