package main

// Helpers that let the Go tests (which cannot use cgo directly) drive the
// exports through real C memory and the lpgd.h structs, as a C caller would.

/*
#define LPGD_NO_PROTOTYPES
#include <stdlib.h>
#include "lpgd.h"
*/
import "C"

import (
	"math"
	"unsafe"
)

// cbuf is C-allocated memory freed by free().
type cbuf struct{ ptrs []unsafe.Pointer }

func (b *cbuf) alloc(bytes int) unsafe.Pointer {
	if bytes == 0 {
		bytes = 8
	}
	p := C.malloc(C.size_t(bytes))
	b.ptrs = append(b.ptrs, p)
	return p
}

func (b *cbuf) f64(v []float64) *C.double {
	if v == nil {
		return nil
	}
	p := b.alloc(8 * len(v))
	copy(unsafe.Slice((*float64)(p), len(v)), v)
	return (*C.double)(p)
}

func (b *cbuf) i64(v []int64) *C.int64_t {
	if v == nil {
		return nil
	}
	p := b.alloc(8 * len(v))
	copy(unsafe.Slice((*int64)(p), len(v)), v)
	return (*C.int64_t)(p)
}

func (b *cbuf) i32(n int) *C.int32_t {
	return (*C.int32_t)(b.alloc(4 * (n + 1)))
}

func (b *cbuf) errBuf() (*C.char, C.int64_t) {
	return (*C.char)(b.alloc(256)), 256
}

func (b *cbuf) free() {
	for _, p := range b.ptrs {
		C.free(p)
	}
	b.ptrs = nil
}

func goF64(p *C.double, n int) []float64 {
	if p == nil {
		return nil
	}
	return append([]float64(nil), unsafe.Slice((*float64)(unsafe.Pointer(p)), n)...)
}

func goI32(p *C.int32_t, n int) []int32 {
	return append([]int32(nil), unsafe.Slice((*int32)(unsafe.Pointer(p)), n)...)
}

// Cone kinds for the tests (the test files cannot use C.*).
const (
	coneZero   = C.LPGD_CONE_ZERO
	coneNonneg = C.LPGD_CONE_NONNEG
	coneSOC    = C.LPGD_CONE_SOC
)

// testCone is one {kind, dim} entry of a cone list.
type testCone struct {
	kind, dim int64
	param     float64
}

// testPattern is a matrix pattern for testNew.
type testPattern struct {
	layout         int64
	colptr, rowval []int64
}

// testNew calls lpgd_structure_new with a C description.
func testNew(n int64, cones []testCone, p, a testPattern, linearSolver int64) (uint64, int32, string) {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var desc C.lpgd_structure_desc
	desc.n = C.int64_t(n)
	if len(cones) > 0 {
		cs := unsafe.Slice((*C.lpgd_cone)(b.alloc(len(cones)*int(unsafe.Sizeof(C.lpgd_cone{})))), len(cones))
		for i, c := range cones {
			cs[i] = C.lpgd_cone{kind: C.int64_t(c.kind), dim: C.int64_t(c.dim), param: C.double(c.param)}
		}
		desc.cones = &cs[0]
	}
	desc.ncones = C.int64_t(len(cones))
	desc.P = C.lpgd_pattern{layout: C.int64_t(p.layout), colptr: b.i64(p.colptr), rowval: b.i64(p.rowval)}
	desc.A = C.lpgd_pattern{layout: C.int64_t(a.layout), colptr: b.i64(a.colptr), rowval: b.i64(a.rowval)}
	desc.linear_solver = C.int64_t(linearSolver)
	var h C.uint64_t
	code := lpgd_structure_new(&desc, &h, eb, el)
	return uint64(h), int32(code), C.GoString(eb)
}

// testDenseQP is a dense QP given to the helpers.
type testDenseQP struct {
	n, zero, nonneg int
	hasP            bool
	P, c, A, b      []float64 // one sample each (or batch*size with strides)
	ps, cs, as, bs  int       // batch strides (as, bs: 0 shared, else batched)
	split           []int     // rows per row block (nil: one block)
	// psdSymTol, psdShift: lpgd_values' PSD test of P (shift 0: none).
	psdSymTol, psdShift float64
}

