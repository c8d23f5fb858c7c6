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

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// operand is a caller buffer holding `batch` arrays of `size` doubles
// spaced `stride` apart (stride 0: one array shared by all).
type operand struct {
	name   string
	data   []float64
	size   int
	stride int
	// block > 0 names the operand "name (row block block−1)" in messages;
	// 0 (the only block, or not a block) plain "name". row0 and cols format position
	// i of a sample's array for messages: "[row0+i]" when cols is 0,
	// "[row0+i/cols, i%cols]" otherwise. Plain fields, not closures or
	// formatted strings: they cost nothing on a call whose data is valid.
	block      int
	row0, cols int
}

// label is the operand's name in messages.
func (a *operand) label() string {
	if a.block > 0 {
		return fmt.Sprintf("%s (row block %d)", a.name, a.block-1)
	}
	return a.name
}

// index formats position i of a sample's array for messages.
func (a *operand) index(i int) string {
	if a.cols > 0 {
		return fmt.Sprintf("[%d, %d]", a.row0+i/a.cols, i%a.cols)
	}
	return fmt.Sprintf("[%d]", a.row0+i)
}

func newOperand(name string, op C.lpgd_operand, size, batch int, required bool) (operand, error) {
	return newBlockOperand(name, -1, op, size, batch, required)
}

// newBlockOperand is newOperand for row block block of several (-1: the
// only one), named "name (row block block)" in messages.
func newBlockOperand(name string, block int, op C.lpgd_operand, size, batch int, required bool) (operand, error) {
	a := operand{name: name, size: size, stride: int(op.stride), block: block + 1}
	if op.stride < 0 {
		return a, argErr("%s: negative batch stride %d", a.label(), op.stride)
	}
	if size == 0 {
		return a, nil
	}
	if op.data == nil {
		if required {
			return a, argErr("%s is NULL", a.label())
		}
		return a, nil
	}
	if a.stride != 0 && a.stride < size {
		return a, argErr("%s: batch stride %d is smaller than the array size %d", a.label(), op.stride, size)
	}
	n := size
	if a.stride > 0 {
		n = (batch-1)*a.stride + size
	}
	a.data = unsafe.Slice((*float64)(unsafe.Pointer(op.data)), n)
	return a, nil
}

// at returns element k's array (nil when absent).
func (a *operand) at(k int) []float64 {
	if a.data == nil {
		return nil
	}
	o := k * a.stride
	return a.data[o : o+a.size]
}

// checkFinite reports the first non-finite entry, naming the argument, the
// index and the batch element.
func (a *operand) checkFinite(batch int) error {
	if a.data == nil {
		return nil
	}
	count := batch
	if a.stride == 0 {
		count = 1
	}
	for k := 0; k < count; k++ {
		if vec.AllFinite(a.at(k)) {
			continue
		}
		for i, v := range a.at(k) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				where := fmt.Sprintf("batch element %d", k)
				if a.stride == 0 {
					where = "shared across the batch"
				}
				return &callError{codeData, fmt.Sprintf("%s%s = %v is not finite (%s)", a.label(), a.index(i), v, where)}
			}
		}
	}
	return nil
}

