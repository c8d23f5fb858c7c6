package linsys

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// DualPivotRatio is the smallest ratio d_min/d_max of the LDLᵀ pivots of
// the x block P + δI with which DenseDual eliminates x. Below it (an LP,
// a rank-deficient P) the complement A(P + δI)⁻¹Aᵀ has entries of size
// ‖a‖²/δ and DenseDual reports ErrDualSingular.
const DualPivotRatio = 1e-10

// ErrDualSingular reports that DenseDual's x block P + δI is not safely
// positive definite (pivot ratio below DualPivotRatio, or a non-positive
// pivot): the caller uses another factorization.
var ErrDualSingular = errors.New("linsys: x block not safely positive definite for the dual Schur complement")

// scatterCompareMin is the fewest values for which DenseDual compares
// with its scatter buffer instead of keeping a copy (storeScattered):
// below, the copy is a few cache lines and cheaper than scatterExact's
// pass (the BPQP study's 10×5 problems: 165 values, +2 % instructions
// with the comparison). A variable so that tests can lower it.
var scatterCompareMin = 512

// ErrDualTooLarge reports a DenseDual whose buffer or value count passes
// int32 (its runs are packed as int32; such a dense form would hold 16 GiB).
var ErrDualTooLarge = errors.New("linsys: DenseDual too large")

// DenseDual factors a quasi-definite KKT matrix
//
//	K = [ P + δI   Aᵀ ]      (x: indices < nx)
//	    [ A       −Hδ ]      (rows: indices ≥ nx, Hδ diagonal)
//
// by eliminating x: with P + δI = L D Lᵀ and W = L⁻¹Aᵀ,
//
//	Hδ + C,   C = A (P + δI)⁻¹ Aᵀ = Wᵀ D⁻¹ W,
//
// is symmetric positive definite and is factored by the dense LDLᵀ. The x
// block and A do not change during an interior-point solve, only H does:
// C is formed when they change (detected by comparing the values) and
// reused, so an iteration costs the (m × m) factorization alone,
// m³/6 multiply–adds, instead of n²m/2 for GᵀD⁻¹G plus (n + p)³/6 for the
// normal equations. It needs P + δI safely positive definite
// (DualPivotRatio) and every constraint row uncoupled from the others.
type DenseDual struct {
	// xhook: called once on the next x block (SetXBlockHook; nil: none).
	xhook  XBlockHook
	pat    *Pattern
	n      int // KKT dimension
	nx, mr int // x block and constraint rows
	// Scattered values of the last Factor: px (nx×nx, both triangles),
	// a (mr×nx row-major) and h (diagonal of the row block, as in K).
	px, a, h  []float64
	dst, dst2 []int // value index → position in buf = px | a | h (dst2 −1: none)
	// dst and dst2 as runs of consecutive value indices whose positions
	// step by a constant stride (scatterRuns): a dense P's upper column
	// goes down a column of px (stride nx) and along a row (1), a dense
	// A row along a row of a. The full scatter walks them without an
	// index load per value.
	sruns []packedRun
	// offRuns: the runs (cut from those of dst and dst2) whose positions
	// are off the diagonal of px; sruns holds every other run. An LP's
	// or ε-ridge LP's P given dense (the C ABI's dense layout) has only
	// zeros there: the full scatter skips them (they would add +0 to +0)
	// and notes whether any nonzero arrived (pxOff), which decides formC's
	// diagonal x block without scanning px.
	offRuns []packedRun
	pxOff   bool
	// offVals: the value ranges of offRuns, each once (k0, n pairs in
	// offRuns' order; a value off the diagonal has a run in each
	// triangle): a full scatter over a clean px tests them alone, and
	// reads offRuns only when some range is not zero.
	offVals []int32
	// cmpRest and cmpOff: the runs of the value indices outside H with
	// one position each (an off-diagonal P value's in the lower triangle
	// of px, so that a dense P's column is one run of stride 1), off
	// (cmpOff) or on the diagonal of px or in a (cmpRest). When the last
	// full scatter left every value bit for bit in buf (scatterExact:
	// no −0, which the scatter's +0 + v turns into +0, and a skipped
	// off-diagonal run all +0), the values are compared with buf along
	// them instead of with a copy (hCache.storeScattered).
	cmpRest, cmpOff []packedRun
	// cmpOne: cmpRest's runs of one value (a dense P's diagonal), as value
	// index and position pairs, compared in one loop (cmpRest keeps the
	// longer runs).
	cmpOne []int32
	// offPosZero: every off-diagonal run the last full scatter skipped
	// held +0 bit for bit (allZero also accepts −0).
	offPosZero bool
	// keepPrev: tests; every full scatter copies its values (hCache.store).
	keepPrev bool
	zeros    []float64 // nx +0s (runSame)
	// pxClean: every position off the diagonal of px holds +0 (the last
	// full scatter wrote only +0 there, or none: a new factorizer's +0):
	// the next one skips the off-diagonal runs of zeros and checks only
	// px's diagonal, a and h (an ε-ridge LP's x block: nx² words a call
	// no longer touches). Without it the runs of zeros are written +0
	// (buf is not cleared before a scatter).
	pxClean bool
	// dupDst: some position of buf is the target of two values (a
	// pattern with duplicate entries, which kkt.Analyse accepts): the
	// full scatter clears buf and adds, so that the position gets their
	// sum, instead of writing +0 + v. dupH: such a position is on the
	// row diagonal, whose fast paths write H values (hCache.writeH): they
	// are not taken, every Factor scatters in full. (A bug fix: those
	// paths wrote one of the values where their sum belongs, so such a
	// pattern factored a wrong H before; its results change, to the
	// right ones. kkt.Analyse makes no such pattern.)
	dupDst, dupH bool
	buf          []float64
	valid        bool   // C (and lp, dp, w) are those of the values in hc
	refused      bool   // the x block of the values in hc was refused (ErrDualSingular)
	hc           hCache // the values of the last full scatter; skips it when only H changed
	// Rows decoupled since the last full scatter: their A row is zero in
	// the values factored (an active-set system: kkt.System's
	// SetActiveRows) while C holds them; C is reused with those rows and
	// columns taken as zero (maskFrom).
	mask   []bool
	masked bool // some row is masked
	// The next Factor's announcement by SetValuesVersionZeroRows: its
	// values outside H are those of version exVer (0: none) but for the A
	// rows of the value indices exRows, which are zero.
	exVer  uint64
	exRows []int
	rowOf  []int // value index → its constraint row for A entries, −1 otherwise
	// rowVals[rowPtr[i]:rowPtr[i+1]]: the value indices of row i's A
	// entries (rowOf inverted).
	rowVals, rowPtr []int
	// x block factor (lp, dp), W = L⁻¹Aᵀ and C (lower triangle), both
	// over the rows whose A row is nonzero only: row i of A is row
	// wpos[i] of W and of C (wpos[i] < 0: a zero row, whose C row and
	// column are zero). w is wbuf, or a itself when W = A (a diagonal x
	// block and no zero row of A: formC copies nothing, and a — written
	// only by a full scatter, which forms W again — stays W until then).
	lp, dp, w, c []float64
	wbuf         []float64
	v4           []float64 // 4 rows of D⁻¹W (formC)
	// diagX: the x block of the values in hc is diagonal (every
	// off-diagonal value zero; NewDenseDual's order only): L = I, so
	// W = A and the x-block solves and products are diagonal (formC
	// leaves lp alone — nil until an x block is not diagonal — and the
	// arithmetic is that of the dense path with its zero terms left out).
	diagX   bool
	noDiagX bool // tests: always the dense x-block path
	// noCorrect: tests and comparisons; solve leaves out the row-block
	// correction (correct).
	noCorrect bool
	// corrNeed: a solve since C was formed took the correction;
	// corrSolved: a solve has run since the last Factor (see solve).
	corrNeed, corrSolved bool
	wpos                 []int
	nw                   int // rows of W (nonzero rows of A)
	// Row block factor: the rows coupled through C (nonzero and not
	// masked, rows[:nr], increasing) are factored by the LDLᵀ l, d of
	// order nr; every other row is a 1×1 pivot dz[i] (−H, regularized as
	// the LDLᵀ would), so decoupled rows (an active-set system's inactive
	// rows) cost nothing in the factorization.
	l, d []float64
	rows []int
	woff []int // woff[a] = wpos[rows[a]]·nx + wlo: where row rows[a] of W starts (solve)
	nr   int
	// consec: rowsConsecutive for rows and woff as the last Factor set
	// them (solve, correct and the pair path test it per call).
	consec bool
	dz     []float64
	zc     []float64 // nr scratch (the coupled rows of z)
	ones   []float64
	wb     []float64
	bw     *blockWork     // blocked LDLᵀ workspace (nil below blockMin)
	gw     *vec.Workspace // level-3 workspace of formC (nil below dualGemmMin)
	t, g   []float64      // nx scratch
	z      []float64      // mr scratch
	// SolvePair's second vector's t, g, z and zc (allocated on its first
	// call).
	t2, g2, z2, zc2 []float64
	pairSolves      int // SolvePair calls that took the two-vector path (PairPathSolves)
	nreg            int
	Forms           int // number of times C was formed (for tests)
	// Extended x block (NewDenseDualOrder): order[p] is the KKT index at
	// position p (nil: the identity), xs the expected pivot sign of each
	// x-block position (f.ones when nil order), pb, py scratch of n.
	order  []int
	xs     []float64
	pb, py []float64
	// With an extended x block: lo[k] is the first nonzero column of row k
	// of the x-block factor, wlo the first nonzero column of W (the
	// auxiliaries and equality rows of cvxpy's form lead with zeros
	// there), kv the values of the last Factor (MulVec by the pattern).
	// Without: zeros, and kv nil.
	lo  []int
	wlo int
	kv  []float64
	// runs: the off-diagonal entries of the pattern's columns cut into
	// runs of consecutive rows, runs[c]..runs[c+1] column c's (MulVec).
	runs   []valueRun
	runPtr []int
}

