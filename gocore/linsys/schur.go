package linsys

import (
	"fmt"
	"math"
)

// SchurPivotMin is the smallest pivot magnitude |K_ee| with which a
// candidate index is eliminated by the Schur complement. Eliminating e adds
// K_Re K_eR / K_ee to the remaining matrix, so this bounds the element
// growth by ‖K_Re‖²∞ / SchurPivotMin; candidates with smaller pivots (the
// nearly active constraints of an interior-point iteration, whose pivot
// −(s/z + δ) tends to zero) stay in the LDLᵀ, where they are pivoted after
// the well-conditioned x block.
const SchurPivotMin = 1e-2

// DenseSchur factors a symmetric quasi-definite matrix in which a set C of
// candidate indices is mutually uncoupled (the block K_CC is diagonal). At
// every factorization the candidates whose pivot magnitude is at least
// SchurPivotMin (the set E) are eliminated first:
//
//	S = K_RR − K_RE K_EE⁻¹ K_ER   (R = all other indices)
//
// formed with vector kernels, and S is factored by the dense LDLᵀ. For the
// KKT matrix of a QP with many inequalities (C = the nonnegative-cone rows,
// block −(WᵀW + δI)) this replaces the (n+m)-dimensional factorization by
// one of dimension n + p + (number of nearly active constraints) plus an
// |E|·n²/2 product.
//
// A second level repeats the step on S: the indices of R that stay
// mutually uncoupled in S (no entry of K between them and no eliminated
// candidate coupled to two of them; found greedily, constraint rows
// first) and whose pivot in S is well away from zero with the expected
// sign are eliminated from S before the dense LDLᵀ. In cvxpy's canonical
// form of ½‖Lz‖² + … (t = Lz, P = I on t) the first level removes t and
// the inequality rows, the second the rows t − Lz = 0, and the LDLᵀ is
// left with z alone.
//
// Which candidates couple to several r0 rows is also decided from the
// values, at every full scatter (once per data set): a candidate coupled
// to several rows by the pattern but to one (or none) by its nonzero
// values — a box or sign row of a dense G, ±e_j with explicit zeros — is
// eliminated as a singleton (one diagonal entry of S) instead of through
// the dense product, and drops out of the products of Solve and MulVec
// (classifyValues). The LPGD benchmark's QP (n = 100, 50 random rows, 200
// box rows, 10 equalities): the product runs over 50 columns instead of
// 250.
type DenseSchur struct {
	pat   *Pattern
	n     int
	r0    []int // original indices that are never eliminated
	cand  []int // candidate original indices
	signs []float64
	// Scattered values: s0 (|r0|×|r0|, both triangles), bc (|r0|×qD
	// row-major K_{r0,C} on the candidates coupled to several r0 rows),
	// dc (diagonal of K_CC) and sv (per candidate, its one coupling value
	// when it couples to a single r0 row: a bound row or an auxiliary
	// variable, kept out of the dense products).
	s0, bc, dc, sv []float64
	dst, dst2      []int // value index → position(s) in buf = s0 | bc | dc | sv (dst2 −1: none)
	mirror         []int // value indices with a second position (dst2 ≥ 0: off-diagonal r0 entries)
	buf            []float64
	// single[c] is the only r0 position candidate c couples to, −1 when it
	// couples to several, −2 when to none (structurally).
	single []int
	mpos   []int // position of candidate c among those with single −1 (else −1)
	qD     int   // number of candidates with single −1
	hc     hCache
	// From the values of the last full scatter (classifyValues): vsingle
	// is single with the nonzero values' couplings (a candidate with
	// single −1 whose values couple to one r0 row gets that row, its value
	// in sv; to none, −2); bcM (|r0|×qM) holds the columns of bc of the
	// candidates with vsingle −1, at mposM (bc and mpos themselves when
	// every structurally multiple candidate is multiple in value).
	vsingle      []int
	mposM        []int
	qM           int
	bcM          []float64
	bcMbuf       []float64
	mposMbuf     []int
	mcols        []int // bc column of each bcM column
	vcnt, vlast  []int
	noValueClass bool // SetValueClass(false): classify from the pattern only
	// Per factorization.
	elim   []bool    // per candidate: eliminated
	eList  []int     // candidate positions eliminated
	kList  []int     // candidate positions kept in the LDLᵀ
	rOrig  []int     // original index of each reduced position (r0 then kept)
	rSigns []float64 // signs of the reduced positions
	be, ve []float64 // |r0|×|E|: K_{r0,E} and K_{r0,E} D_E⁻¹
	de     []float64 // D_E
	l      []float64 // reduced matrix, then its factor
	d      []float64
	nr     int
	wb     []float64
	bw     *blockWork // blocked LDLᵀ workspace (nil below blockMin)
	xr, xe []float64
	nzRow  []bool    // r0 row couples to an eliminated candidate coupled to several r0 rows (Solve)
	nzRowD []bool    // the same (the Schur product)
	neD    int       // eliminated candidates coupled to several r0 rows (first in eList)
	xd     []float64 // qD scratch (MulVec)
	// Second level (positions in the reduced ordering; c2 ⊂ r0 positions).
	c2     []int
	e2, k2 []int     // eliminated / kept reduced positions
	b2, v2 []float64 // |k2|×|e2|: S_{k2,e2} and S_{k2,e2} D2⁻¹
	d2     []float64 // pivots of e2
	nz2    []bool
	l2     []float64 // reduced matrix of the second level, then its factor
	d2f    []float64
	s2     []float64 // signs of k2
	x2     []float64
	xe2    []float64
	m2     []bool
	skip2  bool // the last Factor eliminated no second-level index
	nreg   int
	// fast selects the normal-equations mode (SetFast).
	fast bool
}

