package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// ruizTwoSweeps is the Ruiz passes of equilibrate as two sweeps per pass
// (norms, then scaling), the form before the sweeps were fused: the
// reference for TestEquilibrateFusedSweeps.
func ruizTwoSweeps(w *Solver, pv, av, proxS, d, e []float64) {
	st := w.an.St
	n, m := st.N, st.M
	dd, de := make([]float64, n), make([]float64, m)
	pcp, prv := st.P.Colptr, st.P.Rowval
	acp, arv := st.A.Colptr, st.A.Rowval
	for it := 0; it < w.set.EquilibrateIters; it++ {
		clear(dd)
		clear(de)
		for j := 0; j < n; j++ {
			dd[j] = math.Max(dd[j], proxS[j])
			for k := pcp[j]; k < pcp[j+1]; k++ {
				a := math.Abs(pv[k])
				dd[j], dd[prv[k]] = math.Max(dd[j], a), math.Max(dd[prv[k]], a)
			}
			for k := acp[j]; k < acp[j+1]; k++ {
				a := math.Abs(av[k])
				dd[j], de[arv[k]] = math.Max(dd[j], a), math.Max(de[arv[k]], a)
			}
		}
		done := true
		for j := range dd {
			done = done && math.Abs(dd[j]-1) <= ruizTol
			dd[j] = 1 / math.Sqrt(clampScale(dd[j]))
		}
		for i := range de {
			done = done && math.Abs(de[i]-1) <= ruizTol
			de[i] = 1 / math.Sqrt(clampScale(de[i]))
		}
		if done {
			break
		}
		w.cones.RectifyScaling(de)
		for j := 0; j < n; j++ {
			for k := pcp[j]; k < pcp[j+1]; k++ {
				pv[k] *= dd[prv[k]] * dd[j]
			}
			for k := acp[j]; k < acp[j+1]; k++ {
				av[k] *= de[arv[k]] * dd[j]
			}
		}
		for j := range d {
			d[j] *= dd[j]
			proxS[j] *= dd[j] * dd[j]
		}
		for i := range e {
			e[i] *= de[i]
		}
	}
}

