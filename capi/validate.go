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

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// psdSerialWork is the batch work (Σ n³/3 multiply–adds) below which
// lpgd_check_psd runs on the calling thread: waking another thread costs
// more than it saves, and on a busy machine far more.
const psdSerialWork = 2_000_000

//export lpgd_check_psd
func lpgd_check_psd(cn, cbatch C.int64_t, P *C.lpgd_operand,
	symTol, shift C.double, bad *C.int64_t, value *C.double, info *C.int32_t,
	errBuf *C.char, errLen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, errBuf, errLen)
	n, batch := int(cn), int(cbatch)
	switch {
	case n < 0 || batch <= 0:
		err = argErr("check_psd: need n >= 0 and batch > 0, got n=%d, batch=%d", n, batch)
		return
	case P == nil || bad == nil || value == nil || info == nil:
		err = argErr("check_psd: P, bad, value and info must not be NULL")
		return
	}
	count := batch
	if P.stride == 0 {
		count = 1
	}
	infos := unsafe.Slice((*int32)(unsafe.Pointer(info)), count)
	*bad, *value = -1, 0
	for i := range infos {
		infos[i] = 0
	}
	if n == 0 {
		return
	}
	arr, err := newOperand("P", *P, n*n, batch, true)
	if err != nil {
		return
	}
	k, asym := checkPSD(arr, n, batch, float64(symTol), float64(shift), infos)
	if k >= 0 {
		*bad, *value = C.int64_t(k), C.double(asym)
	}
	return
}

// checkPSD tests the dense n×n elements of P (batch elements, one when
// shared): symmetry first, over the whole batch (the first element with
// max|P − Pᵀ| > symTol·max(1, max|P|) is returned with that maximum, and
// nothing else is tested), else infos[k] = 1 for each element whose
// Cholesky factorization of P + shift·max(1, ‖P‖_F)·I fails (infos has one
// entry per element; the others are left as they are) and −1.
func checkPSD(arr operand, n, batch int, symTol, shift float64, infos []int32) (bad int, asym float64) {
	count := batch
	if arr.stride == 0 {
		count = 1
	}
	if n == 0 || arr.data == nil {
		return -1, 0
	}
	if count == 1 {
		return checkPSDOne(arr.at(0), n, symTol, shift, infos)
	}
	for k := 0; k < count; k++ {
		a, scale := linsys.MaxAsymmetry(arr.at(k), n)
		if a > symTol*scale {
			return k, a
		}
	}
	t := threads()
	if work := float64(count) * float64(n) * float64(n) * float64(n) / 3; work < psdSerialWork {
		t = 1
	}
	if t > count {
		t = count
	}
	if t <= 1 {
		checkPSDRange(arr, n, shift, infos, 0, count)
		return -1, 0
	}
	parallelPSD(arr, n, shift, infos, count, t)
	return -1, 0
}

// checkPSDOne is checkPSD for one element p (B = 1, or P shared across
// the batch: the QP layer's calls one by one): the symmetry test's maxima,
// ‖p‖_F and the lower-triangle test in one pass (linsys.ScanSquare, which
// read p three times as MaxAsymmetry and ShiftedCholeskyOK), then the
// factorization.
func checkPSDOne(p []float64, n int, symTol, shift float64, infos []int32) (bad int, asym float64) {
	sc := linsys.ScanSquare(p, n)
	if sc.Asym > symTol*sc.Scale {
		return 0, sc.Asym
	}
	w := getPSDWork(n * n)
	if !linsys.ShiftedCholeskyOKScan(p, n, shift, sc, *w) {
		infos[0] = 1
	}
	psdWork.Put(w)
	return -1, 0
}

// parallelPSD is checkPSD's factorizations of count elements on t
// threads, chunk 0 on the calling thread. (Apart from checkPSD so that
// the goroutines' captured variables are not allocated on the serial
// path.)
func parallelPSD(arr operand, n int, shift float64, infos []int32, count, t int) {
	var wg sync.WaitGroup
	for g := 1; g < t; g++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			checkPSDRange(arr, n, shift, infos, lo, hi)
		}(g*count/t, (g+1)*count/t)
	}
	checkPSDRange(arr, n, shift, infos, 0, count/t)
	wg.Wait()
}