func (q *testDenseQP) m() int { return q.zero + q.nonneg }

// testNewDense creates a dense-layout structure.
func testNewDense(q *testDenseQP) (uint64, int32, string) {
	pl := int64(layoutNone)
	if q.hasP {
		pl = layoutDense
	}
	return testNew(int64(q.n), []testCone{{kind: C.LPGD_CONE_ZERO, dim: int64(q.zero)}, {kind: C.LPGD_CONE_NONNEG, dim: int64(q.nonneg)}},
		testPattern{layout: pl}, testPattern{layout: layoutDense}, 0)
}

// values builds the C lpgd_values of q for a batch, A and b split into the
// row blocks q.split, each block in its own buffer.
func (q *testDenseQP) values(b *cbuf, batch int) *C.lpgd_values {
	v := (*C.lpgd_values)(b.alloc(int(unsafe.Sizeof(C.lpgd_values{}))))
	*v = C.lpgd_values{}
	v.P = C.lpgd_operand{data: b.f64(q.P), stride: C.int64_t(q.ps)}
	v.c = C.lpgd_operand{data: b.f64(q.c), stride: C.int64_t(q.cs)}
	v.psd_sym_tol, v.psd_shift = C.double(q.psdSymTol), C.double(q.psdShift)
	m, n := q.m(), q.n
	split := q.split
	if split == nil {
		split = []int{m}
	}
	if len(split) == 0 {
		return v
	}
	blocks := unsafe.Slice((*C.lpgd_row_block)(b.alloc(len(split)*int(unsafe.Sizeof(C.lpgd_row_block{})))), len(split))
	if len(split) == 1 { // the caller's arrays and strides as given
		blocks[0] = C.lpgd_row_block{rows: C.int64_t(split[0]),
			A: C.lpgd_operand{data: b.f64(q.A), stride: C.int64_t(q.as)},
			b: C.lpgd_operand{data: b.f64(q.b), stride: C.int64_t(q.bs)}}
	} else {
		r0 := 0
		for bi, rows := range split {
			rows := min(rows, m-r0) // blocks past the end get what there is
			var ab, bb []float64
			samples := 1
			if q.as != 0 {
				samples = batch
			}
			for k := 0; k < samples; k++ {
				ab = append(ab, q.A[k*q.as+r0*n:k*q.as+(r0+rows)*n]...)
			}
			samples = 1
			if q.bs != 0 {
				samples = batch
			}
			for k := 0; k < samples; k++ {
				bb = append(bb, q.b[k*q.bs+r0:k*q.bs+r0+rows]...)
			}
			as, bs := 0, 0
			if q.as != 0 {
				as = rows * n
			}
			if q.bs != 0 {
				bs = rows
			}
			blocks[bi] = C.lpgd_row_block{rows: C.int64_t(split[bi]),
				A: C.lpgd_operand{data: b.f64(ab), stride: C.int64_t(as)},
				b: C.lpgd_operand{data: b.f64(bb), stride: C.int64_t(bs)}}
			r0 += rows
		}
	}
	v.blocks = &blocks[0]
	v.nblocks = C.int64_t(len(split))
	return v
}

type testSolveOut struct {
	x, y, s []float64
	status  []int32
	info    []float64
	code    int32
	msg     string
	rec     []float64 // lpgd_solution.factor (testSolveRec)
	recLen  int
}

// testSolve calls lpgd_solve on a batch.
func testSolve(h uint64, q *testDenseQP, batch, m int, settingsSize int64) testSolveOut {
	return testSolveRec(h, q, batch, m, settingsSize, 0)
}

// testSolveRec is testSolve with factor records of recLen words per
// sample (lpgd_solution.factor; 0: none), returned in rec.
func testSolveRec(h uint64, q *testDenseQP, batch, m int, settingsSize int64, recLen int) testSolveOut {
	return testSolveToken(h, q, batch, m, settingsSize, recLen, 0)
}

