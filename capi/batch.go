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

// batchArray is a caller buffer holding `batch` arrays of `size` doubles
// spaced `stride` apart (stride 0: one array shared by all).
type batchArray struct {
	name   string
	data   []float64
	size   int
	stride int
}

func newBatchArray(name string, p *C.double, size int, stride C.int64_t, batch int, required bool) (batchArray, error) {
	a := batchArray{name: name, size: size, stride: int(stride)}
	if stride < 0 {
		return a, argErr("%s: negative batch stride %d", name, stride)
	}
	if size == 0 {
		return a, nil
	}
	if p == nil {
		if required {
			return a, argErr("%s is NULL", name)
		}
		return a, nil
	}
	if a.stride != 0 && a.stride < size {
		return a, argErr("%s: batch stride %d is smaller than the array size %d", name, stride, size)
	}
	n := size
	if a.stride > 0 {
		n = (batch-1)*a.stride + size
	}
	a.data = unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
	return a, nil
}

// at returns element k's array (nil when absent).
func (a *batchArray) at(k int) []float64 {
	if a.data == nil {
		return nil
	}
	o := k * a.stride
	return a.data[o : o+a.size]
}

// checkFinite reports the first non-finite entry, naming the batch element
// and the index (row, column for dense matrices with cols > 0).
func (a *batchArray) checkFinite(batch, cols int) error {
	if a.data == nil {
		return nil
	}
	count := batch
	if a.stride == 0 {
		count = 1
	}
	for k := 0; k < count; k++ {
		for i, v := range a.at(k) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				where := fmt.Sprintf("batch element %d", k)
				if a.stride == 0 {
					where = "shared across the batch"
				}
				idx := fmt.Sprintf("[%d]", i)
				if cols > 0 {
					idx = fmt.Sprintf("[%d, %d]", i/cols, i%cols)
				}
				return &callError{codeData, fmt.Sprintf("%s%s = %v is not finite (%s)", a.name, idx, v, where)}
			}
		}
	}
	return nil
}

// inputs are the problem data of one call.
type inputs struct {
	s          *structure
	p, c, a, b batchArray
}

func (s *structure) readInputs(batch int, P *C.double, ps C.int64_t, c *C.double, cs C.int64_t,
	A *C.double, as C.int64_t, b *C.double, bs C.int64_t) (*inputs, error) {
	in := &inputs{s: s}
	var err error
	if in.p, err = newBatchArray("P", P, s.pSize(), ps, batch, true); err != nil {
		return nil, err
	}
	if in.c, err = newBatchArray("c", c, s.st.N, cs, batch, true); err != nil {
		return nil, err
	}
	if in.a, err = newBatchArray("A", A, s.aSize(), as, batch, true); err != nil {
		return nil, err
	}
	if in.b, err = newBatchArray("b", b, s.st.M, bs, batch, true); err != nil {
		return nil, err
	}
	pc, ac := 0, 0
	if s.pLayout == layoutDense {
		pc = s.st.N
	}
	if s.aLayout == layoutDense {
		ac = s.st.N
	}
	for _, chk := range []struct {
		a    *batchArray
		cols int
	}{{&in.p, pc}, {&in.c, 0}, {&in.a, ac}, {&in.b, 0}} {
		if err := chk.a.checkFinite(batch, chk.cols); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// load fills w.vals with element k's values (gathering dense layouts).
func (in *inputs) load(w *worker, k int) {
	s := in.s
	switch {
	case !s.hasP:
	case s.pLayout == layoutDense:
		s.st.GatherDenseP(w.vals.P, in.p.at(k))
	default:
		copy(w.vals.P, in.p.at(k))
	}
	if s.aLayout == layoutDense {
		s.st.GatherDenseA(w.vals.A, in.a.at(k))
	} else {
		copy(w.vals.A, in.a.at(k))
	}
	w.vals.C = in.c.at(k)
	w.vals.B = in.b.at(k)
	if w.vals.B == nil {
		w.vals.B = []float64{}
	}
}

// runBatch runs fn over the batch with a static partition over goroutines,
// each with its own worker and a recover per sample (a panic marks that
// sample with StatusInternalError via onPanic and the batch goes on).
func (s *structure) runBatch(batch int, set ipm.Settings, fn func(w *worker, k int), onPanic func(k int, r any)) error {
	t := threads()
	if t > batch {
		t = batch
	}
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	// Chunk 0 runs on the calling goroutine: a small batch then needs no
	// other thread to be woken (that costs tens of microseconds).
	for g := t - 1; g >= 0; g-- {
		lo, hi := g*batch/t, (g+1)*batch/t
		wg.Add(1)
		run := func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errMu.Lock()
					if firstErr == nil {
						firstErr = &callError{codeInternal, fmt.Sprintf("internal error (recovered panic in worker): %v", r)}
					}
					errMu.Unlock()
				}
			}()
			w, err := s.getWorker(set)
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				return
			}
			healthy := true
			for k := lo; k < hi; k++ {
				func() {
					defer func() {
						if r := recover(); r != nil {
							healthy = false
							onPanic(k, r)
						}
					}()
					debugWorkerPanic(k)
					fn(w, k)
				}()
				if !healthy {
					// A panic may have left the workspace inconsistent:
					// replace it.
					if w, err = s.freshWorker(set); err != nil {
						return
					}
					healthy = true
				}
			}
			s.putWorker(w)
		}
		if g == 0 {
			run()
		} else {
			go run()
		}
	}
	wg.Wait()
	return firstErr
}