// scatterRun is a run of n value indices k0, k0+1, … whose positions are
// d0, d0+stride, …
type scatterRun struct{ k0, n, d0, stride int }

// packedRun is a scatterRun in 16 bytes instead of 32 (NewDenseDualOrder
// refuses a buffer or value count past int32): the runs are read on every
// full scatter and comparison, about two per column of a dense P (6 KiB
// of runs at n = 50 as ints).
type packedRun struct{ k0, n, d0, stride int32 }

// pack returns runs as packedRuns.
func pack(runs []scatterRun) []packedRun {
	p := make([]packedRun, len(runs))
	for i, r := range runs {
		p[i] = packedRun{int32(r.k0), int32(r.n), int32(r.d0), int32(r.stride)}
	}
	return p
}

// scatterRuns appends to runs the runs of dst (value index → position,
// −1: none, left out): maximal runs of consecutive indices whose
// positions step by a constant stride.
func scatterRuns(dst []int, runs []scatterRun) []scatterRun {
	for k := 0; k < len(dst); {
		if dst[k] < 0 {
			k++
			continue
		}
		r := scatterRun{k0: k, n: 1, d0: dst[k]}
		if k+1 < len(dst) && dst[k+1] >= 0 {
			r.stride = dst[k+1] - dst[k]
			for k+r.n < len(dst) && dst[k+r.n] >= 0 && dst[k+r.n]-dst[k+r.n-1] == r.stride {
				r.n++
			}
		}
		runs = append(runs, r)
		k += r.n
	}
	return runs
}

// splitOffDiag cuts runs of positions in buf = px | a | h (px nx×nx) into
// maximal pieces whose positions are all off the diagonal of px (off) or
// all elsewhere (rest); the pieces keep their value order.
func splitOffDiag(runs []scatterRun, nx int) (rest, off []scatterRun) {
	isOff := func(d int) bool { return d < nx*nx && d/nx != d%nx }
	for _, r := range runs {
		p := scatterRun{k0: r.k0, n: 1, d0: r.d0, stride: r.stride}
		pOff := isOff(r.d0)
		for e := 1; e <= r.n; e++ {
			d := r.d0 + e*r.stride
			if e < r.n && isOff(d) == pOff {
				p.n++
				continue
			}
			if p.n == 1 {
				p.stride = 0
			}
			if pOff {
				off = append(off, p)
			} else {
				rest = append(rest, p)
			}
			if e < r.n {
				p, pOff = scatterRun{k0: r.k0 + e, n: 1, d0: d, stride: r.stride}, isOff(d)
			}
		}
	}
	return rest, off
}

// allZero reports whether every value of v is ±0 (a NaN is not), and
// pos whether every one is +0: a nonzero first value returns at once (a
// dense P's run), else the bits are or-ed by vec.OrBitsRuns (AVX2 for long runs).
func allZero(v []float64) (zero, pos bool) {
	if len(v) == 0 {
		return true, true
	}
	if v[0] != 0 {
		return false, false
	}
	o := vec.OrBitsRuns(v, len(v), len(v), 1)
	return o<<1 == 0, o == 0
}

// valueRun is a run of pattern entries k0..k1 in consecutive rows from r0.
type valueRun struct{ k0, k1, r0 int }

// NewDenseDual returns a DenseDual for the upper pattern pat whose first
// nx indices are the x block; it fails when two constraint rows are
// coupled.
func NewDenseDual(pat *Pattern, nx int) (*DenseDual, error) {
	return NewDenseDualOrder(pat, nx, nil, nil)
}

// NewDenseDualOrder is NewDenseDual with an extended x block: the KKT
// indices order[:nx] (in that pivot order, expected pivot signs xsigns)
// are eliminated first and the rows order[nx:] form the factored row
// block, which must be mutually uncoupled. The extended block may hold
// equality rows (sign −1) next to the variables: with cvxpy's auxiliary
// variables t = Lz (P = I on t, nothing on z) the block [t, rows
// t − Lz = 0, z] has pivots +1, −1 and then LᵀL on z, definite although
// P is singular, and C = A K⁻¹ Aᵀ over the inequality rows is positive
// semidefinite (the inequality rows touch the variables only). A nil
// order is NewDenseDual.
func NewDenseDualOrder(pat *Pattern, nx int, order []int, xsigns []float64) (*DenseDual, error) {
	n := pat.N
	mr := n - nx
	f := &DenseDual{pat: pat, n: n, nx: nx, mr: mr}
	pos := func(i int) int { return i }
	if order != nil {
		if len(order) != n || len(xsigns) != nx {
			return nil, fmt.Errorf("linsys: DenseDual order of length %d and %d signs for dimension %d, x block %d", len(order), len(xsigns), n, nx)
		}
		inv := make([]int, n)
		for i := range inv {
			inv[i] = -1
		}
		for p, i := range order {
			if i < 0 || i >= n || inv[i] >= 0 {
				return nil, fmt.Errorf("linsys: DenseDual order is not a permutation (index %d at %d)", i, p)
			}
			inv[i] = p
		}
		f.order = order
		f.xs = xsigns
		f.pb, f.py = make([]float64, n), make([]float64, n)
		pos = func(i int) int { return inv[i] }
	}
	// In int64: with 32-bit ints the products themselves can wrap.
	if words := int64(nx)*int64(nx) + int64(mr)*int64(nx) + int64(mr); words > math.MaxInt32 {
		return nil, fmt.Errorf("linsys: DenseDual of x block %d and %d rows (%d buffer words): %w", nx, mr, words, ErrDualTooLarge)
	}
	if nnz := pat.Colptr[n]; nnz > math.MaxInt32 {
		return nil, fmt.Errorf("linsys: DenseDual of %d values: %w", nnz, ErrDualTooLarge)
	}
	f.buf = make([]float64, nx*nx+mr*nx+mr)
	f.px, f.a, f.h = f.buf[:nx*nx], f.buf[nx*nx:nx*nx+mr*nx], f.buf[nx*nx+mr*nx:]
	f.pxClean = true // +0 everywhere
	nnz := pat.Colptr[n]
	f.dst, f.dst2 = make([]int, nnz), make([]int, nnz)
	for jo := 0; jo < n; jo++ {
		j := pos(jo)
		for k := pat.Colptr[jo]; k < pat.Colptr[jo+1]; k++ {
			i := pos(pat.Rowval[k])
			f.dst2[k] = -1
			switch {
			case i >= nx && j >= nx:
				if i != j {
					return nil, fmt.Errorf("linsys: constraint rows %d and %d are coupled", i-nx, j-nx)
				}
				f.dst[k] = nx*nx + mr*nx + (i - nx)
				f.hc.add(k, f.dst[k])
			case i >= nx:
				f.dst[k] = nx*nx + (i-nx)*nx + j
			case j >= nx:
				f.dst[k] = nx*nx + (j-nx)*nx + i
			default:
				f.dst[k] = i*nx + j
				if i != j {
					f.dst2[k] = j*nx + i
				}
			}
		}
	}
	f.hc.init(nnz)
	f.dupDst, f.dupH = dupTargets(len(f.buf), f.dst, f.dst2, f.hc.hDst)
	cmp := make([]int, nnz)
	for k := range cmp {
		cmp[k] = f.dst[k]
		if f.dst2[k] >= 0 {
			cmp[k] = f.dst2[k]
		}
	}
	for _, k := range f.hc.hIdx {
		cmp[k] = -1
	}
	cmpRest, cmpOff := splitOffDiag(scatterRuns(cmp, nil), nx)
	rest := cmpRest[:0]
	for _, r := range cmpRest {
		if r.n == 1 {
			f.cmpOne = append(f.cmpOne, int32(r.k0), int32(r.d0))
		} else {
			rest = append(rest, r)
		}
	}
	f.cmpRest, f.cmpOff = pack(rest), pack(cmpOff)
	f.zeros = make([]float64, nx) // an off-diagonal run is shorter than a row of px
	sruns, offRuns := splitOffDiag(append(scatterRuns(f.dst, nil), scatterRuns(f.dst2, nil)...), nx)
	// By their values (the scatter tests a value range once); each
	// position receives one value, so the order of the runs changes
	// nothing.
	sort.SliceStable(offRuns, func(a, b int) bool { return offRuns[a].k0 < offRuns[b].k0 })
	f.sruns, f.offRuns = pack(sruns), pack(offRuns)
	for t, r := range f.offRuns {
		if t == 0 || r.k0 != f.offRuns[t-1].k0 || r.n != f.offRuns[t-1].n {
			f.offVals = append(f.offVals, r.k0, r.n)
		}
	}
	f.mask = make([]bool, mr)
	f.rowOf = make([]int, nnz)
	for jo := 0; jo < n; jo++ {
		j := pos(jo)
		for k := pat.Colptr[jo]; k < pat.Colptr[jo+1]; k++ {
			i := pos(pat.Rowval[k])
			f.rowOf[k] = -1
			switch {
			case i >= nx && j < nx:
				f.rowOf[k] = i - nx
			case j >= nx && i < nx:
				f.rowOf[k] = j - nx
			}
		}
	}
	f.rowPtr = make([]int, mr+1)
	for _, r := range f.rowOf {
		if r >= 0 {
			f.rowPtr[r+1]++
		}
	}
	for i := 0; i < mr; i++ {
		f.rowPtr[i+1] += f.rowPtr[i]
	}
	f.rowVals = make([]int, f.rowPtr[mr])
	next := append([]int(nil), f.rowPtr[:mr]...)
	for k, r := range f.rowOf {
		if r >= 0 {
			f.rowVals[next[r]] = k
			next[r]++
		}
	}
	f.dp = make([]float64, nx) // lp: at formC's first non-diagonal x block
	f.wbuf, f.v4 = make([]float64, mr*nx), make([]float64, 4*nx)
	f.w = f.wbuf
	f.c = make([]float64, mr*mr)
	f.wpos = make([]int, mr)
	f.rows, f.dz, f.zc = make([]int, mr), make([]float64, mr), make([]float64, mr)
	f.woff = make([]int, mr)
	f.l, f.d = make([]float64, mr*mr), make([]float64, mr)
	f.ones = make([]float64, max(nx, mr))
	for i := range f.ones {
		f.ones[i] = 1
	}
	f.wb = make([]float64, 4*max(nx, mr))
	if max(nx, mr) >= blockMin {
		f.bw = newBlockWork(max(nx, mr))
		f.gw = f.bw.g
	} else if min(nx, mr) >= dualGemmMin {
		f.gw = vec.NewWorkspace(max(nx, mr))
	}
	f.t, f.g = make([]float64, nx), make([]float64, nx)
	f.z = make([]float64, mr)
	if f.xs == nil {
		f.xs = f.ones[:nx]
	} else {
		f.kv = make([]float64, nnz)
		f.runPtr = make([]int, n+1)
		for j := 0; j < n; j++ {
			k0, k1 := pat.Colptr[j], pat.Colptr[j+1]
			if k1 > k0 && pat.Rowval[k1-1] == j {
				k1--
			}
			for k := k0; k < k1; {
				e := k + 1
				for e < k1 && pat.Rowval[e] == pat.Rowval[e-1]+1 {
					e++
				}
				f.runs = append(f.runs, valueRun{k, e, pat.Rowval[k]})
				k = e
			}
			f.runPtr[j+1] = len(f.runs)
		}
	}
	f.lo = make([]int, nx)
	return f, nil
}