// NewDenseSchur returns a Schur-complement factorizer whose candidates for
// elimination are the indices with cand[i] true; the block of K on the
// candidates must be diagonal.
func NewDenseSchur(pat *Pattern, signs []float64, cand []bool) (*DenseSchur, error) {
	n := pat.N
	f := &DenseSchur{pat: pat, n: n, signs: signs}
	pos := make([]int, n)
	for i := 0; i < n; i++ {
		if cand[i] {
			pos[i] = len(f.cand)
			f.cand = append(f.cand, i)
		} else {
			pos[i] = len(f.r0)
			f.r0 = append(f.r0, i)
		}
	}
	q := len(f.cand)
	f.single = make([]int, q)
	for c := range f.single {
		f.single[c] = -2
	}
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			var c, rr int
			switch {
			case cand[i] && !cand[j]:
				c, rr = pos[i], pos[j]
			case cand[j] && !cand[i]:
				c, rr = pos[j], pos[i]
			default:
				continue
			}
			switch f.single[c] {
			case -2:
				f.single[c] = rr
			case rr:
			default:
				f.single[c] = -1
			}
		}
	}
	r := len(f.r0)
	f.mpos = make([]int, q)
	for c := range f.mpos {
		f.mpos[c] = -1
		if f.single[c] == -1 {
			f.mpos[c] = f.qD
			f.qD++
		}
	}
	qD := f.qD
	f.buf = make([]float64, r*r+r*qD+2*q)
	f.s0, f.bc = f.buf[:r*r], f.buf[r*r:r*r+r*qD]
	f.dc, f.sv = f.buf[r*r+r*qD:r*r+r*qD+q], f.buf[r*r+r*qD+q:]
	// toC is the buffer position of the entry between r0 position a and
	// candidate c.
	toC := func(a, c int) int {
		if f.mpos[c] >= 0 {
			return r*r + a*qD + f.mpos[c]
		}
		return r*r + r*qD + q + c
	}
	nnz := pat.Colptr[n]
	f.dst, f.dst2 = make([]int, nnz), make([]int, nnz)
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			f.dst2[k] = -1
			ci, cj := cand[i], cand[j]
			switch {
			case ci && cj:
				if i != j {
					return nil, fmt.Errorf("linsys: candidate indices %d and %d are coupled", i, j)
				}
				f.dst[k] = r*r + r*qD + pos[i]
			case ci:
				f.dst[k] = toC(pos[j], pos[i])
			case cj:
				f.dst[k] = toC(pos[i], pos[j])
			default:
				pi, pj := pos[i], pos[j]
				f.dst[k] = pi*r + pj
				if pi != pj {
					f.dst2[k] = pj*r + pi
					f.mirror = append(f.mirror, k)
				}
			}
		}
	}
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			if pat.Rowval[k] == j && signs[j] < 0 {
				f.hc.add(k, f.dst[k])
			}
		}
	}
	f.hc.init(nnz)
	f.c2 = secondLevel(pat, cand, pos, f.r0, f.single, signs)
	if len(f.c2) > 0 {
		f.e2 = make([]int, 0, len(f.c2))
		f.k2 = make([]int, 0, n)
		f.b2 = make([]float64, n*len(f.c2))
		f.v2 = make([]float64, n*len(f.c2))
		f.d2 = make([]float64, len(f.c2))
		f.nz2 = make([]bool, n)
		f.l2 = make([]float64, n*n)
		f.d2f = make([]float64, n)
		f.s2 = make([]float64, n)
		f.x2 = make([]float64, n)
		f.xe2 = make([]float64, len(f.c2))
		f.m2 = make([]bool, n)
	}
	f.vsingle = make([]int, q)
	copy(f.vsingle, f.single)
	f.mposM, f.qM, f.bcM = f.mpos, f.qD, f.bc
	f.vcnt, f.vlast = make([]int, qD), make([]int, qD)
	f.elim = make([]bool, q)
	f.eList = make([]int, 0, q)
	f.kList = make([]int, 0, q)
	f.rOrig = make([]int, 0, n)
	f.rSigns = make([]float64, n)
	f.be = make([]float64, r*f.qD)
	f.ve = make([]float64, r*f.qD)
	f.xd = make([]float64, f.qD)
	f.de = make([]float64, q)
	f.l = make([]float64, n*n)
	f.d = make([]float64, n)
	f.wb = make([]float64, 4*n)
	if n >= blockMin {
		f.bw = newBlockWork(n)
	}
	f.xr, f.xe = make([]float64, n), make([]float64, max(q, 1))
	f.nzRow = make([]bool, r)
	f.nzRowD = make([]bool, r)
	return f, nil
}

