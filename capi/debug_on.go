//go:build lpgd_debug

package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

import (
	"fmt"
	"sync/atomic"
)

// Test hooks, built only with -tags lpgd_debug (the Makefile's test targets
// build such a library for the tests that exercise panic recovery).
var (
	debugMode   atomic.Int32
	debugSample atomic.Int64
)

func debugExportPanic() {
	if debugMode.Load() == 1 {
		debugMode.Store(0)
		panic("debug panic requested by lpgd_debug_panic")
	}
}

func debugWorkerPanic(k int) {
	if debugMode.Load() == 2 && int64(k) == debugSample.Load() {
		panic(fmt.Sprintf("debug panic in worker for batch element %d", k))
	}
}

//export lpgd_debug_panic
func lpgd_debug_panic(mode C.int32_t, sample C.int64_t) C.int32_t {
	debugMode.Store(int32(mode))
	debugSample.Store(int64(sample))
	return codeOK
}

func testDebugPanic(mode int32, sample int64) { lpgd_debug_panic(C.int32_t(mode), C.int64_t(sample)) }

// debugCheckPanic panics in the deferred PSD test's check (mode 3), with
// its verdict still pending.
func debugCheckPanic() {
	if debugMode.Load() == 3 {
		panic("debug panic in the PSD check")
	}
}
