package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Equilibration bounds (as OSQP's MIN_SCALING / MAX_SCALING).
const (
	minScaling = 1e-4
	maxScaling = 1e4
	// ruizTol ends the Ruiz passes early when all norms are this close to 1.
	ruizTol = 0.1
)

// scaledData is the equilibrated copy of the problem data and its
// scalings: the solved problem is P̃ = k·DPD (plus the proximal diagonal
// proxS = k·ρ·D²), c̃ = k·Dc, Ã = EAD, b̃ = Eb.
type scaledData struct {
	pv, cv, av, bv []float64
	// pvOwn is pv's own storage; pv is the KKT system's P values
	// instead (kkt.System.PValues) when loadData shares them (sharedP).
	pvOwn          []float64
	dScale, eScale []float64 // D, E
	cScale         float64   // k
	proxS          []float64
	eqD, eqE       []float64 // one Ruiz pass's column and row factors
	// pNorm: the column norms of P̃'s part of the last sweep (the
	// proximal diagonal and P's entries, without A's), which are the cost
	// scaling's norms when that sweep scaled the final data (see sweep).
	pNorm []float64
	// A's nonzero values in storage order (nzV, rows nzRow, column starts
	// nzPtr, value indices nzK): the Ruiz passes run on them when A holds
	// many explicit zeros (a dense G with the box as ±I rows is 77 %
	// zeros). A zero changes no norm and stays zero when scaled, so the
	// result is the same bit for bit.
	nzV        []float64
	nzRow, nzK []int
	nzPtr      []int
	// The same for P's values (nzPV, nzPRow, nzPK, nzPPtr) when a
	// quarter or more of them are zero: a dense P holding an ε-ridge εI
	// (the BPQP study's LPs, n = 500: 125 k stored values, 500 nonzero)
	// made the passes over P most of the equilibration (allocated on first
	// use). compactP records
	// whether the last equilibrate ran on them (tests).
	nzPV         []float64
	nzPRow, nzPK []int
	nzPPtr       []int
	compactP     bool
	// pFull, aFull: P's pattern is a full upper triangle (fullUpper), A's
	// full columns (fullColumns): compactValues needs no row indices.
	pFull, aFull bool
	// costFromSweep records whether the last equilibrate took the cost
	// scaling's norms from its last sweep (pNorm; tests).
	costFromSweep bool
}

func newScaledData(st *problem.Structure) scaledData {
	n, m := st.N, st.M
	pv := make([]float64, st.P.Nnz())
	return scaledData{pv: pv, pvOwn: pv, cv: make([]float64, n), av: make([]float64, st.A.Nnz()),
		bv: make([]float64, m), dScale: make([]float64, n), eScale: make([]float64, m), proxS: make([]float64, n),
		eqD: make([]float64, n), eqE: make([]float64, m), pNorm: make([]float64, n),
		nzV: make([]float64, st.A.Nnz()), nzRow: make([]int, st.A.Nnz()), nzK: make([]int, st.A.Nnz()), nzPtr: make([]int, n+1),
		nzPPtr: make([]int, n+1), pFull: fullUpper(st.P.Colptr, n), aFull: fullColumns(st.A.Colptr, n, m)}
}

// mostlyNonzero reports whether a strided sample of at most 64 of v's
// entries has fewer than a quarter zeros: then the compaction of its
// nonzero values (a pass with three stores per entry, ~5 µs for a dense P
// of order 100) is not tried. It only decides whether to look: the
// equilibration is bit for bit the same on all entries or on the nonzero
// ones. Fewer than 64 entries (but at least one) are counted until a
// quarter of zeros is reached (then false) or the end (true): it is false
// exactly when the compaction would be used (a quarter or more zeros),
// and a QP's dense P of order 10 (55 values) is no longer copied out for
// nothing (three arrays, 21 cache lines a solve).
//
//go:noinline
func mostlyNonzero(v []float64) bool {
	if len(v) == 0 {
		return false
	}
	if len(v) < 64 {
		// Counted until a quarter of zeros decides (a diagonal P
		// given dense gets there within its first columns).
		zeros := 0
		for _, x := range v {
			if x == 0 {
				if zeros++; 4*zeros >= len(v) {
					return false
				}
			}
		}
		return true
	}
	// The samples v[0], v[step], …, v[63·step] by a running index on the
	// slice that ends at the last one (no product and no bounds check per
	// sample: ~14 instructions a sample before).
	step := len(v) / 64
	s := v[:63*step+1]
	zeros := 0
	for k := 0; k < len(s); k += step {
		if s[k] == 0 {
			zeros++
		}
	}
	return 4*zeros < 64
}

// compactValues copies the nonzero values of the CSC matrix (cp, rv, v)
// with n columns into (nzV, nzRow, nzPtr) in storage order, with nzK their
// indices in v, and returns their number. rv nil stands for a pattern
// whose every column holds the rows 0, 1, … (a full upper P, a dense A):
// a value's row is its offset in its column, and the row indices are not
// read (the ε-ridge LP's diagonal at n = 50 read one line of them per
// nonzero, 50 lines a solve). The values are scanned as one array,
// eight at a time (a block of zeros, ±0: the bits without the sign,
// costs one test), then the last len mod 8 one by one; a nonzero's column
// is found by advancing through cp, the columns being consecutive in v.
func compactValues(cp, rv []int, v []float64, n int, nzV []float64, nzRow, nzK, nzPtr []int) int {
	c := nzCopy{cp: cp, rv: rv, nzV: nzV, nzRow: nzRow, nzK: nzK, nzPtr: nzPtr}
	nzPtr[0] = 0
	v = v[:cp[n]]
	k := 0
	for ; k+8 <= len(v); k += 8 {
		b := v[k : k+8 : k+8]
		if (math.Float64bits(b[0])|math.Float64bits(b[1])|math.Float64bits(b[2])|math.Float64bits(b[3])|
			math.Float64bits(b[4])|math.Float64bits(b[5])|math.Float64bits(b[6])|math.Float64bits(b[7]))<<1 == 0 {
			continue
		}
		for t, x := range b {
			if x != 0 {
				c.add(x, k+t)
			}
		}
	}
	for ; k < len(v); k++ {
		if x := v[k]; x != 0 {
			c.add(x, k)
		}
	}
	for c.j < n {
		c.j++
		nzPtr[c.j] = c.nz
	}
	return c.nz
}

// nzCopy is compactValues' output: nz values copied so far, j the column
// of the last one.
type nzCopy struct {
	cp, rv            []int
	nzV               []float64
	nzRow, nzK, nzPtr []int
	nz, j             int
}

// add appends the value x at index k, first starting the columns up to
// k's (their start is the count so far).
func (c *nzCopy) add(x float64, k int) {
	for c.cp[c.j+1] <= k {
		c.j++
		c.nzPtr[c.j] = c.nz
	}
	r := k - c.cp[c.j] // rv nil: column j's rows are 0, 1, …
	if c.rv != nil {
		r = c.rv[k]
	}
	c.nzV[c.nz], c.nzRow[c.nz], c.nzK[c.nz] = x, r, k
	c.nz++
}

func clampScale(v float64) float64 {
	if v == 0 || math.IsNaN(v) {
		return 1
	}
	// math.Min(math.Max(v, minScaling), maxScaling), inlined.
	if v < minScaling {
		return minScaling
	}
	if v > maxScaling {
		return maxScaling
	}
	return v
}

// equilibrate applies modified Ruiz equilibration to the working copies
// s.pv, s.cv, s.av, s.bv and records the scalings: the solved problem is
// P̃ = k·DPD, c̃ = k·Dc, Ã = EAD, b̃ = Eb, whose solution maps back as
// x = Dx̃, s = E⁻¹s̃, y = Eỹ/k. E is constant over every second-order cone
// block so that the cone is preserved.
func (w *Solver) equilibrate() {
	st := w.an.St
	n, m := st.N, st.M
	d, e := w.dScale, w.eScale
	fill(d, 1)
	fill(e, 1)
	w.cScale = 1
	fill(w.proxS, w.prox)
	if !w.set.Equilibrate {
		return
	}
	dd, de := w.tmpN, w.tmpM
	pcp, prv, pv := st.P.Colptr, st.P.Rowval, w.pv
	acp, arv, av := st.A.Colptr, st.A.Rowval, w.av
	// With a quarter or more of A's (P's) entries zero, run on the
	// nonzero ones (copied out in storage order, written back after the
	// passes). A sample decides whether to look.
	nz := len(w.av)
	w.nzPtr[n] = nz
	if !mostlyNonzero(w.av) {
		rv := st.A.Rowval
		if w.aFull {
			rv = nil
		}
		nz = compactValues(st.A.Colptr, rv, w.av, n, w.nzV, w.nzRow, w.nzK, w.nzPtr)
	}
	compact := 4*nz <= 3*len(w.av)
	if compact {
		acp, arv, av = w.nzPtr, w.nzRow[:nz], w.nzV[:nz]
	}
	nzP := len(w.pv)
	if !mostlyNonzero(w.pv) {
		if w.nzPV == nil {
			// On first use: 24 bytes per stored value of P, never needed
			// for a P without zeros (48 MB at a dense order 2000).
			w.nzPV, w.nzPRow, w.nzPK = make([]float64, len(w.pv)), make([]int, len(w.pv)), make([]int, len(w.pv))
		}
		rv := prv
		if w.pFull {
			rv = nil
		}
		nzP = compactValues(pcp, rv, w.pv, n, w.nzPV, w.nzPRow, w.nzPK, w.nzPPtr)
	}
	w.compactP = 4*nzP <= 3*len(w.pv)
	if w.compactP {
		pcp, prv, pv = w.nzPPtr, w.nzPRow[:nzP], w.nzPV[:nzP]
	}
	// Column norms (dd) and row norms (de) of the current data. After the
	// first pass they are computed in the sweep that applies the previous
	// pass's scaling (same values, same order: bit for bit the result of
	// two sweeps, at about half the memory traffic).
	for j := 0; j < n; j++ {
		dd[j] = 0
	}
	for i := range de {
		de[i] = 0
	}
	// A dense P (every upper column full) and a dense A are swept whole,
	// one kernel call each (sweep); other columns one by one.
	sm := sweepMats{pcp, prv, pv, acp, arv, av, fullUpper(pcp, n), fullColumns(acp, n, m), false}
	sm.pDiag = !sm.pTri && diagonalOnly(pcp, prv, n)
	// pNormOK: w.pNorm holds P̃'s column norms (with the proximal
	// diagonal) of the data as they are now: every sweep records them, a
	// scaling-only pass does not.
	w.sweep(&sm, nil, nil, dd, de)
	pNormOK := true
	w.certFromSweep(de)
	sd, se := w.eqD, w.eqE
	for it := 0; it < w.set.EquilibrateIters; it++ {
		// Stop once every column and row norm is within ruizTol of 1:
		// further passes would change the scaling by less than that.
		if nearOne(dd) && nearOne(de) {
			break
		}
		ruizFactors(dd, sd)
		ruizFactors(de, se)
		// A second-order cone needs a uniform row scaling inside its block.
		w.cones.RectifyScaling(se)
		scaleDiag(d, w.proxS, sd)
		mulInto(e, se)
		last := it == w.set.EquilibrateIters-1
		for j := range dd {
			dd[j] = 0
		}
		for i := range de {
			de[i] = 0
		}
		if last && !(sm.pTri && sm.aRect) {
			// Scaling only: the last pass's norms are not used.
			pNormOK = false
			for j := 0; j < n; j++ {
				dj := sd[j]
				for k := pcp[j]; k < pcp[j+1]; k++ {
					pv[k] *= sd[prv[k]] * dj
				}
				for k := acp[j]; k < acp[j+1]; k++ {
					av[k] *= se[arv[k]] * dj
				}
			}
			continue
		}
		w.sweep(&sm, sd, se, dd, de)
	}
	if compact {
		for t, k := range w.nzK[:nz] {
			w.av[k] = av[t]
		}
	}
	mulInto(w.cv, d)
	mulInto(w.bv, e)
	// Cost scaling: k = 1/max(mean column norm of P̃, ‖c̃‖∞). The norms
	// are the last sweep's (pNorm) when it scaled the final data: the
	// same maxima of the same numbers (the sweep's P part starts each
	// norm at the proximal diagonal, as below, and takes P's entries in
	// the same order), without another pass over P.
	w.costFromSweep = pNormOK
	if pNormOK {
		copy(dd, w.pNorm)
	} else {
		w.pColumnNorms(&sm, dd)
	}
	var mean float64
	for _, v := range dd {
		mean += v
	}
	mean /= float64(n)
	cmax := normInf(w.cv)
	k := 1 / clampScale(math.Max(mean, cmax))
	scaleBy(pv, k)
	scaleBy(w.proxS, k)
	scaleBy(w.cv, k)
	if w.compactP {
		for t, kk := range w.nzPK[:nzP] {
			w.pv[kk] = pv[t]
		}
	}
	w.cScale = k
}

// certFromSweep sets the certificate tests' scales (certScales:
// max(1, ‖A‖max) and max(1, ‖A‖max, ‖P‖max) of the caller's data) from
// the first sweep's norms of the unscaled copies, the row norms de of A
// and pNorm, when that sweep's column norms of P start from a zero
// proximal diagonal: the same maxima of the same values (exact, in any
// order) without certScales' passes over A and P, for finite data (what
// problem.CheckValues lets through: a NaN entry can be dropped from a
// sweep norm with the maximum before it, so with NaN data these scales can
// differ from certScales'; a NaN norm that survives leaves certScales to
// compute them).
func (w *Solver) certFromSweep(de []float64) {
	if w.prox != 0 {
		return
	}
	na, okA := maxNorm(de)
	np, okP := maxNorm(w.pNorm)
	if !okA || !okP {
		return
	}
	a := math.Max(1, na)
	w.cert = certScale{a: a, ap: math.Max(a, np), ok: true}
}

// maxNorm returns the largest of the norms v (0 for none) and whether
// none is NaN.
func maxNorm(v []float64) (float64, bool) {
	m := 0.0
	for _, x := range v {
		if !(x >= 0) {
			return 0, false
		}
		m = fmax(m, x)
	}
	return m, true
}

// pColumnNorms sets dd[j] to the largest of the proximal diagonal's entry
// j and P̃'s entries in row and column j (the cost scaling's norms, when
// the last sweep did not record them in pNorm).
func (w *Solver) pColumnNorms(sm *sweepMats, dd []float64) {
	n := len(dd)
	pcp, prv, pv := sm.pcp, sm.prv, sm.pv
	copy(dd, w.proxS)
	if sm.pTri {
		vec.ScaleAbsMaxCols(pv, n, 1, 1, nil, nil, dd, dd)
		return
	}
	for j := 0; j < n; j++ {
		dd[j] = w.proxS[j]
		// A full upper column by the kernel, as in the passes (the
		// indexed loop was a third of equilibrate on a dense P).
		if lo, hi := pcp[j], pcp[j+1]; hi-lo == j+1 {
			dd[j] = scaleNormsFull(pv[lo:hi], nil, 1, dd[:j+1], dd[j])
			continue
		}
		for k := pcp[j]; k < pcp[j+1]; k++ {
			a := math.Abs(pv[k])
			dd[j] = fmax(dd[j], a)
			dd[prv[k]] = fmax(dd[prv[k]], a)
		}
	}
}

// fullUpper reports whether every column j of the n-column upper CSC
// pointers cp holds j + 1 entries (rows 0…j: a dense upper triangle,
// stored packed column after column).
func fullUpper(cp []int, n int) bool {
	for j := 0; j < n; j++ {
		if cp[j+1]-cp[j] != j+1 {
			return false
		}
	}
	return true
}

// fullColumns reports whether every column of the n-column CSC pointers cp
// holds m entries (rows 0…m−1: a dense matrix stored column after column).
func fullColumns(cp []int, n, m int) bool {
	for j := 0; j < n; j++ {
		if cp[j+1]-cp[j] != m {
			return false
		}
	}
	return true
}

// sweepMats is the data of equilibrate's Ruiz passes: P's upper CSC
// (pcp, prv, pv) and A's CSC (acp, arv, av), either of them possibly its
// compacted nonzeros, and whether each is dense (fullUpper, fullColumns).
type sweepMats struct {
	pcp, prv    []int
	pv          []float64
	acp, arv    []int
	av          []float64
	pTri, aRect bool
	// pDiag: every column of P holds one entry, its diagonal (the
	// ε-ridge's compacted nonzeros; not with pTri).
	pDiag bool
}

// diagonalOnly reports whether every column j of the n-column CSC
// (cp, rv) holds exactly one entry, in row j.
func diagonalOnly(cp, rv []int, n int) bool {
	for j := 0; j < n; j++ {
		if cp[j+1]-cp[j] != 1 || rv[cp[j]] != j {
			return false
		}
	}
	return true
}

// sweepDiag is sweep's P part for a diagonal P (sweepMats.pDiag), whose
// values pv are its columns' one entry each: with sd non-nil it scales
// pv[j] by sd[j]·sd[j], then raises dd[j] to |pv[j]| — the column loop's
// operations (its row update, dd[i] with i = j, repeats the maximum) for
// finite data; a NaN in column 0 is kept here where the column loop's
// ScaleAbsMax kernel skipped it (CheckValues rejects NaN data).
// Inlined in sweep, that loop kept its column bounds and slices on the
// stack: ~77 instructions a column at the BPQP LP's n = 50.
//
//go:noinline
func sweepDiag(pv, sd, dd []float64) {
	dd = dd[:len(pv)]
	if sd != nil {
		sd = sd[:len(pv)]
		for j, v := range pv {
			v *= sd[j] * sd[j]
			pv[j] = v
			dd[j] = fmax(dd[j], math.Abs(v))
		}
		return
	}
	for j, v := range pv {
		dd[j] = fmax(dd[j], math.Abs(v))
	}
}

// sweep is one Ruiz pass: with sd non-nil it scales P's entries (i, j) by
// sd[i]·sd[j] and A's by se[i]·sd[j]; it raises the column norms dd
// (first to the proximal diagonal) and the row norms de to the entries'
// magnitudes. A dense P and a dense A go whole through one
// vec.ScaleAbsMaxCols call each (at the BPQP study's n = 10…100 the two
// calls per column, their length checks and the scalar tails of short
// columns cost more than the arithmetic); other matrices column by
// column. Bit for bit the column loop it replaces: the products are the
// same, and the norms are maxima, exact and order-free (updated in
// another order here).
//
// After P's part, dd (the proximal diagonal and P's entries) is copied to
// w.pNorm: the cost scaling's column norms of the swept data.
func (w *Solver) sweep(sm *sweepMats, sd, se, dd, de []float64) {
	n, m := len(dd), len(de)
	pcp, prv, pv, acp, arv, av := sm.pcp, sm.prv, sm.pv, sm.acp, sm.arv, sm.av
	if w.prox != 0 {
		// Without a proximal weight proxS is ±0 throughout (filled with
		// it, +0 or SetProx(−0)'s −0, scaled by positive factors) and
		// the norms dd enter as +0 (equilibrate clears them): the maxima
		// would leave them zero (fmax(+0, −0) is −0: a zero's sign,
		// which the cost scaling's mean and clampScale do not see).
		ps, dd := w.proxS[:n], dd[:n]
		for j, p := range ps {
			dd[j] = fmax(dd[j], p)
		}
	}
	switch {
	case sm.pTri:
		vec.ScaleAbsMaxCols(pv, n, 1, 1, sd, sd, dd, dd)
	case sm.pDiag:
		sweepDiag(pv[:n], sd, dd)
	default:
		for j := 0; j < n; j++ {
			lo, hi := pcp[j], pcp[j+1]
			if hi-lo == j+1 {
				dj := 1.0
				if sd != nil {
					dj = sd[j]
				}
				dd[j] = scaleNormsFull(pv[lo:hi], sd, dj, dd[:j+1], dd[j])
				continue
			}
			for k := lo; k < hi; k++ {
				i := prv[k]
				v := pv[k]
				if sd != nil {
					v *= sd[i] * sd[j]
					pv[k] = v
				}
				a := math.Abs(v)
				dd[j] = fmax(dd[j], a)
				dd[i] = fmax(dd[i], a)
			}
		}
	}
	copy(w.pNorm, dd)
	if sm.aRect {
		vec.ScaleAbsMaxCols(av, n, m, 0, se, sd, de, dd)
		return
	}
	for j := 0; j < n; j++ {
		lo, hi := acp[j], acp[j+1]
		if hi-lo == m {
			dj := 1.0
			if sd != nil {
				dj = sd[j]
			}
			dd[j] = scaleNormsFull(av[lo:hi], se, dj, de, dd[j])
			continue
		}
		for k := lo; k < hi; k++ {
			i := arv[k]
			v := av[k]
			if sd != nil {
				v *= se[i] * sd[j]
				av[k] = v
			}
			a := math.Abs(v)
			dd[j] = fmax(dd[j], a)
			de[i] = fmax(de[i], a)
		}
	}
}

// scaleNormsFull is one column of a Ruiz sweep on a column whose stored
// rows are exactly 0..len(col)−1 (a dense A column, or a full upper P
// column): with s non-nil it scales col[i] by s[i]·dj; then it raises
// rn[i] (the row norms) and the column norm cn to |col[i]| and returns cn.
// The same products and maxima as the indexed loop, without the row
// indices, in vec.ScaleAbsMax's AVX2 kernel (bit for bit the Go loop; the
// Go loop was ~8 % of the dense QP layer's CPU at n = 50). For a P column
// rn[j] is the column's own norm, which the caller overwrites with the
// returned cn ≥ it.
func scaleNormsFull(col, s []float64, dj float64, rn []float64, cn float64) float64 {
	return vec.ScaleAbsMax(col, s, dj, rn, cn)
}

func normInf(v []float64) float64 { return vec.NormInf(v) }

func dot(a, b []float64) float64 {
	var s float64
	b = b[:len(a)]
	for i, x := range a {
		s += float64(x * b[i]) // rounded product: no FMA (see dots.go)
	}
	return s
}

// fmax is max for non-NaN operands (cheaper than math.Max in hot loops).
func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// The loops of equilibrate below are functions of their own, not inlined:
// inlined into equilibrate (a large function with many live values) their
// counters and slices were kept on the stack, ~3 times the instructions of
// the loop alone (the cost scaling's P̃ ← kP̃ took ~17 per entry). Each is
// the loop it replaces, operation for operation.

// nearOne reports whether no Ruiz norm nv[i] is farther than ruizTol
// from 1 (a NaN norm is not farther, as the passes always took it).
//
//go:noinline
func nearOne(nv []float64) bool {
	for _, v := range nv {
		if math.Abs(v-1) > ruizTol {
			return false
		}
	}
	return true
}

// ruizFactors sets f[i] = 1/√clampScale(nv[i]) for a Ruiz pass's norms
// nv. The passes end (nearOne) before the factors are taken: the last
// pass's factors, which the loop took with its test, were not used.
//
//go:noinline
func ruizFactors(nv, f []float64) {
	f = f[:len(nv)]
	for i, v := range nv {
		f[i] = 1 / math.Sqrt(clampScale(v))
	}
}

// scaleDiag applies a pass's column factors sd to D (d) and to the
// proximal diagonal (p, by sd²).
//
//go:noinline
func scaleDiag(d, p, sd []float64) {
	p, sd = p[:len(d)], sd[:len(d)]
	for j, s := range sd {
		d[j] *= s
		p[j] *= s * s
	}
}

// mulInto sets v[i] *= f[i].
//
//go:noinline
func mulInto(v, f []float64) {
	f = f[:len(v)]
	for i, x := range f {
		v[i] *= x
	}
}

// scaleBy sets v[i] *= k.
//
//go:noinline
func scaleBy(v []float64, k float64) {
	i := 0
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		w[0] *= k
		w[1] *= k
		w[2] *= k
		w[3] *= k
	}
	for ; i < len(v); i++ {
		v[i] *= k
	}
}

// fill sets every entry of v to x.
func fill(v []float64, x float64) {
	for i := range v {
		v[i] = x
	}
}
