package main

// Helpers that let the Go tests (which cannot use cgo directly) drive the
// exports through real C memory, as a C caller would.

/*
#define LPGD_NO_PROTOTYPES
#include <stdlib.h>
#include "lpgd.h"
*/
import "C"

import "unsafe"

// cbuf is C-allocated memory freed by free().
type cbuf struct{ ptrs []unsafe.Pointer }

func (b *cbuf) f64(v []float64) *C.double {
	if v == nil {
		return nil
	}
	n := len(v)
	if n == 0 {
		n = 1
	}
	p := C.malloc(C.size_t(8 * n))
	b.ptrs = append(b.ptrs, p)
	copy(unsafe.Slice((*float64)(p), n), v)
	return (*C.double)(p)
}

func (b *cbuf) i64(v []int64) *C.int64_t {
	if v == nil {
		return nil
	}
	n := len(v)
	if n == 0 {
		n = 1
	}
	p := C.malloc(C.size_t(8 * n))
	b.ptrs = append(b.ptrs, p)
	copy(unsafe.Slice((*int64)(p), n), v)
	return (*C.int64_t)(p)
}

func (b *cbuf) i32(n int) *C.int32_t {
	p := C.malloc(C.size_t(4 * (n + 1)))
	b.ptrs = append(b.ptrs, p)
	return (*C.int32_t)(p)
}

func (b *cbuf) errBuf() (*C.char, C.int64_t) {
	p := C.malloc(256)
	b.ptrs = append(b.ptrs, p)
	return (*C.char)(p), 256
}

func (b *cbuf) free() {
	for _, p := range b.ptrs {
		C.free(p)
	}
	b.ptrs = nil
}

func goF64(p *C.double, n int) []float64 {
	return append([]float64(nil), unsafe.Slice((*float64)(unsafe.Pointer(p)), n)...)
}

func goI32(p *C.int32_t, n int) []int32 {
	return append([]int32(nil), unsafe.Slice((*int32)(unsafe.Pointer(p)), n)...)
}

// testDenseQP is a dense QP given to the helpers.
type testDenseQP struct {
	n, zero, nonneg int
	hasP            bool
	P, c, A, b      []float64 // one sample each (or batch*size with strides)
	ps, cs, as, bs  int       // batch strides
}

// testNewDense creates a dense-layout structure.
func testNewDense(q *testDenseQP) (uint64, int32, string) {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var h C.uint64_t
	hasP := C.int32_t(0)
	if q.hasP {
		hasP = 1
	}
	m := q.zero + q.nonneg
	code := lpgd_structure_new(C.int64_t(q.n), C.int64_t(m), C.int64_t(q.zero), C.int64_t(q.nonneg), nil, 0,
		hasP, layoutDense, nil, nil, layoutDense, nil, nil, 0, &h, eb, el)
	return uint64(h), int32(code), C.GoString(eb)
}

// testNewCSC creates a CSC-layout structure (pattern arrays as given).
func testNewCSC(n, m, zero, nonneg int, soc []int64, pcp, prv, acp, arv []int64) (uint64, int32, string) {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var h C.uint64_t
	code := lpgd_structure_new(C.int64_t(n), C.int64_t(m), C.int64_t(zero), C.int64_t(nonneg), b.i64(soc), C.int64_t(len(soc)),
		1, layoutCSC, b.i64(pcp), b.i64(prv), layoutCSC, b.i64(acp), b.i64(arv), 0, &h, eb, el)
	return uint64(h), int32(code), C.GoString(eb)
}

type testSolveOut struct {
	x, y, s []float64
	status  []int32
	info    []float64
	code    int32
	msg     string
}

// testSolve calls lpgd_solve on a batch.
func testSolve(h uint64, q *testDenseQP, batch, m int, settingsSize int64) testSolveOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var set C.lpgd_settings
	lpgd_default_settings(&set)
	if settingsSize != 0 {
		set.size = C.int64_t(settingsSize)
	}
	x := b.f64(make([]float64, batch*q.n))
	y := b.f64(make([]float64, batch*m))
	s := b.f64(make([]float64, batch*m))
	st := b.i32(batch)
	info := b.f64(make([]float64, batch*int(C.LPGD_INFO_COLS)))
	code := lpgd_solve(C.uint64_t(h), &set, C.int64_t(batch),
		b.f64(q.P), C.int64_t(q.ps), b.f64(q.c), C.int64_t(q.cs), b.f64(q.A), C.int64_t(q.as), b.f64(q.b), C.int64_t(q.bs),
		x, y, s, st, info, eb, el)
	return testSolveOut{x: goF64(x, batch*q.n), y: goF64(y, batch*m), s: goF64(s, batch*m), status: goI32(st, batch),
		info: goF64(info, batch*int(C.LPGD_INFO_COLS)), code: int32(code), msg: C.GoString(eb)}
}

type testBackwardOut struct {
	gP, gc, gA, gb []float64
	status, flags  []int32
	code           int32
	msg            string
}

// testBackward calls lpgd_backward with method and tau.
func testBackward(h uint64, q *testDenseQP, batch, m int, sol testSolveOut, gx, gy []float64, method int, tau float64) testBackwardOut {
	var b cbuf
	defer b.free()
	eb, el := b.errBuf()
	var opts C.lpgd_backward_opts
	lpgd_default_backward(&opts)
	opts.method = C.int64_t(method)
	opts.tau = C.double(tau)
	n := q.n
	gP := b.f64(make([]float64, batch*n*n))
	gc := b.f64(make([]float64, batch*n))
	gA := b.f64(make([]float64, batch*m*n))
	gb := b.f64(make([]float64, batch*m))
	st := b.i32(batch)
	fl := b.i32(batch)
	stIn := b.i32(batch)
	copy(unsafe.Slice((*int32)(unsafe.Pointer(stIn)), batch), sol.status)
	code := lpgd_backward(C.uint64_t(h), nil, &opts, C.int64_t(batch),
		b.f64(q.P), C.int64_t(q.ps), b.f64(q.c), C.int64_t(q.cs), b.f64(q.A), C.int64_t(q.as), b.f64(q.b), C.int64_t(q.bs),
		b.f64(sol.x), b.f64(sol.y), b.f64(sol.s), stIn, b.f64(gx), b.f64(gy), nil,
		gP, gc, gA, gb, st, fl, eb, el)
	return testBackwardOut{gP: goF64(gP, batch*n*n), gc: goF64(gc, batch*n), gA: goF64(gA, batch*m*n), gb: goF64(gb, batch*m),
		status: goI32(st, batch), flags: goI32(fl, batch), code: int32(code), msg: C.GoString(eb)}
}

func testFree(h uint64) int32 { return int32(lpgd_structure_free(C.uint64_t(h))) }

func testHandleCount() int64 { return int64(lpgd_handle_count()) }

func testDebugPanic(mode int32, sample int64) { lpgd_debug_panic(C.int32_t(mode), C.int64_t(sample)) }

func testSetThreads(n int64) { lpgd_set_num_threads(C.int64_t(n)) }

func testSettingsSize() int64 { var s C.lpgd_settings; return int64(unsafe.Sizeof(s)) }
