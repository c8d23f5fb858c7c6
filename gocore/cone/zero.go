package cone

// Zero is the zero cone {0}ᵈ (equality rows); its dual is Rᵈ.
type Zero struct{ d int }

// NewZero returns a zero cone of dimension d.
func NewZero(d int) *Zero { return &Zero{d: d} }

// Dim implements Cone.
func (c *Zero) Dim() int { return c.d }

// Degree implements Cone.
func (c *Zero) Degree() int { return 0 }

// Diagonal implements Cone.
func (c *Zero) Diagonal() bool { return true }

// UnitInit implements Cone.
func (c *Zero) UnitInit(s, z []float64) {
	for i := range s {
		s[i] = 0
		z[i] = 0
	}
}

// ShiftToCone implements Cone: primal slacks are zero, duals are free.
func (c *Zero) ShiftToCone(v []float64, isDual bool) {
	if !isDual {
		for i := range v {
			v[i] = 0
		}
	}
}

// UpdateScaling implements Cone (nothing to scale).
func (c *Zero) UpdateScaling(s, z []float64) {}

// HBlock implements Cone: WᵀW = 0.
func (c *Zero) HBlock(dst []float64) {
	for i := 0; i < c.d; i++ {
		dst[i] = 0
	}
}

// LambdaSquare implements Cone.
func (c *Zero) LambdaSquare(ds []float64) {
	for i := range ds {
		ds[i] = 0
	}
}

// CombinedShift implements Cone.
func (c *Zero) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	for i := range ds {
		ds[i] = 0
	}
}

// DsHat implements Cone.
func (c *Zero) DsHat(out, ds []float64) {
	for i := range out {
		out[i] = 0
	}
}

// StepLength implements Cone: any step keeps s = 0 and z free.
func (c *Zero) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	return alphaMax, alphaMax
}

// Complementarity implements Cone.
func (c *Zero) Complementarity(s, z []float64) float64 { return 0 }

// QuadH implements Cone: WᵀW = 0.
func (c *Zero) QuadH(v []float64) float64 { return 0 }

// SetIdentityScaling implements Cone (nothing to scale; H stays 0).
func (c *Zero) SetIdentityScaling() {}

// RectifyScaling implements Cone: any row scaling keeps {0}.
func (c *Zero) RectifyScaling(e []float64) {}

// ProjectionH implements Cone: ds = 0 on equality rows, H = 0.
func (c *Zero) ProjectionH(h, s, y []float64) {
	for i := 0; i < c.d; i++ {
		h[i] = 0
	}
}

// Rows implements Cone: equality rows.
func (c *Zero) Rows() RowClass { return RowsEquality }

var _ Cone = (*Zero)(nil)