// checkPSDRange sets infos[k] = 1 for each element k in [lo, hi) whose
// shifted Cholesky factorization fails, with a workspace from psdWork.
func checkPSDRange(arr operand, n int, shift float64, infos []int32, lo, hi int) {
	w := getPSDWork(n * n)
	for k := lo; k < hi; k++ {
		if !linsys.ShiftedCholeskyOK(arr.at(k), n, shift, *w) {
			infos[k] = 1
		}
	}
	psdWork.Put(w)
}

// psdWork holds the factorization workspaces of checkPSD (*[]float64):
// lpgd_solve tests P on every call of the QP layer, and a fresh n×n
// buffer per call was 80 KB of allocation and clearing at n = 100.
var psdWork sync.Pool

// getPSDWork returns a workspace of at least size elements from psdWork
// (ShiftedCholeskyOK overwrites what it reads).
func getPSDWork(size int) *[]float64 {
	if w, ok := psdWork.Get().(*[]float64); ok && cap(*w) >= size {
		*w = (*w)[:size]
		return w
	}
	w := make([]float64, size)
	return &w
}

// psdAsked reports whether the values ask for the PSD test of P (a dense
// P and psd_shift > 0).
func (in *inputs) psdAsked(shift float64) bool {
	return shift > 0 && in.s.hasP && in.s.pLayout == layoutDense
}

// psdOutcome is the PSD test's result for one element of P.
type psdOutcome int8

const (
	psdOK         psdOutcome = iota
	psdAsymmetric            // max |P − Pᵀ| > symTol·max(1, max |P|)
	psdNotPSD                // the shifted Cholesky factorization failed
)

// psdTest is checkPSDOne's decision for sample k's P from sc, its
// linsys.ScanSquare measures (inputs.loadChecked takes them when it
// gathers P), with the asymmetry when it is psdAsymmetric.
func (in *inputs) psdTest(k int, symTol, shift float64, sc linsys.SquareScan) (psdOutcome, float64) {
	if sc.Asym > symTol*sc.Scale {
		return psdAsymmetric, sc.Asym
	}
	n := in.s.st.N
	w := getPSDWork(n * n)
	ok := linsys.ShiftedCholeskyOKScan(in.p.at(k), n, shift, sc, *w)
	psdWork.Put(w)
	if !ok {
		return psdNotPSD, 0
	}
	return psdOK, 0
}

// psdErr is the data error of batch element k's failed PSD test (the
// Python layer then gives the eigenvalue message).
func (in *inputs) psdErr(k int, bad psdOutcome, asym, shift float64) error {
	where := "P"
	if in.p.stride != 0 {
		where = fmt.Sprintf("P (batch element %d)", k)
	}
	if bad == psdAsymmetric {
		return &callError{codeData, fmt.Sprintf("%s is not symmetric: max |P - P^T| = %.3g", where, asym)}
	}
	return &callError{codeData, fmt.Sprintf("%s is not positive semidefinite: the Cholesky factorization of P + %g·max(1, ‖P‖_F)·I failed", where, shift)}
}

// dataErr is the data error of lpgd_solve's values, tested before the
// call's work: the first non-finite entry, else the PSD test's failure
// (nil when there is none). The forward tests them in its samples; a
// call that fails before they all ran (an argument error found after
// them, a recovered panic) reports this first, as when the tests ran
// before everything else.
func (in *inputs) dataErr(nb int, symTol, shift float64) error {
	if err := in.finiteErr(nb); err != nil {
		return err
	}
	return in.checkValuesPSD(nb, symTol, shift)
}

// checkValuesPSD is lpgd_solve's test of a dense P when the values ask for
// it (psd_shift > 0): a data error naming the first failing batch element.
func (in *inputs) checkValuesPSD(nb int, symTol, shift float64) error {
	if !in.psdAsked(shift) {
		return nil
	}
	n := in.s.st.N
	count := nb
	if in.p.stride == 0 {
		count = 1
	}
	if cap(in.psdInfos) < count {
		in.psdInfos = make([]int32, count)
	}
	infos := in.psdInfos[:count]
	clear(infos)
	if k, asym := checkPSD(in.p, n, nb, symTol, shift, infos); k >= 0 {
		return in.psdErr(k, psdAsymmetric, asym, shift)
	}
	for k, bad := range infos {
		if bad != 0 {
			return in.psdErr(k, psdNotPSD, 0, shift)
		}
	}
	return nil
}
