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
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
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
	in, err := s.readInputs(nb, values)
	if err != nil {
		return
	}
	if err = in.checkValuesPSD(nb, float64(values.psd_sym_tol), float64(values.psd_shift)); err != nil {
		return
	}
	xs := outSlice(out.x, nb*n)
	ys := outSlice(out.y, nb*m)
	ss := outSlice(out.s, nb*m)
	st := unsafe.Slice((*int32)(unsafe.Pointer(out.status)), nb)
	cols := int(C.LPGD_INFO_COLS)
	infos := outSlice(out.info, nb*cols)
	facs, fl, err := s.factorRecords(out, nb)
	if err != nil {
		return
	}
	nan := math.NaN()
	err = s.run(nb, set, func(w *worker, k int) {
		if facs != nil {
			// Marked invalid until a polished solve writes it; the
			// solver never keeps the caller's buffer past the sample.
			rec := facs[k*fl : (k+1)*fl]
			clear(rec[:min(len(rec), 8)])
			w.slv.SetFactorSink(rec)
			defer w.slv.SetFactorSink(nil)
		}
		if stop := intr.Stopped(); stop != ipm.StatusUnsolved {
			// Cancelled or out of time before this sample started.
			st[k] = int32(stop)
			for i := k * n; i < (k+1)*n; i++ {
				xs[i] = nan
			}
			for i := k * m; i < (k+1)*m; i++ {
				ys[i], ss[i] = nan, nan
			}
			return
		}
		in.load(w, k)
		w.result.X = xs[k*n : (k+1)*n]
		w.result.Y = part(ys, k, m)
		w.result.S = part(ss, k, m)
		if w.result.Y == nil {
			w.result.Y, w.result.S = []float64{}, []float64{}
		}
		w.slv.SetProx(0)
		w.slv.SetInterrupt(intr)
		w.slv.Solve(&w.vals, &w.result)
		w.slv.SetInterrupt(ipm.Interrupt{})
		st[k] = int32(w.result.Info.Status)
		if infos != nil {
			r := infos[k*cols : (k+1)*cols]
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
	}, func(k int, r any) {
		st[k] = int32(ipm.StatusInternalError)
		if facs != nil {
			clear(facs[k*fl : k*fl+min(fl, 8)])
		}
		for i := k * n; i < (k+1)*n; i++ {
			xs[i] = nan
		}
		for i := k * m; i < (k+1)*m; i++ {
			ys[i], ss[i] = nan, nan
		}
	})
	return
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
	in, err := s.readInputs(nb, values)
	if err != nil {
		return
	}
	xs, ys, ss := outSlice(fwd.x, nb*n), outSlice(fwd.y, nb*m), outSlice(fwd.s, nb*m)
	facs, recLen, err := s.factorRecords(fwd, nb)
	if err != nil {
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
	zero := func(k int) {
		for _, o := range [][]float64{part(gPs, k, pSize), part(gcs, k, n), part(gAs, k, aSize), part(gbs, k, m)} {
			for i := range o {
				o[i] = 0
			}
		}
	}
	var msgMu sync.Mutex
	firstMsg := ""
	firstK := -1
	note := func(k int, msg string) {
		msgMu.Lock()
		if firstK < 0 || k < firstK {
			firstK, firstMsg = k, msg
		}
		msgMu.Unlock()
	}
	err = s.run(nb, set, func(w *worker, k int) {
		if fl != nil {
			fl[k] = 0
		}
		if r := part(stats, k, statCols); r != nil {
			for i := range r {
				r[i] = 0
			}
		}
		if inSt != nil && !set.Accepts(ipm.Status(inSt[k])) {
			outSt[k] = inSt[k]
			zero(k)
			return
		}
		if stop := intr.Stopped(); stop != ipm.StatusUnsolved {
			// Cancelled or out of time before this sample started.
			outSt[k] = int32(stop)
			zero(k)
			return
		}
		in.load(w, k)
		sol := diff.Solution{X: part(xs, k, n), Y: part(ys, k, m), S: part(ss, k, m), Factor: part(facs, k, recLen)}
		if sol.Y == nil {
			sol.Y, sol.S = []float64{}, []float64{}
		}
		incoming := diff.Incoming{X: part(gxs, k, n), Y: part(gys, k, m), S: part(gss, k, m)}
		g := diff.Grad{C: part(gcs, k, n), B: part(gbs, k, m)}
		if gPs != nil && s.hasP {
			g.P = w.grad.P
		}
		if gAs != nil {
			g.A = w.grad.A
		}
		w.ws.SetInterrupt(intr)
		f, berr := w.ws.Backward(&w.vals, sol, incoming, &opt, &g)
		w.ws.SetInterrupt(ipm.Interrupt{})
		if fl != nil {
			fl[k] = int32(f)
		}
		if r := part(stats, k, statCols); r != nil {
			ls := w.ws.LastStats()
			r[C.LPGD_BSTAT_CHANGES] = float64(ls.Changes)
			r[C.LPGD_BSTAT_WARM_SOLVES] = float64(ls.WarmSolves)
			r[C.LPGD_BSTAT_IPM_SOLVES] = float64(ls.IPMSolves)
			r[C.LPGD_BSTAT_FACTOR_SOLVES] = float64(ls.FactorSolves)
			r[C.LPGD_BSTAT_TAU] = ls.Tau
		}
		var stopped *diff.StoppedError
		if errors.As(berr, &stopped) {
			outSt[k] = int32(stopped.Status)
			zero(k)
			return
		}
		if berr != nil {
			outSt[k] = int32(diff.StatusBackwardFailed)
			zero(k)
			note(k, berr.Error())
			return
		}
		outSt[k] = int32(ipm.StatusSolved)
		if inSt != nil {
			outSt[k] = inSt[k]
		}
		if g.P != nil {
			if s.pLayout == layoutDense {
				s.st.ScatterDenseP(part(gPs, k, pSize), g.P)
			} else {
				copy(part(gPs, k, pSize), g.P)
			}
		}
		if g.A != nil {
			if s.aLayout == layoutDense {
				s.st.ScatterDenseA(part(gAs, k, aSize), g.A)
			} else {
				copy(part(gAs, k, aSize), g.A)
			}
		}
	}, func(k int, r any) {
		outSt[k] = int32(ipm.StatusInternalError)
		zero(k)
		note(k, fmt.Sprintf("internal error (recovered panic): %v", r))
	})
	if err == nil && firstK >= 0 {
		// Success with per-sample failures: report the first message.
		writeErr(errBuf, errLen, fmt.Sprintf("batch element %d: %s", firstK, firstMsg))
	}
	return
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