// testSolveCancelled is testSolve with a cancel token cancelled before the
// call (lpgd_settings.cancel_token).
func testSolveCancelled(h uint64, q *testDenseQP, batch int) testSolveOut {
	var tok C.uint64_t
	lpgd_cancel_token_new(&tok)
	defer lpgd_cancel_token_free(tok)
	lpgd_cancel(tok)
	return testSolveToken(h, q, batch, q.m(), 0, 0, uint64(tok))
}

// testSolveToken is testSolveRec with the cancel token tok (0: none).
func testSolveToken(h uint64, q *testDenseQP, batch, m int, settingsSize int64, recLen int, tok uint64) testSolveOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var set C.lpgd_settings
	lpgd_default_settings(&set)
	set.cancel_token = C.uint64_t(tok)
	if settingsSize != 0 {
		set.size = C.int64_t(settingsSize)
	}
	out := C.lpgd_solution{
		x: b.f64(make([]float64, batch*q.n)), y: b.f64(make([]float64, batch*m)), s: b.f64(make([]float64, batch*m)),
		status: b.i32(batch), info: b.f64(make([]float64, batch*int(C.LPGD_INFO_COLS))),
	}
	if recLen != 0 {
		out.factor, out.factor_len = b.f64(make([]float64, batch*max(recLen, 0))), C.int64_t(recLen)
	}
	code := testCallSolve(C.uint64_t(h), &set, C.int64_t(batch), q.values(&b, batch), &out, eb, el)
	return testSolveOut{x: goF64(out.x, batch*q.n), y: goF64(out.y, batch*m), s: goF64(out.s, batch*m), status: goI32(out.status, batch),
		info: goF64(out.info, batch*int(C.LPGD_INFO_COLS)), code: int32(code), msg: C.GoString(eb),
		rec: goF64(out.factor, batch*max(recLen, 0)), recLen: recLen}
}

type testBackwardOut struct {
	gP, gc, gA, gb []float64
	status, flags  []int32
	code           int32
	msg            string
}

// testBackwardArgs is lpgd_backward's options (method, tau) and forward
// solution (with its factorization record when sol has one) in b's C
// memory.
func testBackwardArgs(b *cbuf, batch int, sol testSolveOut, method int, tau float64) (C.lpgd_backward_opts, C.lpgd_solution) {
	var opts C.lpgd_backward_opts
	lpgd_default_backward(&opts)
	opts.method = C.int64_t(method)
	opts.tau = C.double(tau)
	fwd := C.lpgd_solution{x: b.f64(sol.x), y: b.f64(sol.y), s: b.f64(sol.s), status: b.i32(batch)}
	copy(unsafe.Slice((*int32)(unsafe.Pointer(fwd.status)), batch), sol.status)
	if sol.rec != nil {
		fwd.factor, fwd.factor_len = b.f64(sol.rec), C.int64_t(sol.recLen)
	}
	return opts, fwd
}

// testBackward calls lpgd_backward with method and tau.
func testBackward(h uint64, q *testDenseQP, batch, m int, sol testSolveOut, gx, gy []float64, method int, tau float64) testBackwardOut {
	return testBackwardLayout(h, q, batch, m, sol, gx, gy, method, tau, false)
}

// testBackwardLayout is testBackward with lpgd_gradients.block_major set
// when blockMajor (gA and gb returned as Go writes them).
func testBackwardLayout(h uint64, q *testDenseQP, batch, m int, sol testSolveOut, gx, gy []float64, method int, tau float64, blockMajor bool) testBackwardOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	opts, fwd := testBackwardArgs(&b, batch, sol, method, tau)
	n := q.n
	inc := C.lpgd_incoming{gx: b.f64(gx), gy: b.f64(gy)}
	// The outputs start as NaN: an entry the library leaves unwritten shows.
	nans := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	out := C.lpgd_gradients{
		gP: b.f64(nans(batch * n * n)), gc: b.f64(nans(batch * n)),
		gA: b.f64(nans(batch * m * n)), gb: b.f64(nans(batch * m)),
		status: b.i32(batch), flags: b.i32(batch),
	}
	if blockMajor {
		out.block_major = 1
	}
	code := testCallBackward(C.uint64_t(h), nil, &opts, C.int64_t(batch), q.values(&b, batch), &fwd, &inc, &out, eb, el)
	return testBackwardOut{gP: goF64(out.gP, batch*n*n), gc: goF64(out.gc, batch*n), gA: goF64(out.gA, batch*m*n), gb: goF64(out.gb, batch*m),
		status: goI32(out.status, batch), flags: goI32(out.flags, batch), code: int32(code), msg: C.GoString(eb)}
}