// Dim implements Factorizer.
func (f *DenseDual) Dim() int { return f.n }

// Regularized implements Factorizer.
func (f *DenseDual) Regularized() int { return f.nreg }

// Factor implements Factorizer.
func (f *DenseDual) Factor(values []float64) error {
	mr := f.mr
	values = values[:len(f.dst)]
	exVer, exRows := f.exVer, f.exRows
	f.exVer, f.exRows = 0, nil
	var same, finite bool
	if exVer != 0 && f.hc.valid && exVer == f.hc.ver && f.valid && !f.refused && !f.dupH {
		// The last full scatter's values but for the rows exRows set to
		// zero, by the caller's word: only H is read.
		same, finite = f.maskZeroRows(values, exRows)
	}
	if same {
		f.hc.next, f.hc.cur = 0, 0
		f.hc.skipped++
	} else if !f.dupH {
		same, finite = f.onlyH(values)
		if same {
			f.clearMask()
		} else if f.valid && !f.refused {
			if f.hc.prevOK {
				same, finite = f.maskFrom(values)
			} else {
				same, finite = f.maskFromScattered(values)
			}
		}
	}
	if same && !finite {
		return ErrSingular
	}
	if !same {
		f.clearMask()
		f.hc.valid = false
		f.valid, f.refused = false, false
		// Every position receives one value (P's off-diagonal ones two,
		// in both triangles), written as +0 + v: what a clear and the
		// entry-by-entry scatter's += left (−0 becomes +0), so buf is not
		// cleared. The positions no value reaches hold +0 since
		// NewDenseDualOrder (nothing else writes them); those of a skipped
		// off-diagonal run below are written when they may not.
		buf := f.buf
		put := putRun
		if f.dupDst {
			// Two values reach some position: their sum, added into a
			// cleared buffer as the entry-by-entry scatter did (a skipped
			// run of zeros adds nothing: a sum from +0 is never −0).
			if f.pxClean {
				f.clearDiagPx()
			} else {
				clear(buf)
			}
			put = addRun
		}
		for _, r := range f.sruns {
			if r.n == 1 && !f.dupDst { // a dense P's diagonal: no call
				buf[r.d0] = 0 + values[r.k0]
				continue
			}
			put(buf, values[r.k0:r.k0+r.n], int(r.d0), int(r.stride))
		}
		// Off the diagonal of px a run of zeros (±0) leaves +0: skipped
		// when px's off-diagonal positions hold +0 already (pxClean: the
		// last full scatter skipped or wrote +0 into all of them), as
		// every run is for a diagonal P given dense (the ε-ridge LPs: n²
		// zeros, half of them written down a column of px). A dense P's
		// run fails the test at its first value. A value off the diagonal
		// goes to both triangles: its two runs have the same values
		// (offRuns is ordered by them), tested once.
		clean := f.pxClean
		off, posZero := false, true
		runs := f.offRuns
		if clean {
			// Each value range once, without the runs' positions: all
			// zeros (the ε-ridge LPs) leave nothing to write. A range
			// that is not stops the test and the runs follow.
			zero, pos := true, true
			for t := 0; t+1 < len(f.offVals); t += 2 {
				z, p := allZero(values[f.offVals[t] : f.offVals[t]+f.offVals[t+1]])
				if !z {
					zero = false
					break
				}
				pos = pos && p
			}
			if zero {
				runs, posZero = nil, pos
			}
		}
		pk, pn, pzero, ppos := int32(-1), int32(0), false, false
		for _, r := range runs {
			vals := values[r.k0 : r.k0+r.n]
			if r.k0 != pk || r.n != pn {
				pk, pn = r.k0, r.n
				pzero, ppos = allZero(vals)
			}
			if pzero {
				posZero = posZero && ppos
				if clean {
					continue
				}
			} else {
				off = true
			}
			put(buf, vals, int(r.d0), int(r.stride))
		}
		f.pxOff = off
		f.pxClean = !off
		f.offPosZero = posZero
		if !f.scatterFinite() {
			return ErrSingular
		}
		if !f.keepPrev && len(values) >= scatterCompareMin && f.scatterExact(values) {
			f.hc.storeScattered()
		} else {
			f.hc.store(values)
		}
	}
	// C depends on the x block and A only: after a scatter of only H it is
	// still that of the values in hc.
	switch {
	case f.refused:
		return f.xblockRefused(ErrDualSingular)
	case !f.valid:
		if err := f.formC(); err != nil {
			if err == ErrXBlockStop {
				return err // the x block was not refused: formed again next time
			}
			f.refused = true
			return f.xblockRefused(err)
		}
		f.valid = true
		if f.kv != nil {
			f.spans()
		}
	}
	if f.xhook != nil && !f.xblockHook(true) {
		return ErrXBlockStop // the x block factored before (C kept)
	}
	if f.kv != nil {
		copy(f.kv, values)
	}
	// S = Hδ + C with Hδ = −(row diagonal of K), on the coupled rows;
	// a decoupled row's pivot is −H alone (its C row is zero or masked).
	nr, nreg := 0, 0
	all := !f.masked && f.nw == mr
	if all {
		// Every row nonzero (wpos the identity) and none masked (an
		// interior-point iteration's system): every row coupled, the
		// loop below's result without its tests.
		rows, woff := f.rows[:mr], f.woff[:mr]
		o := f.wlo
		for i := range rows {
			rows[i], woff[i] = i, o
			o += f.nx
		}
		nr = mr
	}
	for i := nr; i < mr; i++ {
		if f.wpos[i] >= 0 && !f.mask[i] {
			f.rows[nr] = i
			f.woff[nr] = f.wpos[i]*f.nx + f.wlo
			nr++
			continue
		}
		// The LDLᵀ's treatment of this pivot (signs +1; h is finite).
		p := -f.h[i]
		if p < DynamicEps {
			p = DynamicDelta
			nreg++
		}
		f.dz[i] = p
	}
	f.nr = nr
	f.consec = nr > 0 && (all || f.rowsConsecutive())
	l := f.l
	if nr == mr {
		// Every row coupled: C's rows in place (wpos is the identity).
		// Up to order dualCopyWholeMax C is copied whole, its strict
		// upper triangle with it (never read from l: the LDLᵀ reads and
		// writes rows up to the diagonal), in one copy instead of one
		// per row.
		if mr <= dualCopyWholeMax {
			copy(l[:mr*mr], f.c[:mr*mr])
		} else {
			for i := 0; i < mr; i++ {
				copy(l[i*mr:i*mr+i+1], f.c[i*mr:i*mr+i+1])
			}
		}
		h := f.h[:mr]
		for i, hi := range h {
			l[i*mr+i] -= hi
		}
	} else {
		for a, i := range f.rows[:nr] {
			ci := f.c[f.wpos[i]*mr:]
			row := l[a*nr : a*nr+a+1]
			for b, j := range f.rows[:a+1] {
				row[b] = ci[f.wpos[j]]
			}
			row[a] -= f.h[i]
		}
	}
	nreg2, err := dualLDL(l, nr, f.ones[:nr], f.d[:nr], f.wb, f.bw)
	f.nreg = nreg + nreg2
	f.corrSolved = false
	return err
}

