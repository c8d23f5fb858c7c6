package vec

import (
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

// Kernels reports the path the CPU's features select (what show_config prints).
func TestKernelsNamesTheSelectedPath(t *testing.T) {
	want := "generic"
	if runtime.GOARCH == "amd64" && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		want = "avx2+fma"
	}
	if got := Kernels(); got != want {
		t.Fatalf("Kernels() = %q on %s, want %q", got, runtime.GOARCH, want)
	}
}
