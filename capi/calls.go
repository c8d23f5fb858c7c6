package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// part is sample k's slice of a batch-major buffer (nil when v is nil).
func part(v []float64, k, size int) []float64 {
	if v == nil {
		return nil
	}
	return v[k*size : (k+1)*size]
}

//export lpgd_solve
func lpgd_solve(h C.uint64_t, cset *C.lpgd_settings, cbatch C.int64_t,
	values *C.lpgd_values, out *C.lpgd_solution,
	errBuf *C.char, errLen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, errBuf, errLen)
	debugExportPanic()
	s, err := lookup(h)
	if err != nil {
		return
	}
	set, err := settingsFromC(cset)
	if err != nil {
		return
	}
	intr, err := interruptFromC(cset, set)
	if err != nil {
		return
	}
	if cbatch <= 0 {
		err = argErr("batch must be positive, got %d", cbatch)
		return
	}
	nb := int(cbatch)
	n, m := s.st.N, s.st.M
	if out == nil || out.x == nil || out.status == nil || (m > 0 && (out.y == nil || out.s == nil)) {
		err = argErr("solution buffers x, y, s and status must not be NULL")
		return
	}
	// The batched values' finiteness is checked per sample, in the pool,
	// by the pass that gathers them (inputs.loadChecked), and reported
	// after it (nonFinite), as lpgd_backward does; a data error still
	// comes before any other (inputs.dataErr).
	in, err := s.readInputsDeferred(nb, values)
	if err != nil {
		return
	}
	defer in.release()
	symTol, shift := float64(values.psd_sym_tol), float64(values.psd_shift)
	// The PSD test of a dense P: at B = 1 in the sample's gather pass
	// (solveCall.psd: P read once for its finiteness, its measures and its
	// gather, instead of three times), of a batch here, before the solves.
	psd := nb == 1 && in.psdAsked(shift)
	if !psd {
		if err = in.checkValuesPSD(nb, symTol, shift); err != nil {
			// Tested before their finiteness: a non-finite entry is the
			// call's error first, as finiteErr reports it.
			if ferr := in.finiteErr(nb); ferr != nil {
				err = ferr
			}
			return
		}
	}
	xs := outSlice(out.x, nb*n)
	ys := outSlice(out.y, nb*m)
	ss := outSlice(out.s, nb*m)
	st := unsafe.Slice((*int32)(unsafe.Pointer(out.status)), nb)
	cols := int(C.LPGD_INFO_COLS)
	infos := outSlice(out.info, nb*cols)
	facs, fl, err := s.factorRecords(out, nb)
	if err != nil {
		if derr := in.dataErr(nb, symTol, shift); derr != nil {
			err = derr
		}
		return
	}
	c := solveCalls.Get().(*solveCall)
	*c = solveCall{n: n, m: m, intr: intr, in: in, facs: facs, fl: fl, xs: xs, ys: ys, ss: ss, st: st, infos: infos, cols: cols,
		psd: psd, symTol: symTol, shift: shift}
	err = s.run(nb, set, c)
	if c.psdPending {
		// The sample panicked before its deferred PSD test's verdict:
		// the test runs now (outside the pool), and a rejected P is
		// recorded as when the test ran before the solve — status 0 and
		// the PSD error, not an internal error.
		if !c.decidePSD() {
			c.rejectPSD(c.psdK)
		}
	}
	switch {
	case c.nonFinite.Load():
		// The call's data error, as finiteErr names it (the first
		// non-finite entry in argument order); the outputs are not
		// meaningful, as after any call error.
		if err = in.finiteErr(nb); err == nil {
			err = &callError{codeData, "non-finite values (changed during the call)"}
		}
	case c.psdBad != psdOK:
		err = in.psdErr(0, c.psdBad, c.psdAsym, shift)
	case c.checked.Load() < int64(nb):
		// A sample that did not reach its tests (a recovered panic, or no
		// worker): the data errors still come first.
		if derr := in.dataErr(nb, symTol, shift); derr != nil {
			err = derr
		}
	}
	*c = solveCall{}
	solveCalls.Put(c)
	return
}