// equilibrate computes its norms in the sweep that applies the previous
// pass's scaling: the scalings and the scaled data are bit for bit those
// of two sweeps per pass over every entry, on every family of the
// normal-equations test — including those whose A holds so many explicit
// zeros (the box LPs' ±I rows) that the passes run on the nonzero entries
// only, and those whose dense P is an ε-ridge (the BPQP study's LPs: the
// passes over P run on its diagonal).
func TestEquilibrateFusedSweeps(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	compact, full := 0, 0
	compactP, fullP := 0, 0
	wholeP, wholeA := 0, 0 // dense P, A swept by one kernel call (sweep)
	diagP := 0             // P's nonzeros on its diagonal, one a column (sweepDiag)
	defer func() {
		if wholeP == 0 || wholeA == 0 {
			t.Errorf("P swept whole in %d runs, A in %d: the whole-matrix kernel must be exercised", wholeP, wholeA)
		}
		if diagP == 0 {
			t.Errorf("no run swept a diagonal P: sweepDiag must be exercised")
		}
		if compact == 0 || full == 0 {
			t.Errorf("%d families on the nonzero entries, %d on all: both paths must be exercised", compact, full)
		}
		if compactP == 0 || fullP == 0 {
			t.Errorf("%d families on P's nonzero entries, %d on all: both paths must be exercised", compactP, fullP)
		}
	}()
	// Pass limits 1 and 3 end on the scaling-only last pass (the default
	// 10 usually stops at ruizTol first); with and without a proximal
	// weight (its diagonal raises the column norms only when nonzero:
	// sweep skips it otherwise).
	for _, tc := range neCases(rng) {
		for _, ip := range [][2]float64{{1, 0}, {3, 0}, {10, 0}, {1, 0.7}, {3, 0.7}, {10, 0.7}} {
			iters, prox := int(ip[0]), ip[1]
			st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
			an, err := kkt.Analyse(st, LinearAuto)
			if err != nil {
				t.Fatal(err)
			}
			set := DefaultSettings()
			set.EquilibrateIters = iters
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			w.SetProx(prox)
			copy(w.pv, v.P)
			copy(w.av, v.A)
			copy(w.cv, v.C)
			copy(w.bv, v.B)
			w.equilibrate()
			if 4*w.nzPtr[st.N] <= 3*len(w.av) {
				compact++
			} else {
				full++
			}
			if len(v.P) > 0 && w.compactP {
				compactP++
			} else if len(v.P) > 0 {
				fullP++
			}
			if fullUpper(st.P.Colptr, st.N) && !w.compactP && st.N > 0 {
				wholeP++
			}
			if w.compactP && st.N > 1 && diagonalOnly(w.nzPPtr, w.nzPRow, st.N) {
				diagP++
			}
			if fullColumns(st.A.Colptr, st.N, st.M) && 4*w.nzPtr[st.N] > 3*len(w.av) && st.M > 0 {
				wholeA++
			}
			pv, av := append([]float64(nil), v.P...), append([]float64(nil), v.A...)
			proxS, d, e := make([]float64, st.N), make([]float64, st.N), make([]float64, st.M)
			for j := range d {
				d[j], proxS[j] = 1, w.prox
			}
			for i := range e {
				e[i] = 1
			}
			ruizTwoSweeps(w, pv, av, proxS, d, e)
			same := func(what string, a, b []float64) {
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
						t.Fatalf("%s, %d passes, prox %g: %s[%d] = %v, two sweeps %v", tc.name, iters, prox, what, i, a[i], b[i])
					}
				}
			}
			same("D", w.dScale, d)
			same("E", w.eScale, e)
			same("Ã", w.av, av)
			for k := range pv {
				pv[k] *= w.cScale
			}
			same("P̃", w.pv, pv)
		}
	}
}

