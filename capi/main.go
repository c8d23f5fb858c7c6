// Command capi builds liblpgd.so, the C ABI of lpgd_go
// (go build -buildmode=c-shared -o liblpgd.so ./capi). The ABI is documented
// in lpgd.h; this package only adapts C memory to gocore: main.go holds the
// call codes, settings and small exports, handles.go the structure handles,
// values.go the batched operands, calls.go lpgd_solve and lpgd_backward
// (run over the batch by gocore/batch). Every export recovers panics and
// reports them as LPGD_E_INTERNAL; a panic while solving one sample is
// reported as LPGD_STATUS_INTERNAL_ERROR for that sample. Test hooks
// (lpgd_debug_panic) exist only when built with -tags lpgd_debug.
package main

/*
#cgo CFLAGS: -O2
#define LPGD_NO_PROTOTYPES
#include <stdlib.h>
#include <string.h>
#include "lpgd.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/batch"
	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

func main() {}

// abiVersion is LPGD_ABI_VERSION.
const abiVersion = 9

// Call codes (mirrors lpgd.h; TestHeaderAgreesWithGo checks them).
const (
	codeOK       = 0
	codeArgument = -1
	codeData     = -2
	codeSettings = -3
	codeHandle   = -4
	codeInternal = -5
)

// codeMessages are the texts of lpgd_error_message, one per call code.
var codeMessages = map[int32]string{
	codeOK:       "success",
	codeArgument: "argument error (bad shape, stride, NULL pointer, cone or pattern)",
	codeData:     "data error (NaN, Inf or otherwise invalid numeric data)",
	codeSettings: "settings error (invalid solver settings or backward options)",
	codeHandle:   "handle error (unknown or freed structure handle)",
	codeInternal: "internal error (recovered panic or internal failure)",
}

// codeCStrings holds the C copies of codeMessages (and unknownCode), made
// once and never freed, so that lpgd_error_message returns static strings.
var (
	codeCStrings = func() map[int32]*C.char {
		out := make(map[int32]*C.char, len(codeMessages))
		for c, msg := range codeMessages {
			out[c] = C.CString(msg)
		}
		return out
	}()
	unknownCode = C.CString("unknown call code")
)

// Layouts (mirrors lpgd.h).
const (
	layoutCSC   = 0
	layoutDense = 1
	layoutNone  = 2
)

// callError carries a call code and a message.
type callError struct {
	code int32
	msg  string
}

func (e *callError) Error() string { return e.msg }

func argErr(format string, a ...any) error {
	return &callError{codeArgument, fmt.Sprintf(format, a...)}
}

// codeOf maps an error to its call code.
func codeOf(err error) int32 {
	var ce *callError
	switch {
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, problem.ErrNotFinite):
		return codeData
	case errors.Is(err, problem.ErrDimension), errors.Is(err, problem.ErrPattern), errors.Is(err, problem.ErrCone):
		return codeArgument
	case errors.Is(err, ipm.ErrSettings), errors.Is(err, diff.ErrOptions), errors.Is(err, diff.ErrUnsupported):
		return codeSettings
	case errors.Is(err, batch.ErrInternal):
		return codeInternal
	}
	return codeInternal
}

// writeErr copies msg into the caller's buffer, always NUL-terminated.
func writeErr(buf *C.char, n C.int64_t, msg string) {
	if buf == nil || n <= 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	k := copy(b[:len(b)-1], msg)
	b[k] = 0
}

// finish converts (err, panic) into a call code and message.
func finish(errp *error, code *C.int32_t, buf *C.char, n C.int64_t) {
	if r := recover(); r != nil {
		*errp = &callError{codeInternal, fmt.Sprintf("internal error (recovered panic): %v", r)}
	}
	if *errp != nil {
		*code = C.int32_t(codeOf(*errp))
		writeErr(buf, n, (*errp).Error())
		return
	}
	*code = codeOK
}

//export lpgd_abi_version
func lpgd_abi_version() C.int32_t { return abiVersion }

//export lpgd_error_message
func lpgd_error_message(code C.int32_t) *C.char {
	if s, ok := codeCStrings[int32(code)]; ok {
		return s
	}
	return unknownCode
}

var numThreads atomic.Int64

func threads() int {
	t := int(numThreads.Load())
	if t <= 0 {
		t = runtime.NumCPU()
	}
	return t
}

//export lpgd_set_num_threads
func lpgd_set_num_threads(n C.int64_t) (code C.int32_t) {
	defer func() {
		if recover() != nil {
			code = codeInternal
		}
	}()
	if n <= 0 {
		numThreads.Store(0)
		return codeOK
	}
	numThreads.Store(int64(n))
	if runtime.GOMAXPROCS(0) < int(n) {
		runtime.GOMAXPROCS(int(n))
	}
	return codeOK
}

//export lpgd_get_num_threads
func lpgd_get_num_threads() C.int64_t { return C.int64_t(threads()) }

func settingsToC(s ipm.Settings, out *C.lpgd_settings) {
	out.size = C.int64_t(unsafe.Sizeof(*out))
	out.max_iter = C.int64_t(s.MaxIter)
	out.tol_gap_abs = C.double(s.TolGapAbs)
	out.tol_gap_rel = C.double(s.TolGapRel)
	out.tol_feas = C.double(s.TolFeas)
	out.tol_infeas_abs = C.double(s.TolInfeasAbs)
	out.tol_infeas_rel = C.double(s.TolInfeasRel)
	out.reduced_tol_gap = C.double(s.ReducedTolGap)
	out.reduced_tol_feas = C.double(s.ReducedTolFeas)
	out.static_reg = C.double(s.StaticReg)
	out.iter_refine_max = C.int64_t(s.IterRefineMax)
	out.max_step_fraction = C.double(s.MaxStepFraction)
	out.equilibrate = 0
	if s.Equilibrate {
		out.equilibrate = 1
	}
	out.equilibrate_iters = C.int64_t(s.EquilibrateIters)
	out.linear_solver = C.int64_t(s.LinearSolver)
	out.time_limit = C.double(s.TimeLimit)
	out.call_time_limit = C.double(s.CallTimeLimit)
	out.cancel_token = 0
	out.polish = 0
	if s.Polish {
		out.polish = 1
	}
	out.accept_almost_solved = 0
	if s.AcceptAlmostSolved {
		out.accept_almost_solved = 1
	}
}

func settingsFromC(in *C.lpgd_settings) (ipm.Settings, error) {
	if in == nil {
		return ipm.DefaultSettings(), nil
	}
	if int(in.size) != int(unsafe.Sizeof(*in)) {
		return ipm.Settings{}, &callError{codeSettings, fmt.Sprintf("settings.size is %d, want %d (ABI mismatch)", in.size, unsafe.Sizeof(*in))}
	}
	s := ipm.Settings{
		MaxIter:          int(in.max_iter),
		TolGapAbs:        float64(in.tol_gap_abs),
		TolGapRel:        float64(in.tol_gap_rel),
		TolFeas:          float64(in.tol_feas),
		TolInfeasAbs:     float64(in.tol_infeas_abs),
		TolInfeasRel:     float64(in.tol_infeas_rel),
		ReducedTolGap:    float64(in.reduced_tol_gap),
		ReducedTolFeas:   float64(in.reduced_tol_feas),
		StaticReg:        float64(in.static_reg),
		IterRefineMax:    int(in.iter_refine_max),
		MaxStepFraction:  float64(in.max_step_fraction),
		Equilibrate:      in.equilibrate != 0,
		EquilibrateIters: int(in.equilibrate_iters),
		LinearSolver:     ipm.LinearSolver(in.linear_solver),
		TimeLimit:        float64(in.time_limit),
		CallTimeLimit:    float64(in.call_time_limit),
		Polish:           in.polish != 0,

		AcceptAlmostSolved: in.accept_almost_solved != 0,
	}
	return s, s.Validate()
}

func optionsToC(o diff.Options, out *C.lpgd_backward_opts) {
	out.size = C.int64_t(unsafe.Sizeof(*out))
	out.method = C.int64_t(o.Method)
	out.tau = C.double(o.Tau)
	out.rho = C.double(o.Rho)
	out.side = C.int64_t(o.Side)
	out.fallback = C.int64_t(o.Fallback)
	out.fast_path = 0
	if o.FastPath {
		out.fast_path = 1
	}
	out.max_halvings = C.int64_t(o.MaxHalvings)
	out.bpqp_solver = C.int64_t(o.BPQPSolver)
	out.active_tol = C.double(o.ActiveTol)
	out.admm_eps = C.double(o.ADMMEps)
	out.admm_max_iter = C.int64_t(o.ADMMMaxIter)
	out.admm_rho = C.double(o.ADMMRho)
	out.tau_auto = 0
	if o.TauAuto {
		out.tau_auto = 1
	}
	out.tau_target = C.double(o.TauTarget)
}

func optionsFromC(in *C.lpgd_backward_opts) (diff.Options, error) {
	if in == nil {
		return diff.DefaultOptions(), nil
	}
	if int(in.size) != int(unsafe.Sizeof(*in)) {
		return diff.Options{}, &callError{codeSettings, fmt.Sprintf("backward_opts.size is %d, want %d (ABI mismatch)", in.size, unsafe.Sizeof(*in))}
	}
	o := diff.Options{
		Method:      diff.Method(in.method),
		Tau:         float64(in.tau),
		Rho:         float64(in.rho),
		Side:        diff.Side(in.side),
		Fallback:    diff.Fallback(in.fallback),
		FastPath:    in.fast_path != 0,
		MaxHalvings: int(in.max_halvings),
		BPQPSolver:  diff.BPQPSolver(in.bpqp_solver),
		ActiveTol:   float64(in.active_tol),
		ADMMEps:     float64(in.admm_eps),
		ADMMMaxIter: int(in.admm_max_iter),
		ADMMRho:     float64(in.admm_rho),
		TauAuto:     in.tau_auto != 0,
		TauTarget:   float64(in.tau_target),
	}
	if in.tau_auto != 0 && in.tau_auto != 1 {
		return diff.Options{}, &callError{codeSettings, fmt.Sprintf("backward_opts.tau_auto must be 0 or 1, got %d", in.tau_auto)}
	}
	return o, o.Validate()
}

//export lpgd_default_settings
func lpgd_default_settings(out *C.lpgd_settings) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	if out == nil {
		err = argErr("out is NULL")
		return
	}
	settingsToC(ipm.DefaultSettings(), out)
	return
}

//export lpgd_default_backward
func lpgd_default_backward(out *C.lpgd_backward_opts) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	if out == nil {
		err = argErr("out is NULL")
		return
	}
	optionsToC(diff.DefaultOptions(), out)
	return
}