// solveCall is lpgd_solve's per-sample work over the caller's buffers
// (pooled: solveCalls).
type solveCall struct {
	n, m       int
	intr       ipm.Interrupt
	in         *inputs
	facs       []float64 // factor records (nil: none), fl words each
	fl         int
	xs, ys, ss []float64
	st         []int32
	infos      []float64 // nil: not asked for; cols words per sample
	cols       int
	// psd: the sample tests P for the PSD test (B = 1; symTol and shift
	// are the values' psd_sym_tol and psd_shift); psdBad is its outcome,
	// with the asymmetry psdAsym.
	psd           bool
	symTol, shift float64
	psdBad        psdOutcome
	psdAsym       float64
	// psdPending: sample psdK's PSD test, deferred to its solve's first
	// factorization (CheckXBlock), has no verdict yet; psdScan is its
	// ScanSquare.
	psdPending bool
	psdK       int
	psdScan    linsys.SquareScan
	// nonFinite is set by a sample whose values are not all finite;
	// checked counts the samples whose tests passed.
	nonFinite atomic.Bool
	checked   atomic.Int64
}

var solveCalls = sync.Pool{New: func() any { return new(solveCall) }}

// fail marks sample k's outputs NaN.
func (c *solveCall) fail(k int) {
	nan := math.NaN()
	n, m := c.n, c.m
	for i := k * n; i < (k+1)*n; i++ {
		c.xs[i] = nan
	}
	for i := k * m; i < (k+1)*m; i++ {
		c.ys[i], c.ss[i] = nan, nan
	}
}

func (c *solveCall) sample(w *worker, k int) {
	n, m := c.n, c.m
	if c.facs != nil {
		// Marked invalid until a polished solve writes it; the
		// solver never keeps the caller's buffer past the sample.
		rec := c.facs[k*c.fl : (k+1)*c.fl]
		clear(rec[:min(len(rec), 8)])
		w.slv.SetFactorSink(rec)
		defer w.slv.SetFactorSink(nil)
	}
	if c.nonFinite.Load() {
		// The call fails with a data error: no more work.
		c.st[k] = int32(ipm.StatusUnsolved)
		c.fail(k)
		return
	}
	// The tests come first, whatever the interrupt says: a data error is
	// the call's, as when they ran before it.
	var scan linsys.SquareScan
	var sc *linsys.SquareScan
	if c.psd {
		sc = &scan
	}
	if !c.in.loadChecked(w, k, sc) {
		c.nonFinite.Store(true)
		c.st[k] = int32(ipm.StatusUnsolved)
		c.fail(k)
		return
	}
	if pDiagHook != nil {
		pDiagHook(k, false, w.pDiag)
	}
	// deferPSD: P's factorization test waits for the solve's first
	// factorization, whose x block may certify it (CheckXBlock,
	// psdCertified); the sample counts as checked only once the verdict
	// is known. Only where that factorization is the dense dual form's
	// (XBlockCheckable): elsewhere nothing could certify.
	deferPSD := false
	if c.psd {
		// A P with a zero strictly lower triangle (an LP's ε-ridge) is
		// decided by its n shifted diagonal signs: cheaper than any
		// certificate.
		if n := c.n; scan.Asym <= c.symTol*scan.Scale && n >= psdCertMin && n < psdCertMax &&
			!scan.LowerZero && w.slv.XBlockCheckable() && diagShiftPositive(c.in.p.at(k), n, c.shift, scan) {
			deferPSD = true
		} else if !c.testPSD(k, scan) {
			return
		}
	}
	if !deferPSD {
		c.checked.Add(1)
	}
	if stop := c.intr.Stopped(); stop != ipm.StatusUnsolved {
		// Cancelled or out of time before this sample started.
		if deferPSD {
			if !c.testPSD(k, scan) {
				return
			}
			c.checked.Add(1)
		}
		c.st[k] = int32(stop)
		c.fail(k)
		return
	}
	w.result.X = c.xs[k*n : (k+1)*n]
	w.result.Y = part(c.ys, k, m)
	w.result.S = part(c.ss, k, m)
	if w.result.Y == nil {
		w.result.Y, w.result.S = []float64{}, []float64{}
	}
	w.slv.SetProx(0)
	w.slv.SetInterrupt(c.intr)
	if deferPSD {
		c.psdK, c.psdScan, c.psdPending = k, scan, true
		w.slv.SetXBlockCheck(c)
	}
	w.slv.Solve(&w.vals, &w.result)
	w.slv.SetInterrupt(ipm.Interrupt{})
	if deferPSD {
		if c.psdPending {
			// The solve ended before its check (its first
			// factorization failed): the explicit test.
			psdCheckCount.Add(1)
			c.decidePSD()
		}
		if c.psdBad != psdOK {
			psdRejectIters.Add(int64(w.result.Info.Iter))
			c.rejectPSD(k)
			return
		}
	}
	c.st[k] = int32(w.result.Info.Status)
	if c.infos != nil {
		r := c.infos[k*c.cols : (k+1)*c.cols]
		inf := w.result.Info
		r[C.LPGD_INFO_ITER] = float64(inf.Iter)
		r[C.LPGD_INFO_PRIMAL_OBJ] = inf.PObj
		r[C.LPGD_INFO_DUAL_OBJ] = inf.DObj
		r[C.LPGD_INFO_RES_PRIMAL] = inf.ResPrimal
		r[C.LPGD_INFO_RES_DUAL] = inf.ResDual
		r[C.LPGD_INFO_GAP_ABS] = inf.GapAbs
		r[C.LPGD_INFO_GAP_REL] = inf.GapRel
		r[C.LPGD_INFO_POLISHED] = 0
		if inf.Polished {
			r[C.LPGD_INFO_POLISHED] = 1
		}
		r[C.LPGD_INFO_TOLERANCE] = float64(inf.Tolerance)
	}
}