// On sparse patterns (A's columns not full, P's upper columns not full)
// with a quarter or more explicit zeros, the passes run on the nonzero
// values with their rows taken from the row indices (not from their
// offsets: aFull, pFull false): the scalings and scaled data are bit for
// bit those of two sweeps per pass over every stored entry.
func TestEquilibrateSparseZeros(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	negZero := math.Copysign(0, -1)
	for trial := 0; trial < 40; trial++ {
		n, m := 3+rng.Intn(10), 4+rng.Intn(12)
		pattern := func(rows, cols int, upper bool) problem.CSC {
			c := problem.CSC{Rows: rows, Cols: cols, Colptr: make([]int, cols+1)}
			for j := 0; j < cols; j++ {
				for i := 0; i < rows && (!upper || i <= j); i++ {
					// Every diagonal stored (P); the first row left
					// out of every column so that none is full.
					if (upper && i == j) || (i > 0 && rng.Intn(2) == 0) {
						c.Rowval = append(c.Rowval, i)
					}
				}
				c.Colptr[j+1] = len(c.Rowval)
			}
			return c
		}
		pp, ap := pattern(n, n, true), pattern(m, n, false)
		st, err := problem.NewStructure(n, m, problem.Cones{Nonneg: m}, pp, ap)
		if err != nil {
			t.Fatal(err)
		}
		values := func(l int) []float64 {
			v := make([]float64, l)
			for i := range v {
				// Every even-indexed entry ±0: a quarter or
				// more of any length.
				switch x := rng.Intn(4); {
				case i%2 == 0 && x < 2:
					v[i] = 0
				case i%2 == 0:
					v[i] = negZero
				default:
					v[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
				}
			}
			return v
		}
		pv0, av0 := values(pp.Nnz()), values(ap.Nnz())
		c0 := values(n)
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		set := DefaultSettings()
		set.EquilibrateIters = []int{1, 3, 10}[trial%3]
		w, err := NewSolver(an, set)
		if err != nil {
			t.Fatal(err)
		}
		if w.aFull || w.pFull {
			t.Fatalf("trial %d: sparse patterns taken as full (A %v, P %v)", trial, w.aFull, w.pFull)
		}
		copy(w.pv, pv0)
		copy(w.av, av0)
		copy(w.cv, c0)
		w.equilibrate()
		if 4*w.nzPtr[n] > 3*len(w.av) || !w.compactP {
			t.Fatalf("trial %d: passes on all entries (A %v, P %v), want the nonzero ones", trial, 4*w.nzPtr[n] > 3*len(w.av), !w.compactP)
		}
		pv, av := append([]float64(nil), pv0...), append([]float64(nil), av0...)
		proxS, d, e := make([]float64, n), make([]float64, n), make([]float64, m)
		for j := range d {
			d[j] = 1
		}
		for i := range e {
			e[i] = 1
		}
		ruizTwoSweeps(w, pv, av, proxS, d, e)
		for k := range pv {
			pv[k] *= w.cScale
		}
		for _, c := range []struct {
			what      string
			got, want []float64
		}{{"D", w.dScale, d}, {"E", w.eScale, e}, {"Ã", w.av, av}, {"P̃", w.pv, pv}} {
			for i := range c.want {
				if math.Float64bits(c.got[i]) != math.Float64bits(c.want[i]) {
					t.Fatalf("trial %d, %d passes: %s[%d] = %v, two sweeps %v", trial, set.EquilibrateIters, c.what, i, c.got[i], c.want[i])
				}
			}
		}
	}
}

// costScaleRef is equilibrate's cost scaling from the Ruiz passes' data
// (P's values pv, the proximal diagonal proxS, D, c), written out: k =
// 1/clampScale(max(mean_j max(proxS_j, max |P̃| in row and column j),
// ‖Dc‖∞)); pv, proxS and the returned k·Dc are scaled by k.
func costScaleRef(w *Solver, pv, proxS, d, c []float64) (k float64, cv []float64) {
	st := w.an.St
	n := st.N
	cp, rv := st.P.Colptr, st.P.Rowval
	norm := append([]float64(nil), proxS...)
	for j := 0; j < n; j++ {
		for q := cp[j]; q < cp[j+1]; q++ {
			a := math.Abs(pv[q])
			norm[j], norm[rv[q]] = math.Max(norm[j], a), math.Max(norm[rv[q]], a)
		}
	}
	cv = make([]float64, n)
	var mean, cmax float64
	for j := range norm {
		mean += norm[j]
		cv[j] = c[j] * d[j]
		cmax = math.Max(cmax, math.Abs(cv[j]))
	}
	mean /= float64(n)
	k = 1 / clampScale(math.Max(mean, cmax))
	for q := range pv {
		pv[q] *= k
	}
	for j := range cv {
		proxS[j] *= k
		cv[j] *= k
	}
	return k, cv
}

// The cost scaling takes its column norms of P̃ from the last Ruiz sweep
// when that sweep scaled the final data (equilibrate's pNorm) and passes
// over P̃ again otherwise (a scaling-only last pass): k, P̃, c̃ and the
// proximal diagonal are bit for bit those of the norms taken afresh, with
// and without a proximal term, on every family of the normal-equations
// test, for pass limits that end by ruizTol (10), on a full last sweep
// (dense data, 1–3) or on a scaling-only last pass (sparse data), and
// with no pass at all (0).
func TestEquilibrateCostScale(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	fromSweep, afresh := 0, 0
	for _, tc := range neCases(rng) {
		for _, iters := range []int{0, 1, 2, 3, 10} {
			for _, prox := range []float64{0, 0.3} {
				st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, tc.cones)
				an, err := kkt.Analyse(st, LinearAuto)
				if err != nil {
					t.Fatal(err)
				}
				set := DefaultSettings()
				set.EquilibrateIters = iters
				w, err := NewSolver(an, set)
				if err != nil {
					t.Fatal(err)
				}
				w.SetProx(prox)
				copy(w.pv, v.P)
				copy(w.av, v.A)
				copy(w.cv, v.C)
				copy(w.bv, v.B)
				w.equilibrate()
				if w.costFromSweep {
					fromSweep++
				} else {
					afresh++
				}
				pv, av := append([]float64(nil), v.P...), append([]float64(nil), v.A...)
				proxS, d, e := make([]float64, st.N), make([]float64, st.N), make([]float64, st.M)
				for j := range d {
					d[j], proxS[j] = 1, prox
				}
				for i := range e {
					e[i] = 1
				}
				ruizTwoSweeps(w, pv, av, proxS, d, e)
				k, cv := costScaleRef(w, pv, proxS, d, v.C)
				if math.Float64bits(w.cScale) != math.Float64bits(k) {
					t.Fatalf("%s, %d passes, ρ = %v: k = %v, from fresh norms %v", tc.name, iters, prox, w.cScale, k)
				}
				for _, c := range []struct {
					what      string
					got, want []float64
				}{{"P̃", w.pv, pv}, {"c̃", w.cv, cv}, {"ρD̃", w.proxS, proxS}} {
					for i := range c.want {
						if math.Float64bits(c.got[i]) != math.Float64bits(c.want[i]) {
							t.Fatalf("%s, %d passes, ρ = %v: %s[%d] = %v, from fresh norms %v", tc.name, iters, prox, c.what, i, c.got[i], c.want[i])
						}
					}
				}
			}
		}
	}
	if fromSweep == 0 || afresh == 0 {
		t.Errorf("norms from the last sweep %d times, afresh %d: both paths must be exercised", fromSweep, afresh)
	}
}

