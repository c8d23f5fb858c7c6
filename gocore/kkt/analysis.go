// Package kkt is the linear-algebra layer shared by the interior-point
// method (package ipm) and the backward passes (package diff): the
// structural analysis of the quasi-definite KKT matrix
//
//	K = [ P + ρI   Aᵀ ]
//	    [ A       −H  ]
//
// (Analysis: pattern, value maps, pivot signs, dense/sparse choice and
// ordering), and a System that assembles K from problem values and the
// cones' scaling, factors it with static regularization δ (adapted after a
// breakdown or a stalled refinement) and solves with iterative refinement.
package kkt

import (
	"sort"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// denseDimLimit is the KKT dimension up to which LinearAuto always uses
// the dense factorization (a dense LDLᵀ of this size costs < 0.1 ms).
const denseDimLimit = 64

// denseFillRatio: LinearAuto uses the dense factorization when the sparse
// factor (after AMD) would hold more than this fraction of a dense lower
// triangle; a dense kernel runs several times faster per flop.
const denseFillRatio = 0.3

// LinearSolver selects the KKT factorization. Values are frozen (C ABI).
type LinearSolver int32

// Linear solver choices.
const (
	// LinearAuto picks dense for small or dense KKT systems, sparse otherwise.
	LinearAuto LinearSolver = 0
	// LinearDense forces the dense LDLᵀ.
	LinearDense LinearSolver = 1
	// LinearSparse forces the sparse LDLᵀ with AMD ordering.
	LinearSparse LinearSolver = 2
)

// Analysis is the structural analysis of a problem: the upper-triangular
// pattern of the KKT matrix
//
//	[ P   Aᵀ ]
//	[ A  −H  ]
//
// (H block-diagonal over the cones), maps from P and A values into it, the
// pivot signs and, for the sparse path, the fill-reducing ordering. It is
// computed once per structure, is immutable and is shared by every worker.
type Analysis struct {
	// St is the analysed structure.
	St *problem.Structure
	// Dim is the KKT dimension N + M.
	Dim int
	// Dense reports the dense factorization (else the sparse LDLᵀ).
	Dense bool
	// Elim marks the KKT indices the dense path eliminates first by a
	// Schur complement (the nonnegative-cone rows, whose H block is
	// diagonal, and the variables with a diagonal-only P that no such
	// row touches; see elimCandidates); nil when the plain dense LDLᵀ is
	// used. For an LP (no P entries) it is the fast form only: the
	// accurate form is the dense LDLᵀ in AMD order.
	Elim []bool

	pat   linsys.Pattern
	signs []float64 // pivot signs: +1 on the x block, −1 on the z block
	pmap  []int     // KKT value index of each P value
	amap  []int     // KKT value index of each A value
	diag  []int     // KKT value index of the diagonal of each of the Dim columns
	// pruns: pmap as runs of consecutive indices, triples (P value
	// index, KKT value index, length); rest: the KKT value indices that
	// neither pmap nor amap names (added diagonals, H). SetData copies the
	// runs and clears rest only, instead of clearing every value and
	// scattering P entry by entry (a dense P of order 500: 0.4 M values
	// cleared and 125 k scattered per solve).
	pruns []int
	rest  []int
	// aruns: amap as strided runs, quadruples (first A value index, its
	// KKT value index, length, KKT index stride) — a dense A's columns
	// are n runs whose entries lie a KKT column apart — or nil when they
	// would not be at most half of amap's length. SetData writes A by them
	// without reading amap (nnz(A) words a solve: 31 KB at the BPQP
	// study's 100×20).
	aruns []int
	// arow[i] is the KKT value index of row i's first A entry: row i's
	// entries, in A's storage order (kkt.System's rowE order), occupy
	// arow[i], arow[i]+1, … (KKT column n+i above its H entries), so row
	// operations address them without amap (nil: they do not; checked).
	arow []int
	// fullA: A's pattern is full with every column's rows 0, 1, …, m−1 in
	// order (so entry j of row i is A value j·m + i), and arow holds.
	fullA bool
	// aStride: with fullA and m ≥ 2, the constant step arow[i+1] − arow[i]
	// when it is constant (H diagonal: n + 1), else 0 (SetData).
	aStride int
	// hmap is the KKT value index of every entry of the packed H vector
	// of cone.Composite (−1 for the entries below the diagonal of a dense
	// block, which the upper-triangular pattern does not store).
	hmap []int
	perm []int // pivot order: sparse path, and the dense path of LPs (nil: natural)

	polyhedral bool // every cone is polyhedral (see Polyhedral)
	// fastOK: the factorization has fast forms (linsys.Tiered) that the
	// interior-point iteration may use (System).
	fastOK bool
	// dual: the fastest form eliminates x (linsys.DenseDual, see
	// dualCheaper).
	dual bool
	// bounds: the fastest form eliminates the bound rows, then x
	// (linsys.DenseBounds, see boundsGate); the next forms are the ones
	// the analysis has without it.
	bounds    bool
	boundsAlt float64 // multiply–adds of the next form (DenseBounds refuses values that cost more)
	// dualOrder, dualSigns, dualNX: DenseDual's extended x block (see
	// extendedDualOrder); nil when its x block is x alone.
	dualOrder []int
	dualSigns []float64
	dualNX    int
}

// Polyhedral reports whether every cone of the structure is polyhedral
// (cone.Composite.Polyhedral): the condition for the active-set backward
// passes (BPQP, LPGD's fast path) and the solver's polish.
func (an *Analysis) Polyhedral() bool { return an.polyhedral }

// Analyse builds the analysis of st for the given linear-solver choice.
func Analyse(st *problem.Structure, ls LinearSolver) (*Analysis, error) {
	n, m := st.N, st.M
	dim := n + m
	an := &Analysis{St: st, Dim: dim}
	comp := cone.NewComposite(st.Cones)
	an.polyhedral = comp.Polyhedral()
	// Transpose pattern of A: for each row i, list of (col j, value index k).
	type ent struct{ j, k int }
	rows := make([][]ent, m)
	for j := 0; j < n; j++ {
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			i := st.A.Rowval[k]
			rows[i] = append(rows[i], ent{j, k})
		}
	}
	colptr := make([]int, dim+1)
	// Exact capacity: P's entries, a diagonal per column, A's entries and H's
	// upper entries (appending from nil grew a dense KKT pattern's 19 MB
	// of indices through 80 MB of allocations at n = 2000).
	rowval := make([]int, 0, st.P.Nnz()+n+st.A.Nnz()+comp.HLen())
	an.pmap = make([]int, st.P.Nnz())
	an.amap = make([]int, st.A.Nnz())
	an.diag = make([]int, dim)
	an.hmap = make([]int, comp.HLen())
	for i := range an.hmap {
		an.hmap[i] = -1
	}
	for j := 0; j < n; j++ {
		hasDiag := false
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			i := st.P.Rowval[k]
			an.pmap[k] = len(rowval)
			if i == j {
				hasDiag = true
				an.diag[j] = len(rowval)
			}
			rowval = append(rowval, i)
		}
		if !hasDiag {
			an.diag[j] = len(rowval)
			rowval = append(rowval, j)
		}
		colptr[j+1] = len(rowval)
	}
	an.arow = make([]int, m)
	for i := 0; i < m; i++ {
		r := rows[i]
		sort.Slice(r, func(a, b int) bool { return r[a].j < r[b].j })
		an.arow[i] = len(rowval)
		for _, e := range r {
			an.amap[e.k] = len(rowval)
			rowval = append(rowval, e.j)
		}
		comp.HColumn(i, func(ii, p int) {
			an.hmap[p] = len(rowval)
			if ii == i {
				an.diag[n+i] = len(rowval)
			}
			rowval = append(rowval, n+ii)
		})
		colptr[n+i+1] = len(rowval)
	}
	an.pat = linsys.Pattern{N: dim, Colptr: colptr, Rowval: rowval}
	an.pruns, an.rest = valueRuns(an.pmap, an.amap, len(rowval))
	an.aruns = stridedRuns(an.amap)
	// arow holds when every row's entries, taken in A's storage order,
	// are consecutive from its first (they are, but for duplicate
	// entries sorted in another order): otherwise nil, and the row
	// operations look each entry up in amap.
	seen := make([]int, m)
	for j := 0; j < n; j++ {
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			i := st.A.Rowval[k]
			if an.amap[k] != an.arow[i]+seen[i] {
				an.arow = nil
				break
			}
			seen[i]++
		}
		if an.arow == nil {
			break
		}
	}
	// fullA is decided from the pattern itself, not from nnz(A) = m·n alone:
	// a Structure with a duplicate entry (problem.New rejects them; Analyse
	// does not) can have m·n entries and arow while a row misses an entry.
	an.fullA = an.arow != nil && st.A.Nnz() == m*n
	for j := 0; an.fullA && j < n; j++ {
		if st.A.Colptr[j] != j*m {
			an.fullA = false
			break
		}
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			if st.A.Rowval[k] != k-j*m {
				an.fullA = false
				break
			}
		}
	}
	if an.fullA && m >= 2 {
		an.aStride = an.arow[1] - an.arow[0]
		for i := 2; i < m; i++ {
			if an.arow[i]-an.arow[i-1] != an.aStride {
				an.aStride = 0
				break
			}
		}
	}
	an.signs = make([]float64, dim)
	for i := range an.signs {
		if i < n {
			an.signs[i] = 1
		} else {
			an.signs[i] = -1
		}
	}
	switch ls {
	case LinearDense:
		an.Dense = true
	case LinearSparse:
		an.Dense = false
	default:
		an.Dense = dim <= denseDimLimit
		if !an.Dense {
			if float64(len(rowval)) > denseFillRatio*float64(dim)*float64(dim+1)/2 {
				an.Dense = true
			}
		}
	}
	if !an.Dense {
		an.perm = linsys.AMDOrder(&an.pat)
		if ls == LinearAuto {
			f, err := linsys.NewSparseLDL(&an.pat, an.signs, an.perm)
			if err != nil {
				return nil, err
			}
			if float64(f.NnzL()) > denseFillRatio*float64(dim)*float64(dim-1)/2 {
				an.Dense = true
				an.perm = nil
			}
		}
	}
	if an.Dense && st.P.Nnz() == 0 {
		// No quadratic term: the x block of the KKT matrix is only the static
		// regularization, and pivoting it first (natural order) lets errors
		// of size 1/δ grow into the constraint block. Pivot in AMD order, as
		// the sparse path does (it eliminates the constraint rows first).
		an.perm = linsys.AMDOrder(&an.pat)
	}
	if an.Dense {
		an.Elim = elimCandidates(st, comp)
		an.fastOK = an.Elim != nil && hasRowCandidate(an.Elim, n)
		if an.perm != nil && !an.fastOK {
			an.Elim = nil
		}
		if an.perm == nil && comp.Diagonal() && st.P.Nnz() > 0 && m > 0 {
			an.dualOrder, an.dualSigns, an.dualNX = extendedDualOrder(st, comp, an.Elim)
			nc := n
			if an.dualOrder != nil {
				nc = an.dualNX
			}
			an.dual = dualCheaper(&an.pat, n, nc, an.Elim)
			if !an.dual {
				an.dualOrder, an.dualSigns, an.dualNX = nil, nil, 0
			}
			an.fastOK = an.fastOK || an.dual
		}
		if comp.Diagonal() && m > 0 && !an.dual {
			if alt, ok := boundsGate(st, comp, &an.pat, an.Elim); ok {
				an.bounds, an.boundsAlt, an.fastOK = true, alt, true
				// On values without enough bound rows form 0 refuses
				// and the chain's next form serves (linsys.Chain).
			}
		}
	}
	return an, nil
}