// testPSD runs the explicit PSD test of sample k's P (inputs.psdTest on
// scan, its ScanSquare) and records a failure (psdBad, psdAsym, the
// sample's status and outputs); it reports whether P passed.
func (c *solveCall) testPSD(k int, scan linsys.SquareScan) bool {
	c.psdBad, c.psdAsym = c.in.psdTest(k, c.symTol, c.shift, scan)
	if c.psdBad == psdOK {
		return true
	}
	c.st[k] = int32(ipm.StatusUnsolved)
	c.fail(k)
	return false
}

// CheckXBlock is ipm.XBlockChecker for the deferred PSD test of sample
// c.psdK's P (sample, B = 1): called by the solve at its first
// factorization, right after the x block's LDLᵀ (or its refusal), it takes
// the verdict from psdCertified on the factored x block x (ok), else from
// the explicit test, and stops the solve when P is rejected — before the
// rows' factorization and any iteration, so that a P that is not PSD costs
// about what the explicit test alone did, not a solve of a non-convex
// problem, and the solve writes no factor record.
func (c *solveCall) CheckXBlock(x, dScale []float64, k float64, ok bool) bool {
	psdCheckCount.Add(1)
	debugCheckPanic()
	if ok && psdCertified(c.in.p.at(c.psdK), c.n, c.shift, c.psdScan, x, dScale, k) {
		psdCertCount.Add(1)
		c.psdPending = false
		c.checked.Add(1)
		return true
	}
	return c.decidePSD()
}

// decidePSD runs the explicit test of a pending deferred PSD test
// (psdBad, psdAsym; the sample counts as checked when P passes) and
// reports whether P passed; the caller records a rejection (rejectPSD).
func (c *solveCall) decidePSD() bool {
	c.psdBad, c.psdAsym = c.in.psdTest(c.psdK, c.symTol, c.shift, c.psdScan)
	c.psdPending = false
	if c.psdBad != psdOK {
		return false
	}
	c.checked.Add(1)
	return true
}

