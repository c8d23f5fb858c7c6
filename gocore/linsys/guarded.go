package linsys

// Guarded is a Factorizer that uses a fast primary factorization and, when
// the primary needed dynamic pivot regularization (a sign that its pivot
// order let errors grow, e.g. a nearly singular x block pivoted first),
// refactors with a secondary one (a dense LDLᵀ in AMD order) and keeps
// whichever needed fewer regularized pivots.
type Guarded struct {
	primary   Factorizer
	secondary func() Factorizer
	sec       Factorizer
	useSec    bool
	// Fallbacks counts the factorizations that used the secondary.
	Fallbacks int
}

// NewGuarded returns a guarded factorizer; secondary is built on first use.
func NewGuarded(primary Factorizer, secondary func() Factorizer) *Guarded {
	return &Guarded{primary: primary, secondary: secondary}
}

// Dim implements Factorizer.
func (g *Guarded) Dim() int { return g.primary.Dim() }

// Regularized implements Factorizer.
func (g *Guarded) Regularized() int {
	if g.useSec {
		return g.sec.Regularized()
	}
	return g.primary.Regularized()
}

// Factor implements Factorizer.
func (g *Guarded) Factor(values []float64) error {
	g.useSec = false
	err := g.primary.Factor(values)
	if err == nil && g.primary.Regularized() == 0 {
		return nil
	}
	if g.sec == nil {
		g.sec = g.secondary()
	}
	err2 := g.sec.Factor(values)
	if err2 != nil {
		return err
	}
	if err != nil || g.sec.Regularized() < g.primary.Regularized() {
		g.useSec = true
		g.Fallbacks++
	}
	return nil
}

// Solve implements Factorizer.
func (g *Guarded) Solve(b []float64) {
	if g.useSec {
		g.sec.Solve(b)
		return
	}
	g.primary.Solve(b)
}

// MulVec computes y = K x with whichever factorization is in use (both
// implement it for the dense paths).
func (g *Guarded) MulVec(x, y []float64) {
	f := g.primary
	if g.useSec {
		f = g.sec
	}
	f.(Multiplier).MulVec(x, y)
}

var (
	_ Multiplier = (*Dense)(nil)
	_ Multiplier = (*DenseSchur)(nil)
	_ Multiplier = (*Guarded)(nil)
)