// valueRuns returns pmap as runs of consecutive KKT value indices,
// triples (first P value, first KKT value, length), and the KKT value
// indices (of nnz) that neither pmap nor amap names.
func valueRuns(pmap, amap []int, nnz int) (runs, rest []int) {
	for k := 0; k < len(pmap); {
		e := k + 1
		for e < len(pmap) && pmap[e] == pmap[e-1]+1 {
			e++
		}
		runs = append(runs, k, pmap[k], e-k)
		k = e
	}
	named := make([]bool, nnz)
	for _, idx := range pmap {
		named[idx] = true
	}
	for _, idx := range amap {
		named[idx] = true
	}
	for idx, ok := range named {
		if !ok {
			rest = append(rest, idx)
		}
	}
	return runs, rest
}

// stridedRuns returns idx as runs of consecutive positions whose values
// step by a constant stride, quadruples (first position, its value,
// length, stride), or nil when the runs would take more than half of
// idx's length.
func stridedRuns(idx []int) []int {
	var runs []int
	for k := 0; k < len(idx); {
		e, stride := k+1, 0
		if e < len(idx) {
			stride = idx[e] - idx[k]
			for e < len(idx) && idx[e]-idx[e-1] == stride {
				e++
			}
		}
		runs = append(runs, k, idx[k], e-k, stride)
		if 2*len(runs) > len(idx) {
			return nil
		}
		k = e
	}
	return runs
}