// compactValues copies exactly the nonzero values (±0 dropped) in storage
// order, with their rows, indices and column starts: seeded random CSC
// matrices whose columns (0 to 13 entries) hold runs of zeros of every
// length and phase relative to the eight-entry blocks, against the
// entry-by-entry copy. Every other trial passes no row indices (rv nil):
// its columns hold the rows 0, 1, … (a full upper P, a dense A); the
// others pass random strictly increasing rows — an A's from 0…15, a P's
// upper ones from 0…j — which are not their offsets, so a row taken from
// the offset where rv is given fails.
func TestCompactValues(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	negZero := math.Copysign(0, -1)
	offsetRows := 0 // rv ≠ nil trials with a row other than its offset
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.Intn(8)
		withRv, upper := trial%2 == 1, trial%4 == 3
		cp := []int{0}
		var rv []int
		var v []float64
		for j := 0; j < n; j++ {
			var rows []int
			switch {
			case !withRv:
				rows = make([]int, rng.Intn(14))
				for r := range rows {
					rows[r] = r
				}
			case upper:
				for i := 0; i <= j; i++ {
					if rng.Intn(3) != 0 {
						rows = append(rows, i)
					}
				}
			default:
				for i := 0; i < 16; i++ {
					if rng.Intn(3) != 0 {
						rows = append(rows, i)
					}
				}
			}
			pz := rng.Float64() // this column's share of zeros
			for o, r := range rows {
				rv = append(rv, r)
				switch x := rng.Float64(); {
				case x < pz/2:
					v = append(v, 0)
				case x < pz:
					v = append(v, negZero)
				default:
					v = append(v, rng.NormFloat64())
					if r != o {
						offsetRows++
					}
				}
			}
			cp = append(cp, len(v))
		}
		nzV, nzRow, nzK, nzPtr := make([]float64, len(v)), make([]int, len(v)), make([]int, len(v)), make([]int, n+1)
		var rvArg []int // rv nil: every column's rows are 0, 1, …
		if withRv {
			rvArg = rv
		}
		nz := compactValues(cp, rvArg, v, n, nzV, nzRow, nzK, nzPtr)
		var wantV []float64
		var wantRow, wantK []int
		wantPtr := make([]int, n+1)
		for j := 0; j < n; j++ {
			wantPtr[j] = len(wantV)
			for k := cp[j]; k < cp[j+1]; k++ {
				if v[k] != 0 {
					wantV, wantRow, wantK = append(wantV, v[k]), append(wantRow, rv[k]), append(wantK, k)
				}
			}
		}
		wantPtr[n] = len(wantV)
		if nz != len(wantV) {
			t.Fatalf("trial %d: %d nonzeros, want %d", trial, nz, len(wantV))
		}
		for q := 0; q < nz; q++ {
			if nzV[q] != wantV[q] || nzRow[q] != wantRow[q] || nzK[q] != wantK[q] {
				t.Fatalf("trial %d: nonzero %d = (%v, row %d, index %d), want (%v, %d, %d)", trial, q, nzV[q], nzRow[q], nzK[q], wantV[q], wantRow[q], wantK[q])
			}
		}
		for j, p := range wantPtr {
			if nzPtr[j] != p {
				t.Fatalf("trial %d: column %d starts at %d, want %d", trial, j, nzPtr[j], p)
			}
		}
	}
	if offsetRows < 100 {
		t.Fatalf("%d nonzeros with rows given whose row is not their offset: the row indices must be exercised", offsetRows)
	}
}