// Dim implements Factorizer.
func (f *DenseSchur) Dim() int { return f.n }

// Regularized implements Factorizer.
func (f *DenseSchur) Regularized() int { return f.nreg }

// Eliminated returns how many candidates the last Factor eliminated.
func (f *DenseSchur) Eliminated() int { return len(f.eList) }

// SetFast selects the fast mode (tier 0) or the accurate one (tier 1). In the fast (normal-equations) mode every
// constraint-row candidate (expected sign −1) whose pivot has that sign is
// eliminated, however small the pivot: the reduced matrix is then
// P + GᵀD⁻¹G with the equality rows, of dimension n + p, whatever the
// iterate, instead of n + p + (nearly active rows). Near the solution the
// pivots −(s/z + δ) of the active rows tend to −δ, so the reduced matrix
// has entries of size ‖g‖²/δ and loses accuracy to rounding; the caller
// checks the refined residual against the full matrix and falls back to the
// accurate mode (SetFast(false): only pivots ≥ SchurPivotMin eliminated)
// when it is not met. Variable candidates keep the SchurPivotMin rule in
// both modes.
func (f *DenseSchur) SetFast(on bool) { f.fast = on }

// SetValueClass implements ValueClassed: on (the default), which
// candidates couple to several remaining rows is decided from the values
// at every full scatter (classifyValues); off, from the pattern alone.
func (f *DenseSchur) SetValueClass(on bool) {
	f.noValueClass = !on
	f.hc.valid = false
}

// Tiers implements Tiered: the fast form (0) and the accurate one (1).
func (f *DenseSchur) Tiers() int { return 2 }

// SetTier implements Tiered.
func (f *DenseSchur) SetTier(t int) { f.fast = t == 0 }

// Tier implements Tiered.
func (f *DenseSchur) Tier() int {
	if f.fast {
		return 0
	}
	return 1
}