// boundsGate reports whether linsys.DenseBounds may apply to st (every
// cone diagonal, checked by the caller; P structurally diagonal; at least
// as many nonnegative rows as variables, so that each may have a bound
// row; the caller only asks when DenseDual was not chosen) and returns
// the multiply–adds per factorization of the form the analysis would use
// without it (DenseSchur's normal equations), which DenseBounds must beat
// on the values it is given (the bound rows are found from the values).
func boundsGate(st *problem.Structure, comp *cone.Composite, pat *linsys.Pattern, elim []bool) (float64, bool) {
	n, m := st.N, st.M
	for j := 0; j < n; j++ {
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			if st.P.Rowval[k] != j {
				return 0, false
			}
		}
	}
	class := make([]cone.RowClass, m)
	comp.RowClasses(class)
	ineq := 0
	for _, c := range class {
		if c == cone.RowsInequality {
			ineq++
		}
	}
	if ineq < n {
		return 0, false
	}
	return schurCost(pat, n, elim), true
}

// elimCandidates marks the KKT indices the dense path may eliminate first
// by a Schur complement; nil when there are none. The candidates must be
// mutually uncoupled (their block of K is diagonal):
//
//   - every nonnegative-cone row (its H block is the diagonal WᵀW);
//   - every variable j whose P column and row hold only the diagonal and
//     that appears in no nonnegative row: the auxiliary variables of
//     canonicalized problems (t = Lx with ½‖t‖² in the objective) are of
//     this kind, and eliminating them shrinks the factored dimension by
//     their number. A variable is eliminated only while its pivot
//     P_jj + δ is well away from zero (linsys.SchurPivotMin), so LP-like
//     variables stay in the LDLᵀ.
func elimCandidates(st *problem.Structure, comp *cone.Composite) []bool {
	n := st.N
	cand := make([]bool, n+st.M)
	found := false
	class := make([]cone.RowClass, st.M)
	comp.RowClasses(class)
	nonneg := make([]bool, st.M)
	for i, c := range class {
		if c == cone.RowsInequality {
			nonneg[i] = true
			cand[n+i] = true
			found = true
		}
	}
	diagOnly := make([]bool, n)
	offDiag := make([]bool, n)
	for j := 0; j < n; j++ {
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			if i := st.P.Rowval[k]; i == j {
				diagOnly[j] = true
			} else {
				offDiag[i], offDiag[j] = true, true
			}
		}
	}
	for j := 0; j < n; j++ {
		if !diagOnly[j] || offDiag[j] {
			continue
		}
		inNonneg := false
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			if nonneg[st.A.Rowval[k]] {
				inNonneg = true
				break
			}
		}
		if !inNonneg {
			cand[j] = true
			found = true
		}
	}
	if !found {
		return nil
	}
	return cand
}

