package vec

import "golang.org/x/sys/cpu"

// useAVX reports whether the AVX2/FMA kernels may be used.
var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX(a, b *float64, n int) float64

//go:noescape
func axpyAVX(alpha float64, x, y *float64, n int)

// Dot returns Σ a[k] b[k] (len(b) ≥ len(a)).
func Dot(a, b []float64) float64 {
	n := len(a)
	b = b[:n]
	if useAVX && n >= simdMin {
		return dotAVX(&a[0], &b[0], n)
	}
	return dotGeneric(a, b)
}

// Axpy computes y[k] += alpha·x[k] for k < len(x) (len(y) ≥ len(x)).
func Axpy(alpha float64, x, y []float64) {
	n := len(x)
	y = y[:n]
	if useAVX && n >= simdMin {
		axpyAVX(alpha, &x[0], &y[0], n)
		return
	}
	axpyGeneric(alpha, x, y)
}

//go:noescape
func dot4AVX(w0, w1, w2, w3, l *float64, n int, out *[4]float64)

// Dot4 computes out[r] = Σ_{k<n} w_r[k]·l[k] for four vectors sharing l.
func Dot4(w0, w1, w2, w3, l []float64, n int, out *[4]float64) {
	l = l[:n]
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	k := 0
	if useAVX && n >= 4 {
		k = n &^ 3
		dot4AVX(&w0[0], &w1[0], &w2[0], &w3[0], &l[0], k, out)
		if k == n {
			return
		}
	} else {
		*out = [4]float64{}
	}
	// The tail in registers (out is stored once; the sums are those of
	// adding into out term by term). The conversions keep each product
	// rounded where the compiler would fuse the add (GOAMD64=v3): the
	// tail is then the same under every GOAMD64, and so bit for bit the
	// unfused tails of Dot4Rows' and LowerSolve4's assembly (the default
	// build's code is unchanged).
	s0, s1, s2, s3 := out[0], out[1], out[2], out[3]
	for ; k < n; k++ {
		lk := l[k]
		s0 += float64(w0[k] * lk)
		s1 += float64(w1[k] * lk)
		s2 += float64(w2[k] * lk)
		s3 += float64(w3[k] * lk)
	}
	*out = [4]float64{s0, s1, s2, s3}
}

// useAVX512 reports whether the AVX-512 tile kernel may be used (the OS
// saves the zmm state; x/sys/cpu checks that).
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

//go:noescape
func dot4x4AVX512(a *float64, lda int, b *float64, ldb int, n int, out *[16]float64)

// Dot4x4 computes out[4r+c] = Σ_{k<n} a[r·lda+k]·b[c·ldb+k] for r, c < 4:
// the 4×4 tile of dot products of four rows of a (stride lda) with four
// rows of b (stride ldb). Each loaded element feeds four multiply–adds, so
// it runs near the core's FMA peak where Dot4 is bound by loads. It panics
// if a or b is too short.
func Dot4x4(a []float64, lda int, b []float64, ldb int, n int, out *[16]float64) {
	check4x4(a, lda, b, ldb, n)
	switch {
	case useAVX512 && n >= 8:
		k := n &^ 7
		dot4x4AVX512(&a[0], lda, &b[0], ldb, k, out)
		addTail4x4(a, lda, b, ldb, k, n, out)
	case useAVX && n >= 4:
		var s [4]float64
		for c := 0; c < 4; c++ {
			bc := b[c*ldb : c*ldb+n]
			dot4AVX(&a[0], &a[lda], &a[2*lda], &a[3*lda], &bc[0], n&^3, &s)
			out[c], out[4+c], out[8+c], out[12+c] = s[0], s[1], s[2], s[3]
		}
		addTail4x4(a, lda, b, ldb, n&^3, n, out)
	default:
		dot4x4Generic(a, lda, b, ldb, n, out)
	}
}

//go:noescape
func axpy4AVX(a *[4]float64, x0, x1, x2, x3, y *float64, n int)

// Axpy4 computes y[k] += a[0]·x0[k] + a[1]·x1[k] + a[2]·x2[k] + a[3]·x3[k]
// for k < n (the four updates applied in that order): four Axpy calls
// that read and write y once.
func Axpy4(a *[4]float64, x0, x1, x2, x3, y []float64, n int) {
	y = y[:n]
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	if useAVX && n >= 4 {
		axpy4AVX(a, &x0[0], &x1[0], &x2[0], &x3[0], &y[0], n)
		return
	}
	axpy4Generic(a, x0, x1, x2, x3, y)
}

//go:noescape
func scaleAbsMaxAVX(col, s *float64, dj float64, rn *float64, n int, cn float64) float64

// ScaleAbsMax is one column of a Ruiz equilibration sweep: with s non-nil
// it scales col[i] by s[i]·dj; then it raises rn[i] to |col[i]| and returns
// cn raised to max_i |col[i]| (len(s), len(rn) ≥ len(col); a NaN
// |col[i]| raises nothing, a NaN rn[i] or cn stays). Bit for bit scaleAbsMaxGeneric.
func ScaleAbsMax(col, s []float64, dj float64, rn []float64, cn float64) float64 {
	n := len(col)
	rn = rn[:n]
	if s != nil {
		s = s[:n]
	}
	k := 0
	if useAVX && n >= simdMin {
		k = n &^ 3
		var sp *float64
		if s != nil {
			sp = &s[0]
		}
		cn = scaleAbsMaxAVX(&col[0], sp, dj, &rn[0], k, cn)
		if s != nil {
			s = s[k:]
		}
	}
	return scaleAbsMaxGeneric(col[k:], s, dj, rn[k:], cn)
}