// testBackwardGC is testBackward asking for ∂c alone (gP, gA and gb
// null), as a layer whose only parameter that needs a gradient is c asks.
func testBackwardGC(h uint64, q *testDenseQP, batch, m int, sol testSolveOut, gx []float64, method int, tau float64) testBackwardOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	opts, fwd := testBackwardArgs(&b, batch, sol, method, tau)
	n := q.n
	inc := C.lpgd_incoming{gx: b.f64(gx)}
	out := C.lpgd_gradients{gc: b.f64(make([]float64, batch*n)), status: b.i32(batch), flags: b.i32(batch)}
	code := testCallBackward(C.uint64_t(h), nil, &opts, C.int64_t(batch), q.values(&b, batch), &fwd, &inc, &out, eb, el)
	return testBackwardOut{gc: goF64(out.gc, batch*n), status: goI32(out.status, batch), flags: goI32(out.flags, batch),
		code: int32(code), msg: C.GoString(eb)}
}

// testCSCSolve solves one sample of a CSC-layout structure with A's
// values given in the row blocks aBlocks (CSC values of each block's
// submatrix) and b in bBlocks.
func testCSCSolve(h uint64, n, m int, P, c []float64, aBlocks, bBlocks [][]float64) testSolveOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	blocks := unsafe.Slice((*C.lpgd_row_block)(b.alloc(len(aBlocks)*int(unsafe.Sizeof(C.lpgd_row_block{})))), len(aBlocks))
	for i := range aBlocks {
		blocks[i] = C.lpgd_row_block{rows: C.int64_t(len(bBlocks[i])),
			A: C.lpgd_operand{data: b.f64(aBlocks[i])}, b: C.lpgd_operand{data: b.f64(bBlocks[i])}}
	}
	v := C.lpgd_values{P: C.lpgd_operand{data: b.f64(P)}, c: C.lpgd_operand{data: b.f64(c)},
		blocks: &blocks[0], nblocks: C.int64_t(len(aBlocks))}
	out := C.lpgd_solution{x: b.f64(make([]float64, n)), y: b.f64(make([]float64, m)), s: b.f64(make([]float64, m)), status: b.i32(1)}
	code := testCallSolve(C.uint64_t(h), nil, 1, &v, &out, eb, el)
	return testSolveOut{x: goF64(out.x, n), y: goF64(out.y, m), s: goF64(out.s, m), status: goI32(out.status, 1),
		code: int32(code), msg: C.GoString(eb)}
}

// testPacked makes the helpers call lpgd_solve_packed and
// lpgd_backward_packed (on the same arguments, in an lpgd_solve_args or
// lpgd_backward_args) instead of lpgd_solve and lpgd_backward: the ABI
// tests run through both entries (TestPackedEntries).
var testPacked bool

// testCallSolve is lpgd_solve, or lpgd_solve_packed on its arguments when
// testPacked.
func testCallSolve(h C.uint64_t, set *C.lpgd_settings, batch C.int64_t, v *C.lpgd_values, out *C.lpgd_solution,
	eb *C.char, el C.int64_t) C.int32_t {
	if !testPacked {
		return lpgd_solve(h, set, batch, v, out, eb, el)
	}
	a := C.lpgd_solve_args{handle: h, settings: set, batch: batch, values: v, out: out, err: eb, errlen: el}
	return lpgd_solve_packed(&a)
}