// rejectPSD records sample k's rejected P as the test before the solve
// did: status StatusUnsolved, NaN solutions, the factor record's header
// cleared (the solve wrote only its invalid header there: it stopped
// before any polish), the info row untouched.
func (c *solveCall) rejectPSD(k int) {
	c.st[k] = int32(ipm.StatusUnsolved)
	c.fail(k)
	if c.facs != nil {
		rec := c.facs[k*c.fl : (k+1)*c.fl]
		clear(rec[:min(len(rec), 8)])
	}
}

// Counters for the tests: psdCertCount counts the PSD tests of P decided
// by psdCertified (that the certificate serves the instances it should),
// psdCheckCount the deferred tests decided at the solve's first
// factorization (CheckXBlock, or after a solve that failed it), and
// psdRejectIters the interior-point iterations run by the solves of
// samples whose deferred test rejected P (none: the check stops them).
var psdCertCount, psdCheckCount, psdRejectIters atomic.Int64

func (c *solveCall) panicked(k int, _ any) {
	c.st[k] = int32(ipm.StatusInternalError)
	if c.facs != nil {
		clear(c.facs[k*c.fl : k*c.fl+min(c.fl, 8)])
	}
	c.fail(k)
}

//export lpgd_backward
func lpgd_backward(h C.uint64_t, cset *C.lpgd_settings, copts *C.lpgd_backward_opts, cbatch C.int64_t,
	values *C.lpgd_values, fwd *C.lpgd_solution, inc *C.lpgd_incoming, out *C.lpgd_gradients,
	errBuf *C.char, errLen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, errBuf, errLen)
	debugExportPanic()
	s, err := lookup(h)
	if err != nil {
		return
	}
	set, err := settingsFromC(cset)
	if err != nil {
		return
	}
	intr, err := interruptFromC(cset, set)
	if err != nil {
		return
	}
	opt, err := optionsFromC(copts)
	if err != nil {
		return
	}
	if err = opt.CheckCones(s.an.St.Cones); err != nil {
		return
	}
	if cbatch <= 0 {
		err = argErr("batch must be positive, got %d", cbatch)
		return
	}
	nb := int(cbatch)
	n, m := s.st.N, s.st.M
	if fwd == nil || inc == nil || out == nil {
		err = argErr("forward, incoming and out must not be NULL")
		return
	}
	if fwd.x == nil || inc.gx == nil || out.status == nil || (m > 0 && (fwd.y == nil || fwd.s == nil)) {
		err = argErr("forward.x, forward.y, forward.s, incoming.gx and out.status must not be NULL")
		return
	}
	if out.block_major != 0 && s.aLayout != layoutDense {
		err = argErr("gradients.block_major needs a DENSE A layout")
		return
	}
	// The batched values' finiteness (at B = 1 the shared ones' too) is
	// checked per sample, in the pool (sample), and reported after it
	// (nonFinite); a non-finite value is still the call's error before
	// any found after reading them (a short factor_len, a non-finite
	// incoming gradient, a sample that failed before its tests), as in
	// lpgd_solve: those paths ask finiteErr first, the clean path pays
	// nothing for it.
	in, err := s.readInputsDeferred(nb, values)
	if err != nil {
		return
	}
	defer in.release()
	dataFirst := func() {
		if derr := in.finiteErr(nb); derr != nil {
			err = derr
		}
	}
	xs, ys, ss := outSlice(fwd.x, nb*n), outSlice(fwd.y, nb*m), outSlice(fwd.s, nb*m)
	facs, recLen, err := s.factorRecords(fwd, nb)
	if err != nil {
		dataFirst()
		return
	}
	gxs, gys, gss := outSlice(inc.gx, nb*n), outSlice(inc.gy, nb*m), outSlice(inc.gs, nb*m)
	for _, chk := range []struct {
		name string
		v    []float64
		size int
	}{{"gx", gxs, n}, {"gy", gys, m}, {"gs", gss, m}} {
		op := operand{name: chk.name, data: chk.v, size: chk.size, stride: chk.size}
		if err = op.checkFinite(nb); err != nil {
			dataFirst()
			return
		}
	}
	pSize, aSize := s.pSize(), s.aSize()
	gPs, gcs := outSlice(out.gP, nb*pSize), outSlice(out.gc, nb*n)
	gAs, gbs := outSlice(out.gA, nb*aSize), outSlice(out.gb, nb*m)
	var inSt []int32
	if fwd.status != nil {
		inSt = unsafe.Slice((*int32)(unsafe.Pointer(fwd.status)), nb)
	}
	outSt := unsafe.Slice((*int32)(unsafe.Pointer(out.status)), nb)
	var fl []int32
	if out.flags != nil {
		fl = unsafe.Slice((*int32)(unsafe.Pointer(out.flags)), nb)
	}
	statCols := int(C.LPGD_BSTAT_COLS)
	stats := outSlice(out.stats, nb*statCols)
	// A pooled call is zero (reset before backwardCalls.Put): its fields
	// are set in place. A composite literal assigned to *c built the
	// 776-byte struct on the stack and copied it (~480 instructions of a
	// ~20k-instruction B = 1 backward at QP 10×5).
	c := backwardCalls.Get().(*backwardCall)
	c.s, c.n, c.m, c.set, c.opt, c.intr, c.in = s, n, m, set, opt, intr, in
	c.xs, c.ys, c.ss, c.facs, c.recLen = xs, ys, ss, facs, recLen
	c.gxs, c.gys, c.gss = gxs, gys, gss
	c.pSize, c.aSize, c.gPs, c.gcs, c.gAs, c.gbs = pSize, aSize, gPs, gcs, gAs, gbs
	c.inSt, c.outSt, c.fl, c.stats, c.statCols, c.firstK = inSt, outSt, fl, stats, statCols, -1
	c.nb, c.blockMajor = nb, out.block_major != 0 && nb > 1 && len(in.blocks) > 1
	err = s.run(nb, set, c)
	switch {
	case c.nonFinite.Load():
		// The call's data error, as finiteErr names it (the first
		// non-finite entry in argument order); the outputs are not
		// meaningful, as after any call error.
		if err = in.finiteErr(nb); err == nil {
			err = &callError{codeData, "non-finite values (changed during the call)"}
		}
	case c.checked.Load() < int64(nb):
		// A sample that did not reach its tests (a recovered panic, or a
		// failed run): a data error still comes first.
		dataFirst()
	}
	if err == nil && c.firstK >= 0 {
		// Success with per-sample failures: report the first message.
		writeErr(errBuf, errLen, fmt.Sprintf("batch element %d: %s", c.firstK, c.firstMsg))
	}
	*c = backwardCall{}
	backwardCalls.Put(c)
	return
}