// Factor implements Factorizer.
func (f *DenseSchur) Factor(values []float64) error {
	r, q, qD := len(f.r0), len(f.cand), f.qD
	values = values[:len(f.dst)]
	// Between interior-point iterations only the row diagonal (H)
	// changes: then only those entries are rewritten (non-finite values
	// elsewhere were rejected by the last full scatter's factorization or
	// are caught by the LDLᵀ).
	if same, _ := f.hc.onlyH(values, f.buf); !same {
		f.hc.valid = false
		clear(f.buf)
		// The mirrored entries (the strict lower triangle of the r0
		// block) in a second pass: no position receives two values, so
		// the sums are those of one pass.
		dst := f.dst[:len(values)]
		for k, v := range values {
			f.buf[dst[k]] += v
		}
		for _, k := range f.mirror {
			f.buf[f.dst2[k]] += values[k]
		}
		f.hc.store(values)
		f.classifyValues()
	}
	// Choose E by pivot size; candidates coupled to several r0 rows come
	// first (the dense product runs over them), those coupled to one row
	// or none after (they only change a diagonal entry of S).
	f.eList, f.kList = f.eList[:0], f.kList[:0]
	for pass := 0; pass < 2; pass++ {
		for c := 0; c < q; c++ {
			if (f.vsingle[c] == -1) != (pass == 0) {
				continue
			}
			v := f.dc[c]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ErrSingular
			}
			i := f.cand[c]
			f.elim[c] = math.Abs(v) >= SchurPivotMin || (f.fast && f.signs[i] < 0 && v < 0)
			if f.elim[c] {
				f.eList = append(f.eList, c)
			} else {
				f.kList = append(f.kList, c)
			}
		}
		if pass == 0 {
			f.neD = len(f.eList)
		}
	}
	ne, neD := len(f.eList), f.neD
	// Reduced ordering: r0 first, then the kept candidates.
	f.rOrig = f.rOrig[:0]
	f.rOrig = append(f.rOrig, f.r0...)
	for _, c := range f.kList {
		f.rOrig = append(f.rOrig, f.cand[c])
	}
	nr := len(f.rOrig)
	f.nr = nr
	for p, i := range f.rOrig {
		f.rSigns[p] = f.signs[i]
	}
	// Gather K_{r0,E} (row-major r×neD, the candidates coupled to several
	// r0 rows), D_E and V = K_{r0,E} D_E⁻¹.
	be, ve := f.be[:r*neD], f.ve[:r*neD]
	for e, c := range f.eList {
		f.de[e] = f.dc[c]
	}
	eD := f.eList[:neD]
	for i := 0; i < r; i++ {
		src := f.bc[i*qD : i*qD+qD]
		nz := false
		for e, c := range eD {
			x := src[f.mpos[c]]
			be[i*neD+e] = x
			ve[i*neD+e] = x / f.de[e]
			nz = nz || x != 0
		}
		f.nzRow[i], f.nzRowD[i] = nz, nz
	}
	// Reduced matrix (lower triangle, nr×nr): S0 − V K_{E,r0} in the r0
	// block, K_{r0,K} below it, D_K on the kept diagonal.
	l := f.l[:nr*nr]
	clear(l)
	for i := 0; i < r; i++ {
		copy(l[i*nr:i*nr+i+1], f.s0[i*r:i*r+i+1])
	}
	// From blockMin rows the leading rows that all couple to E are one
	// packed SYRK on the GEMM micro-kernel; from tileMin, whole 4×4 tiles
	// of the rows after them go through the tile kernel. The rest, row by
	// row.
	var t [16]float64
	i0 := 0
	if r >= blockMin && neD > 0 && f.bw != nil {
		for i0 < r && f.nzRowD[i0] {
			i0++
		}
		f.bw.g.MulSubNT(i0, i0, neD, ve, neD, be, neD, nil, l, nr, true)
	}
	for ; i0+4 <= r && neD > 0 && r >= tileMin; i0 += 4 {
		if !(f.nzRowD[i0] && f.nzRowD[i0+1] && f.nzRowD[i0+2] && f.nzRowD[i0+3]) {
			break
		}
		for j0 := 0; j0 <= i0; j0 += 4 {
			tile4x4(ve[i0*neD:], neD, be[j0*neD:], neD, neD, &t)
			for a := 0; a < 4; a++ {
				row := l[(i0+a)*nr : (i0+a)*nr+i0+a+1]
				for c := 0; c < 4 && j0+c <= i0+a; c++ {
					row[j0+c] -= t[4*a+c]
				}
			}
		}
	}
	for i := i0; i < r; i++ {
		if !f.nzRowD[i] {
			continue
		}
		vi := ve[i*neD : i*neD+neD]
		row := l[i*nr : i*nr+i+1]
		j := 0
		var sums [4]float64
		for ; j+4 <= i+1; j += 4 {
			dot4(be[j*neD:], be[(j+1)*neD:], be[(j+2)*neD:], be[(j+3)*neD:], vi, neD, &sums)
			row[j] -= sums[0]
			row[j+1] -= sums[1]
			row[j+2] -= sums[2]
			row[j+3] -= sums[3]
		}
		for ; j <= i; j++ {
			if f.nzRowD[j] {
				row[j] -= dot(vi, be[j*neD:j*neD+neD])
			}
		}
	}
	// Singletons: one diagonal entry each.
	for e := neD; e < ne; e++ {
		c := f.eList[e]
		if i := f.vsingle[c]; i >= 0 {
			x := f.sv[c]
			l[i*nr+i] -= x * (x / f.de[e])
		}
	}
	for p, c := range f.kList {
		row := l[(r+p)*nr : (r+p)*nr+nr]
		if i := f.vsingle[c]; i == -1 {
			mc := f.mpos[c]
			for i := 0; i < r; i++ {
				row[i] = f.bc[i*qD+mc]
			}
		} else if i >= 0 {
			row[i] = f.sv[c]
		}
		row[r+p] = f.dc[c]
	}
	if len(f.c2) > 0 {
		return f.factorLevel2(l, nr)
	}
	nreg, err := denseLDL(l, nr, f.rSigns[:nr], f.d[:nr], f.wb, f.bw)
	f.nreg = nreg
	return err
}

