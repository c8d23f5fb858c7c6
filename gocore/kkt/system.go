package kkt

import (
	"math"
	"sync/atomic"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// System assembles, factors and solves
//
//	K = [ P + ρI   Aᵀ ]
//	    [ A       −H  ]
//
// on an Analysis pattern, with static regularization ±δ on the diagonal of
// the factored copy and iterative refinement against the unregularized K.
// H is block-diagonal over the cones; it is set from the cones' NT scaling
// (SetScaling), to the identity (SetIdentityH) or row by row (SetDiagH, for
// diagonal cones). It is shared by the interior-point iteration and the
// backward passes. Not safe for concurrent use.
type System struct {
	an    *Analysis
	cones *cone.Composite
	hs    []float64 // H packed as cone.Composite lays it out
	hrow  []float64 // per-row diagonal H (SetActiveRows)
	fac   linsys.Factorizer
	kv    []float64 // unregularized values
	dsave []float64 // diagonal of kv while factorAt regularizes it in place
	work  []float64
	delta float64 // static regularization δ
	dUsed float64 // δ of the last factorization (see Factor)
	dCur  float64 // δ the next factorization starts from
	fixed bool    // raising δ did not remove regularized pivots: stop trying
	noLow bool    // lowering δ did not help refinement: stop trying
	diagH bool    // every cone block is diagonal (no second-order cones)
	solB  []float64
	refMx int
	mul   func(x, y []float64) // y = K x (unregularized)
	res   float64              // final refinement residual of the last Solve
	rel   float64              // its relative size, block by block (refine)
	short bool                 // its refinement stopped short of its tolerance (refine)
	// SolvePair's second system (pair.go): mulPair is mul on two vectors
	// (one pass over the matrix where the factorization offers it),
	// work2 the second vector's refinement scratch; pend its refined
	// solution awaiting SolveSecond, valid while facGen (counting
	// factorizations) is unchanged.
	mulPair func(x1, y1, x2, y2 []float64)
	work2   []float64
	pend    pendingSolve
	facGen  uint64
	// Fast (normal-equations) mode of the factorization (tier.go).
	tier      linsys.Tiered         // nil: the factorization has a single form
	wantFast  bool                  // the H set last allows the fast forms
	wantExact bool                  // the active-set system set last may use an exact form (SetActiveRowsSameData)
	diagX     bool                  // the system set last is SetActiveRowsDiagonalX's (fastTol)
	tierCur   int                   // first form to try (raised by failures since the last SetData)
	noFast    bool                  // SetFastAllowed(false)
	regFree   linsys.ExactForms     // forms that factor K without static regularization (nil: none)
	asForms   linsys.ActiveSetForms // forms that may serve the polish's active-set systems (nil: none)
	stats     TierStats
	// The sources of the matrix since the last SetData (ResetTo): its
	// arguments, the AddDiagX vector after it (nil: none), srcOK false once
	// something else was written (SetARow, a second AddDiagX); the rows
	// SetActiveRows decoupled since; A's value indices row by row
	// (rowE[rowPtr[i]:rowPtr[i+1]], row i).
	srcPV, srcAV, srcDX []float64
	srcRho              float64
	srcOK               bool
	zeroed              []bool
	zeroedAny           bool
	rowPtr, rowE        []int
	// Versions of the matrix values outside the row diagonal H
	// (linsys.ValuesVersioned): kvVer numbers the unregularized content
	// (a new number at every write outside H; ResetTo's fast path gives
	// back srcVer, that of the content SetData and AddDiagX left), facVers
	// the versions of that content regularized by a δ that factorAt
	// passed recently (facNext: the entry to replace next). 0: none.
	kvVer, srcVer uint64
	// maskVer: kvVer when the content is srcVer's but for the A rows
	// SetActiveRows decoupled since, set to zero (0: not known to be);
	// zeroIdx names each such row by the value index of one of its A
	// values, and factorAt announces them (linsys.ValuesVersionedRows).
	maskVer   uint64
	zeroIdx   []int
	facVers   [4]facVersion
	facNext   int
	noVersion bool // tests: announce no versions
	// Reduced form (reduced.go): nil when it does not apply; redUsed: the
	// last factorization used it; redOff: abandoned until the next SetData.
	red             *reduced
	redUsed, redOff bool
	// tiers: the tiered factorization's number of forms (tier.Tiers(),
	// fixed by its construction); fastNow: the last factorization used a
	// fast form (fastUsed), set by factorAt once the form that served is
	// known. Tiers and Tier walk the chain of forms through interface
	// calls and type assertions (~4.5 k instructions of a BPQP QP 10x5
	// forward when taken at every factorization and solve).
	tiers   int
	fastNow bool
	// exactUsed: the last factorization was a fast form's unregularized
	// attempt (exactFast); exactOff: such attempts are given up until the
	// next SetData.
	exactUsed, exactOff bool
}

// New allocates a KKT system for an analysis with static regularization
// staticReg (δ) and at most refineMax refinement steps per solve.
func New(an *Analysis, staticReg float64, refineMax int) (*System, error) {
	st := an.St
	k := &System{an: an, delta: staticReg, refMx: refineMax}
	k.cones = cone.NewComposite(st.Cones)
	k.hs = make([]float64, k.cones.HLen())
	k.hrow = make([]float64, st.M)
	f, err := an.NewFactorizer()
	if err != nil {
		return nil, err
	}
	k.fac = f
	nnz := len(an.pat.Rowval)
	k.kv = make([]float64, nnz)
	k.dsave = make([]float64, an.Dim)
	k.work = make([]float64, 2*an.Dim)
	k.solB = make([]float64, an.Dim)
	k.diagH = k.AllDiagonal()
	k.zeroed = make([]bool, st.M)
	k.rowPtr = make([]int, st.M+1)
	for _, i := range st.A.Rowval {
		k.rowPtr[i+1]++
	}
	for i := 0; i < st.M; i++ {
		k.rowPtr[i+1] += k.rowPtr[i]
	}
	k.rowE = make([]int, len(st.A.Rowval))
	next := append([]int(nil), k.rowPtr[:st.M]...)
	for e, i := range st.A.Rowval {
		k.rowE[next[i]] = e
		next[i]++
	}
	if t, ok := f.(linsys.Tiered); ok && an.fastOK {
		k.tier = t
		k.tiers = t.Tiers()
		k.regFree, _ = f.(linsys.ExactForms)
		k.asForms, _ = f.(linsys.ActiveSetForms)
	}
	k.red = newReduced(an, k.cones)
	if d, ok := f.(linsys.Multiplier); ok {
		// Dense product with the factored (regularized) copy, minus the
		// static regularization: much faster than the sparse product. (The
		// reduced form does not fill that copy: its own product.)
		k.mul = func(x, y []float64) {
			if k.redUsed {
				k.red.mul(k.kv, k.hs, k.cones, x, y)
				return
			}
			d.MulVec(x, y)
			k.unregularize(x, y)
		}
		if p, ok := f.(linsys.PairMultiplier); ok {
			k.mulPair = func(x1, y1, x2, y2 []float64) {
				if k.redUsed {
					k.mul(x1, y1)
					k.mul(x2, y2)
					return
				}
				p.MulVecPair(x1, y1, x2, y2)
				k.unregularize(x1, y1)
				k.unregularize(x2, y2)
			}
		}
	} else {
		k.mul = func(x, y []float64) { linsys.SymMulVec(&an.pat, k.kv, x, y) }
	}
	if k.mulPair == nil {
		k.mulPair = func(x1, y1, x2, y2 []float64) {
			k.mul(x1, y1)
			k.mul(x2, y2)
		}
	}
	return k, nil
}

// unregularize subtracts the static regularization of the last
// factorization from y = K_δ x (the dense product's), leaving K x.
func (k *System) unregularize(x, y []float64) {
	signs, du := k.an.signs, k.dUsed
	if du == 0 {
		// An unregularized factorization (an exact form): the product is
		// K's. (Subtracting the zero terms would only turn a −0 entry
		// into +0.)
		return
	}
	x, y = x[:len(signs)], y[:len(signs)]
	for i, sg := range signs {
		y[i] -= sg * du * x[i]
	}
}

// Analysis returns the analysis the system was made for.
func (k *System) Analysis() *Analysis { return k.an }

// Cones returns the product cone whose scaling forms H.
func (k *System) Cones() *cone.Composite { return k.cones }

// SetRegularization changes the static regularization δ and the refinement
// limit for the following SetData and solves.
func (k *System) SetRegularization(staticReg float64, refineMax int) {
	k.delta, k.refMx = staticReg, refineMax
}

// SetData writes P + ρI and A into the matrix (values on the structure's
// patterns) and clears H.
func (k *System) SetData(pv, av []float64, rho float64) {
	k.dCur, k.fixed, k.noLow = k.delta, false, false
	k.tierCur, k.wantFast, k.wantExact, k.diagX = 0, false, false, false
	k.redOff, k.exactOff = false, false
	// Every value is written once: P by its runs, A by amap, and the
	// others (added diagonals, H) cleared. A short pv panics, as the
	// entry-by-entry scatter did (the runs would read up to its capacity).
	pv = pv[:k.an.St.P.Nnz():k.an.St.P.Nnz()]
	for _, idx := range k.an.rest {
		k.kv[idx] = 0
	}
	for r := 0; r+2 < len(k.an.pruns); r += 3 {
		src, dst, l := k.an.pruns[r], k.an.pruns[r+1], k.an.pruns[r+2]
		if &k.kv[dst] == &pv[src] {
			continue // pv is PValues: P's values are in place
		}
		copy(k.kv[dst:dst+l], pv[src:src+l])
	}
	if rho != 0 {
		for j := 0; j < k.an.St.N; j++ {
			k.kv[k.an.diag[j]] += rho
		}
	}
	if st, stride := k.an.St, k.an.aStride; stride > 0 {
		// A dense A whose rows' KKT values lie stride apart: value
		// j·m + i to arow[0] + j + i·stride, column by column (what its
		// runs say, without reading their 4n words).
		// (On a local kv: through k.kv the loop reloaded the slice at
		// every value, 11 instructions a value instead of 5.)
		m, kv := st.M, k.kv
		av = av[: st.N*m : st.N*m]
		j := 0
		if stride >= 8 && !noTransposeA {
			// Eight columns at a time by vec.TransposeRows8 (columns
			// j … j+7 of A are eight rows of av, m long): the same
			// copies, ~2 instructions a value instead of ~10 (a tenth
			// of the loop's ~10 k at the BPQP study's QP 50×10). Its
			// sum of the values is not used.
			var sum [4]float64
			for ; j+8 <= st.N; j += 8 {
				vec.TransposeRows8(&sum, kv[k.an.arow[0]+j:], stride, av[j*m:], m)
			}
		}
		for ; j < st.N; j++ {
			dst := k.an.arow[0] + j
			for _, v := range av[j*m : j*m+m] {
				kv[dst] = v
				dst += stride
			}
		}
	} else if runs := k.an.aruns; runs != nil {
		av = av[:len(k.an.amap):len(k.an.amap)]
		kv := k.kv
		for r := 0; r+3 < len(runs); r += 4 {
			src, dst, l, stride := runs[r], runs[r+1], runs[r+2], runs[r+3]
			for _, v := range av[src : src+l] {
				kv[dst] = v
				dst += stride
			}
		}
	} else {
		for i, idx := range k.an.amap {
			k.kv[idx] = av[i]
		}
	}
	k.srcPV, k.srcAV, k.srcDX, k.srcRho, k.srcOK = pv, av, nil, rho, true
	k.bumpVersion()
	k.srcVer = k.kvVer
	if k.zeroedAny {
		clear(k.zeroed)
		k.zeroedAny = false
	}
	k.zeroIdx = k.zeroIdx[:0]
}

// noTransposeA: tests; SetData scatters a dense A with a stride value by
// value instead of by vec.TransposeRows8's bands of eight columns.
var noTransposeA bool

// PValues returns the matrix's values of P's entries, in P's storage
// order, when they are one run of consecutive values, else nil. Analyse
// adds a column's missing diagonal after its entries of P, so they are
// one run exactly when no column without its stored diagonal has entries
// of P both in or before it and after it: every diagonal stored (a dense
// P), or missing only in columns before P's first entry (cvxpy's QP: P =
// I on its last variables) or from its last column with entries on. A caller may keep its
// working copy of P there instead of in a slice of its own (the solver's
// equilibrated P̃: one copy of P fewer per solve, 10 KiB at the BPQP
// study's n = 50); SetData and ResetTo with that slice then copy nothing
// for P. Its values are those of the matrix: a SetData or ResetTo with
// other values, a SetData with rho ≠ 0 and AddDiagX change them (Factor
// regularizes the diagonal in place and restores it bit for bit before it
// returns).
func (k *System) PValues() []float64 {
	r := k.an.pruns
	nnz := k.an.St.P.Nnz()
	if nnz == 0 || len(r) != 3 || r[0] != 0 || r[2] != nnz {
		return nil
	}
	return k.kv[r[1] : r[1]+nnz : r[1]+nnz]
}

// ResetTo makes the matrix that of SetData(pv, av, rho) followed by
// AddDiagX(dx) (dx nil: none), adaptive factorization state included.
// When those are the slices of the last SetData and AddDiagX calls, whose
// values the caller has not changed since (the solver's polish, between
// its active-set systems and the interior-point iterations of one data
// set), only what can have changed since is rewritten: the A rows
// SetActiveRows decoupled, and H (cleared). A full SetData writes every
// value of the pattern: with a dense P of order 500 that is 0.4 M values,
// several times an active-set system's factorization on the BPQP
// study's ε-ridge LPs.
func (k *System) ResetTo(pv, av []float64, rho float64, dx []float64) {
	if !k.srcOK || rho != k.srcRho || !sameSlice(pv, k.srcPV) || !sameSlice(av, k.srcAV) || !sameSlice(dx, k.srcDX) {
		k.SetData(pv, av, rho)
		if dx != nil {
			k.AddDiagX(dx)
		}
		return
	}
	k.dCur, k.fixed, k.noLow = k.delta, false, false
	k.tierCur, k.wantFast, k.wantExact, k.diagX = 0, false, false, false
	k.redOff, k.exactOff = false, false
	// The content outside H is again that of SetData and AddDiagX.
	k.kvVer = k.srcVer
	if k.zeroedAny {
		st := k.an.St
		for i, z := range k.zeroed {
			if !z {
				continue
			}
			row := k.rowE[k.rowPtr[i]:k.rowPtr[i+1]]
			switch {
			case k.an.fullA && k.an.arow != nil:
				// A full pattern: entry j of row i is A value j·m + i
				// (no rowE read).
				kv := k.kv[k.an.arow[i] : k.an.arow[i]+st.N]
				for j := range kv {
					kv[j] = av[j*st.M+i]
				}
			case k.an.arow != nil:
				kv := k.kv[k.an.arow[i]:]
				for t, e := range row {
					kv[t] = av[e]
				}
			default:
				for _, e := range row {
					k.kv[k.an.amap[e]] = av[e]
				}
			}
			k.zeroed[i] = false
		}
		k.zeroedAny = false
	}
	k.zeroIdx = k.zeroIdx[:0]
	for _, idx := range k.an.hmap {
		if idx >= 0 {
			k.kv[idx] = 0
		}
	}
}

// sameSlice reports whether a and b are the same slice (same length and
// first element; both empty counts as the same).
func sameSlice(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// AddDiagX adds d[j] to the diagonal entry of variable j (the x block),
// after SetData; used for a proximal term ρ scaled by the equilibration.
func (k *System) AddDiagX(d []float64) {
	if k.srcDX == nil {
		k.srcDX = d
	} else {
		k.srcOK = false
	}
	for j, v := range d {
		k.kv[k.an.diag[j]] += v
	}
	k.bumpVersion()
	if k.srcOK {
		k.srcVer = k.kvVer
	}
	k.zeroIdx = k.zeroIdx[:0]
}

// nextVersion is the source of value versions, unique in the process.
var nextVersion atomic.Uint64

// bumpVersion gives the matrix values outside H a new version.
func (k *System) bumpVersion() { k.kvVer = nextVersion.Add(1) }

// facVersion is the version of content src regularized by δ (its bits).
type facVersion struct{ src, d, ver uint64 }

// factorVersion returns the version of kv's values outside H regularized
// by d, as factorAt passes them: the same number for the same content
// (kvVer) and d as a recent call's.
func (k *System) factorVersion(d float64) uint64 {
	return k.factorVersionOf(k.kvVer, d)
}

// factorVersionOf is factorVersion for the content of version src.
func (k *System) factorVersionOf(src uint64, d float64) uint64 {
	if k.noVersion || src == 0 {
		return 0
	}
	db := math.Float64bits(d)
	for _, e := range k.facVers {
		if e.ver != 0 && e.src == src && e.d == db {
			return e.ver
		}
	}
	e := &k.facVers[k.facNext]
	k.facNext = (k.facNext + 1) % len(k.facVers)
	*e = facVersion{src: src, d: db, ver: nextVersion.Add(1)}
	return e.ver
}

// SetARow overwrites the values of row i of A in the matrix with scale·A
// (scale 0 decouples the row; used for inactive constraints).
func (k *System) SetARow(i int, av []float64, scale float64, rowEntries []int) {
	k.srcOK = false
	k.bumpVersion()
	for _, e := range rowEntries {
		k.kv[k.an.amap[e]] = scale * av[e]
	}
}

// SetActiveRows turns the system set by SetData into the active-set system
//
//	[ P + ρI   A_actᵀ ]
//	[ A_act    0      ]
//
// used by the solver's polish and by the backward passes (BPQP, the LPGD
// fast path, kkt on a polished solution): an active row keeps its A row and
// gets H = 0; an inactive row is decoupled (A row zeroed, H = 1), so its
// multiplier solves −y_i = rhs_i. av are the A values SetData wrote. Only
// valid when every cone block is diagonal (AllDiagonal).
func (k *System) SetActiveRows(av []float64, active []bool) {
	// The content stays srcVer's but for the rows of zeroIdx when it was
	// (ResetTo, SetData, AddDiagX or this since; nothing else written
	// outside H).
	derived := k.srcOK && k.kvVer != 0 && (k.kvVer == k.srcVer || k.kvVer == k.maskVer)
	k.bumpVersion()
	for i, act := range active {
		if act {
			k.hrow[i] = 0
			continue
		}
		k.hrow[i] = 1
		row := k.rowE[k.rowPtr[i]:k.rowPtr[i+1]]
		if k.an.arow != nil {
			// Row i's entries are contiguous in the KKT values: no amap
			// lookups, which touched a line of amap per entry.
			clear(k.kv[k.an.arow[i] : k.an.arow[i]+len(row)])
		} else {
			for _, e := range row {
				k.kv[k.an.amap[e]] = 0
			}
		}
		if derived && !k.zeroed[i] && len(row) > 0 {
			first := k.an.amap[row[0]]
			if k.an.arow != nil {
				first = k.an.arow[i]
			}
			k.zeroIdx = append(k.zeroIdx, first)
		}
		k.zeroed[i], k.zeroedAny = true, true
	}
	k.maskVer = 0
	if derived {
		k.maskVer = k.kvVer
	}
	k.SetDiagH(k.hrow)
}

// SetActiveRowsSameData is SetActiveRows for an active-set system whose
// data (SetData, AddDiagX) are those of the interior-point systems factored
// since the last SetData, as the solver's polish has: a form that factors
// K exactly (linsys.ExactForms: DenseDual) may serve it, reusing the
// products of P and A it formed for those systems (DenseDual masks the
// decoupled rows instead of forming A(P + δI)⁻¹Aᵀ again). Its refined
// residual is checked as for the interior-point systems; a breakdown,
// regularized pivots (dependent active rows) or a missed residual moves
// to the accurate form.
func (k *System) SetActiveRowsSameData(av []float64, active []bool) {
	k.SetActiveRows(av, active)
	k.wantExact = true
}

// SetActiveRowsDiagonalX is SetActiveRows for an active-set system of any
// data whose x block P + ρI is diagonal (the backward passes on an LP or
// an ε-ridge LP given with a dense P): the x-eliminated exact form
// (DenseDual) may serve it as it serves the polish's systems — with a
// diagonal x block it forms only A_act D⁻¹A_actᵀ over the active rows,
// where the accurate form factors all n + |active| rows. Its refined
// residual is checked against a normwise backward error of
// diagXBackwardTol (its solutions are ~1/ε); a breakdown, regularized
// pivots or a missed residual moves to the accurate form.
func (k *System) SetActiveRowsDiagonalX(av []float64, active []bool) {
	k.SetActiveRows(av, active)
	k.wantExact, k.diagX = true, true
}

// SetIdentityH sets H = I on every cone block except the zero cone (H = 0),
// the scaling of the starting point.
func (k *System) SetIdentityH() {
	k.wantFast = true
	k.wantExact, k.diagX = false, false
	k.cones.SetIdentityScaling()
	k.cones.ScalingH(k.hs)
	k.writeH()
}

// SetScaling sets H = WᵀW from the NT scaling of every cone at the interior
// point (s, z).
func (k *System) SetScaling(s, z []float64) {
	k.wantFast = true
	k.wantExact, k.diagX = false, false
	k.cones.UpdateScaling(s, z)
	k.cones.ScalingH(k.hs)
	k.writeH()
}

// SetProjectionH sets H to the linearization of complementarity at a
// solution (s, y) used by the kkt backward pass (cone.Cone.ProjectionH).
func (k *System) SetProjectionH(s, y []float64) {
	k.wantFast = false
	k.wantExact, k.diagX = false, false
	k.cones.ProjectionH(k.hs, s, y)
	k.writeH()
}

// SetNewtonPairH sets H to the tangent space of the complementarity set at
// a complementary pair (ŝ, ŷ) near (s, y), written into (sh, yh), for the
// solver's tangent Newton refinement (cone.Composite.NewtonPair); false
// (H unchanged in the matrix) when some block has no such pair.
func (k *System) SetNewtonPairH(s, y, sh, yh []float64) bool {
	if !k.cones.NewtonPair(s, y, sh, yh, k.hs) {
		return false
	}
	k.wantFast = false
	k.wantExact, k.diagX = false, false
	k.writeH()
	return true
}

// SetDiagH sets H to diag(h) for all rows; only valid when every cone block
// is diagonal (AllDiagonal).
func (k *System) SetDiagH(h []float64) {
	k.wantFast = false
	k.wantExact, k.diagX = false, false
	k.cones.DiagH(k.hs, h)
	k.writeH()
}

// AllDiagonal reports whether every cone block has a diagonal H.
func (k *System) AllDiagonal() bool { return k.cones.Diagonal() }

// writeH writes −H into the (z, z) block of the unregularized matrix.
func (k *System) writeH() {
	if !k.cones.Diagonal() {
		// Off-diagonal H entries lie outside the row diagonal.
		k.bumpVersion()
	}
	// On local slices: through k the loop reloaded kv and hs at every
	// entry (the store might alias k).
	kv, hmap := k.kv, k.an.hmap
	hs := k.hs[:len(hmap)]
	for p, idx := range hmap {
		if idx >= 0 {
			kv[idx] = -hs[p]
		}
	}
}

// MulH computes out = H v.
func (k *System) MulH(out, v []float64) { k.cones.MulH(k.hs, out, v) }

// HDiagonal returns H's diagonal over all the constraint rows (len M) when
// every cone block is diagonal, else nil: MulH(out, v) is then
// out[i] = h[i]·v[i], which a caller may fuse into a loop of its own.
// The slice is the system's; it changes with the next H setter.
func (k *System) HDiagonal() []float64 {
	if !k.cones.Diagonal() {
		return nil
	}
	m := k.cones.Dim()
	return k.hs[:m:m]
}

// QuadH returns vᵀHv = Σ‖W_k v_k‖² over the cones, from the scaling set by
// SetScaling (stable where the explicit H has large cancelling entries).
func (k *System) QuadH(v []float64) float64 { return k.cones.QuadH(v) }

// FactorState is the adaptive state of a System's factorization that
// persists across factorizations of one data set (since the last SetData):
// the regularization δ the next factorization starts from, whether raising
// or lowering δ has been given up, the first form to try and which forms
// the H set last allows. Values compare with ==.
type FactorState struct {
	dCur                float64
	fixed, noLow        bool
	tierCur             int
	wantFast, wantExact bool
	redOff, exactOff    bool
}

// FactorState returns the current adaptive factorization state.
func (k *System) FactorState() FactorState {
	return FactorState{dCur: k.dCur, fixed: k.fixed, noLow: k.noLow, tierCur: k.tierCur,
		wantFast: k.wantFast, wantExact: k.wantExact, redOff: k.redOff, exactOff: k.exactOff}
}

// RestoreFactorState restores a state returned by FactorState, for a caller
// that borrowed the system for another matrix (calling SetData, which
// resets it) and gives it back to an iteration that has not finished. The
// matrix values, H and the factorization are not restored: the caller's
// next use must set H and factor again (as every interior-point step does).
func (k *System) RestoreFactorState(s FactorState) {
	k.dCur, k.fixed, k.noLow, k.tierCur = s.dCur, s.fixed, s.noLow, s.tierCur
	k.wantFast, k.wantExact = s.wantFast, s.wantExact
	k.redOff, k.exactOff = s.redOff, s.exactOff
}
