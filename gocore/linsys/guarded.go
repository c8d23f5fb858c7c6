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
	// tiered: the primary is the fast mode and the secondary the accurate
	// one (NewGuardedTiered); fast selects between them.
	tiered, fast bool
	// Fallbacks counts the factorizations that used the secondary.
	Fallbacks int
}

// NewGuarded returns a guarded factorizer; secondary is built on first use.
func NewGuarded(primary Factorizer, secondary func() Factorizer) *Guarded {
	return &Guarded{primary: primary, secondary: secondary}
}

// NewGuardedTiered is NewGuarded for a primary that is only the fast mode
// of the pair (Tiered): in the accurate mode (SetFast(false), the initial
// one) every Factor uses the secondary; in the fast mode Factor behaves as
// NewGuarded's.
func NewGuardedTiered(primary Factorizer, secondary func() Factorizer) *Guarded {
	return &Guarded{primary: primary, secondary: secondary, tiered: true}
}

// SetFast implements Tiered: a tiered Guarded (NewGuardedTiered) switches
// between its primary and secondary, otherwise the call goes to a Tiered
// primary.
func (g *Guarded) SetFast(on bool) {
	g.fast = on
	if t, ok := g.primary.(Tiered); ok && !g.tiered {
		t.SetFast(on)
	}
}

// Fast implements Tiered.
func (g *Guarded) Fast() bool {
	if g.tiered {
		return g.fast
	}
	t, ok := g.primary.(Tiered)
	return ok && t.Fast()
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
	if g.tiered && !g.fast {
		if g.sec == nil {
			g.sec = g.secondary()
		}
		g.useSec = true
		return g.sec.Factor(values)
	}
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

// Tiered is implemented by factorizations with a fast mode that may lose
// accuracy (the normal-equations form of DenseSchur) and an accurate one.
// The mode applies to the following Factor calls; the caller checks the
// refined residual and switches to the accurate mode when the fast one
// does not meet it.
type Tiered interface {
	// SetFast selects the fast mode (true) or the accurate one.
	SetFast(on bool)
	// Fast reports whether the fast mode is selected.
	Fast() bool
}

var (
	_ Tiered     = (*DenseSchur)(nil)
	_ Tiered     = (*Guarded)(nil)
	_ Multiplier = (*Dense)(nil)
	_ Multiplier = (*DenseSchur)(nil)
	_ Multiplier = (*Guarded)(nil)
)
