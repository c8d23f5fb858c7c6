//go:build !amd64

package linsys

// dot returns Σ a[k] b[k] (len(b) ≥ len(a)).
func dot(a, b []float64) float64 { return dotGeneric(a, b[:len(a)]) }

// axpy computes y[k] += alpha·x[k] for k < len(x).
func axpy(alpha float64, x, y []float64) { axpyGeneric(alpha, x, y[:len(x)]) }