// dualIterations is the number of interior-point iterations over which
// dualCheaper spreads DenseDual's once-per-solve work.
const dualIterations = 12

// dualMaxFloats bounds DenseDual's storage (2n² + 2nm + 2m² values next
// to the normal equations' factorizer, which the chain keeps): 128 MB per
// worker, reached near n = m = 1400 for the dense QP family.
const dualMaxFloats = 1 << 24

// extendedDualOrder returns DenseDual's extended x block (the
// variables and the equality rows; linsys.NewDenseDualOrder) when P has a
// structurally empty diagonal entry, so that the x block alone cannot be
// definite, and some variables that are elimination candidates (cvxpy's
// auxiliaries t = Lz with ½‖t‖² in the objective: P = I on t, nothing on
// z) appear in equality rows (t − Lz = 0). The pivot order is those
// candidates, the equality rows that hold one of them, the other
// variables, the other equality rows: for cvxpy's form the pivots are
// +P_tt, then −1/P_tt per row, then LᵀL on z (DenseDual refuses the block
// when a pivot is small or of the wrong sign, and the chain moves on).
// The inequality rows form the row block. nil when the conditions do not
// hold.
func extendedDualOrder(st *problem.Structure, comp *cone.Composite, elim []bool) (order []int, signs []float64, nx int) {
	n, m := st.N, st.M
	if elim == nil {
		return nil, nil, 0
	}
	emptyDiag := false
	for j := 0; j < n && !emptyDiag; j++ {
		has := false
		for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
			if st.P.Rowval[k] == j {
				has = true
				break
			}
		}
		emptyDiag = !has
	}
	if !emptyDiag {
		return nil, nil, 0
	}
	class := make([]cone.RowClass, m)
	comp.RowClasses(class)
	withAux := make([]bool, m)
	aux := 0
	for j := 0; j < n; j++ {
		if !elim[j] {
			continue
		}
		aux++
		for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
			if i := st.A.Rowval[k]; class[i] == cone.RowsEquality {
				withAux[i] = true
			}
		}
	}
	naux := 0
	for _, w := range withAux {
		if w {
			naux++
		}
	}
	if aux == 0 || naux == 0 {
		return nil, nil, 0
	}
	order = make([]int, 0, n+m)
	for j := 0; j < n; j++ {
		if elim[j] {
			order = append(order, j)
		}
	}
	for i := 0; i < m; i++ {
		if withAux[i] {
			order = append(order, n+i)
		}
	}
	for j := 0; j < n; j++ {
		if !elim[j] {
			order = append(order, j)
		}
	}
	for i := 0; i < m; i++ {
		if class[i] == cone.RowsEquality && !withAux[i] {
			order = append(order, n+i)
		}
	}
	nx = len(order)
	signs = make([]float64, nx)
	for p, i := range order {
		signs[p] = 1
		if i >= n {
			signs[p] = -1
		}
	}
	for i := 0; i < m; i++ {
		if class[i] != cone.RowsEquality {
			order = append(order, n+i)
		}
	}
	return order, signs, nx
}