// outSlice is a caller output buffer of n doubles (nil when NULL or empty).
func outSlice(p *C.double, n int) []float64 {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

// rowBlock is rows [r0, r0+rows) of [A | b].
type rowBlock struct {
	r0, rows int
	a, b     operand
}

// inputs are the problem values of one call. They are pooled (inputsPool:
// readInputsDeferred takes one, release returns it), keeping the capacity of
// blocks and psdInfos across calls.
type inputs struct {
	s        *structure
	p, c     operand
	blocks   []rowBlock
	psdInfos []int32 // checkValuesPSD's per-element results
	// one: a call of one sample, whose shared operands are tested with
	// it (loadChecked, sampleFinite), not by readInputsDeferred.
	one bool
}

var inputsPool = sync.Pool{New: func() any { return new(inputs) }}

// release returns in to inputsPool; in is not used after.
func (in *inputs) release() {
	clear(in.blocks)
	*in = inputs{blocks: in.blocks[:0], psdInfos: in.psdInfos[:0]}
	inputsPool.Put(in)
}

// aEntriesInRows counts A's pattern entries in rows [r0, r1).
func (s *structure) aEntriesInRows(r0, r1 int) int {
	cnt := 0
	for _, i := range s.st.A.Rowval {
		if i >= r0 && i < r1 {
			cnt++
		}
	}
	return cnt
}

// readInputsDeferred adapts the caller's values to Go slices and checks
// their sizes and strides and the finiteness of the shared (stride 0)
// operands, each error naming the argument, the index (the global row of
// A and b) and the batch element. The batched operands' finiteness is
// tested by each sample, on the worker that reads them (inputs.loadChecked,
// in the pass that gathers them, or sampleFinite), in parallel: the whole
// batch on the calling thread was ~1.4 ms of a ~14 ms LP backward; a call
// with a failed sample returns finiteErr — the error a test of every value
// before the work would have returned. At B = 1 the shared operands are
// the sample's, tested with it (the Python layer passes an unbatched
// input as shared: a separate pass over them was the one loadChecked
// saves).
func (s *structure) readInputsDeferred(nb int, v *C.lpgd_values) (*inputs, error) {
	if v == nil {
		return nil, argErr("values is NULL")
	}
	in := inputsPool.Get().(*inputs)
	in.s = s
	in.one = nb == 1
	err := s.readInto(in, nb, v)
	if err == nil && !in.one {
		err = in.sharedFiniteErr(nb)
	}
	if err != nil {
		in.release()
		return nil, err
	}
	return in, nil
}

// finiteErr reports the first non-finite entry of the inputs: the
// operands in the order P, c, then each row block's A and b, each over the
// batch in order (nil when every entry is finite).
func (in *inputs) finiteErr(nb int) error {
	for _, op := range []*operand{&in.p, &in.c} {
		if err := op.checkFinite(nb); err != nil {
			return err
		}
	}
	for bi := range in.blocks {
		if err := in.blocks[bi].a.checkFinite(nb); err != nil {
			return err
		}
		if err := in.blocks[bi].b.checkFinite(nb); err != nil {
			return err
		}
	}
	return nil
}

// sharedFiniteErr is finiteErr when a shared operand has a non-finite
// entry (finiteErr then names the first one, which may be in a batched
// operand before it), else nil: the batched operands are left to
// sampleFinite.
func (in *inputs) sharedFiniteErr(nb int) error {
	ok := (in.p.stride != 0 || vec.AllFinite(in.p.at(0))) && (in.c.stride != 0 || vec.AllFinite(in.c.at(0)))
	for bi := range in.blocks {
		blk := &in.blocks[bi]
		ok = ok && (blk.a.stride != 0 || vec.AllFinite(blk.a.at(0))) && (blk.b.stride != 0 || vec.AllFinite(blk.b.at(0)))
	}
	if ok {
		return nil
	}
	return in.finiteErr(nb)
}

// sampleFinite reports whether sample k's batched operands are finite (the
// shared ones are sharedFiniteErr's, but in a call of one sample).
func (in *inputs) sampleFinite(k int) bool {
	test := func(op *operand) bool { return (op.stride == 0 && !in.one) || vec.AllFinite(op.at(k)) }
	ok := test(&in.p) && test(&in.c)
	for bi := range in.blocks {
		ok = ok && test(&in.blocks[bi].a) && test(&in.blocks[bi].b)
	}
	return ok
}

// readInto is readInputsDeferred's work on a pooled in, but the
// finiteness checks.
func (s *structure) readInto(in *inputs, nb int, v *C.lpgd_values) error {
	n, m := s.st.N, s.st.M
	var err error
	if in.p, err = newOperand("P", v.P, s.pSize(), nb, true); err != nil {
		return err
	}
	if s.pLayout == layoutDense {
		in.p.cols = n
	}
	if in.c, err = newOperand("c", v.c, n, nb, true); err != nil {
		return err
	}
	if v.nblocks < 0 || (v.nblocks > 0 && v.blocks == nil) {
		return argErr("values: nblocks is %d with blocks %v", v.nblocks, v.blocks != nil)
	}
	var cb []C.lpgd_row_block
	if v.nblocks > 0 {
		cb = unsafe.Slice(v.blocks, int(v.nblocks))
	}
	if cap(in.blocks) < len(cb) {
		in.blocks = make([]rowBlock, len(cb))
	}
	in.blocks = in.blocks[:len(cb)]
	r0 := 0
	for bi, blk := range cb {
		rows := int(blk.rows)
		if blk.rows < 0 || r0+rows > m {
			return argErr("row block %d: rows = %d does not fit in the %d rows of A (block starts at row %d)", bi, blk.rows, m, r0)
		}
		named := -1
		if len(cb) > 1 {
			named = bi
		}
		size := rows * n
		if s.aLayout != layoutDense {
			size = s.aEntriesInRows(r0, r0+rows)
		}
		rb := rowBlock{r0: r0, rows: rows}
		if rb.a, err = newBlockOperand("A", named, blk.A, size, nb, true); err != nil {
			return err
		}
		if rb.b, err = newBlockOperand("b", named, blk.b, rows, nb, true); err != nil {
			return err
		}
		rb.b.row0 = r0
		if s.aLayout == layoutDense {
			rb.a.row0, rb.a.cols = r0, n
		}
		in.blocks[bi] = rb
		r0 += rows
	}
	if r0 != m {
		return argErr("values: the row blocks cover %d rows, A has %d", r0, m)
	}
	return nil
}

// loadChecked fills w.vals with sample k's values, gathering dense
// layouts and row blocks into the worker's buffers, and tests them for
// finiteness in the same passes: the dense gathers sum what they write
// (problem.GatherDensePFinite, TransposeFinite), and only a sum that is
// not finite sends the operand to vec.AllFinite. It returns false when an
// entry of one of the sample's operands is not finite (w.vals is then
// partly loaded) — sampleFinite's answer, without its separate pass over
// P and A (a second read of the caller's P and A before each gather).
//
// The shared operands of a batch, tested once before the samples
// (sharedFiniteErr), are not tested again (inputs.tested).
//
// With sc, a dense P is also measured for the PSD test in the same pass
// (problem.GatherDensePScan): *sc is then linsys.ScanSquare's result.
// Without, a dense P whose off-diagonal entries are all +0 (the ε-ridge
// LPs' εI) is gathered by problem.GatherDensePDiagonal (its off-diagonal
// read as bits, the values' off-diagonal part cleared), and w.pDiag says
// so (lpgd_backward declares it to diff).
func (in *inputs) loadChecked(w *worker, k int, sc *linsys.SquareScan) bool {
	s := in.s
	w.pDiag = false
	if s.hasP {
		p := in.p.at(k)
		switch {
		case s.pLayout != layoutDense:
			copy(w.vals.P, p)
			if !in.tested(&in.p) && !vec.AllFinite(p) {
				return false
			}
		case sc != nil:
			ps, ok := s.st.GatherDensePScan(w.vals.P, p)
			switch {
			case ok:
				*sc = linsys.SquareScan{Asym: ps.Asym, Scale: ps.Scale, Fro2: ps.Fro2, LowerZero: ps.LowerZero}
			case !vec.AllFinite(p):
				return false
			default: // finite, with an overflowing Σ P[i,j]²
				*sc = linsys.ScanSquare(p, s.st.N)
			}
		case gatherDiagonalP && (len(p) < 2 || math.Float64bits(p[1]) == 0) && s.st.GatherDensePDiagonal(w.vals.P, p):
			// F[0,1] = +0 first, inline: a QP's dense P (not diagonal)
			// skips the call and its code.
			w.pDiag = true // finite: its diagonal tested, the rest +0
		default:
			if !s.st.GatherDensePFinite(w.vals.P, p) && !in.tested(&in.p) && !vec.AllFinite(p) {
				return false
			}
		}
	}
	w.vals.C = in.c.at(k)
	if !in.tested(&in.c) && !vec.AllFinite(w.vals.C) {
		return false
	}
	switch len(in.blocks) {
	case 0:
		w.vals.B = []float64{}
		return true
	case 1:
		blk := &in.blocks[0]
		a := blk.a.at(k)
		switch {
		case s.aLayout != layoutDense:
			copy(w.vals.A, a)
		case s.st.DenseA():
			if problem.TransposeFinite(w.vals.A, s.st.M, a, s.st.M, s.st.N) {
				a = nil // tested
			}
		default:
			s.st.GatherDenseA(w.vals.A, a)
		}
		w.vals.B = blk.b.at(k)
		if in.tested(&blk.a) {
			a = nil
		}
		return vec.AllFinite(a) && (in.tested(&blk.b) || vec.AllFinite(w.vals.B))
	}
	ok := in.gatherA(w, k)
	for bi := range in.blocks {
		blk := &in.blocks[bi]
		b := blk.b.at(k)
		copy(w.b[blk.r0:blk.r0+blk.rows], b)
		ok = ok && (in.tested(&blk.b) || vec.AllFinite(b))
	}
	w.vals.B = w.b
	return ok
}

// gatherDiagonalP enables loadChecked's diagonal gather of a dense P
// (problem.GatherDensePDiagonal); tests switch it off to compare with
// the full gather.
var gatherDiagonalP = true

// pDiagHook, when not nil (tests only: nil in the library, a test of a
// global per sample), is told for each sample k whether its P was
// gathered by the diagonal path (w.pDiag): by lpgd_solve once the
// sample's values are loaded (backward false), by lpgd_backward with
// what its workspace was told (backward true, Workspace.PDiagonal after
// SetPDiagonal). It runs on the sample's goroutine; the tests record by
// k.
var pDiagHook func(k int, backward, diag bool)

// gatherA writes A's values on its pattern from several row blocks and
// reports whether they are all finite (as loadChecked). The rows of a
// column are increasing, so the block of each entry only moves forward
// within a column.
func (in *inputs) gatherA(w *worker, k int) bool {
	s := in.s
	n := s.st.N
	cp, rv := s.st.A.Colptr, s.st.A.Rowval
	dense := s.aLayout == layoutDense
	if dense && s.st.DenseA() {
		// Full pattern: each block is the transpose of its row-major rows,
		// at its row offset of every column.
		ok := true
		for bi := range in.blocks {
			blk := &in.blocks[bi]
			a := blk.a.at(k)
			if !problem.TransposeFinite(w.vals.A[blk.r0:], s.st.M, a, blk.rows, n) {
				ok = ok && (in.tested(&blk.a) || vec.AllFinite(a))
			}
		}
		return ok
	}
	if cap(w.cursor) < len(in.blocks) {
		w.cursor = make([]int, len(in.blocks))
	}
	cur := w.cursor[:len(in.blocks)]
	for i := range cur {
		cur[i] = 0
	}
	for j := 0; j < n; j++ {
		bi := 0
		for p := cp[j]; p < cp[j+1]; p++ {
			i := rv[p]
			for i >= in.blocks[bi].r0+in.blocks[bi].rows {
				bi++
			}
			blk := &in.blocks[bi]
			src := blk.a.at(k)
			if dense {
				w.vals.A[p] = src[(i-blk.r0)*n+j]
			} else {
				w.vals.A[p] = src[cur[bi]]
				cur[bi]++
			}
		}
	}
	ok := true
	for bi := range in.blocks {
		blk := &in.blocks[bi]
		ok = ok && (in.tested(&blk.a) || vec.AllFinite(blk.a.at(k)))
	}
	return ok
}

// tested reports whether op's finiteness was tested before the samples
// (sharedFiniteErr: a shared operand of a batch), so that loadChecked
// need not test it again in every sample.
func (in *inputs) tested(op *operand) bool { return op.stride == 0 && !in.one }
