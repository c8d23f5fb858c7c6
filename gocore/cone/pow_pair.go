package cone

import "math"

// powPair writes the complementary pair of a power-cone block for the
// tangent Newton refinement (see NewtonPair): the Moreau decomposition of
// v = s − y, ŝ = Π_K(v) and ŷ = ŝ − v, exact up to rounding (powProject).
func powPair(s, y, sh, yh []float64, a float64) {
	v := [3]float64{s[0] - y[0], s[1] - y[1], s[2] - y[2]}
	p := powProject(v, a)
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
	switch {
	case v[0] >= 0 && v[1] >= 0 && math.Pow(v[0], a)*math.Pow(v[1], 1-a) >= math.Abs(v[2]):
		return v
	case v[0] <= 0 && v[1] <= 0 && math.Pow(-v[0]/a, a)*math.Pow(-v[1]/(1-a), 1-a) >= math.Abs(v[2]):
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
	phi := func(l float64) (f, df, x, y float64) {
		r := z - l
		q := r * l
		x, ix := sq(v[0], a*q)
		y, iy := sq(v[1], (1-a)*q)
		dq := r - l
		f = a*math.Log(x) + (1-a)*math.Log(y) - math.Log(r)
		df = a*a*dq*ix/x + (1-a)*(1-a)*dq*iy/y + 1/r
		return f, df, x, y
	}
	lo, hi := 0.0, z
	l := 0.5 * z
	var x, y float64
	for it := 0; it < 100; it++ {
		f, df, xl, yl := phi(l)
		x, y = xl, yl
		if f >= 0 {
			hi = l
		} else {
			lo = l
		}
		ln := l - f/df
		if !(ln > lo && ln < hi) {
			ln = 0.5 * (lo + hi)
		}
		if math.Abs(ln-l) <= 4e-16*l || hi-lo <= 4e-16*z {
			break
		}
		l = ln
	}
	if math.IsNaN(x) || math.IsNaN(y) {
		return [3]float64{math.Max(v[0], 0), math.Max(v[1], 0), 0}
	}
	// |p₂| ≤ x^α·y^(1−α): the point is in K, not just near it (a change at
	// rounding level of φ).
	r := math.Min(z-l, math.Exp(a*math.Log(x)+(1-a)*math.Log(y)))
	return [3]float64{x, y, math.Copysign(r, v[2])}
}
