package linsys

import "golang.org/x/sys/cpu"

// useAVX reports whether the AVX2/FMA kernels may be used.
var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// simdMin is the vector length from which the assembly kernels pay off.
const simdMin = 8

//go:noescape
func dotAVX(a, b *float64, n int) float64

//go:noescape
func axpyAVX(alpha float64, x, y *float64, n int)

// dot returns Σ a[k] b[k] (len(b) ≥ len(a)).
func dot(a, b []float64) float64 {
	n := len(a)
	b = b[:n]
	if useAVX && n >= simdMin {
		return dotAVX(&a[0], &b[0], n)
	}
	return dotGeneric(a, b)
}

// axpy computes y[k] += alpha·x[k] for k < len(x) (len(y) ≥ len(x)).
func axpy(alpha float64, x, y []float64) {
	n := len(x)
	y = y[:n]
	if useAVX && n >= simdMin {
		axpyAVX(alpha, &x[0], &y[0], n)
		return
	}
	axpyGeneric(alpha, x, y)
}
