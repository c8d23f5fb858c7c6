package ipm

// Independent dot products in one loop. Each sum is dot's: started at 0
// and raised by its products in index order, so every result is bit for
// bit the separate dot's. One loop instead of two or three halves the
// loop overhead, and the sums' additions, each waiting for the one before
// it (a scalar dot is bound by the addition's latency, not by its
// arithmetic), overlap: the step's and the residuals' dots were ~15 % of
// the interior-point code's own instructions at the BPQP study's 50×10.
// Every product is rounded before it is added (the float64 conversions,
// as in dot): the compiler would otherwise fuse the multiply and add
// where the target has FMA (GOAMD64=v3, arm64), and fused and unfused
// sums differ in the last bits; the default amd64 build's code is the
// same either way.

// dots2 returns aᵀb and cᵀd (b, d at least as long as a, c); a and c
// may differ in length.
func dots2(a, b, c, d []float64) (s, t float64) {
	b, d = b[:len(a)], d[:len(c)]
	k := min(len(a), len(c))
	a2, b2, c2, d2 := a[:k], b[:k], c[:k], d[:k]
	for i, x := range a2 {
		s += float64(x * b2[i])
		t += float64(c2[i] * d2[i])
	}
	for i := k; i < len(a); i++ {
		s += float64(a[i] * b[i])
	}
	for i := k; i < len(c); i++ {
		t += float64(c[i] * d[i])
	}
	return s, t
}

// dots3 returns aᵀx, pᵀx and bᵀz (x as long as a and p at least, z as b
// at least); a and b may differ in length.
func dots3(a, p, x, b, z []float64) (ax, px, bz float64) {
	p, x, z = p[:len(a)], x[:len(a)], z[:len(b)]
	k := min(len(a), len(b))
	a2, p2, x2, b2, z2 := a[:k], p[:k], x[:k], b[:k], z[:k]
	for i, v := range x2 {
		ax += float64(a2[i] * v)
		px += float64(p2[i] * v)
		bz += float64(b2[i] * z2[i])
	}
	for i := k; i < len(a); i++ {
		ax += float64(a[i] * x[i])
		px += float64(p[i] * x[i])
	}
	for i := k; i < len(b); i++ {
		bz += float64(b[i] * z[i])
	}
	return ax, px, bz
}

// dotsH is dots2(a, hz, c, d) with hz[i] = h[i]·a[i] (a diagonal H times
// a, as cone.Composite.MulH forms it) taken in the loop instead of read:
// aᵀ(Ha) and cᵀd, each summed as dot sums (h at least as long as a).
func dotsH(a, h, c, d []float64) (s, t float64) {
	h, d = h[:len(a)], d[:len(c)]
	k := min(len(a), len(c))
	a2, h2, c2, d2 := a[:k], h[:k], c[:k], d[:k]
	for i, x := range a2 {
		s += float64(x * float64(h2[i]*x))
		t += float64(c2[i] * d2[i])
	}
	for i := k; i < len(a); i++ {
		s += float64(a[i] * float64(h[i]*a[i]))
	}
	for i := k; i < len(c); i++ {
		t += float64(c[i] * d[i])
	}
	return s, t
}