// dualCopyWholeMax is the largest row-block order whose C Factor copies
// whole into the factor (one copy of m² words instead of m copies of a
// row's lower part, whose calls cost more than the words at the BPQP
// study's orders 10 and 20); above it the upper triangle's m²/2 words
// would outweigh the calls.
const dualCopyWholeMax = 48

// putRun writes +0 + v for each value v of vals into buf from position
// d on, stride apart: v, but +0 for −0 (a sum into a cleared buffer).
// Not inlined: in Factor's loops the stride-1 loop spilled its counter.
// From putRunAsmMin values at a positive stride the loop runs in assembly
// (putRunAVX: the same additions, eight values a step at stride 1, four
// down a column): the full scatter of the BPQP study's QP 50×10 writes
// 3,500 values a call, ~9 instructions each in the Go loops.
//
//go:noinline
func putRun(buf, vals []float64, d, stride int) {
	if n := len(vals); n >= putRunAsmMin && stride >= 1 && pairAsm && !noPutAsm {
		// Every position d + i·stride (i < n) inside buf; n and stride
		// are below 2³¹ (packedRun), so the product does not overflow.
		if d < 0 || d >= len(buf) || (n-1)*stride >= len(buf)-d {
			panic("linsys: putRun: run past the buffer")
		}
		putRunAVX(&buf[d], &vals[0], n, stride)
		return
	}
	if stride == 1 {
		dst := buf[d : d+len(vals)]
		for i, v := range vals {
			dst[i] = 0 + v
		}
		return
	}
	for _, v := range vals {
		buf[d] = 0 + v
		d += stride
	}
}

// putRunAsmMin is the shortest run putRun writes in assembly (below, the
// call costs as much as the loop); noPutAsm: tests, the Go loops only.
const putRunAsmMin = 4

var noPutAsm bool

// addRun adds each value v of vals into buf from position d on, stride
// apart (the scatter of a pattern with duplicate targets, dupDst).
func addRun(buf, vals []float64, d, stride int) {
	for _, v := range vals {
		buf[d] += v
		d += stride
	}
}

// clearDiagPx clears buf but for the positions off the diagonal of px
// (pxClean: they hold +0).
func (f *DenseDual) clearDiagPx() {
	nx := f.nx
	for k := 0; k < nx; k++ {
		f.px[k*nx+k] = 0
	}
	clear(f.buf[nx*nx:])
}

// dupTargets reports whether two of the positions in dst and dst2 (of a
// buffer of n words; −1 in dst2: none) are the same, and whether such a
// position is one of hDst (the row diagonal's).
func dupTargets(n int, dst, dst2, hDst []int) (dup, dupH bool) {
	seen, twice := make([]uint64, (n+63)/64), make([]uint64, (n+63)/64)
	for _, ds := range [][]int{dst, dst2} {
		for _, d := range ds {
			if d < 0 {
				continue
			}
			bit := uint64(1) << (d % 64)
			if seen[d/64]&bit != 0 {
				twice[d/64] |= bit
				dup = true
			}
			seen[d/64] |= bit
		}
	}
	for _, d := range hDst {
		dupH = dupH || twice[d/64]&(uint64(1)<<(d%64)) != 0
	}
	return dup, dupH
}

