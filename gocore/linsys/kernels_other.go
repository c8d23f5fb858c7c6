//go:build !amd64

package linsys

// dot returns Σ a[k] b[k] (len(b) ≥ len(a)).
func dot(a, b []float64) float64 { return dotGeneric(a, b[:len(a)]) }

// axpy computes y[k] += alpha·x[k] for k < len(x).
func axpy(alpha float64, x, y []float64) { axpyGeneric(alpha, x, y[:len(x)]) }

// dot4 computes out[r] = Σ_{k<n} w_r[k]·l[k] for four vectors sharing l.
func dot4(w0, w1, w2, w3, l []float64, n int, out *[4]float64) {
	*out = [4]float64{dotGeneric(w0[:n], l), dotGeneric(w1[:n], l), dotGeneric(w2[:n], l), dotGeneric(w3[:n], l)}
}
