package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

import (
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
	// Symmetry first, over the whole batch: the first asymmetric element is
	// the error (as the Python layer reported it before).
	for k := 0; k < count; k++ {
		asym, scale := linsys.MaxAsymmetry(arr.at(k), n)
		if asym > float64(symTol)*scale {
			*bad, *value = C.int64_t(k), C.double(asym)
			return
		}
	}
	t := threads()
	if work := float64(count) * float64(n) * float64(n) * float64(n) / 3; work < psdSerialWork {
		t = 1
	}
	if t > count {
		t = count
	}
	check := func(lo, hi int) {
		w := make([]float64, n*n)
		for k := lo; k < hi; k++ {
			if !linsys.ShiftedCholeskyOK(arr.at(k), n, float64(shift), w) {
				infos[k] = 1
			}
		}
	}
	if t <= 1 {
		check(0, count)
		return
	}
	var wg sync.WaitGroup
	for g := 1; g < t; g++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			check(lo, hi)
		}(g*count/t, (g+1)*count/t)
	}
	check(0, count/t) // chunk 0 on the calling thread
	wg.Wait()
	return
}
