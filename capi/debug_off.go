//go:build !lpgd_debug

package main

// Without the lpgd_debug build tag the test hooks do nothing (and the
// library exports no lpgd_debug_panic).

func debugExportPanic() {}

func debugWorkerPanic(int) {}

func debugCheckPanic() {}
