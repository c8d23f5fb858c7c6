// Package vec holds the vector kernels shared by the solver: dot products
// and axpy, with AVX2/FMA assembly on amd64 (selected at run time) and
// generic Go everywhere else.
package vec

import "math"

// simdMin is the vector length from which the assembly kernels pay off
// (amd64), and ForwardRows4's least k0 on every architecture.
const simdMin = 8

// dotGeneric returns Σ a[k] b[k] with a 4-way unrolled loop.
func dotGeneric(a, b []float64) float64 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= n; k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < n; k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// DotShort is Dot's generic loop called directly (four sums, the
// products added in index order, then (s0 + s1) + (s2 + s3)): Dot bit for
// bit below simdMin entries, where Dot runs the same loop, without Dot's
// dispatch (the wrapper inlines: one call at the caller's site).
func DotShort(a, b []float64) float64 { return dotGeneric(a, b) }

// axpyGeneric computes y[k] += alpha·x[k].
func axpyGeneric(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for k, v := range x {
		y[k] += alpha * v
	}
}

// NormInf returns max |v[i]| (0 for an empty slice; NaN entries are
// skipped).
func NormInf(v []float64) float64 {
	if len(v) >= normInfMin && normInfAsm {
		// The same maximum (exact, order-free) in one assembly pass: the
		// Go loop's compare and branch per entry was 1–4 % of a dense
		// QP forward at n = 10…100 (its refinement and termination norms).
		return normInfAVX(&v[0], len(v))
	}
	return normInfGeneric(v)
}

// normInfGeneric is NormInf's Go loop.
func normInfGeneric(v []float64) float64 {
	var m float64
	for _, x := range v {
		if a := math.Abs(x); a > m {
			m = a
		}
	}
	return m
}

func axpy4Generic(a *[4]float64, x0, x1, x2, x3, y []float64) {
	x0, x1, x2, x3 = x0[:len(y)], x1[:len(y)], x2[:len(y)], x3[:len(y)]
	for k := range y {
		v := y[k] + a[0]*x0[k]
		v += a[1] * x1[k]
		v += a[2] * x2[k]
		y[k] = v + a[3]*x3[k]
	}
}

// scaleAbsMaxGeneric is ScaleAbsMax in Go: the same products (s[i]·dj
// first) and maxima as the equilibration's indexed loop.
func scaleAbsMaxGeneric(col, s []float64, dj float64, rn []float64, cn float64) float64 {
	rn = rn[:len(col)]
	if s != nil {
		s = s[:len(col)]
		for i, v := range col {
			v *= s[i] * dj
			col[i] = v
			a := math.Abs(v)
			if a > cn {
				cn = a
			}
			if a > rn[i] {
				rn[i] = a
			}
		}
		return cn
	}
	for i, v := range col {
		a := math.Abs(v)
		if a > cn {
			cn = a
		}
		if a > rn[i] {
			rn[i] = a
		}
	}
	return cn
}
