package cone

import "math"

// SOC is the second-order (Lorentz) cone
//
//	Qᵈ = {(t, x) ∈ R × Rᵈ⁻¹ : ‖x‖ ≤ t},
//
// which is self-dual. Vectors are stored as u = (u₀, u₁) with u₀ = t and
// u₁ = x. The cone's Jordan algebra has product u∘v = (uᵀv, u₀v₁ + v₀u₁),
// identity e = (1, 0, …, 0), determinant det(u) = u₀² − ‖u₁‖² = uᵀJu with
// J = diag(1, −I), and "eigenvalues" u₀ ± ‖u₁‖. For d = 1 the cone is the
// ray t ≥ 0 and every operation reduces to that of Nonneg with one entry.
//
// The Nesterov–Todd scaling (as in ECOS and Clarabel) is W = η W̄ with
//
//	W̄ = [ w̄₀  w̄₁ᵀ ; w̄₁  I + w̄₁w̄₁ᵀ/(1+w̄₀) ],   w̄ᵀJw̄ = 1,
//
// which is symmetric positive definite with W̄JW̄ = J, so that
// W⁻¹ = η⁻¹ J W̄ J and WᵀW = W² = η²(2w̄w̄ᵀ − J). Here, with
// s̄ = s/√det(s), z̄ = z/√det(z) and γ = √((1 + s̄ᵀz̄)/2),
// w̄ = (s̄ + Jz̄)/(2γ) and η = (det s / det z)^{1/4}. It satisfies
// W z = W⁻¹ s = λ.
type SOC struct {
	d      int
	eta    float64   // η
	w      []float64 // w̄ (normalised, w̄ᵀJw̄ = 1)
	lambda []float64 // λ = W z
	work1  []float64 // scratch for CombinedShift
	work2  []float64 // scratch for CombinedShift
	split  []float64 // d scratch for ProjectionH (socProjectionSplit's direction)
}

// NewSOC returns a second-order cone of dimension d ≥ 1 (d = 1 is the ray
// t ≥ 0). The scaling is initialised to the identity (W = I, λ = e).
func NewSOC(d int) *SOC {
	if d < 1 {
		panic("cone: NewSOC needs d >= 1")
	}
	c := &SOC{
		d:      d,
		eta:    1,
		w:      make([]float64, d),
		lambda: make([]float64, d),
		work1:  make([]float64, d),
		work2:  make([]float64, d),
	}
	c.w[0] = 1
	c.lambda[0] = 1
	return c
}

// Dim implements Cone.
func (c *SOC) Dim() int { return c.d }

// Degree implements Cone: a second-order cone has barrier degree 1.
func (c *SOC) Degree() int { return 1 }

// Diagonal implements Cone: WᵀW is a dense block.
func (c *SOC) Diagonal() bool { return false }

// UnitInit implements Cone: s = z = e.
func (c *SOC) UnitInit(s, z []float64) {
	for i := range s {
		s[i] = 0
		z[i] = 0
	}
	if len(s) > 0 {
		s[0] = 1
		z[0] = 1
	}
}

// ShiftToCone implements Cone: with α = t − ‖x‖ the smallest eigenvalue,
// it adds (1 − α)·e when α < √ε (for primal and dual alike).
func (c *SOC) ShiftToCone(v []float64, isDual bool) {
	if len(v) == 0 {
		return
	}
	alpha := v[0] - norm2(v[1:])
	if alpha < sqrtEps {
		v[0] += 1 - alpha
	}
}

// SetIdentityScaling implements Cone: η = 1, w̄ = λ = e.
func (c *SOC) SetIdentityScaling() {
	c.eta = 1
	for i := range c.w {
		c.w[i] = 0
		c.lambda[i] = 0
	}
	c.w[0] = 1
	c.lambda[0] = 1
}