// testCallBackward is lpgd_backward, or lpgd_backward_packed on its
// arguments when testPacked.
func testCallBackward(h C.uint64_t, set *C.lpgd_settings, opts *C.lpgd_backward_opts, batch C.int64_t, v *C.lpgd_values,
	fwd *C.lpgd_solution, inc *C.lpgd_incoming, out *C.lpgd_gradients, eb *C.char, el C.int64_t) C.int32_t {
	if !testPacked {
		return lpgd_backward(h, set, opts, batch, v, fwd, inc, out, eb, el)
	}
	a := C.lpgd_backward_args{handle: h, settings: set, opts: opts, batch: batch, values: v, forward: fwd,
		incoming: inc, out: out, err: eb, errlen: el}
	return lpgd_backward_packed(&a)
}

// testPackedNil calls both packed entries with a NULL args.
func testPackedNil() (int32, int32) {
	return int32(lpgd_solve_packed(nil)), int32(lpgd_backward_packed(nil))
}

func testFree(h uint64) int32 { return int32(lpgd_structure_free(C.uint64_t(h))) }

func testHandleCount() int64 { return int64(lpgd_handle_count()) }

func testSetThreads(n int64) { lpgd_set_num_threads(C.int64_t(n)) }

func testErrorMessage(code int32) string { return C.GoString(lpgd_error_message(C.int32_t(code))) }

func testInfo(h uint64) ([5]int64, int32) {
	var s C.lpgd_sizes
	code := lpgd_structure_info(C.uint64_t(h), &s)
	return [5]int64{int64(s.n), int64(s.m), int64(s.p_nnz), int64(s.a_nnz), int64(s.dense_kkt)}, int32(code)
}

// testFactorLen is lpgd_sizes.factor_len.
func testFactorLen(h uint64) int {
	var s C.lpgd_sizes
	lpgd_structure_info(C.uint64_t(h), &s)
	return int(s.factor_len)
}

func testPoolSize(h uint64) int {
	s, err := lookup(C.uint64_t(h))
	if err != nil {
		return -1
	}
	return s.pool.Len()
}

// testNewCSC creates a CSC-layout structure (pattern arrays as given).
func testNewCSC(n int, cones []testCone, pcp, prv, acp, arv []int64) (uint64, int32, string) {
	return testNew(int64(n), cones, testPattern{layoutCSC, pcp, prv}, testPattern{layoutCSC, acp, arv}, 0)
}

// testCheckPSD calls lpgd_check_psd on `batch` n×n matrices p (stride n·n,
// or 0 when shared) and returns (call code, bad, value, info).
func testCheckPSD(n, batch int, p []float64, shared bool, symTol float64) (int32, int64, float64, []int32) {
	var b cbuf
	defer b.free()
	stride := C.int64_t(n * n)
	count := batch
	if shared || n == 0 {
		stride, count = 0, 1 // stride 0 (always so when n = 0): one info entry
	}
	op := (*C.lpgd_operand)(b.alloc(int(unsafe.Sizeof(C.lpgd_operand{}))))
	op.data, op.stride = b.f64(p), stride
	bad := (*C.int64_t)(b.alloc(8))
	value := (*C.double)(b.alloc(8))
	info := b.i32(count)
	eb, el := b.errBuf()
	code := lpgd_check_psd(C.int64_t(n), C.int64_t(batch), op, C.double(symTol), 1e-8, bad, value, info, eb, el)
	return int32(code), int64(*bad), float64(*value), goI32(info, count)
}

