//go:build !amd64

package vec

// Dot returns Σ a[k] b[k] (len(b) ≥ len(a)).
func Dot(a, b []float64) float64 { return dotGeneric(a, b[:len(a)]) }

// Axpy computes y[k] += alpha·x[k] for k < len(x).
func Axpy(alpha float64, x, y []float64) { axpyGeneric(alpha, x, y[:len(x)]) }

// Dot4 computes out[r] = Σ_{k<n} w_r[k]·l[k] for four vectors sharing l.
func Dot4(w0, w1, w2, w3, l []float64, n int, out *[4]float64) {
	*out = [4]float64{dotGeneric(w0[:n], l), dotGeneric(w1[:n], l), dotGeneric(w2[:n], l), dotGeneric(w3[:n], l)}
}

// Dot4x4 computes out[4r+c] = Σ_{k<n} a[r·lda+k]·b[c·ldb+k] for r, c < 4
// (generic Go on this architecture). It panics if a or b is too short.
func Dot4x4(a []float64, lda int, b []float64, ldb int, n int, out *[16]float64) {
	check4x4(a, lda, b, ldb, n)
	dot4x4Generic(a, lda, b, ldb, n, out)
}

// Axpy4 computes y[k] += a[0]·x0[k] + a[1]·x1[k] + a[2]·x2[k] + a[3]·x3[k]
// for k < n (the four updates applied in that order).
func Axpy4(a *[4]float64, x0, x1, x2, x3, y []float64, n int) {
	axpy4Generic(a, x0[:n], x1[:n], x2[:n], x3[:n], y[:n])
}

// ScaleAbsMax is one column of a Ruiz equilibration sweep: with s non-nil
// it scales col[i] by s[i]·dj; then it raises rn[i] to |col[i]| and returns
// cn raised to max_i |col[i]| (len(s), len(rn) ≥ len(col); a NaN
// |col[i]| raises nothing, a NaN rn[i] or cn stays).
func ScaleAbsMax(col, s []float64, dj float64, rn []float64, cn float64) float64 {
	return scaleAbsMaxGeneric(col, s, dj, rn, cn)
}
