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
// The left side minus r is positive at 0 and negative at |v₂| (v ∉ K),
// so bisection finds the root to rounding (its lower end is returned, a
// point of K).
func powProject(v [3]float64, a float64) [3]float64 {
	switch {
	case v[0] >= 0 && v[1] >= 0 && math.Pow(v[0], a)*math.Pow(v[1], 1-a) >= math.Abs(v[2]):
		return v
	case v[0] <= 0 && v[1] <= 0 && math.Pow(-v[0]/a, a)*math.Pow(-v[1]/(1-a), 1-a) >= math.Abs(v[2]):
		return [3]float64{}
	}
	z := math.Abs(v[2])
	// ½(u + √(u² + 4c)) without cancellation for u < 0: 2c/(√(u² + 4c) − u).
	root := func(u, c float64) float64 {
		d := math.Sqrt(u*u + 4*c)
		if u < 0 {
			return 2 * c / (d - u)
		}
		return 0.5 * (u + d)
	}
	at := func(r float64) (float64, float64) {
		q := r * (z - r)
		return root(v[0], a*q), root(v[1], (1-a)*q)
	}
	lo, hi := 0.0, z
	for it := 0; it < 200 && hi-lo > 2.220446049250313e-16*z; it++ {
		r := 0.5 * (lo + hi)
		x, y := at(r)
		if math.Pow(x, a)*math.Pow(y, 1-a) > r {
			lo = r
		} else {
			hi = r
		}
	}
	// lo keeps x(r)^α·y(r)^(1−α) > r: the point is in K, not just near it.
	x, y := at(lo)
	return [3]float64{x, y, math.Copysign(lo, v[2])}
}
