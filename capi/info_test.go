package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

func TestBuildInfo(t *testing.T) {
	text, code := testBuildInfo(4096)
	if code != codeOK {
		t.Fatalf("lpgd_build_info(4096) = %d", code)
	}
	if text != buildInfo() {
		t.Fatalf("copied text differs from buildInfo():\n%s\nvs\n%s", text, buildInfo())
	}
	kv := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line %q is not key=value", line)
		}
		kv[k] = v
	}
	for k, want := range map[string]string{
		"abi": fmt.Sprint(abiVersion), "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH,
		"kernels": vec.Kernels(),
	} {
		if kv[k] != want {
			t.Errorf("%s = %q, want %q", k, kv[k], want)
		}
	}
}

func TestBuildInfoBufferErrors(t *testing.T) {
	full := buildInfo()
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"null", -1, ""},
		{"one byte", 1, ""},
		{"short", 10, full[:9]},
		{"exact minus one", len(full), full[:len(full)-1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, code := testBuildInfo(tc.n)
			if code != codeArgument {
				t.Fatalf("code = %d, want %d", code, codeArgument)
			}
			if got != tc.want {
				t.Fatalf("text = %q, want %q (truncated, NUL-terminated)", got, tc.want)
			}
		})
	}
	if got, code := testBuildInfo(len(full) + 1); code != codeOK || got != full {
		t.Fatalf("exact size: code %d, text %q", code, got)
	}
}