// factorLevel2 eliminates the well-pivoted second-level candidates from
// the reduced matrix l (nr×nr, lower triangle) and factors the rest.
func (f *DenseSchur) factorLevel2(l []float64, nr int) error {
	f.e2, f.k2 = f.e2[:0], f.k2[:0]
	f.skip2 = false
	isE := f.m2[:nr]
	clear(isE)
	for _, p := range f.c2 {
		v := l[p*nr+p]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ErrSingular
		}
		if f.rSigns[p]*v >= SchurPivotMin {
			isE[p] = true
			f.d2[len(f.e2)] = v
			f.e2 = append(f.e2, p)
		}
	}
	if len(f.e2) == 0 {
		// Nothing to eliminate (the equality rows of a dense QP, whose
		// pivots are −δ): factor the reduced matrix as it is.
		f.skip2 = true
		nreg, err := denseLDL(l, nr, f.rSigns[:nr], f.d[:nr], f.wb, f.bw)
		f.nreg = nreg
		return err
	}
	for p := 0; p < nr; p++ {
		if !isE[p] {
			f.k2 = append(f.k2, p)
		}
	}
	ne, nk := len(f.e2), len(f.k2)
	at := func(a, b int) float64 {
		if a < b {
			a, b = b, a
		}
		return l[a*nr+b]
	}
	b2, v2 := f.b2[:nk*ne], f.v2[:nk*ne]
	nz := f.nz2[:nk]
	for i, a := range f.k2 {
		nzi := false
		for e, p := range f.e2 {
			x := at(a, p)
			b2[i*ne+e] = x
			v2[i*ne+e] = x / f.d2[e]
			nzi = nzi || x != 0
		}
		nz[i] = nzi
	}
	l2 := f.l2[:nk*nk]
	for i, a := range f.k2 {
		f.s2[i] = f.rSigns[a]
		row := l2[i*nk : i*nk+i+1]
		for j := 0; j <= i; j++ {
			row[j] = at(a, f.k2[j])
		}
		if !nz[i] {
			continue
		}
		vi := v2[i*ne : i*ne+ne]
		j := 0
		var sums [4]float64
		for ; j+4 <= i+1; j += 4 {
			dot4(b2[j*ne:], b2[(j+1)*ne:], b2[(j+2)*ne:], b2[(j+3)*ne:], vi, ne, &sums)
			row[j] -= sums[0]
			row[j+1] -= sums[1]
			row[j+2] -= sums[2]
			row[j+3] -= sums[3]
		}
		for ; j <= i; j++ {
			if nz[j] {
				row[j] -= dot(vi, b2[j*ne:j*ne+ne])
			}
		}
	}
	nreg, err := denseLDL(l2, nk, f.s2[:nk], f.d2f[:nk], f.wb, f.bw)
	f.nreg = nreg
	return err
}

// solveLevel2 overwrites xr (reduced ordering) with S⁻¹ xr using the
// second-level factorization.
func (f *DenseSchur) solveLevel2(xr []float64) {
	ne, nk := len(f.e2), len(f.k2)
	xk, v2, nz := f.x2[:nk], f.v2[:nk*ne], f.nz2[:nk]
	xe := f.xe2[:ne]
	for e, p := range f.e2 {
		xe[e] = xr[p]
	}
	for i, a := range f.k2 {
		xk[i] = xr[a]
		if nz[i] {
			xk[i] -= dot(v2[i*ne:i*ne+ne], xe)
		}
	}
	denseSolve(f.l2[:nk*nk], f.d2f[:nk], nk, xk)
	for e := range xe {
		xe[e] /= f.d2[e]
	}
	for i := range xk {
		if nz[i] && xk[i] != 0 {
			axpy(-xk[i], v2[i*ne:i*ne+ne], xe)
		}
	}
	for i, a := range f.k2 {
		xr[a] = xk[i]
	}
	for e, p := range f.e2 {
		xr[p] = xe[e]
	}
}