// UpdateScaling implements Cone. s and z must be interior points of the
// cone; determinants that are not positive in floating point are floored at
// the smallest normal number so the scaling stays finite.
func (c *SOC) UpdateScaling(s, z []float64) {
	d := c.d
	sdet := socDet(s)
	zdet := socDet(z)
	if !(sdet > 0) {
		sdet = minNormal
	}
	if !(zdet > 0) {
		zdet = minNormal
	}
	sscale := math.Sqrt(sdet)
	zscale := math.Sqrt(zdet)

	// s̄ᵀz̄, computed without forming s̄ and z̄.
	var dot float64
	for i := 0; i < d; i++ {
		dot += s[i] * z[i]
	}
	dot /= sscale * zscale
	gamma := math.Sqrt((1 + dot) / 2)

	// w̄₁ = (s̄₁ − z̄₁)/(2γ); w̄₀ is recomputed from w̄ᵀJw̄ = 1.
	as := 1 / (2 * gamma * sscale)
	az := 1 / (2 * gamma * zscale)
	var nw1 float64
	for i := 1; i < d; i++ {
		c.w[i] = as*s[i] - az*z[i]
		nw1 += c.w[i] * c.w[i]
	}
	c.w[0] = math.Sqrt(1 + nw1)
	c.eta = math.Sqrt(sscale / zscale)

	// λ = W z.
	c.applyW(c.lambda, z)
}

// HBlock implements Cone: it writes WᵀW = W² = η²(2w̄w̄ᵀ − J) as a dense
// row-major Dim×Dim matrix.
func (c *SOC) HBlock(dst []float64) {
	d := c.d
	e2 := c.eta * c.eta
	for i := 0; i < d; i++ {
		row := dst[i*d : (i+1)*d]
		wi := 2 * e2 * c.w[i]
		for j := 0; j < d; j++ {
			row[j] = wi * c.w[j]
		}
	}
	dst[0] -= e2
	for i := 1; i < d; i++ {
		dst[i*d+i] += e2
	}
}

// LambdaSquare implements Cone: λ∘λ = (‖λ‖², 2λ₀λ₁).
func (c *SOC) LambdaSquare(ds []float64) {
	l0 := c.lambda[0]
	var n float64
	for i := 0; i < c.d; i++ {
		n += c.lambda[i] * c.lambda[i]
	}
	ds[0] = n
	for i := 1; i < c.d; i++ {
		ds[i] = 2 * l0 * c.lambda[i]
	}
}

// CombinedShift implements Cone: ds += (W⁻¹Δs_a)∘(WΔz_a) − σμ e (W is
// symmetric, so W⁻ᵀ = W⁻¹).
func (c *SOC) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	u := c.work1
	v := c.work2
	c.applyWinv(u, dsA)
	c.applyW(v, dz)
	var uv float64
	for i := 0; i < c.d; i++ {
		uv += u[i] * v[i]
	}
	u0, v0 := u[0], v[0]
	for i := 1; i < c.d; i++ {
		ds[i] += u0*v[i] + v0*u[i]
	}
	ds[0] += uv - sigmaMu
}

// DsHat implements Cone: out = Wᵀ(λ \ ds) = W(λ \ ds). out may alias ds.
func (c *SOC) DsHat(out, ds []float64) {
	c.lambdaInv(out, ds)
	c.applyW(out, out)
}

// StepLength implements Cone: for each of z and s it returns the largest
// α ≤ αmax keeping the point in the cone, obtained exactly from the
// quadratic det(u + αΔu) = 0 together with the condition u₀ + αΔu₀ ≥ 0.
func (c *SOC) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	return socStep(z, dz, alphaMax), socStep(s, ds, alphaMax)
}

// Complementarity implements Cone: sᵀz.
func (c *SOC) Complementarity(s, z []float64) float64 {
	var acc float64
	for i := 0; i < c.d; i++ {
		acc += s[i] * z[i]
	}
	return acc
}

// QuadH implements Cone: ‖W v‖².
func (c *SOC) QuadH(v []float64) float64 {
	c.applyW(c.work1, v)
	var acc float64
	for _, t := range c.work1 {
		acc += t * t
	}
	return acc
}

// applyW writes out = W v; out may alias v.
func (c *SOC) applyW(out, v []float64) {
	w := c.w
	w0 := w[0]
	v0 := v[0]
	var zeta float64 // w̄₁ᵀv₁
	for i := 1; i < c.d; i++ {
		zeta += w[i] * v[i]
	}
	k := v0 + zeta/(1+w0)
	for i := 1; i < c.d; i++ {
		out[i] = c.eta * (v[i] + k*w[i])
	}
	out[0] = c.eta * (w0*v0 + zeta)
}