// backwardCall is lpgd_backward's per-sample work over the caller's
// buffers (pooled: backwardCalls).
type backwardCall struct {
	s                  *structure
	n, m               int
	set                ipm.Settings
	opt                diff.Options
	intr               ipm.Interrupt
	in                 *inputs
	xs, ys, ss         []float64
	facs               []float64
	recLen             int
	gxs, gys, gss      []float64
	pSize, aSize       int
	gPs, gcs, gAs, gbs []float64
	inSt, outSt, fl    []int32
	stats              []float64
	statCols           int
	// nb is the batch; blockMajor: gA (dense) and gb are written block by
	// block (lpgd_gradients.block_major, with several blocks and samples:
	// otherwise the layouts coincide).
	nb         int
	blockMajor bool

	msgMu    sync.Mutex
	firstMsg string // the message of the lowest failed sample, firstK (−1: none)
	firstK   int
	// nonFinite is set by a sample whose values are not all finite (the
	// call then fails with finiteErr's data error); checked counts the
	// samples whose values were tested finite.
	nonFinite atomic.Bool
	checked   atomic.Int64
}

var backwardCalls = sync.Pool{New: func() any { return new(backwardCall) }}

// zero clears sample k's gradients.
func (c *backwardCall) zero(k int) {
	clear(part(c.gPs, k, c.pSize))
	clear(part(c.gcs, k, c.n))
	if !c.blockMajor {
		clear(part(c.gAs, k, c.aSize))
		clear(part(c.gbs, k, c.m))
		return
	}
	for bi := range c.in.blocks {
		blk := &c.in.blocks[bi]
		if c.gAs != nil {
			clear(c.aBlock(k, blk))
		}
		if c.gbs != nil {
			clear(c.bBlock(k, blk))
		}
	}
}

