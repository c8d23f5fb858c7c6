package cone

import "math"

// powPair writes the complementary pair of a power-cone block for the
// tangent Newton refinement (see NewtonPair): the Moreau decomposition of
// v = s − y, ŝ = Π_K(v) and ŷ = ŝ − v, exact up to rounding
// (powProjectFrom, started from the multiplier |y₂| of the current point).
func powPair(s, y, sh, yh []float64, a float64) {
	v := [3]float64{s[0] - y[0], s[1] - y[1], s[2] - y[2]}
	p := powProjectFrom(v, a, math.Abs(y[2]))
	for i := range p {
		sh[i] = p[i]
		yh[i] = p[i] - v[i]
	}
}

// powProject returns the Euclidean projection of v onto K_pow(α): v
// itself inside K, 0 inside the polar cone −K*, and otherwise (Hien, 2015)
// the point (x(r), y(r), sign(v₂)·r) with
//
//	x(r) = ½(v₀ + √(v₀² + 4α·r(|v₂| − r))),
//	y(r) = ½(v₁ + √(v₁² + 4(1−α)·r(|v₂| − r))),
//
// r ∈ [0, |v₂|) the root of x(r)^α·y(r)^(1−α) = r: the optimality
// conditions of min ‖p − v‖² on the boundary with multiplier λ = |v₂| − r.
func powProject(v [3]float64, a float64) [3]float64 {
	return powProjectFrom(v, a, -1)
}

// powProjectFrom is powProject with Newton's method started from the
// multiplier l0 when it lies in (0, |v₂|) (else from |v₂|/2). Newton stops
// once |φ(λ)| is below the rounding error of its terms, at a step of
// 4e-16·λ, or at a bracket of 4e-16·λ (bisecting in log λ while the bracket
// spans orders of magnitude). Near the solution the tangent refinement's
// pairs start from λ ≈ |y₂| and take one or two evaluations of φ; the
// previous search (from |v₂|/2, to a bracket of 4e-16·|v₂|) took about
// twenty, and near an edge of K, where λ is tiny and x or y ∝ λ, stopped
// with λ good to only a few digits (complementarity off by up to 6e-5).
func powProjectFrom(v [3]float64, a, l0 float64) [3]float64 {
	switch {
	case v[0] >= 0 && v[1] >= 0 && powGeoAtLeast(v[0], v[1], a, math.Abs(v[2])):
		return v
	case v[0] <= 0 && v[1] <= 0 && powGeoAtLeast(-v[0]/a, -v[1]/(1-a), a, math.Abs(v[2])):
		return [3]float64{}
	}
	z := math.Abs(v[2])
	// In the multiplier λ = |v₂| − r (r near |v₂| would lose λ to
	// cancellation), φ(λ) = α·log x + (1−α)·log y − log(|v₂| − λ) increases
	// from φ(0) < 0 (v ∉ K) to +∞ at λ = |v₂|; its root by Newton's method
	// safeguarded by the bracket [lo, hi] (bisection where a step leaves it).
	sq := func(u, c float64) (root, inv float64) {
		d := math.Sqrt(u*u + 4*c)
		if u < 0 { // ½(u + d) without cancellation
			return 2 * c / (d - u), 1 / d
		}
		return 0.5 * (u + d), 1 / d
	}
	// φ(λ), φ'(λ), x, y and the rounding error of φ (4ε times its terms,
	// plus the square roots' few ulps).
	// lg is α·log x + (1−α)·log y, the log of the point's geometric mean.
	phi := func(l float64) (f, df, x, y, lg, noise float64) {
		r := z - l
		q := r * l
		x, ix := sq(v[0], a*q)
		y, iy := sq(v[1], (1-a)*q)
		dq := r - l
		lx, ly, lr := a*math.Log(x), (1-a)*math.Log(y), math.Log(r)
		f = lx + ly - lr
		df = a*a*dq*ix/x + (1-a)*(1-a)*dq*iy/y + 1/r
		noise = 4 * machEps * (math.Abs(lx) + math.Abs(ly) + math.Abs(lr) + 1)
		return f, df, x, y, lx + ly, noise
	}
	lo, hi := 0.0, z
	l := 0.5 * z
	if l0 > 0 && l0 < z {
		l = l0
	}
	var x, y, lg float64
	for it := 0; it < 200; it++ {
		f, df, xl, yl, lgl, noise := phi(l)
		x, y, lg = xl, yl, lgl
		if math.Abs(f) <= noise {
			break // a root to the accuracy φ is evaluated with
		}
		if f >= 0 {
			hi = l
		} else {
			lo = l
		}
		ln := l - f/df
		if !(ln > lo && ln < hi) {
			// Bisection, in log λ while the bracket spans orders of
			// magnitude (near an edge of K the root can be 1e-30·|v₂|).
			switch {
			case lo == 0:
				ln = hi / 256
			case hi > 4*lo:
				ln = math.Sqrt(lo) * math.Sqrt(hi)
			default:
				ln = 0.5 * (lo + hi)
			}
		}
		// The bracket relative to λ, not |v₂|: a tiny multiplier (v near
		// an edge of K) needs its own digits, x or y ∝ λ there.
		if math.Abs(ln-l) <= 4e-16*l || hi-lo <= 4e-16*hi {
			break
		}
		l = ln
	}
	if math.IsNaN(x) || math.IsNaN(y) {
		return [3]float64{math.Max(v[0], 0), math.Max(v[1], 0), 0}
	}
	// |p₂| ≤ x^α·y^(1−α): the point is in K, not just near it (a change at
	// rounding level of φ). The logarithms are those of φ's last
	// evaluation, at the same x and y.
	r := math.Min(z-l, math.Exp(lg))
	return [3]float64{x, y, math.Copysign(r, v[2])}
}