// testPreparedPair builds, once, the C buffers of an lpgd_solve +
// lpgd_backward pair on q at B = 1 (the backward asking for gc only, as the
// BPQP study's layer does, with the KKT method and the forward's factor
// records) and returns the call pair on them, reporting both call codes,
// and a func freeing the buffers. The pair itself allocates nothing in the
// helper, so testing.AllocsPerRun counts the library's allocations.
func testPreparedPair(h uint64, q *testDenseQP, method int) (pair func() (int32, int32), free func()) {
	b := new(cbuf)
	eb, el := b.errBuf()
	m, n := q.m(), q.n
	var set C.lpgd_settings
	lpgd_default_settings(&set)
	var opts C.lpgd_backward_opts
	lpgd_default_backward(&opts)
	opts.method = C.int64_t(method)
	vals := q.values(b, 1)
	rl := testFactorLen(h)
	sol := C.lpgd_solution{
		x: b.f64(make([]float64, n)), y: b.f64(make([]float64, m)), s: b.f64(make([]float64, m)),
		status: b.i32(1), info: b.f64(make([]float64, int(C.LPGD_INFO_COLS))),
	}
	if rl > 0 {
		sol.factor, sol.factor_len = b.f64(make([]float64, rl)), C.int64_t(rl)
	}
	gx := make([]float64, n)
	for i := range gx {
		gx[i] = 1
	}
	inc := C.lpgd_incoming{gx: b.f64(gx)}
	out := C.lpgd_gradients{gc: b.f64(make([]float64, n)), status: b.i32(1), flags: b.i32(1)}
	// The packed entries' arguments, written once (testPacked).
	sa := &C.lpgd_solve_args{handle: C.uint64_t(h), settings: &set, batch: 1, values: vals, out: &sol, err: eb, errlen: el}
	ba := &C.lpgd_backward_args{handle: C.uint64_t(h), settings: &set, opts: &opts, batch: 1, values: vals,
		forward: &sol, incoming: &inc, out: &out, err: eb, errlen: el}
	pair = func() (int32, int32) {
		if testPacked {
			return int32(lpgd_solve_packed(sa)), int32(lpgd_backward_packed(ba))
		}
		c1 := lpgd_solve(C.uint64_t(h), &set, 1, vals, &sol, eb, el)
		c2 := lpgd_backward(C.uint64_t(h), &set, &opts, 1, vals, &sol, &inc, &out, eb, el)
		return int32(c1), int32(c2)
	}
	return pair, b.free
}

// testPreparedBackward builds, once, the C buffers of an lpgd_backward call
// on q's batch (every gradient asked for, the forward's solution and
// records sol, incoming gx) and returns the call; fresh gives it new
// zeroed output buffers each time (calloc, as the Python layer's), else
// the same ones. free releases the buffers.
func testPreparedBackward(h uint64, q *testDenseQP, batch int, sol testSolveOut, gx []float64, method int, tau float64, blockMajor, fresh bool) (call func() int32, free func()) {
	b := new(cbuf)
	eb, el := b.errBuf()
	m, n := q.m(), q.n
	var opts C.lpgd_backward_opts
	lpgd_default_backward(&opts)
	opts.method, opts.tau = C.int64_t(method), C.double(tau)
	vals := q.values(b, batch)
	fwd := C.lpgd_solution{x: b.f64(sol.x), y: b.f64(sol.y), s: b.f64(sol.s), status: b.i32(batch)}
	copy(unsafe.Slice((*int32)(unsafe.Pointer(fwd.status)), batch), sol.status)
	if sol.rec != nil {
		fwd.factor, fwd.factor_len = b.f64(sol.rec), C.int64_t(sol.recLen)
	}
	inc := C.lpgd_incoming{gx: b.f64(gx)}
	words := batch * (n*n + n + m*n + m)
	out := C.lpgd_gradients{status: b.i32(batch), flags: b.i32(batch)}
	if blockMajor {
		out.block_major = 1
	}
	place := func(buf unsafe.Pointer) {
		out.gP = (*C.double)(buf)
		out.gc = (*C.double)(unsafe.Add(buf, 8*batch*n*n))
		out.gA = (*C.double)(unsafe.Add(buf, 8*batch*(n*n+n)))
		out.gb = (*C.double)(unsafe.Add(buf, 8*batch*(n*n+n+m*n)))
	}
	if !fresh {
		place(b.alloc(8 * words))
	}
	call = func() int32 {
		var buf unsafe.Pointer
		if fresh {
			buf = C.calloc(C.size_t(words), 8)
			place(buf)
		}
		code := testCallBackward(C.uint64_t(h), nil, &opts, C.int64_t(batch), vals, &fwd, &inc, &out, eb, el)
		if fresh {
			C.free(buf)
		}
		return int32(code)
	}
	return call, b.free
}