// dualCheaper compares the multiply–adds of one interior-point iteration
// in DenseDual's form (the rows outside its x block of nc indices
// factored, plus its x-block work, A(P + δI)⁻¹Aᵀ, spread over
// dualIterations; nc = n unless the x block is extended) with the
// normal-equations form of DenseSchur (the product over the candidates
// coupled to several remaining indices plus the factorization of the
// remaining ones; the whole matrix when there are no candidates).
func dualCheaper(pat *linsys.Pattern, n, nc int, elim []bool) bool {
	dim := pat.N
	m := float64(dim - nc)
	nf := float64(nc)
	if 2*nf*nf+2*nf*m+2*m*m > dualMaxFloats {
		return false
	}
	dual := m*m*m/6 + (nf*nf*nf/6+nf*nf*m/2+nf*m*m/2)/dualIterations
	return dual < schurCost(pat, n, elim)
}

// schurCost is the multiply–adds of one factorization in DenseSchur's
// normal-equations form: the product over the candidates coupled to
// several remaining indices plus the LDLᵀ of the remaining ones (the
// whole matrix when there are no candidates).
func schurCost(pat *linsys.Pattern, n int, elim []bool) float64 {
	dim := pat.N
	if elim == nil {
		d := float64(dim)
		return d * d * d / 6
	}
	// Off-diagonal couplings of each candidate to remaining indices.
	deg := make([]int, dim)
	r := 0
	for j := 0; j < dim; j++ {
		if !elim[j] {
			r++
		}
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			if i == j || elim[i] == elim[j] {
				continue
			}
			if elim[i] {
				deg[i]++
			} else {
				deg[j]++
			}
		}
	}
	multi := 0
	for j, e := range elim {
		if e && deg[j] > 1 {
			multi++
		}
	}
	rf := float64(r)
	return rf*(rf+1)/2*float64(multi) + rf*rf*rf/6
}

