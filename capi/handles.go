package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// structure is what a handle refers to: an analysed problem structure, the
// layouts of P and A, and a pool of per-worker workspaces reused across
// calls (so that a batch allocates nothing after warm-up).
type structure struct {
	st      *problem.Structure
	an      *kkt.Analysis
	hasP    bool
	pLayout int32
	aLayout int32

	mu   sync.Mutex
	free []*worker
}

// worker is the memory one goroutine needs: a forward solver, a backward
// workspace and gather buffers for dense layouts.
type worker struct {
	set    ipm.Settings
	slv    *ipm.Solver
	ws     *diff.Workspace
	vals   problem.Values
	grad   diff.Grad
	result ipm.Result
}

// pSize and aSize are the per-sample sizes of P and A in their layouts.
func (s *structure) pSize() int {
	if !s.hasP {
		return 0
	}
	if s.pLayout == layoutDense {
		return s.st.N * s.st.N
	}
	return s.st.P.Nnz()
}

func (s *structure) aSize() int {
	if s.aLayout == layoutDense {
		return s.st.M * s.st.N
	}
	return s.st.A.Nnz()
}

// getWorker takes a worker from the pool (or makes one) with the settings.
func (s *structure) getWorker(set ipm.Settings) (*worker, error) {
	s.mu.Lock()
	var w *worker
	if n := len(s.free); n > 0 {
		w = s.free[n-1]
		s.free = s.free[:n-1]
	}
	s.mu.Unlock()
	if w == nil {
		slv, err := ipm.NewSolver(s.an, set)
		if err != nil {
			return nil, err
		}
		ws, err := diff.NewWorkspace(s.an, set)
		if err != nil {
			return nil, err
		}
		st := s.st
		w = &worker{set: set, slv: slv, ws: ws}
		w.vals = problem.Values{P: make([]float64, st.P.Nnz()), A: make([]float64, st.A.Nnz())}
		w.grad = diff.Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
		return w, nil
	}
	if w.set != set {
		if err := w.slv.SetSettings(set); err != nil {
			return nil, err
		}
		if err := w.ws.SetSettings(set); err != nil {
			return nil, err
		}
		w.set = set
	}
	return w, nil
}

func (s *structure) putWorker(w *worker) {
	s.mu.Lock()
	s.free = append(s.free, w)
	s.mu.Unlock()
}

// Handle table. Zero is never a valid handle.
var (
	handleMu   sync.Mutex
	handleNext uint64 = 1
	handles           = map[uint64]*structure{}
)

func lookup(h C.uint64_t) (*structure, error) {
	handleMu.Lock()
	defer handleMu.Unlock()
	s, ok := handles[uint64(h)]
	if !ok {
		return nil, &callError{codeHandle, fmt.Sprintf("invalid or freed handle %d", uint64(h))}
	}
	return s, nil
}

func int64Slice(p *C.int64_t, n int) []int {
	out := make([]int, n)
	if n == 0 {
		return out
	}
	src := unsafe.Slice((*int64)(unsafe.Pointer(p)), n)
	for i, v := range src {
		out[i] = int(v)
	}
	return out
}

func cscFromC(name string, rows, cols int, colptr, rowval *C.int64_t) (problem.CSC, error) {
	if colptr == nil {
		return problem.CSC{}, argErr("%s_colptr is NULL for a CSC layout", name)
	}
	cp := int64Slice(colptr, cols+1)
	nnz := cp[cols]
	if nnz < 0 {
		return problem.CSC{}, argErr("%s_colptr[%d] = %d is negative", name, cols, nnz)
	}
	if nnz > 0 && rowval == nil {
		return problem.CSC{}, argErr("%s_rowval is NULL", name)
	}
	return problem.CSC{Rows: rows, Cols: cols, Colptr: cp, Rowval: int64Slice(rowval, nnz)}, nil
}

//export lpgd_structure_new
func lpgd_structure_new(n, m, zero, nonneg C.int64_t, soc *C.int64_t, nsoc C.int64_t,
	hasP, pLayout C.int32_t, pColptr, pRowval *C.int64_t,
	aLayout C.int32_t, aColptr, aRowval *C.int64_t,
	linearSolver C.int32_t, handleOut *C.uint64_t, errBuf *C.char, errLen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, errBuf, errLen)
	debugExportPanic()
	if handleOut == nil {
		err = argErr("handle_out is NULL")
		return
	}
	*handleOut = 0
	if n <= 0 || m < 0 || zero < 0 || nonneg < 0 || nsoc < 0 {
		err = argErr("invalid sizes n=%d m=%d zero=%d nonneg=%d nsoc=%d", n, m, zero, nonneg, nsoc)
		return
	}
	if nsoc > 0 && soc == nil {
		err = argErr("soc is NULL with nsoc=%d", nsoc)
		return
	}
	if pLayout != layoutCSC && pLayout != layoutDense || aLayout != layoutCSC && aLayout != layoutDense {
		err = argErr("layouts must be 0 (CSC) or 1 (dense), got p_layout=%d a_layout=%d", pLayout, aLayout)
		return
	}
	nn, mm := int(n), int(m)
	cones := problem.Cones{Zero: int(zero), Nonneg: int(nonneg), SOC: int64Slice(soc, int(nsoc))}
	var pp, ap problem.CSC
	switch {
	case hasP == 0:
		pp = problem.EmptyPattern(nn, nn)
	case pLayout == layoutDense:
		pp = problem.UpperPattern(nn)
	default:
		if pp, err = cscFromC("p", nn, nn, pColptr, pRowval); err != nil {
			return
		}
	}
	if aLayout == layoutDense {
		ap = problem.DensePattern(mm, nn)
	} else if ap, err = cscFromC("a", mm, nn, aColptr, aRowval); err != nil {
		return
	}
	st, err := problem.NewStructure(nn, mm, cones, pp, ap)
	if err != nil {
		return
	}
	ls := ipm.LinearSolver(linearSolver)
	if ls < ipm.LinearAuto || ls > ipm.LinearSparse {
		err = &callError{codeSettings, fmt.Sprintf("linear_solver must be 0, 1 or 2, got %d", ls)}
		return
	}
	an, err := kkt.Analyse(st, ls)
	if err != nil {
		return
	}
	s := &structure{st: st, an: an, hasP: hasP != 0, pLayout: int32(pLayout), aLayout: int32(aLayout)}
	handleMu.Lock()
	h := handleNext
	handleNext++
	handles[h] = s
	handleMu.Unlock()
	*handleOut = C.uint64_t(h)
	return
}

//export lpgd_structure_free
func lpgd_structure_free(h C.uint64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	handleMu.Lock()
	defer handleMu.Unlock()
	if _, ok := handles[uint64(h)]; !ok {
		err = &callError{codeHandle, fmt.Sprintf("invalid or freed handle %d", uint64(h))}
		return
	}
	delete(handles, uint64(h))
	return
}

//export lpgd_handle_count
func lpgd_handle_count() C.int64_t {
	handleMu.Lock()
	defer handleMu.Unlock()
	return C.int64_t(len(handles))
}

//export lpgd_structure_info
func lpgd_structure_info(h C.uint64_t, out *C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	s, err := lookup(h)
	if err != nil {
		return
	}
	if out == nil {
		err = argErr("out is NULL")
		return
	}
	o := unsafe.Slice((*int64)(unsafe.Pointer(out)), 5)
	o[0], o[1] = int64(s.st.N), int64(s.st.M)
	o[2], o[3] = int64(s.st.P.Nnz()), int64(s.st.A.Nnz())
	o[4] = 0
	if s.an.Dense {
		o[4] = 1
	}
	return
}
