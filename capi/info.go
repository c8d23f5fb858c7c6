package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// buildInfo describes this build of the library as "key=value" lines: the ABI
// version, the Go version and target it was built with, the vector kernels the
// CPU selects, the CPU count, and (from the embedded build information) the
// module versions and build settings such as CGO_ENABLED, GOAMD64 and -ldflags.
func buildInfo() string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	line("abi", fmt.Sprint(lpgd_abi_version()))
	line("go", runtime.Version())
	line("os", runtime.GOOS)
	line("arch", runtime.GOARCH)
	line("kernels", vec.Kernels())
	line("num_cpu", fmt.Sprint(runtime.NumCPU()))
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path != "" {
			line("module", bi.Main.Path)
		}
		for _, d := range bi.Deps {
			line("dep", d.Path+" "+d.Version)
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "CGO_ENABLED", "GOAMD64", "GOARM64", "-ldflags", "-trimpath", "-mod",
				"vcs.revision", "vcs.modified":
				line("build."+s.Key, s.Value)
			}
		}
	}
	return b.String()
}

//export lpgd_build_info
func lpgd_build_info(out *C.char, outlen C.int64_t) (code C.int32_t) {
	var err error
	defer finish(&err, &code, nil, 0)
	if out == nil || outlen <= 0 {
		err = argErr("lpgd_build_info: out is NULL or outlen <= 0")
		return
	}
	text := buildInfo()
	writeErr(out, outlen, text)
	if int64(outlen) < int64(len(text))+1 {
		err = argErr("lpgd_build_info: buffer of %d bytes too small, need %d", outlen, len(text)+1)
	}
	return
}

// testBuildInfo calls lpgd_build_info through C memory of n bytes (n < 0: a
// NULL buffer) for the Go tests, which cannot use cgo themselves.
func testBuildInfo(n int) (string, int32) {
	if n < 0 {
		return "", int32(lpgd_build_info(nil, 0))
	}
	buf := (*C.char)(C.malloc(C.size_t(n + 1)))
	defer C.free(unsafe.Pointer(buf))
	code := lpgd_build_info(buf, C.int64_t(n))
	return C.GoString(buf), int32(code)
}