// aBlock is sample k's rows of row block blk in a block-major dense gA:
// the block's batch×rows×n region starts at batch·n·r0.
func (c *backwardCall) aBlock(k int, blk *rowBlock) []float64 {
	size := blk.rows * c.n
	off := c.nb*c.n*blk.r0 + k*size
	return c.gAs[off : off+size : off+size]
}

// bBlock is sample k's entries of row block blk in a block-major gb.
func (c *backwardCall) bBlock(k int, blk *rowBlock) []float64 {
	off := c.nb*blk.r0 + k*blk.rows
	return c.gbs[off : off+blk.rows : off+blk.rows]
}

// denseA is where sample k's dense ∂A goes (diff.Grad.DenseA): its part of
// gA, or its rows of each block's region (block-major), in the worker's
// slice of slices.
func (c *backwardCall) denseA(w *worker, k int) [][]float64 {
	rows := w.aRows[:0]
	if !c.blockMajor {
		rows = append(rows, part(c.gAs, k, c.aSize))
	} else {
		for bi := range c.in.blocks {
			rows = append(rows, c.aBlock(k, &c.in.blocks[bi]))
		}
	}
	w.aRows = rows
	return rows
}

// note records msg for sample k when it is the lowest failed sample.
func (c *backwardCall) note(k int, msg string) {
	c.msgMu.Lock()
	if c.firstK < 0 || k < c.firstK {
		c.firstK, c.firstMsg = k, msg
	}
	c.msgMu.Unlock()
}