// applyWinv writes out = W⁻¹ v = η⁻¹ J W̄ J v; out may alias v.
func (c *SOC) applyWinv(out, v []float64) {
	w := c.w
	w0 := w[0]
	v0 := v[0]
	var zeta float64 // w̄₁ᵀv₁
	for i := 1; i < c.d; i++ {
		zeta += w[i] * v[i]
	}
	inv := 1 / c.eta
	k := zeta/(1+w0) - v0
	for i := 1; i < c.d; i++ {
		out[i] = inv * (v[i] + k*w[i])
	}
	out[0] = inv * (w0*v0 - zeta)
}

// lambdaInv writes out = λ \ v, the solution of Arw(λ) out = v; out may
// alias v. With ρ = det(λ) = λ₀² − ‖λ₁‖² and ν = λ₁ᵀv₁:
// out₀ = (λ₀v₀ − ν)/ρ, out₁ = (v₁ − out₀ λ₁)/λ₀.
func (c *SOC) lambdaInv(out, v []float64) {
	l := c.lambda
	l0 := l[0]
	rho := socDet(l)
	var nu float64
	for i := 1; i < c.d; i++ {
		nu += l[i] * v[i]
	}
	o0 := (l0*v[0] - nu) / rho
	for i := 1; i < c.d; i++ {
		out[i] = (v[i] - o0*l[i]) / l0
	}
	out[0] = o0
}

// minNormal is the smallest positive normal float64.
const minNormal = 2.2250738585072014e-308

// norm2 is the Euclidean norm of x, computed with scaling against overflow.
func norm2(x []float64) float64 {
	var scale, ssq float64 = 0, 1
	for _, v := range x {
		if v == 0 {
			continue
		}
		a := math.Abs(v)
		if scale < a {
			r := scale / a
			ssq = 1 + ssq*r*r
			scale = a
		} else {
			r := a / scale
			ssq += r * r
		}
	}
	return scale * math.Sqrt(ssq)
}

// socDet returns u₀² − ‖u₁‖², computed as (u₀ − ‖u₁‖)(u₀ + ‖u₁‖) for
// accuracy near the boundary.
func socDet(u []float64) float64 {
	n := norm2(u[1:])
	return (u[0] - n) * (u[0] + n)
}

// socStep returns the largest α in [0, αmax] with u + α du in the cone,
// assuming u is in the cone. The boundary is where
//
//	q(α) = det(u + α du) = a α² + 2b α + c = 0,
//
// with a = det(du), b = u₀du₀ − u₁ᵀdu₁ and c = det(u) ≥ 0. Because the set
// of feasible α is an interval starting at 0, the answer is the smallest
// positive root of q, further bounded by u₀ + α du₀ ≥ 0 (which catches lines
// through the apex, where q has a double root).
func socStep(u, du []float64, alphaMax float64) float64 {
	alpha := alphaMax
	// Condition t + α dt ≥ 0; for d = 1 it is the whole cone.
	if du[0] < 0 {
		alpha = math.Min(alpha, -u[0]/du[0])
	}
	if len(u) == 1 {
		return math.Max(alpha, 0)
	}

	a := socDet(du)
	var b float64
	for i := 1; i < len(u); i++ {
		b -= u[i] * du[i]
	}
	b += u[0] * du[0]
	c := math.Max(socDet(u), 0)

	switch {
	case a == 0:
		// Linear: 2bα + c = 0 has a positive root only when b < 0.
		if b < 0 {
			alpha = math.Min(alpha, -c/(2*b))
		}
	case c == 0:
		// u on the boundary: one root at 0. The other root −2b/a decides
		// whether the line enters the cone (q > 0 just after 0) or leaves it.
		if a < 0 || b < 0 {
			// q'(0) = 2b; if b < 0 we leave at once; if a < 0 and b ≥ 0 the
			// other root −2b/a ≥ 0 is where we leave.
			if b < 0 {
				alpha = 0
			} else {
				alpha = math.Min(alpha, -2*b/a)
			}
		}
	default:
		disc := b*b - a*c
		if disc < 0 {
			// Only possible for a > 0: q > 0 everywhere.
			break
		}
		// Stable roots: with t = −(b + sign(b)√disc), r₁ = c/t, r₂ = t/a.
		sq := math.Sqrt(disc)
		var t float64
		if b >= 0 {
			t = -b - sq
		} else {
			t = -b + sq
		}
		if t != 0 {
			if r := c / t; r >= 0 {
				alpha = math.Min(alpha, r)
			}
			if r := t / a; r >= 0 {
				alpha = math.Min(alpha, r)
			}
		}
	}
	return math.Max(alpha, 0)
}

var _ Cone = (*SOC)(nil)