// scatterFinite reports whether every value of buf is finite; with
// pxClean (the off-diagonal positions of px hold +0) only px's diagonal,
// a and h are read.
func (f *DenseDual) scatterFinite() bool {
	if !f.pxClean {
		return vec.AllFinite(f.buf)
	}
	nx := f.nx
	for k := 0; k < nx; k++ {
		if v := f.px[k*nx+k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return vec.AllFinite(f.buf[nx*nx:])
}

// maskFrom reports whether values differ from the last full scatter only
// on the row diagonal (H) and by whole A rows set to zero, as an
// active-set system of the same data does (kkt.System.SetActiveRows:
// inactive rows decoupled). If so it records those rows in mask, writes
// the H entries into h and reports whether they are all finite; C, W and
// the x block factor stay those of the full scatter.
func (f *DenseDual) maskFrom(values []float64) (ok, finite bool) {
	if !f.hc.valid {
		return false, false
	}
	prev := f.hc.prev
	diff := f.z // diff[r] ≠ 0: some A value of row r differs
	clear(diff)
	// The spans between the row-diagonal entries are compared by memequal
	// (between iterations of a polish nearly all of them are equal);
	// only a span that differs is read value by value. The spans onlyH
	// found equal just before (this Factor's values) are not compared
	// again: with a dense P they are the x block, most of the values.
	a, t0 := 0, f.hc.eqSpans
	if t0 > 0 {
		a = f.hc.hIdx[t0-1] + 1
	}
	for t := t0; t <= len(f.hc.hIdx); t++ {
		e := len(prev)
		if t < len(f.hc.hIdx) {
			e = f.hc.hIdx[t]
		}
		if !equalBits(values[a:e], prev[a:e]) {
			for k := a; k < e; k++ {
				v := values[k]
				if math.Float64bits(v) == math.Float64bits(prev[k]) {
					continue
				}
				r := f.rowOf[k]
				if r < 0 || v != 0 {
					clear(f.mask)
					f.masked = false
					return false, false
				}
				diff[r] = 1
			}
		}
		a = e + 1
	}
	return f.maskRows(values, diff)
}

// onlyH is hCache.onlyH; after storeScattered the values outside H are
// compared with buf (sameScattered) instead of prev.
func (f *DenseDual) onlyH(values []float64) (ok, finite bool) {
	c := &f.hc
	if c.prevOK || !c.valid {
		return c.onlyH(values, f.buf)
	}
	c.cur, c.next = c.next, 0
	c.eqSpans = 0
	if c.cur != 0 && c.cur == c.ver {
		c.skipped++
		return true, c.writeH(values, f.buf)
	}
	if !f.sameScattered(values) {
		return false, false
	}
	c.ver = c.cur
	return true, c.writeH(values, f.buf)
}

// scatterExact reports whether the full scatter just done left every
// value outside H in buf bit for bit (no −0 among them; the off-diagonal
// runs it skipped all +0): then buf holds what prev would, and
// hCache.storeScattered records it.
func (f *DenseDual) scatterExact(values []float64) bool {
	if !f.sameOnesRest(values) {
		return false
	}
	if f.pxClean {
		return f.offPosZero
	}
	for _, r := range f.cmpOff {
		if !f.runSame(values, r, false) {
			return false
		}
	}
	return true
}

// sameScattered reports whether values equal those of the last full
// scatter, bit for bit, outside H, read from buf (after storeScattered:
// buf holds them exactly; with pxClean the positions off px's diagonal
// hold +0 and are not read).
func (f *DenseDual) sameScattered(values []float64) bool {
	if !f.sameOnesRest(values) {
		return false
	}
	for _, r := range f.cmpOff {
		if !f.runSame(values, r, f.pxClean) {
			return false
		}
	}
	return true
}

// sameOnesRest reports whether the values of cmpOne and of the runs of
// cmpRest have the bits of buf at their positions (what scatterExact and
// sameScattered both compare before the off-diagonal runs).
func (f *DenseDual) sameOnesRest(values []float64) bool {
	if !f.sameOnes(values) {
		return false
	}
	for _, r := range f.cmpRest {
		if !f.runSame(values, r, false) {
			return false
		}
	}
	return true
}

// sameOnes reports whether the values of cmpOne have the bits of buf at
// their positions.
func (f *DenseDual) sameOnes(values []float64) bool {
	one, buf := f.cmpOne, f.buf
	for t := 0; t+1 < len(one); t += 2 {
		if math.Float64bits(values[one[t]]) != math.Float64bits(buf[one[t+1]]) {
			return false
		}
	}
	return true
}

// runSame reports whether the values of run r have the bits of buf at the
// run's positions (zero: of +0, without reading buf).
func (f *DenseDual) runSame(values []float64, r packedRun, zero bool) bool {
	vals := values[r.k0 : r.k0+r.n]
	d, stride := int(r.d0), int(r.stride)
	switch {
	case zero:
		// +0 bit for bit: memequal against zeros (allZero's loop took
		// ~9 instructions a value).
		return equalBits(vals, f.zeros[:len(vals)])
	case r.n == 1:
		return math.Float64bits(vals[0]) == math.Float64bits(f.buf[d])
	case stride == 1:
		return equalBits(vals, f.buf[d:d+len(vals)])
	}
	for _, v := range vals {
		if math.Float64bits(v) != math.Float64bits(f.buf[d]) {
			return false
		}
		d += stride
	}
	return true
}

// maskFromScattered is maskFrom after storeScattered: the values of the
// last full scatter are read from buf (runSame's positions).
func (f *DenseDual) maskFromScattered(values []float64) (ok, finite bool) {
	diff := f.z // diff[r] ≠ 0: some A value of row r differs
	clear(diff)
	one := f.cmpOne
	for t := 0; t+1 < len(one); t += 2 {
		k, v := one[t], values[one[t]]
		if math.Float64bits(v) == math.Float64bits(f.buf[one[t+1]]) {
			continue
		}
		if row := f.rowOf[k]; row < 0 || v != 0 {
			clear(f.mask)
			f.masked = false
			return false, false
		} else {
			diff[row] = 1
		}
	}
	check := func(r packedRun, zero bool) bool {
		if f.runSame(values, r, zero) {
			return true
		}
		d, k0, stride := int(r.d0), int(r.k0), int(r.stride)
		for i, v := range values[k0 : k0+int(r.n)] {
			var p uint64
			if !zero {
				p = math.Float64bits(f.buf[d])
			}
			d += stride
			if math.Float64bits(v) == p {
				continue
			}
			row := f.rowOf[k0+i]
			if row < 0 || v != 0 {
				return false
			}
			diff[row] = 1
		}
		return true
	}
	for _, r := range f.cmpRest {
		if !check(r, false) {
			clear(f.mask)
			f.masked = false
			return false, false
		}
	}
	for _, r := range f.cmpOff {
		if !check(r, f.pxClean) {
			clear(f.mask)
			f.masked = false
			return false, false
		}
	}
	return f.maskRows(values, diff)
}

// maskZeroRows is maskFrom for values that the caller announced equal to
// the last full scatter's but for whole A rows set to zero, each named by
// the value index of one of its A values (SetValuesVersionZeroRows): it
// masks those rows without comparing the values, and writes the H
// entries into buf. As maskFrom it masks only the rows that differ from
// the last scatter (some A value there is not +0 bit for bit: a row zero
// in both keeps its zero C row, and the products group the unmasked rows
// as with the comparison). It reports false (nothing masked) when an
// index is not an A value.
func (f *DenseDual) maskZeroRows(values []float64, rows []int) (ok, finite bool) {
	prev := f.hc.prev
	clear(f.mask)
	f.masked = false
	for _, k := range rows {
		if k < 0 || k >= len(values) || f.rowOf[k] < 0 {
			clear(f.mask)
			f.masked = false
			return false, false
		}
		r := f.rowOf[k]
		if f.mask[r] {
			continue
		}
		if !f.hc.prevOK {
			// After storeScattered, row r of a holds the row's values of
			// the last full scatter bit for bit (scatterExact) and +0
			// where none reaches (NewDenseDual's +0, never written).
			if _, pos := allZero(f.a[r*f.nx : (r+1)*f.nx]); !pos {
				f.mask[r], f.masked = true, true
			}
			continue
		}
		for _, e := range f.rowVals[f.rowPtr[r]:f.rowPtr[r+1]] {
			if math.Float64bits(prev[e]) != 0 {
				f.mask[r], f.masked = true, true
				break
			}
		}
	}
	return true, f.hc.writeH(values, f.buf)
}

// maskRows masks the rows r with diff[r] ≠ 0 (maskFrom)
// when each reads zero in every A value of values, writes the H entries
// into buf and reports whether they are all finite; it reports false
// (nothing masked) when some such row has a nonzero A value.
func (f *DenseDual) maskRows(values, diff []float64) (ok, finite bool) {
	// A row that differs must be zero in every A value (a row that is zero
	// in both keeps its zero C row: masking it changes nothing, and only
	// rows that differ need it).
	masked := false
	for i := range f.mask {
		f.mask[i] = false
		if diff[i] == 0 {
			continue
		}
		for _, k := range f.rowVals[f.rowPtr[i]:f.rowPtr[i+1]] {
			if values[k] != 0 {
				clear(f.mask)
				f.masked = false
				return false, false
			}
		}
		f.mask[i] = true
		masked = true
	}
	f.masked = masked
	return true, f.hc.writeH(values, f.buf)
}

// clearMask unmasks every row.
func (f *DenseDual) clearMask() {
	if f.masked {
		clear(f.mask)
	}
	f.masked = false
}

// dualGemmMin is the smallest order of the x block and of the row block
// from which formC forms W and C by the level-3 kernels (vec.Workspace:
// a triangular solve with many right-hand sides and a SYRK, ~3× the
// row-oriented loops' speed at n = 200); below, the workspace's packing
// buffers (~0.6 MB) would outweigh the work.
const dualGemmMin = 32

// formC factors the x block and forms W, V and C.
func (f *DenseDual) formC() error {
	nx, mr := f.nx, f.mr
	f.Forms++
	f.corrNeed = false
	lp := f.lp
	f.diagX = f.kv == nil && !f.noDiagX && !f.pxOff // px as the full scatter left it
	if f.diagX {
		// P + δI = D: the LDLᵀ of a diagonal matrix, its pivots the
		// diagonal and L = I (the dense LDLᵀ's result, without its
		// n³/6 multiply–adds of zeros). lp is not read (nor cleared:
		// nx² words a call that evicted the caller's cache; ExportFactor
		// writes L's zeros itself).
		for k := range f.dp {
			f.dp[k] = f.px[k*nx+k]
		}
	} else {
		if lp == nil {
			// Allocated at the first x block that is not diagonal: an
			// ε-ridge LP never needs it.
			lp = make([]float64, nx*nx)
			f.lp = lp
		}
		for i := 0; i < nx; i++ {
			copy(lp[i*nx:i*nx+i+1], f.px[i*nx:i*nx+i+1])
		}
		nreg, err := dualLDL(lp, nx, f.xs, f.dp, f.wb, f.bw)
		if err != nil || nreg > 0 {
			return ErrDualSingular
		}
	}
	// Pivots of the expected signs, at least DynamicEps (the dense LDLᵀ
	// replaces smaller ones, which refuses above; the diagonal x block is
	// held to the same rule) and their magnitudes within DualPivotRatio.
	dmin, dmax := math.Inf(1), 0.0
	for k, v := range f.dp {
		v *= f.xs[k]
		dmin, dmax = math.Min(dmin, v), math.Max(dmax, v)
	}
	if !(dmin >= DynamicEps) || dmin < DualPivotRatio*dmax {
		return ErrDualSingular
	}
	if f.xhook != nil && !f.xblockHook(true) {
		return ErrXBlockStop
	}
	// The nonzero rows of A, in order, are the rows of W. With L = I and
	// every row nonzero W = A: the rows are not copied (a is not written
	// until the next full scatter, which forms W again).
	nw := 0
	for i := 0; i < mr; i++ {
		ai := f.a[i*nx : i*nx+nx]
		f.wpos[i] = -1
		for _, v := range ai {
			if v != 0 {
				f.wpos[i] = nw
				nw++
				break
			}
		}
	}
	f.nw = nw
	if f.diagX && nw == mr {
		f.w = f.a[: mr*nx : mr*nx]
	} else {
		f.w = f.wbuf
		for i, p := range f.wpos {
			if p >= 0 {
				copy(f.w[p*nx:p*nx+nx], f.a[i*nx:i*nx+nx])
			}
		}
	}
	if f.gw != nil {
		// W = A L⁻ᵀ (row i: w_i = L⁻¹a_i), then the lower triangle of
		// C = W D⁻¹ Wᵀ as C −= W·diag(−1/d)·Wᵀ from C = 0.
		// With an extended x block, the columns in which every A row is
		// zero lead (cvxpy's auxiliaries and their equality rows come
		// first): W is zero there too, and the solve and the product run
		// over the trailing block of L alone.
		lead := 0
		if f.kv != nil {
			if lead = f.leadingZeros(f.a, mr); lead == nx {
				lead = 0 // no row touches the block: nothing to skip
			}
		}
		if !f.diagX {
			f.gw.SolveUnitLowerT(nw, nx-lead, f.w[lead:], nx, lp[lead*nx+lead:], nx, nil)
		}
		s := f.v4[:nx]
		for k, v := range f.dp {
			s[k] = -1 / v
		}
		for i := 0; i < nw; i++ {
			clear(f.c[i*mr : i*mr+i+1])
		}
		f.gw.MulSubNT(nw, nw, nx-lead, f.w[lead:], nx, f.w[lead:], nx, s[lead:], f.c, mr, true)
		return nil
	}
	// w_i = L⁻¹ a_i (W = A when L = I).
	if !f.diagX {
		forwardW(lp, nx, f.w[:nw*nx])
	}
	// C = V Wᵀ (lower triangle) with V = W D⁻¹, as DenseSchur's product,
	// V four rows at a time.
	mw := nw
	c, w, v := f.c, f.w, f.v4
	scaled := -1 // first of the rows of W held in v
	scale := func(i0, rows int) {
		if scaled == i0 {
			return
		}
		scaled = i0
		dp := f.dp[:nx]
		for a := 0; a < rows; a++ {
			vec.Div(v[a*nx:a*nx+nx], w[(i0+a)*nx:(i0+a)*nx+nx], dp)
		}
	}
	var t [16]float64
	i0 := 0
	for ; i0+4 <= mw && mw >= tileMin; i0 += 4 {
		scale(i0, 4)
		for j0 := 0; j0 <= i0; j0 += 4 {
			tile4x4(v, nx, w[j0*nx:], nx, nx, &t)
			for a := 0; a < 4; a++ {
				row := c[(i0+a)*mr : (i0+a)*mr+i0+a+1]
				for b := 0; b < 4 && j0+b <= i0+a; b++ {
					row[j0+b] = t[4*a+b]
				}
			}
		}
	}
	for i := i0; i < mw; i++ {
		// Row i: the Dot4 of v_i with rows 0…4g−1 of W four at a time,
		// then the Dot of v_i with each row left (vec's row kernels, in
		// one call each: bit for bit those Dot4 and Dot calls).
		row := c[i*mr : i*mr+i+1]
		scale(i, 1)
		vi := v[:nx]
		g := (i + 1) / 4
		vec.Dot4Rows(w, nx, g, vi, nx, row)
		vecDotRows(w[4*g*nx:], nx, i+1-4*g, vi, nx, row[4*g:])
	}
	return nil
}

// forwardW overwrites each row w_i of w (stride nx, len a multiple of nx)
// with L⁻¹w_i, L the unit lower triangle in lp (stride nx): per row the
// forward substitution w_i[k] −= Dot(L[k][:k], w_i[:k]), k = 0…nx−1 (the
// row-oriented loop formC ran, whose results each row keeps bit for bit).
// Four rows at a time the columns from dotAsmMin on run in one
// vec.ForwardRows4 call (the same Dot arithmetic, each row of L loaded
// once for the four): at the BPQP study's QP 50×10 (nx = 50, 20 rows)
// the loop's 1,000 short Dot calls were half of formC. An empty x block
// (nx = 0) or no rows leave nothing to do.
func forwardW(lp []float64, nx int, w []float64) {
	if nx == 0 || len(w) == 0 {
		return
	}
	nw := len(w) / nx
	k0 := min(nx, dotAsmMin)
	i := 0
	for ; i+4 <= nw; i += 4 {
		w4 := w[i*nx : (i+4)*nx]
		forwardHeadRows(lp, nx, k0, w4, 4)
		if !noTriAsm && vec.ForwardRows4(lp, nx, k0, nx, w4, nx) {
			continue
		}
		for r := 0; r < 4; r++ {
			forwardCols(lp, nx, k0, nx, w4[r*nx:r*nx+nx])
		}
	}
	for ; i < nw; i++ {
		wi := w[i*nx : i*nx+nx]
		forwardHeadRows(lp, nx, k0, wi, 1)
		forwardCols(lp, nx, k0, nx, wi)
	}
}

// forwardHead runs columns 1…k0−1 (k0 ≤ dotAsmMin) of forwardW's
// substitution on one row (column 0 subtracts the Dot of nothing, +0: no
// change). Each Dot, of fewer than 8 entries, is written out: vec's
// generic kernel's four sums, the products added in the same order, and
// (s0 + s1) + (s2 + s3), as dotShort (kernels.go) does in a call; the
// calls and Dot's dispatch were most of the cost of these short dots.
// Bit for bit the Dot loop but for a NaN's payload (TestForwardHead;
// TestDenseDualFormWC through formC).
func forwardHead(lp []float64, nx, k0 int, wi []float64) {
	for k := 1; k < k0; k++ {
		a, b := lp[k*nx:k*nx+k], wi[:k]
		var s0, s1, s2, s3 float64
		j := 0
		if k >= 4 {
			s0 += a[0] * b[0]
			s1 += a[1] * b[1]
			s2 += a[2] * b[2]
			s3 += a[3] * b[3]
			j = 4
		}
		for ; j < k; j++ {
			s0 += a[j] * b[j]
		}
		wi[k] -= (s0 + s1) + (s2 + s3)
	}
}

// forwardHeadRows is forwardHead on the nrows rows of w (stride nx), in
// one assembly call where there is one (forwardHeadAVX: the same scalar
// sums in the same order; the Go loop's slicing per column was a quarter
// of its instructions, and the calls per row the rest of the overhead).
//
// Both paths require whole rows (len(w) ≥ nrows·nx, as the Go loop's
// slicing does) and panic otherwise.
func forwardHeadRows(lp []float64, nx, k0 int, w []float64, nrows int) {
	if nrows <= 0 || k0 < 2 {
		return // column 0 alone: no change
	}
	if pairAsm && !noTriAsm {
		if k0 > dotAsmMin || k0 > nx || nrows*nx > len(w) || (k0-1)*nx+k0-1 > len(lp) {
			panic("linsys: forwardHeadRows: slice shorter than the rows")
		}
		forwardHeadAVX(&lp[0], nx, k0, &w[0], nrows)
		return
	}
	for r := 0; r < nrows; r++ {
		forwardHead(lp, nx, k0, w[r*nx:r*nx+nx])
	}
}

// forwardCols runs columns k0…k1−1 of forwardW's substitution on one row.
func forwardCols(lp []float64, nx, k0, k1 int, wi []float64) {
	for k := k0; k < k1; k++ {
		wi[k] -= dot(lp[k*nx:k*nx+k], wi[:k])
	}
}

// Solve implements Factorizer: with u = D⁻¹L⁻¹b_x, the rows solve
// (Hδ + C) z = Wᵀu − b_z, then x = L⁻ᵀ(u − D⁻¹W z).
func (f *DenseDual) Solve(b []float64) {
	if f.order != nil {
		pb := f.pb
		for p, i := range f.order {
			pb[p] = b[i]
		}
		f.solve(pb)
		for p, i := range f.order {
			b[i] = pb[p]
		}
		return
	}
	f.solve(b)
}

// leadingZeros returns the number of leading columns in which every row of
// the rows×nx matrix a is zero.
func (f *DenseDual) leadingZeros(a []float64, rows int) int {
	nx, lead := f.nx, f.nx
	for i := 0; i < rows && lead > 0; i++ {
		for j, v := range a[i*nx : i*nx+lead] {
			if v != 0 {
				lead = j
				break
			}
		}
	}
	return lead
}

// spans records the leading zeros of the x-block factor's rows and of W
// (extended x block only; Solve then skips them).
func (f *DenseDual) spans() {
	nx := f.nx
	for k := 0; k < nx; k++ {
		row := f.lp[k*nx : k*nx+k]
		j := 0
		for j < k && row[j] == 0 {
			j++
		}
		f.lo[k] = j
	}
	f.wlo = f.leadingZeros(f.w, f.nw)
}

// solve is Solve in the factored ordering.
func (f *DenseDual) solve(b []float64) {
	nx, mr := f.nx, f.mr
	t, z := f.t, f.z
	lo, w0 := f.lo, f.wlo
	copy(t, b[:nx])
	if f.kv != nil {
		// Extended x block: rows of L skip their leading zeros.
		for k := 0; k < nx; k++ {
			t[k] -= dot(f.lp[k*nx+lo[k]:k*nx+k], t[lo[k]:k])
		}
	} else if !f.diagX {
		dualLowerSolve(f.lp, nx, nx, t)
	}
	// (Resliced locals and the row offsets woff: the loops below run
	// without bounds checks or index arithmetic per entry.)
	t, dp := t[:nx], f.dp[:nx]
	vec.Div(t, t, dp)
	// z = Wt − b_z on the coupled rows (four rows of W per pass over t).
	nr := f.nr
	rows, woff, w := f.rows[:nr], f.woff[:nr], f.w
	z, bz := z[:mr], b[nx:nx+mr]
	// W's leading w0 columns are zero (extended x block; 0 otherwise).
	nw := nx - w0
	tw := t[w0:]
	var s4 [4]float64
	a := 0
	// Every row coupled, W's rows consecutive (an interior-point
	// iteration's system): the groups of four in one call each way, the
	// rows left over in one more (vec.DotRows: the Dot calls of the loop
	// below), then z = (W t) − b_z in one pass: v − b is −b + v, the
	// loop's sum, bit for bit (but for a NaN's sign or payload).
	ng := 0
	if nr == mr && !noRowBlocks && f.consec {
		ng = nr / 4
		zc := f.zc[:nr]
		vec.Dot4Rows(w[woff[0]:], nx, ng, tw, nw, zc[:4*ng])
		if a = 4 * ng; a < nr {
			vec.DotRows(w[woff[a]:], nx, nr-a, tw, nw, zc[a:])
		}
		bz := bz[:len(zc)]
		for i, v := range zc {
			z[i] = v - bz[i]
		}
		a = nr
	} else {
		for i := range z {
			z[i] = -bz[i]
		}
	}
	for ; a+4 <= nr; a += 4 {
		p0, p1, p2, p3 := woff[a], woff[a+1], woff[a+2], woff[a+3]
		dot4(w[p0:p0+nw], w[p1:p1+nw], w[p2:p2+nw], w[p3:p3+nw], tw, nw, &s4)
		z[rows[a]] += s4[0]
		z[rows[a+1]] += s4[1]
		z[rows[a+2]] += s4[2]
		z[rows[a+3]] += s4[3]
	}
	for ; a < nr; a++ {
		p := woff[a]
		z[rows[a]] += dot(w[p:p+nw], tw)
	}
	if nr == mr {
		denseSolve4(f.l, f.d, mr, z)
	} else {
		zc := f.zc[:nr]
		for a, i := range f.rows[:nr] {
			zc[a] = z[i]
		}
		for i := range z {
			if f.wpos[i] < 0 || f.mask[i] {
				z[i] /= f.dz[i]
			}
		}
		denseSolve4(f.l, f.d, nr, zc)
		for a, i := range f.rows[:nr] {
			z[i] = zc[a]
		}
	}
	// g = Wᵀz over the coupled rows, four rows of W per pass over g.
	g := f.g
	clear(g)
	a = 0
	gw := g[w0:]
	if ng > 0 {
		vec.Axpy4Rows(z[:4*ng], w[woff[0]:], nx, ng, gw, nw)
		a = 4 * ng
	}
	for ; a+4 <= nr; a += 4 {
		p0, p1, p2, p3 := woff[a], woff[a+1], woff[a+2], woff[a+3]
		s4 = [4]float64{z[rows[a]], z[rows[a+1]], z[rows[a+2]], z[rows[a+3]]}
		axpy4(&s4, w[p0:p0+nw], w[p1:p1+nw], w[p2:p2+nw], w[p3:p3+nw], gw, nw)
	}
	for ; a < nr; a++ {
		if zi := z[rows[a]]; zi != 0 {
			p := woff[a]
			axpy(zi, w[p:p+nw], gw)
		}
	}
	vec.SubDiv(t, g, dp)
	// t = Lᵀx: the row-block correction, then x = L⁻ᵀt.
	if f.kv == nil && nr > 0 && f.nreg == 0 && !f.noCorrect && (f.corrNeed || !f.corrSolved) {
		if f.correct(b[:nx+mr], t, z) {
			f.corrNeed = true
		}
	}
	f.corrSolved = true
	if f.kv != nil {
		for k := nx - 1; k >= 0; k-- {
			if tk := t[k]; tk != 0 {
				axpy(-tk, f.lp[k*nx+lo[k]:k*nx+k], t[lo[k]:k])
			}
		}
	} else if !f.diagX {
		dualLowerTSolve(f.lp, nx, nx, t)
	}
	copy(b[:nx], t)
	copy(b[nx:], z)
}

// noRowBlocks: tests; solve and mulVec take the groups of four rows one
// call at a time (vec.Dot4, Axpy4) instead of vec.Dot4Rows, Axpy4Rows.
var noRowBlocks bool

// rowsConsecutive reports whether the coupled rows are 0, 1, …, nr−1 and
// their rows of W follow each other at stride nx (woff), so that solve
// may take them as one block of rows.
func (f *DenseDual) rowsConsecutive() bool {
	nr, nx := f.nr, f.nx
	if nr == 0 {
		return false
	}
	rows, woff := f.rows[:nr], f.woff[:nr]
	o := woff[0]
	for a, i := range rows {
		if i != a || woff[a] != o+a*nx {
			return false
		}
	}
	return true
}

// Tolerances of the row-block correction (correct): it is skipped when
// the coupled rows' residual is at most dualCorrectAbsTol +
// dualCorrectRelTol·‖b_z‖∞, half the tolerance kkt's refinement holds the
// constraint rows to (1e-12 absolute, 1e-13 relative to their own
// right-hand side; kkt judges the x rows separately).
const (
	dualCorrectAbsTol = 5e-13
	dualCorrectRelTol = 5e-14
)

// correct improves the solution of K [x; z] = b that solve computed, given
// as (y, z) with y = Lᵀx (before solve's last triangular solve, which the
// caller applies after it), by one refinement step on the row block
// alone. Eliminating x leaves its rows' residual at rounding level (x is
// computed from them), while the coupled rows' residual b_z − A x − h∘z
// carries the error of the elimination: with an ill-conditioned x block
// (the BPQP study's P = P′ᵀP′ + 10⁻³I, or an ε-ridge LP's P = εI) it was
// 10–10⁶ times the refinement tolerance, and most solves needed a
// refinement step — a second solve and residual product over the whole
// matrix. Here, with A x = W y (W = L⁻¹Aᵀ row by row, as factored),
// r = b_z − W y − h∘z, the correction K [dx; dz] = [0; r] is
// (C − h) dz = −r by the row-block factor and Lᵀdx = −D⁻¹Wᵀdz, added to y
// before the one L⁻ᵀ: two passes over W (which the solve has just read)
// and none over A or L, about a third of a refinement step's memory
// traffic. The residual is the factored matrix's, not K's: the caller's
// refinement (kkt.System.Solve) still checks K's and takes a step where
// this one missed. Skipped below the tolerances above (the residual then
// already meets the refinement's; it reports whether the step was taken),
// with an extended x block (whose rows carry residual too) and after
// regularized pivots; solve does not call it for the later solves of a
// factorization whose first solve did not need it, unless a solve since C
// was formed did (corrNeed): the BPQP study's QP 10×5 needed it in 3 of
// 405 solves, and its residual product cost a twentieth of a solve.
func (f *DenseDual) correct(b, y, z []float64) bool {
	nx, nr := f.nx, f.nr
	rows, woff, h, a := f.rows[:nr], f.woff[:nr], f.h, f.w
	bz := b[nx:]
	r := f.zc[:nr]
	var s4 [4]float64
	k := 0
	// Every coupled row consecutive (an interior-point system): the
	// groups of four in one call each way (vec.Dot4Rows, Axpy4Rows: bit
	// for bit the Dot4 and Axpy4 calls of the loops below).
	ng := 0
	if !noRowBlocks && f.consec {
		ng = nr / 4
		rg := r[:4*ng]
		vec.Dot4Rows(a[woff[0]:], nx, ng, y, nx, rg)
		bz, h, z := bz[:len(rg)], h[:len(rg)], z[:len(rg)]
		for i, s := range rg {
			rg[i] = bz[i] - s - h[i]*z[i]
		}
		k = 4 * ng
	}
	for ; k+4 <= nr; k += 4 {
		i0, i1, i2, i3 := rows[k], rows[k+1], rows[k+2], rows[k+3]
		o0, o1, o2, o3 := woff[k], woff[k+1], woff[k+2], woff[k+3]
		dot4(a[o0:o0+nx], a[o1:o1+nx], a[o2:o2+nx], a[o3:o3+nx], y, nx, &s4)
		r[k] = bz[i0] - s4[0] - h[i0]*z[i0]
		r[k+1] = bz[i1] - s4[1] - h[i1]*z[i1]
		r[k+2] = bz[i2] - s4[2] - h[i2]*z[i2]
		r[k+3] = bz[i3] - s4[3] - h[i3]*z[i3]
	}
	for ; k < nr; k++ {
		i, o := rows[k], woff[k]
		r[k] = bz[i] - dot(a[o:o+nx], y) - h[i]*z[i]
	}
	if normInf(r) <= dualCorrectAbsTol+dualCorrectRelTol*normInf(bz) {
		return false
	}
	for k := range r {
		r[k] = -r[k]
	}
	denseSolve4(f.l, f.d, nr, r) // r = dz on the coupled rows
	g := f.g[:nx]
	clear(g)
	k = 0
	w := a
	if ng > 0 {
		vec.Axpy4Rows(r[:4*ng], w[woff[0]:], nx, ng, g, nx)
		k = 4 * ng
	}
	for ; k+4 <= nr; k += 4 {
		p0, p1, p2, p3 := woff[k], woff[k+1], woff[k+2], woff[k+3]
		s4 = [4]float64{r[k], r[k+1], r[k+2], r[k+3]}
		axpy4(&s4, w[p0:p0+nx], w[p1:p1+nx], w[p2:p2+nx], w[p3:p3+nx], g, nx)
	}
	for ; k < nr; k++ {
		if dz := r[k]; dz != 0 {
			p := woff[k]
			axpy(dz, w[p:p+nx], g)
		}
	}
	vec.SubDiv(y[:nx], g, f.dp)
	for k, i := range rows {
		z[i] += r[k]
	}
	return true
}

// symMulMin is the order of the x block from which mulVec forms P x from
// P's lower triangle (symMulLower): each element is read once for two
// multiply–adds, half the memory traffic of the row products over the
// whole of P, which at n = 500 (2 MB) were the largest item of a dense QP
// solve (one product per KKT solve, for the refinement residual).
const symMulMin = 128

// symMulLower sets y = A x for the symmetric n×n row-major a from its
// lower triangle: four rows at a time, their products with x[:i0] (Dot4)
// and their transposed contributions to y[:i0] (Axpy4) in one pass over
// the rows, then the 4×4 diagonal block.
func symMulLower(a []float64, n int, x, y []float64) {
	clear(y[:n])
	var s [4]float64
	i0 := 0
	for ; i0+4 <= n; i0 += 4 {
		r0, r1, r2, r3 := a[i0*n:i0*n+i0+4], a[(i0+1)*n:(i0+1)*n+i0+4], a[(i0+2)*n:(i0+2)*n+i0+4], a[(i0+3)*n:(i0+3)*n+i0+4]
		if i0 > 0 {
			dot4(r0, r1, r2, r3, x, i0, &s)
			c := [4]float64{x[i0], x[i0+1], x[i0+2], x[i0+3]}
			axpy4(&c, r0, r1, r2, r3, y, i0)
		} else {
			s = [4]float64{}
		}
		for r, row := range [4][]float64{r0, r1, r2, r3} {
			t := s[r]
			for c := 0; c < 4; c++ {
				t += row[i0+c] * x[i0+c]
			}
			y[i0+r] += t
		}
	}
	for i := i0; i < n; i++ {
		row := a[i*n : i*n+i+1]
		y[i] += dot(row[:i], x[:i]) + row[i]*x[i]
		axpy(x[i], row[:i], y[:i])
	}
}

// denseSolve4 is denseSolve by the four-row substitutions (the
// small-order ones up to dualSmallMax: with the assembly kernels their
// two calls and the division in one, vec.LDLSolvePairs).
func denseSolve4(l, d []float64, n int, b []float64) {
	if n <= dualSmallMax && !noTriAsm && vec.LDLSolvePairs(l, n, n, d, b) {
		return
	}
	dualLowerSolve(l, n, n, b)
	vec.Div(b[:n], b, d)
	dualLowerTSolve(l, n, n, b)
}

// MulVec implements Multiplier: y = K x with the values of the last
// Factor.
func (f *DenseDual) MulVec(x, y []float64) {
	if f.kv != nil {
		// Extended x block (mostly zeros when dense): by the pattern.
		// Runs of consecutive rows (the dense A rows) by vector kernels.
		pat, kv := f.pat, f.kv
		clear(y[:f.n])
		for j := 0; j < f.n; j++ {
			xj, yj := x[j], 0.0
			if k1 := pat.Colptr[j+1]; k1 > pat.Colptr[j] && pat.Rowval[k1-1] == j {
				yj = kv[k1-1] * xj
			}
			for _, r := range f.runs[f.runPtr[j]:f.runPtr[j+1]] {
				if r.k1-r.k0 < 8 {
					for k := r.k0; k < r.k1; k++ {
						i := r.r0 + k - r.k0
						y[i] += kv[k] * xj
						yj += kv[k] * x[i]
					}
					continue
				}
				r1 := r.r0 + r.k1 - r.k0
				yj += dot(kv[r.k0:r.k1], x[r.r0:r1])
				if xj != 0 {
					axpy(xj, kv[r.k0:r.k1], y[r.r0:r1])
				}
			}
			y[j] += yj
		}
		return
	}
	f.mulVec(x, y)
}

// mulVec is MulVec in the factored ordering.
func (f *DenseDual) mulVec(x, y []float64) {
	nx, mr := f.nx, f.mr
	xx, xz := x[:nx], x[nx:nx+mr]
	px, av := f.px, f.a
	var s4 [4]float64
	j := 0
	if f.diagX {
		// y_x = P x_x with P diagonal (its zero terms left out).
		for k, v := range xx {
			y[k] = px[k*nx+k] * v
		}
		j = nx
	} else if nx >= symMulMin {
		symMulLower(px, nx, xx, y[:nx])
		j = nx
	}
	if j == 0 && !noRowBlocks {
		// P's rows four at a time in one call.
		ng := nx / 4
		vec.Dot4Rows(px, nx, ng, xx, nx, y[:4*ng])
		j = 4 * ng
	}
	for ; j+4 <= nx; j += 4 {
		dot4(px[j*nx:j*nx+nx], px[(j+1)*nx:(j+1)*nx+nx], px[(j+2)*nx:(j+2)*nx+nx], px[(j+3)*nx:(j+3)*nx+nx], xx, nx, &s4)
		y[j], y[j+1], y[j+2], y[j+3] = s4[0], s4[1], s4[2], s4[3]
	}
	if j < nx && !noRowBlocks {
		// The rows left over, in one call.
		vec.DotRows(px[j*nx:], nx, nx-j, xx, nx, y[j:nx])
		j = nx
	}
	for ; j < nx; j++ {
		y[j] = dot(px[j*nx:j*nx+nx], xx)
	}
	// The row block, four unmasked rows of A at a time: their products
	// with x_x (one pass over x_x) and their Aᵀx_z terms (one pass over
	// y_x).
	if !f.masked {
		// Every row unmasked (an interior-point iteration's system): the
		// groups of four are rows 4k…4k+3, as the general loop below
		// forms them, without its bookkeeping.
		h, yx, yz := f.h[:mr], y[:nx], y[nx:nx+mr]
		// All products with x_x first, then all Aᵀx_z terms: each
		// output's operations and their order are those of the groups
		// one after another (the first pass reads x_x only, the second
		// writes y_x only), in one call each.
		ng := mr / 4
		if noRowBlocks {
			ng = 0
		}
		vec.Dot4Rows(av, nx, ng, xx, nx, yz[:4*ng])
		for i := range yz[:4*ng] {
			yz[i] += h[i] * xz[i]
		}
		vec.Axpy4Rows(xz[:4*ng], av, nx, ng, yx, nx)
		i := 4 * ng
		for ; i+4 <= mr; i += 4 {
			o := i * nx
			r0, r1, r2, r3 := av[o:o+nx], av[o+nx:o+2*nx], av[o+2*nx:o+3*nx], av[o+3*nx:o+4*nx]
			dot4(r0, r1, r2, r3, xx, nx, &s4)
			yz[i] = s4[0] + h[i]*xz[i]
			yz[i+1] = s4[1] + h[i+1]*xz[i+1]
			yz[i+2] = s4[2] + h[i+2]*xz[i+2]
			yz[i+3] = s4[3] + h[i+3]*xz[i+3]
			s4 = [4]float64{xz[i], xz[i+1], xz[i+2], xz[i+3]}
			axpy4(&s4, r0, r1, r2, r3, yx, nx)
		}
		for ; i < mr; i++ {
			ai := av[i*nx : i*nx+nx]
			yz[i] = dot(ai, xx) + h[i]*xz[i]
			if xz[i] != 0 {
				axpy(xz[i], ai, yx)
			}
		}
		return
	}
	var q [4]int
	nq := 0
	flush := func() {
		r0, r1, r2, r3 := av[q[0]*nx:q[0]*nx+nx], av[q[1]*nx:q[1]*nx+nx], av[q[2]*nx:q[2]*nx+nx], av[q[3]*nx:q[3]*nx+nx]
		dot4(r0, r1, r2, r3, xx, nx, &s4)
		for r, i := range q {
			y[nx+i] = s4[r] + f.h[i]*xz[i]
		}
		s4 = [4]float64{xz[q[0]], xz[q[1]], xz[q[2]], xz[q[3]]}
		axpy4(&s4, r0, r1, r2, r3, y[:nx], nx)
		nq = 0
	}
	for i := 0; i < mr; i++ {
		if f.mask[i] {
			y[nx+i] = f.h[i] * xz[i]
			continue
		}
		q[nq] = i
		if nq++; nq == 4 {
			flush()
		}
	}
	for _, i := range q[:nq] {
		ai := av[i*nx : i*nx+nx]
		y[nx+i] = dot(ai, xx) + f.h[i]*xz[i]
		if xz[i] != 0 {
			axpy(xz[i], ai, y[:nx])
		}
	}
}

var _ Multiplier = (*DenseDual)(nil)

// SetValuesVersion implements ValuesVersioned.
func (f *DenseDual) SetValuesVersion(v uint64) { f.hc.setNext(v) }

// SetValuesVersionZeroRows implements ValuesVersionedRows.
func (f *DenseDual) SetValuesVersionZeroRows(v uint64, rows []int) {
	f.hc.setNext(0)
	f.exVer, f.exRows = v, rows
}

// VersionSkips implements ValuesVersioned.
func (f *DenseDual) VersionSkips() int { return f.hc.skipped }