// TestMostlyNonzeroShort: below 64 entries mostlyNonzero counts zeros
// until a quarter of them (or the end) decides, and skips the compaction
// exactly when equilibrate would not use it (fewer than a quarter of the
// entries ±0: 4·nz > 3·len), NaN counting
// as nonzero as in compactValues; an empty slice is not mostly nonzero.
func TestMostlyNonzeroShort(t *testing.T) {
	if mostlyNonzero(nil) {
		t.Fatal("empty slice mostly nonzero")
	}
	rng := rand.New(rand.NewSource(12))
	negZero := math.Copysign(0, -1)
	for l := 1; l < 64; l++ {
		for trial := 0; trial < 40; trial++ {
			v := make([]float64, l)
			pz := rng.Float64()
			nz := 0
			for i := range v {
				switch x := rng.Float64(); {
				case x < pz/2:
					v[i] = 0
				case x < pz:
					v[i] = negZero
				case x < pz+0.05:
					v[i] = math.NaN()
					nz++
				default:
					v[i] = rng.NormFloat64()
					nz++
				}
			}
			want := 4*nz > 3*l // the compaction would not be used
			if got := mostlyNonzero(v); got != want {
				t.Fatalf("length %d, %d nonzero: mostlyNonzero %v, want %v", l, nz, got, want)
			}
		}
	}
}

// TestMostlyNonzeroSampled: from 64 entries mostlyNonzero decides on the
// 64 entries v[0], v[step], …, v[63·step] (step = len/64): true exactly
// when fewer than 16 of them are ±0, whatever the entries between and
// after them hold, on seeded lengths 64…1000 with the zeros placed on and
// off the samples.
func TestMostlyNonzeroSampled(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for trial := 0; trial < 2000; trial++ {
		l := 64 + rng.Intn(937)
		step := l / 64
		v := make([]float64, l)
		for i := range v {
			v[i] = rng.NormFloat64()
			if rng.Intn(3) == 0 {
				v[i] = 0 // off the samples too
			}
		}
		k := rng.Intn(40)
		zeros := 0
		for i := 0; i < 64; i++ {
			v[i*step] = 1 + rng.Float64()
			if i < k {
				v[i*step] = []float64{0, math.Copysign(0, -1)}[rng.Intn(2)]
				zeros++
			}
		}
		rng.Shuffle(64, func(a, b int) { v[a*step], v[b*step] = v[b*step], v[a*step] })
		if got, want := mostlyNonzero(v), 4*zeros < 64; got != want {
			t.Fatalf("length %d, %d zero samples: mostlyNonzero %v, want %v", l, zeros, got, want)
		}
	}
}