// testDataErr is the data error of q's values for a batch as the tests run
// before any work find it (inputs.dataErr: the first non-finite entry,
// then the PSD test), code 0 when there is none: the reference of
// lpgd_solve's per-sample tests.
func testDataErr(h uint64, q *testDenseQP, batch int) (int32, string) {
	var b cbuf
	defer b.free()
	s, err := lookup(C.uint64_t(h))
	if err == nil {
		var in *inputs
		if in, err = s.readInputsDeferred(batch, q.values(&b, batch)); err == nil {
			err = in.dataErr(batch, q.psdSymTol, q.psdShift)
			in.release()
		}
	}
	if err == nil {
		return 0, ""
	}
	return codeOf(err), err.Error()
}

// testSolveFilled is testSolveRec at B = 1 with the info row and the
// factor record (recLen words) filled with fill before the call: what a
// call leaves untouched keeps it.
func testSolveFilled(h uint64, q *testDenseQP, recLen int, fill float64) testSolveOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var set C.lpgd_settings
	lpgd_default_settings(&set)
	m := q.m()
	filled := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = fill
		}
		return v
	}
	out := C.lpgd_solution{
		x: b.f64(make([]float64, q.n)), y: b.f64(make([]float64, m)), s: b.f64(make([]float64, m)),
		status: b.i32(1), info: b.f64(filled(int(C.LPGD_INFO_COLS))),
		factor: b.f64(filled(recLen)), factor_len: C.int64_t(recLen),
	}
	code := testCallSolve(C.uint64_t(h), &set, 1, q.values(&b, 1), &out, eb, el)
	return testSolveOut{x: goF64(out.x, q.n), y: goF64(out.y, m), s: goF64(out.s, m), status: goI32(out.status, 1),
		info: goF64(out.info, int(C.LPGD_INFO_COLS)), code: int32(code), msg: C.GoString(eb),
		rec: goF64(out.factor, recLen), recLen: recLen}
}

// testErrBuf is an error buffer of errLen bytes in b holding an empty
// string (NULL when errLen is 0), and a function that reads its message
// back ("" for a NULL buffer).
func testErrBuf(b *cbuf, errLen int) (*C.char, func() string) {
	if errLen <= 0 {
		return nil, func() string { return "" }
	}
	eb := (*C.char)(b.alloc(errLen))
	*eb = 0
	return eb, func() string { return C.GoString(eb) }
}

// testSolveNulls is testSolve through lpgd_solve and through
// lpgd_solve_packed (fresh buffers each) with an error buffer of errLen
// bytes (NULL when errLen is 0) and the arguments drop names NULL (bit 0
// settings, 1 values, 2 out, 3 out.x, 4 out.y, 5 out.status): the two
// calls' results, to compare.
func testSolveNulls(h uint64, q *testDenseQP, batch int, settingsSize int64, errLen int, drop uint) [2]testSolveOut {
	var res [2]testSolveOut
	for i, packed := range []bool{false, true} {
		var b cbuf
		eb, msg := testErrBuf(&b, errLen)
		var set C.lpgd_settings
		lpgd_default_settings(&set)
		if settingsSize != 0 {
			set.size = C.int64_t(settingsSize)
		}
		nb, m := max(batch, 1), q.m()
		out := C.lpgd_solution{
			x: b.f64(make([]float64, nb*q.n)), y: b.f64(make([]float64, nb*m)), s: b.f64(make([]float64, nb*m)),
			status: b.i32(nb), info: b.f64(make([]float64, nb*int(C.LPGD_INFO_COLS))),
		}
		clear(unsafe.Slice((*int32)(unsafe.Pointer(out.status)), nb)) // what a call leaves shows alike
		setP, vals, outP := &set, q.values(&b, nb), &out
		if drop&1 != 0 {
			setP = nil
		}
		if drop&2 != 0 {
			vals = nil
		}
		if drop&4 != 0 {
			outP = nil
		}
		if drop&8 != 0 {
			out.x = nil
		}
		if drop&16 != 0 {
			out.y = nil
		}
		if drop&32 != 0 {
			out.status = nil
		}
		var code C.int32_t
		if packed {
			a := C.lpgd_solve_args{handle: C.uint64_t(h), settings: setP, batch: C.int64_t(batch), values: vals,
				out: outP, err: eb, errlen: C.int64_t(errLen)}
			code = lpgd_solve_packed(&a)
		} else {
			code = lpgd_solve(C.uint64_t(h), setP, C.int64_t(batch), vals, outP, eb, C.int64_t(errLen))
		}
		r := testSolveOut{x: goF64(out.x, nb*q.n), y: goF64(out.y, nb*m), s: goF64(out.s, nb*m),
			info: goF64(out.info, nb*int(C.LPGD_INFO_COLS)), code: int32(code), msg: msg()}
		if out.status != nil {
			r.status = goI32(out.status, nb)
		}
		res[i] = r
		b.free()
	}
	return res
}