func (c *backwardCall) sample(w *worker, k int) {
	s, n, m := c.s, c.n, c.m
	if c.fl != nil {
		c.fl[k] = 0
	}
	if r := part(c.stats, k, c.statCols); r != nil {
		clear(r)
	}
	if c.nonFinite.Load() {
		// The call fails with a data error (finiteErr searches every
		// sample): no more work, and nothing more to test.
		return
	}
	// Every sample is tested, whatever its status: a non-finite value is
	// the call's error (readInputsDeferred), not the sample's. A sample
	// to differentiate is tested by the pass that loads it.
	skip, st := false, int32(0) // a sample not to differentiate, and its status
	if c.inSt != nil && !c.set.Accepts(ipm.Status(c.inSt[k])) {
		skip, st = true, c.inSt[k]
	} else if stop := c.intr.Stopped(); stop != ipm.StatusUnsolved {
		// Cancelled or out of time before this sample started.
		skip, st = true, int32(stop)
	}
	var finite bool
	if skip {
		finite = c.in.sampleFinite(k)
	} else {
		finite = c.in.loadChecked(w, k, nil)
	}
	if !finite {
		c.nonFinite.Store(true)
		c.outSt[k] = int32(diff.StatusBackwardFailed)
		c.zero(k)
		return
	}
	c.checked.Add(1)
	if skip {
		c.outSt[k] = st
		c.zero(k)
		return
	}
	sol := diff.Solution{X: part(c.xs, k, n), Y: part(c.ys, k, m), S: part(c.ss, k, m), Factor: part(c.facs, k, c.recLen)}
	if sol.Y == nil {
		sol.Y, sol.S = []float64{}, []float64{}
	}
	incoming := diff.Incoming{X: part(c.gxs, k, n), Y: part(c.gys, k, m), S: part(c.gss, k, m)}
	// Dense ∂P and ∂A are written by diff in place, row-major, in their
	// final layout (no pattern-form pass and no scatter); a CSC layout's
	// on the worker's buffers, copied after.
	g := diff.Grad{C: part(c.gcs, k, n), B: part(c.gbs, k, m)}
	if c.blockMajor && c.gbs != nil {
		g.B = w.grad.B
	}
	if c.gPs != nil && s.hasP {
		if s.pLayout == layoutDense {
			g.DenseP = part(c.gPs, k, c.pSize)
		} else {
			g.P = w.grad.P
		}
	}
	if c.gAs != nil {
		if s.aLayout == layoutDense {
			g.DenseA = c.denseA(w, k)
		} else {
			g.A = w.grad.A
		}
	}
	w.ws.SetInterrupt(c.intr)
	w.ws.SetPDiagonal(w.pDiag)
	if pDiagHook != nil {
		pDiagHook(k, true, w.ws.PDiagonal())
	}
	f, berr := w.ws.Backward(&w.vals, sol, incoming, &c.opt, &g)
	w.ws.SetPDiagonal(false)
	w.ws.SetInterrupt(ipm.Interrupt{})
	clear(w.aRows) // the caller's memory, not kept past the call
	if c.fl != nil {
		c.fl[k] = int32(f)
	}
	if r := part(c.stats, k, c.statCols); r != nil {
		ls := w.ws.LastStats()
		r[C.LPGD_BSTAT_CHANGES] = float64(ls.Changes)
		r[C.LPGD_BSTAT_WARM_SOLVES] = float64(ls.WarmSolves)
		r[C.LPGD_BSTAT_IPM_SOLVES] = float64(ls.IPMSolves)
		r[C.LPGD_BSTAT_FACTOR_SOLVES] = float64(ls.FactorSolves)
		r[C.LPGD_BSTAT_TAU] = ls.Tau
	}
	if berr != nil {
		// The target is the worker's field (one goroutine each): a local
		// would be allocated on every sample, failed or not.
		w.stopped = nil
		if errors.As(berr, &w.stopped) {
			c.outSt[k] = int32(w.stopped.Status)
			c.zero(k)
			return
		}
		c.outSt[k] = int32(diff.StatusBackwardFailed)
		c.zero(k)
		c.note(k, berr.Error())
		return
	}
	c.outSt[k] = int32(ipm.StatusSolved)
	if c.inSt != nil {
		c.outSt[k] = c.inSt[k]
	}
	if g.P != nil {
		copy(part(c.gPs, k, c.pSize), g.P)
	}
	if g.A != nil {
		copy(part(c.gAs, k, c.aSize), g.A)
	}
	if c.blockMajor && g.B != nil {
		for bi := range c.in.blocks {
			blk := &c.in.blocks[bi]
			copy(c.bBlock(k, blk), g.B[blk.r0:blk.r0+blk.rows])
		}
	}
}

func (c *backwardCall) panicked(k int, r any) {
	c.outSt[k] = int32(ipm.StatusInternalError)
	c.zero(k)
	c.note(k, fmt.Sprintf("internal error (recovered panic): %v", r))
}

// factorRecords is sol's factor buffer (lpgd_solution.factor: batch
// records of factor_len words) and its per-sample length; nil when absent or
// when this structure's solves never write a record. A factor_len shorter
// than the structure's (lpgd_sizes.factor_len) is an argument error.
func (s *structure) factorRecords(sol *C.lpgd_solution, nb int) ([]float64, int, error) {
	if sol.factor == nil || sol.factor_len == 0 || s.factorLen == 0 {
		return nil, 0, nil
	}
	fl := int64(sol.factor_len)
	if fl < int64(s.factorLen) || fl > math.MaxInt64/8/int64(nb) {
		return nil, 0, argErr("factor_len is %d, want at least %d (lpgd_sizes.factor_len) and batch*factor_len addressable", fl, s.factorLen)
	}
	return outSlice(sol.factor, nb*int(fl)), int(fl), nil
}