func (s *structure) freshWorker(set ipm.Settings) (*worker, error) {
	s.mu.Lock()
	saved := s.free
	s.free = nil
	s.mu.Unlock()
	w, err := s.getWorker(set)
	s.mu.Lock()
	s.free = append(s.free, saved...)
	s.mu.Unlock()
	return w, err
}

func outSlice(p *C.double, n int) []float64 {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

//export lpgd_solve
func lpgd_solve(h C.uint64_t, cset *C.lpgd_settings, cbatch C.int64_t,
	P *C.double, ps C.int64_t, c *C.double, cs C.int64_t,
	A *C.double, as C.int64_t, b *C.double, bs C.int64_t,
	x, y, sl *C.double, status *C.int32_t, info *C.double,
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
	if cbatch <= 0 {
		err = argErr("batch must be positive, got %d", cbatch)
		return
	}
	batch := int(cbatch)
	n, m := s.st.N, s.st.M
	if x == nil || status == nil || (m > 0 && (y == nil || sl == nil)) {
		err = argErr("output buffers x, y, s and status must not be NULL")
		return
	}
	in, err := s.readInputs(batch, P, ps, c, cs, A, as, b, bs)
	if err != nil {
		return
	}
	xs := outSlice(x, batch*n)
	ys := outSlice(y, batch*m)
	ss := outSlice(sl, batch*m)
	st := unsafe.Slice((*int32)(unsafe.Pointer(status)), batch)
	infos := outSlice(info, batch*int(C.LPGD_INFO_COLS))
	cols := int(C.LPGD_INFO_COLS)
	nan := math.NaN()
	err = s.runBatch(batch, set, func(w *worker, k int) {
		in.load(w, k)
		w.result.X = xs[k*n : (k+1)*n]
		w.result.Y = ys[k*m : (k+1)*m]
		w.result.S = ss[k*m : (k+1)*m]
		if w.result.Y == nil {
			w.result.Y, w.result.S = []float64{}, []float64{}
		}
		w.slv.SetProx(0)
		w.slv.Solve(&w.vals, &w.result)
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
		}
	}, func(k int, r any) {
		st[k] = int32(ipm.StatusInternalError)
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
	P *C.double, ps C.int64_t, c *C.double, cs C.int64_t,
	A *C.double, as C.int64_t, b *C.double, bs C.int64_t,
	x, y, sl *C.double, inStatus *C.int32_t,
	gx, gy, gs *C.double,
	gP, gc, gA, gb *C.double,
	outStatus *C.int32_t, flags *C.int32_t,
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
	opt, err := optionsFromC(copts)
	if err != nil {
		return
	}
	if opt.Method == diff.MethodBPQP && !s.an.Polyhedral() {
		err = fmt.Errorf("%w: BPQP supports zero and nonnegative cones only; use backward=\"kkt\" or LPGD for second-order cones", diff.ErrUnsupported)
		return
	}
	if cbatch <= 0 {
		err = argErr("batch must be positive, got %d", cbatch)
		return
	}
	batch := int(cbatch)
	n, m := s.st.N, s.st.M
	if x == nil || gx == nil || outStatus == nil || (m > 0 && (y == nil || sl == nil)) {
		err = argErr("x, y, s, gx and out_status must not be NULL")
		return
	}
	in, err := s.readInputs(batch, P, ps, c, cs, A, as, b, bs)
	if err != nil {
		return
	}
	xs, ys, ss := outSlice(x, batch*n), outSlice(y, batch*m), outSlice(sl, batch*m)
	gxs, gys, gss := outSlice(gx, batch*n), outSlice(gy, batch*m), outSlice(gs, batch*m)
	for _, chk := range []struct {
		name string
		v    []float64
		size int
	}{{"gx", gxs, n}, {"gy", gys, m}, {"gs", gss, m}} {
		ba := batchArray{name: chk.name, data: chk.v, size: chk.size, stride: chk.size}
		if err = ba.checkFinite(batch, 0); err != nil {
			return
		}
	}
	pSize, aSize := s.pSize(), s.aSize()
	gPs, gcs := outSlice(gP, batch*pSize), outSlice(gc, batch*n)
	gAs, gbs := outSlice(gA, batch*aSize), outSlice(gb, batch*m)
	var inSt []int32
	if inStatus != nil {
		inSt = unsafe.Slice((*int32)(unsafe.Pointer(inStatus)), batch)
	}
	outSt := unsafe.Slice((*int32)(unsafe.Pointer(outStatus)), batch)
	var fl []int32
	if flags != nil {
		fl = unsafe.Slice((*int32)(unsafe.Pointer(flags)), batch)
	}
	part := func(v []float64, k, size int) []float64 {
		if v == nil {
			return nil
		}
		return v[k*size : (k+1)*size]
	}
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
	err = s.runBatch(batch, set, func(w *worker, k int) {
		if fl != nil {
			fl[k] = 0
		}
		if inSt != nil && !ipm.Status(inSt[k]).OK() {
			outSt[k] = inSt[k]
			zero(k)
			return
		}
		in.load(w, k)
		sol := diff.Solution{X: part(xs, k, n), Y: part(ys, k, m), S: part(ss, k, m)}
		if sol.Y == nil {
			sol.Y, sol.S = []float64{}, []float64{}
		}
		inc := diff.Incoming{X: part(gxs, k, n), Y: part(gys, k, m), S: part(gss, k, m)}
		g := diff.Grad{C: part(gcs, k, n), B: part(gbs, k, m)}
		if gPs != nil && s.hasP {
			g.P = w.grad.P
		}
		if gAs != nil {
			g.A = w.grad.A
		}
		f, berr := w.ws.Backward(&w.vals, sol, inc, &opt, &g)
		if fl != nil {
			fl[k] = int32(f)
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

var _ = errors.Is