// testBackwardNulls is testSolveNulls' counterpart for lpgd_backward
// and lpgd_backward_packed (∂c and ∂b asked for, incoming gx) on the
// forward solution sol, with the settings' size set to settingsSize and
// the options' size to optsSize when not 0, when rejectAlmost the first
// sample's forward status ALMOST_SOLVED and the settings'
// accept_almost_solved 0 (the sample not differentiated, as the settings
// ask), and drop's bits naming NULL arguments (0 settings, 1 opts, 2
// values, 3 forward, 4 incoming, 5 out, 6 incoming.gx, 7 out.status).
func testBackwardNulls(h uint64, q *testDenseQP, batch int, sol testSolveOut, gx []float64, method int,
	settingsSize, optsSize int64, rejectAlmost bool, errLen int, drop uint) [2]testBackwardOut {
	var res [2]testBackwardOut
	for i, packed := range []bool{false, true} {
		var b cbuf
		eb, msg := testErrBuf(&b, errLen)
		nb, m, n := max(batch, 1), q.m(), q.n
		opts, fwd := testBackwardArgs(&b, nb, sol, method, 0.1)
		if optsSize != 0 {
			opts.size = C.int64_t(optsSize)
		}
		var set C.lpgd_settings
		lpgd_default_settings(&set)
		if settingsSize != 0 {
			set.size = C.int64_t(settingsSize)
		}
		if rejectAlmost {
			set.accept_almost_solved = 0
			*fwd.status = C.LPGD_STATUS_ALMOST_SOLVED
		}
		inc := C.lpgd_incoming{gx: b.f64(gx)}
		out := C.lpgd_gradients{gc: b.f64(make([]float64, nb*n)), gb: b.f64(make([]float64, nb*m)),
			status: b.i32(nb), flags: b.i32(nb)}
		clear(unsafe.Slice((*int32)(unsafe.Pointer(out.status)), nb))
		clear(unsafe.Slice((*int32)(unsafe.Pointer(out.flags)), nb))
		setP, optsP, vals, fwdP, incP, outP := &set, &opts, q.values(&b, nb), &fwd, &inc, &out
		for bit, clearIt := range []func(){func() { setP = nil }, func() { optsP = nil }, func() { vals = nil },
			func() { fwdP = nil }, func() { incP = nil }, func() { outP = nil }, func() { inc.gx = nil },
			func() { out.status = nil }} {
			if drop&(1<<bit) != 0 {
				clearIt()
			}
		}
		var code C.int32_t
		if packed {
			a := C.lpgd_backward_args{handle: C.uint64_t(h), settings: setP, opts: optsP, batch: C.int64_t(batch),
				values: vals, forward: fwdP, incoming: incP, out: outP, err: eb, errlen: C.int64_t(errLen)}
			code = lpgd_backward_packed(&a)
		} else {
			code = lpgd_backward(C.uint64_t(h), setP, optsP, C.int64_t(batch), vals, fwdP, incP, outP, eb, C.int64_t(errLen))
		}
		r := testBackwardOut{gc: goF64(out.gc, nb*n), gb: goF64(out.gb, nb*m), flags: goI32(out.flags, nb),
			code: int32(code), msg: msg()}
		if out.status != nil {
			r.status = goI32(out.status, nb)
		}
		res[i] = r
		b.free()
	}
	return res
}