// secondLevel picks the second-level candidates among the r0 indices
// (returned as r0 positions): greedily, constraint rows (sign −1) first,
// an index is taken when it has no entry of K with, and shares no
// candidate coupled to several r0 rows with, an index already taken.
func secondLevel(pat *Pattern, cand []bool, pos, r0, single []int, signs []float64) []int {
	n := pat.N
	r := len(r0)
	// When every r0 index but one is coupled to all the others (a dense P
	// and no equality rows), the greedy takes a single index: not worth a
	// second level, whose adjacency lists cost 150 MB of allocations and an
	// n² reduced matrix at n = 2000. Count the couplings first.
	deg := make([]int, r)
	for j := 0; j < n; j++ {
		if cand[j] {
			continue
		}
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			if i := pat.Rowval[k]; i != j && !cand[i] {
				deg[pos[i]]++
				deg[pos[j]]++
			}
		}
	}
	partial := 0
	for _, d := range deg {
		if d < r-1 {
			partial++
		}
	}
	if partial < 2 {
		return nil
	}
	// Adjacency among r0 positions through K, and r0 → candidates.
	adj := make([][]int, r)
	viaCand := make([][]int, r)
	candNb := make(map[int][]int)
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			i := pat.Rowval[k]
			if i == j {
				continue
			}
			switch {
			case !cand[i] && !cand[j]:
				adj[pos[i]] = append(adj[pos[i]], pos[j])
				adj[pos[j]] = append(adj[pos[j]], pos[i])
			case cand[i] != cand[j]:
				c, a := pos[i], pos[j]
				if cand[j] {
					c, a = pos[j], pos[i]
				}
				if single[c] == -1 {
					viaCand[a] = append(viaCand[a], c)
					candNb[c] = append(candNb[c], a)
				}
			}
		}
	}
	blocked := make([]bool, r)
	var out []int
	for pass := 0; pass < 2; pass++ {
		for a, i := range r0 {
			if (signs[i] < 0) != (pass == 0) || blocked[a] {
				continue
			}
			out = append(out, a)
			blocked[a] = true
			for _, b := range adj[a] {
				blocked[b] = true
			}
			for _, c := range viaCand[a] {
				for _, b := range candNb[c] {
					blocked[b] = true
				}
			}
		}
	}
	return out
}

// Solve implements Factorizer.
func (f *DenseSchur) Solve(b []float64) {
	r := len(f.r0)
	ne, nr := len(f.eList), f.nr
	xr, xe := f.xr[:nr], f.xe[:ne]
	for p, i := range f.rOrig {
		xr[p] = b[i]
	}
	for e, c := range f.eList {
		xe[e] = b[f.cand[c]]
	}
	// b_R ← b_R − V b_E (only the r0 rows couple to E); solve the reduced
	// system; x_E = D_E⁻¹ b_E − Vᵀ x_{r0}. The candidates coupled to one
	// r0 row (after the first neD) touch one entry each.
	neD := f.neD
	ve := f.ve[:r*neD]
	xeD := xe[:neD]
	if neD > 0 {
		for i := 0; i < r; i++ {
			if f.nzRow[i] {
				xr[i] -= dot(ve[i*neD:i*neD+neD], xeD)
			}
		}
	}
	for e := neD; e < ne; e++ {
		c := f.eList[e]
		if i := f.vsingle[c]; i >= 0 {
			xr[i] -= f.sv[c] / f.de[e] * xe[e]
		}
	}
	if len(f.c2) > 0 && !f.skip2 {
		f.solveLevel2(xr)
	} else {
		denseSolve(f.l[:nr*nr], f.d[:nr], nr, xr)
	}
	for e := 0; e < ne; e++ {
		xe[e] /= f.de[e]
	}
	if neD > 0 {
		for i := 0; i < r; i++ {
			if f.nzRow[i] && xr[i] != 0 {
				axpy(-xr[i], ve[i*neD:i*neD+neD], xeD)
			}
		}
	}
	for e := neD; e < ne; e++ {
		c := f.eList[e]
		if i := f.vsingle[c]; i >= 0 {
			xe[e] -= xr[i] * (f.sv[c] / f.de[e])
		}
	}
	for p, i := range f.rOrig {
		b[i] = xr[p]
	}
	for e, c := range f.eList {
		b[f.cand[c]] = xe[e]
	}
}

