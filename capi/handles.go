package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/batch"
	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// structure is what a handle refers to: an analysed problem structure, the
// layouts of P and A, and a pool of per-goroutine workers reused across
// calls (so that a batch allocates nothing after warm-up).
type structure struct {
	st      *problem.Structure
	an      *kkt.Analysis
	hasP    bool
	pLayout int64
	aLayout int64
	pool    batch.Pool[*worker]
	// factorLen is ipm.PolishFactorLen: the words per sample of
	// lpgd_solution.factor (0: solves never write a record).
	factorLen int
}

// worker is the memory one goroutine needs: a forward solver, a backward
// workspace, and buffers to gather dense layouts and row blocks into.
type worker struct {
	set    ipm.Settings
	slv    *ipm.Solver
	ws     *diff.Workspace
	vals   problem.Values
	grad   diff.Grad
	result ipm.Result
	b      []float64   // b gathered from several row blocks
	cursor []int       // per-block positions while gathering a CSC A
	aRows  [][]float64 // lpgd_backward's per-block ∂A destinations (diff.Grad.DenseA)
	// pDiag: the last loadChecked without a scan gathered a dense P by
	// GatherDensePDiagonal (every off-diagonal entry +0): lpgd_backward
	// declares it to diff (Workspace.SetPDiagonal).
	pDiag bool
	// stopped is lpgd_backward's errors.As target for this goroutine's
	// sample.
	stopped *diff.StoppedError
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

// newWorker makes a worker for the structure with the settings.
func (s *structure) newWorker(set ipm.Settings) (*worker, error) {
	slv, err := ipm.NewSolver(s.an, set)
	if err != nil {
		return nil, err
	}
	// The backward shares the solver's KKT system (O(n²) for a dense
	// problem): a worker runs one sample at a time.
	ws, err := diff.NewWorkspaceOn(slv.KKT(), set)
	if err != nil {
		return nil, err
	}
	st := s.st
	// The backward's pattern-form buffers: only for CSC layouts (dense ∂P
	// and ∂A are written straight into the caller's output, and ∂c always
	// is); B carries a block-major call's ∂b.
	grad := diff.Grad{B: make([]float64, st.M)}
	if s.pLayout != layoutDense {
		grad.P = make([]float64, st.P.Nnz())
	}
	if s.aLayout != layoutDense {
		grad.A = make([]float64, st.A.Nnz())
	}
	return &worker{
		set: set, slv: slv, ws: ws,
		vals: problem.Values{P: make([]float64, st.P.Nnz()), A: make([]float64, st.A.Nnz())},
		grad: grad,
		b:    make([]float64, st.M),
	}, nil
}

// reset readies a pooled worker for a call with the settings.
func (w *worker) reset(set ipm.Settings) error {
	if w.set == set {
		return nil
	}
	if err := w.slv.SetSettings(set); err != nil {
		return err
	}
	if err := w.ws.SetSettings(set); err != nil {
		return err
	}
	w.set = set
	return nil
}

// sampler is the per-sample work of one call (lpgd_solve's solveCall,
// lpgd_backward's backwardCall).
type sampler interface {
	// sample does the work for sample k on worker w.
	sample(w *worker, k int)
	// panicked handles sample k whose sample panicked with r.
	panicked(k int, r any)
}

// runner is one call's batch job: the structure, settings and sampler it
// runs. Runners are pooled (runners) and their job's funcs are method
// values bound once per runner, so that a call makes no closures: the
// per-call closures were ~8 of the ~23 allocations of a B = 1 solve +
// backward.
type runner struct {
	s   *structure
	set ipm.Settings
	fn  sampler
	job batch.Job[*worker]
}

var runners = sync.Pool{New: func() any {
	r := &runner{}
	r.job = batch.Job[*worker]{New: r.newWorker, Reset: r.reset, Do: r.do, OnPanic: r.onPanic}
	return r
}}

func (r *runner) newWorker() (*worker, error) { return r.s.newWorker(r.set) }
func (r *runner) reset(w *worker) error       { return w.reset(r.set) }
func (r *runner) onPanic(k int, v any)        { r.fn.panicked(k, v) }
func (r *runner) do(w *worker, k int) {
	debugWorkerPanic(k)
	r.fn.sample(w, k)
}

// run runs fn over the batch on the structure's worker pool with the
// settings.
func (s *structure) run(n int, set ipm.Settings, fn sampler) error {
	r := runners.Get().(*runner)
	r.s, r.set, r.fn = s, set, fn
	j := r.job
	j.Batch, j.Threads = n, threads()
	err := s.pool.Run(j)
	r.s, r.fn = nil, nil
	runners.Put(r)
	return err
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

// patternFromC reads a matrix pattern of the description (name "P" or "A").
func patternFromC(name string, pat *C.lpgd_pattern, rows, cols int) (problem.CSC, error) {
	switch pat.layout {
	case layoutNone:
		if name != "P" {
			return problem.CSC{}, argErr("%s.layout: LPGD_LAYOUT_NONE is for P only", name)
		}
		return problem.EmptyPattern(rows, cols), nil
	case layoutDense:
		if name == "P" {
			return problem.UpperPattern(cols), nil
		}
		return problem.DensePattern(rows, cols), nil
	case layoutCSC:
	default:
		return problem.CSC{}, argErr("%s.layout must be LPGD_LAYOUT_CSC (0), DENSE (1) or NONE (2, P only), got %d", name, pat.layout)
	}
	if pat.colptr == nil {
		return problem.CSC{}, argErr("%s.colptr is NULL for a CSC layout", name)
	}
	cp := int64Slice(pat.colptr, cols+1)
	nnz := cp[cols]
	if nnz < 0 {
		return problem.CSC{}, argErr("%s.colptr[%d] = %d is negative", name, cols, nnz)
	}
	if nnz > 0 && pat.rowval == nil {
		return problem.CSC{}, argErr("%s.rowval is NULL", name)
	}
	return problem.CSC{Rows: rows, Cols: cols, Colptr: cp, Rowval: int64Slice(pat.rowval, nnz)}, nil
}

// conesFromC reads the cone list and returns it with its total dimension;
// problem.New validates each spec (kind and dimension, named by index).
func conesFromC(p *C.lpgd_cone, count C.int64_t) ([]cone.Spec, int, error) {
	if count < 0 {
		return nil, 0, argErr("ncones is %d, must be >= 0", count)
	}
	if count > 0 && p == nil {
		return nil, 0, argErr("cones is NULL with ncones = %d", count)
	}
	if count == 0 {
		return nil, 0, nil
	}
	list := unsafe.Slice(p, int(count))
	specs := make([]cone.Spec, len(list))
	m := 0
	for i, c := range list {
		if c.kind < math.MinInt32 || c.kind > math.MaxInt32 {
			return nil, 0, argErr("cones[%d].kind is %d, not an LPGD_CONE_* value", i, c.kind)
		}
		if c.dim < 0 {
			return nil, 0, argErr("cones[%d].dim is %d, must be >= 0", i, c.dim)
		}
		specs[i] = cone.Spec{Kind: cone.Kind(c.kind), Dim: int(c.dim), Param: float64(c.param)}
		m += int(c.dim)
	}
	return specs, m, nil
}

//export lpgd_structure_new
func lpgd_structure_new(desc *C.lpgd_structure_desc, handleOut *C.uint64_t, errBuf *C.char, errLen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, errBuf, errLen)
	debugExportPanic()
	if handleOut == nil {
		err = argErr("handle_out is NULL")
		return
	}
	*handleOut = 0
	if desc == nil {
		err = argErr("desc is NULL")
		return
	}
	if desc.n <= 0 {
		err = argErr("n must be positive, got %d", desc.n)
		return
	}
	n := int(desc.n)
	cones, m, err := conesFromC(desc.cones, desc.ncones)
	if err != nil {
		return
	}
	pp, err := patternFromC("P", &desc.P, n, n)
	if err != nil {
		return
	}
	ap, err := patternFromC("A", &desc.A, m, n)
	if err != nil {
		return
	}
	ls := ipm.LinearSolver(desc.linear_solver)
	if ls < ipm.LinearAuto || ls > ipm.LinearSparse {
		err = &callError{codeSettings, fmt.Sprintf("linear_solver must be 0, 1 or 2, got %d", desc.linear_solver)}
		return
	}
	st, err := problem.New(n, m, cones, pp, ap)
	if err != nil {
		return
	}
	an, err := kkt.Analyse(st, ls)
	if err != nil {
		return
	}
	s := &structure{st: st, an: an, hasP: desc.P.layout != layoutNone,
		pLayout: int64(desc.P.layout), aLayout: int64(desc.A.layout), factorLen: ipm.PolishFactorLen(an)}
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
func lpgd_structure_info(h C.uint64_t, out *C.lpgd_sizes) (code C.int32_t) {
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
	out.n, out.m = C.int64_t(s.st.N), C.int64_t(s.st.M)
	out.p_nnz, out.a_nnz = C.int64_t(s.st.P.Nnz()), C.int64_t(s.st.A.Nnz())
	out.dense_kkt = 0
	out.factor_len = C.int64_t(s.factorLen)
	if s.an.Dense {
		out.dense_kkt = 1
	}
	return
}
