package cone

import "math"

// Nonneg is the nonnegative orthant Rᵈ₊ (self-dual). Its NT scaling is
// W = diag(√(s/z)), λ = √(s z).
type Nonneg struct {
	d      int
	w      []float64 // diagonal of W
	lambda []float64
}

// NewNonneg returns a nonnegative cone of dimension d.
func NewNonneg(d int) *Nonneg {
	return &Nonneg{d: d, w: make([]float64, d), lambda: make([]float64, d)}
}

// Dim implements Cone.
func (c *Nonneg) Dim() int { return c.d }

// Degree implements Cone.
func (c *Nonneg) Degree() int { return c.d }

// Diagonal implements Cone.
func (c *Nonneg) Diagonal() bool { return true }

// UnitInit implements Cone.
func (c *Nonneg) UnitInit(s, z []float64) {
	for i := range s {
		s[i] = 1
		z[i] = 1
	}
}

// ShiftToCone implements Cone.
func (c *Nonneg) ShiftToCone(v []float64, isDual bool) {
	if len(v) == 0 {
		return
	}
	m := v[0]
	for _, x := range v[1:] {
		m = math.Min(m, x)
	}
	if m < sqrtEps {
		shift := 1 - m
		for i := range v {
			v[i] += shift
		}
	}
}

// UpdateScaling implements Cone.
func (c *Nonneg) UpdateScaling(s, z []float64) {
	// The loops below run on local slices of one length: through c they
	// reloaded c.w and c.lambda and bounds-checked every access at every
	// entry (the stores might alias c); the same operations.
	w, lam := c.w[:c.d], c.lambda[:c.d]
	s, z = s[:len(w)], z[:len(w)]
	for i := range w {
		w[i] = math.Sqrt(s[i] / z[i])
		lam[i] = math.Sqrt(s[i] * z[i])
	}
}

// HBlock implements Cone: WᵀW = diag(s/z).
func (c *Nonneg) HBlock(dst []float64) {
	w := c.w[:c.d]
	dst = dst[:len(w)]
	for i, v := range w {
		dst[i] = v * v
	}
}

// LambdaSquare implements Cone.
func (c *Nonneg) LambdaSquare(ds []float64) {
	lam := c.lambda[:c.d]
	ds = ds[:len(lam)]
	for i, v := range lam {
		ds[i] = v * v
	}
}

// CombinedShift implements Cone.
func (c *Nonneg) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	ds = ds[:c.d]
	dz, dsA = dz[:len(ds)], dsA[:len(ds)]
	for i := range ds {
		// (W⁻ᵀΔs)∘(WΔz) = Δs·Δz for a diagonal scaling.
		ds[i] += dsA[i]*dz[i] - sigmaMu
	}
}

// DsHat implements Cone: Wᵀ(λ \ ds) = ds / z.
func (c *Nonneg) DsHat(out, ds []float64) {
	w, lam := c.w[:c.d], c.lambda[:c.d]
	out, ds = out[:len(w)], ds[:len(w)]
	for i, v := range w {
		out[i] = v * ds[i] / lam[i]
	}
}

// StepLength implements Cone.
func (c *Nonneg) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	az, as := alphaMax, alphaMax
	for i := 0; i < c.d; i++ {
		if dz[i] < 0 {
			az = math.Min(az, -z[i]/dz[i])
		}
		if ds[i] < 0 {
			as = math.Min(as, -s[i]/ds[i])
		}
	}
	return az, as
}

// Complementarity implements Cone.
func (c *Nonneg) Complementarity(s, z []float64) float64 {
	var acc float64
	s = s[:c.d]
	z = z[:len(s)]
	for i, v := range s {
		acc += v * z[i]
	}
	return acc
}

// QuadH implements Cone: Σ (w_i v_i)².
func (c *Nonneg) QuadH(v []float64) float64 {
	var acc float64
	for i := 0; i < c.d; i++ {
		t := c.w[i] * v[i]
		acc += t * t
	}
	return acc
}

// SetIdentityScaling implements Cone: W = I, λ = e.
func (c *Nonneg) SetIdentityScaling() {
	for i := 0; i < c.d; i++ {
		c.w[i] = 1
		c.lambda[i] = 1
	}
}

// RectifyScaling implements Cone: any positive diagonal keeps Rᵈ₊.
func (c *Nonneg) RectifyScaling(e []float64) {}

// ProjectionH implements Cone: the NT scaling W² = diag(s/y) at the
// solution floored to the interior (OptNet's linearization).
func (c *Nonneg) ProjectionH(h, s, y []float64) {
	for i := 0; i < c.d; i++ {
		w := math.Sqrt(math.Max(s[i], interiorFloor) / math.Max(y[i], interiorFloor))
		h[i] = w * w
	}
}

// Rows implements Cone: sign-constrained rows.
func (c *Nonneg) Rows() RowClass { return RowsInequality }

var _ Cone = (*Nonneg)(nil)