// MulVec computes y = K x for the matrix passed to the last Factor, from
// the scattered blocks: y_R = S0 x_R + K_RC x_C, y_C = K_CR x_R + D_C x_C
// (the candidates' couplings as classifyValues found them).
func (f *DenseSchur) MulVec(x, y []float64) {
	r, q, qM := len(f.r0), len(f.cand), f.qM
	xr, xc, xd := f.xr[:r], f.xe[:q], f.xd[:qM]
	bcM := f.bcM
	for p, i := range f.r0 {
		xr[p] = x[i]
	}
	for c, i := range f.cand {
		xc[c] = x[i]
		if mc := f.mposM[c]; mc >= 0 {
			xd[mc] = x[i]
		}
	}
	for p, i := range f.r0 {
		y[i] = dot(f.s0[p*r:p*r+r], xr) + dot(bcM[p*qM:p*qM+qM], xd)
	}
	for c, a := range f.vsingle {
		if a >= 0 {
			y[f.r0[a]] += f.sv[c] * xc[c]
		}
	}
	for c, mc := range f.mposM {
		if mc >= 0 {
			xd[mc] = f.dc[c] * xc[c]
		}
	}
	for p := 0; p < r; p++ {
		if xr[p] != 0 {
			axpy(xr[p], bcM[p*qM:p*qM+qM], xd)
		}
	}
	for c, i := range f.cand {
		switch a := f.vsingle[c]; {
		case f.mposM[c] >= 0:
			y[i] = xd[f.mposM[c]]
		case a >= 0:
			y[i] = f.dc[c]*xc[c] + f.sv[c]*xr[a]
		default:
			y[i] = f.dc[c] * xc[c]
		}
	}
}

// classifyValues sets vsingle, sv and the compact coupling block bcM from
// the values just scattered: a candidate coupled to several r0 rows by the
// pattern (single −1) whose column of bc holds one nonzero value couples
// to that row only (vsingle = the row, sv = the value), one whose column
// is zero to none (vsingle −2; the polish's decoupled rows). One pass
// over bc per full scatter.
func (f *DenseSchur) classifyValues() {
	r, qD := len(f.r0), f.qD
	copy(f.vsingle, f.single)
	f.mposM, f.qM, f.bcM = f.mpos, qD, f.bc
	if qD == 0 || f.noValueClass {
		return
	}
	cnt, last := f.vcnt, f.vlast
	clear(cnt)
	for i := 0; i < r; i++ {
		for k, v := range f.bc[i*qD : i*qD+qD] {
			if v != 0 {
				cnt[k]++
				last[k] = i
			}
		}
	}
	qM := 0
	for _, n := range cnt {
		if n > 1 {
			qM++
		}
	}
	if qM == qD {
		return
	}
	if f.mposMbuf == nil {
		f.mposMbuf = make([]int, len(f.cand))
		f.bcMbuf = make([]float64, r*qD)
		f.mcols = make([]int, 0, qD)
	}
	mposM, mcols := f.mposMbuf, f.mcols[:0]
	for c, mc := range f.mpos {
		mposM[c] = -1
		if mc < 0 {
			continue
		}
		switch n := cnt[mc]; {
		case n > 1:
			mposM[c] = len(mcols)
			mcols = append(mcols, mc)
		case n == 1:
			f.vsingle[c] = last[mc]
			f.sv[c] = f.bc[last[mc]*qD+mc]
		default:
			f.vsingle[c] = -2
		}
	}
	f.mcols = mcols
	bcM := f.bcMbuf[:r*qM]
	for i := 0; i < r; i++ {
		src, dst := f.bc[i*qD:i*qD+qD], bcM[i*qM:i*qM+qM]
		for k, mc := range mcols {
			dst[k] = src[mc]
		}
	}
	f.mposM, f.qM, f.bcM = mposM, qM, bcM
}

// SetValuesVersion implements ValuesVersioned.
func (f *DenseSchur) SetValuesVersion(v uint64) { f.hc.setNext(v) }

// VersionSkips implements ValuesVersioned.
func (f *DenseSchur) VersionSkips() int { return f.hc.skipped }
