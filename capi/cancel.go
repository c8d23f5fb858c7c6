package main

/*
#include "lpgd.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// Cancel tokens (issue 14): a token names an atomic flag that lpgd_cancel
// sets and that the solves of every call carrying the token poll once per
// iteration.
var (
	cancelMu   sync.Mutex
	cancelNext uint64 = 1
	cancels           = map[uint64]*atomic.Bool{}
)

//export lpgd_cancel_token_new
func lpgd_cancel_token_new(out *C.uint64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	if out == nil {
		err = argErr("token_out is NULL")
		return
	}
	cancelMu.Lock()
	defer cancelMu.Unlock()
	t := cancelNext
	cancelNext++
	cancels[t] = new(atomic.Bool)
	*out = C.uint64_t(t)
	return
}

//export lpgd_cancel
func lpgd_cancel(token C.uint64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	var flag *atomic.Bool
	if flag, err = cancelFlag(uint64(token)); err == nil {
		flag.Store(true)
	}
	return
}

//export lpgd_cancel_token_free
func lpgd_cancel_token_free(token C.uint64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	cancelMu.Lock()
	defer cancelMu.Unlock()
	if _, ok := cancels[uint64(token)]; !ok {
		err = &callError{codeHandle, fmt.Sprintf("invalid or freed cancel token %d", uint64(token))}
		return
	}
	delete(cancels, uint64(token))
	return
}

//export lpgd_cancel_token_count
func lpgd_cancel_token_count() C.int64_t {
	cancelMu.Lock()
	defer cancelMu.Unlock()
	return C.int64_t(len(cancels))
}

func cancelFlag(t uint64) (*atomic.Bool, error) {
	cancelMu.Lock()
	defer cancelMu.Unlock()
	f, ok := cancels[t]
	if !ok {
		return nil, &callError{codeHandle, fmt.Sprintf("invalid or freed cancel token %d", t)}
	}
	return f, nil
}

// interruptFromC builds the interrupt of one call: its deadline
// (call_time_limit) and the flag of its cancel token.
func interruptFromC(in *C.lpgd_settings, set ipm.Settings) (ipm.Interrupt, error) {
	var it ipm.Interrupt
	if set.CallTimeLimit > 0 {
		it.Deadline = time.Now().Add(time.Duration(set.CallTimeLimit * float64(time.Second)))
	}
	if in != nil && int(in.size) == int(unsafe.Sizeof(*in)) && in.cancel_token != 0 {
		f, err := cancelFlag(uint64(in.cancel_token))
		if err != nil {
			return it, &callError{codeSettings, "settings.cancel_token: " + err.Error()}
		}
		it.Cancel = f
	}
	return it, nil
}