// hasRowCandidate reports whether a constraint row (index ≥ n) is a
// candidate for elimination.
func hasRowCandidate(cand []bool, n int) bool {
	for _, c := range cand[n:] {
		if c {
			return true
		}
	}
	return false
}

// NewFactorizer returns a fresh factorizer for the analysed pattern.
func (an *Analysis) NewFactorizer() (linsys.Factorizer, error) {
	if an.bounds {
		// Bound rows, then x eliminated (DenseBounds), then the forms
		// below.
		rest, err := an.restFactorizer()
		if err != nil {
			return nil, err
		}
		bound := make([]bool, an.Dim)
		comp := cone.NewComposite(an.St.Cones)
		class := make([]cone.RowClass, an.St.M)
		comp.RowClasses(class)
		for i, c := range class {
			bound[an.St.N+i] = c == cone.RowsInequality
		}
		b, err := linsys.NewDenseBounds(&an.pat, an.St.N, bound, an.boundsAlt)
		if err != nil {
			return nil, err
		}
		return linsys.NewChain(b, rest), nil
	}
	return an.restFactorizer()
}

// restFactorizer is NewFactorizer without DenseBounds.
func (an *Analysis) restFactorizer() (linsys.Factorizer, error) {
	if an.Dense && an.Elim != nil && an.perm != nil {
		// An LP: the normal-equations form (every inequality row
		// eliminated, x block δI + GᵀD⁻¹G) is the fast mode; the dense
		// LDLᵀ in AMD order, which pivots the constraint rows before the
		// empty x block, the accurate one.
		f, err := linsys.NewDenseSchur(&an.pat, an.signs, an.Elim)
		if err != nil {
			return nil, err
		}
		f.SetFast(true)
		return linsys.NewGuardedTiered(f, func() linsys.Factorizer {
			return linsys.NewDensePerm(&an.pat, an.signs, an.perm)
		}), nil
	}
	if an.dual {
		// x eliminated first (DenseDual), then the forms below.
		rest, err := an.schurFactorizer()
		if err != nil {
			return nil, err
		}
		d, err := linsys.NewDenseDualOrder(&an.pat, an.St.N, nil, nil)
		if an.dualOrder != nil {
			d, err = linsys.NewDenseDualOrder(&an.pat, an.dualNX, an.dualOrder, an.dualSigns)
		}
		if err != nil {
			return nil, err
		}
		return linsys.NewChain(d, rest), nil
	}
	return an.schurFactorizer()
}

// schurFactorizer is NewFactorizer without DenseDual.
func (an *Analysis) schurFactorizer() (linsys.Factorizer, error) {
	if an.Dense {
		var primary linsys.Factorizer
		if an.Elim != nil {
			f, err := linsys.NewDenseSchur(&an.pat, an.signs, an.Elim)
			if err != nil {
				return nil, err
			}
			primary = f
		} else {
			primary = linsys.NewDensePerm(&an.pat, an.signs, an.perm)
		}
		if an.perm != nil {
			return primary, nil
		}
		// A nearly singular P (zero values on a P pattern, a low-rank P)
		// can defeat the natural pivot order: fall back to AMD order.
		return linsys.NewGuarded(primary, func() linsys.Factorizer {
			return linsys.NewDensePerm(&an.pat, an.signs, linsys.AMDOrder(&an.pat))
		}), nil
	}
	return linsys.NewSparseLDL(&an.pat, an.signs, an.perm)
}
