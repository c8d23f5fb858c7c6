package linsys

import "errors"

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

// Tiers implements Tiered: a tiered Guarded (NewGuardedTiered) has two
// forms, its primary (0) and its secondary (1); otherwise the forms are
// those of a Tiered primary (one when it is not).
func (g *Guarded) Tiers() int {
	if g.tiered {
		return 2
	}
	if t, ok := g.primary.(Tiered); ok {
		return t.Tiers()
	}
	return 1
}

// SetTier implements Tiered.
func (g *Guarded) SetTier(t int) {
	if g.tiered {
		g.fast = t == 0
		return
	}
	if p, ok := g.primary.(Tiered); ok {
		p.SetTier(t)
	}
}

// Tier implements Tiered.
func (g *Guarded) Tier() int {
	if g.tiered {
		if g.fast {
			return 0
		}
		return 1
	}
	if p, ok := g.primary.(Tiered); ok {
		return p.Tier()
	}
	return 0
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

// Tiered is implemented by factorizations with several forms, fastest
// first, of which all but the last may lose accuracy or break down where
// the last does not (DenseDual, the normal-equations form of DenseSchur,
// the accurate form). The form applies to the following Factor calls; the
// caller checks the refined residual and moves to a later form when a fast
// one does not meet it.
type Tiered interface {
	// Tiers returns the number of forms; Tiers()−1 is the accurate one.
	Tiers() int
	// SetTier selects form t for the following Factor calls.
	SetTier(t int)
	// Tier returns the selected form.
	Tier() int
}

// ExactForms is implemented by Tiered factorizations some of whose forms
// factor the matrix they are given exactly — no static regularization
// needed, because they refuse (an error or regularized pivots) a matrix
// that is not safely definite, and the caller then moves to a later form.
type ExactForms interface {
	// ExactForm reports whether form t is one of them.
	ExactForm(t int) bool
}

// ExactForm implements ExactForms: form 0 when the fast factorization is
// a DenseDual (its x block must be safely positive definite on its own,
// DualPivotRatio, and its rows' complement Hδ + A(P + δI)⁻¹Aᵀ is then
// positive definite unless the equality rows are dependent, which
// regularized pivots report).
func (c *Chain) ExactForm(t int) bool {
	_, ok := c.fast.(*DenseDual)
	return t == 0 && ok
}

// ActiveSetForms is implemented by Tiered factorizations some of whose
// forms may serve an active-set system (active rows H = 0, inactive rows
// decoupled) built on the data of the interior-point systems factored
// before it (kkt.System.SetActiveRowsSameData, the solver's polish).
type ActiveSetForms interface {
	// ActiveSetForm reports whether form t is one of them.
	ActiveSetForm(t int) bool
	// SetActiveSet tells the forms whether the following systems are
	// such active-set systems.
	SetActiveSet(on bool)
}

// ActiveSetForm implements ActiveSetForms: form 0 when the fast
// factorization is a DenseDual (which masks the decoupled rows of its
// product) or a DenseBounds (whose complement then holds only the active
// rows that are not bound rows).
func (c *Chain) ActiveSetForm(t int) bool {
	switch c.fast.(type) {
	case *DenseDual, *DenseBounds:
		return t == 0
	}
	return false
}

// SetActiveSet implements ActiveSetForms.
func (c *Chain) SetActiveSet(on bool) {
	c.activeSet = on
	if b, ok := c.fast.(*DenseBounds); ok {
		b.SetActiveSet(on)
	}
}

// ValueClassed is implemented by factorizations that decide part of their
// elimination from the values (DenseSchur: candidates coupled to several
// rows by the pattern and to one by their values, the box rows of a dense
// G) and by the wrappers around them. SetValueClass(false) restores the
// pattern-only path, for tests and diagnostics.
type ValueClassed interface {
	SetValueClass(on bool)
}

// SetValueClass implements ValueClassed.
func (g *Guarded) SetValueClass(on bool) {
	if v, ok := g.primary.(ValueClassed); ok {
		v.SetValueClass(on)
	}
}

// SetValueClass implements ValueClassed.
func (c *Chain) SetValueClass(on bool) {
	for _, f := range []Factorizer{c.fast, c.rest} {
		if v, ok := f.(ValueClassed); ok {
			v.SetValueClass(on)
		}
	}
}

// Chain is a Tiered factorization whose form 0 is a fast factorization and
// whose later forms are those of another one (NewChain).
type Chain struct {
	fast, rest Factorizer
	tier       int
	useFast    bool // the last Factor used fast
	refused    bool // the last Factor's form 0 refused the values
	activeSet  bool // SetActiveSet
}

// NewChain returns the chain of fast (form 0) and rest (forms 1, …: rest's
// own forms when it is Tiered).
func NewChain(fast, rest Factorizer) *Chain { return &Chain{fast: fast, rest: rest} }

// Tiers implements Tiered.
func (c *Chain) Tiers() int {
	if t, ok := c.rest.(Tiered); ok {
		return 1 + t.Tiers()
	}
	return 2
}

// SetTier implements Tiered.
func (c *Chain) SetTier(t int) {
	c.tier = t
	if r, ok := c.rest.(Tiered); ok && t > 0 {
		r.SetTier(t - 1)
	}
}

// Tier implements Tiered: the form the last Factor used (after a refusal
// by form 0, the one that served the values).
func (c *Chain) Tier() int {
	if c.refused {
		if r, ok := c.rest.(Tiered); ok {
			return 1 + r.Tier()
		}
		return 1
	}
	return c.tier
}

// Dim implements Factorizer.
func (c *Chain) Dim() int { return c.rest.Dim() }

// Factor implements Factorizer. When form 0 refuses the values
// (ErrBoundsRefused: DenseBounds found no bound rows, or too few), the
// values are factored by the next form — the first of rest's, or for an
// active-set system (SetActiveSet) its last, accurate one — and Tier
// reports that form: a refusal is not a failed factorization.
func (c *Chain) Factor(values []float64) error {
	c.useFast = c.tier == 0
	c.refused = false
	if c.useFast {
		err := c.fast.Factor(values)
		if !errors.Is(err, ErrBoundsRefused) {
			return err
		}
		c.useFast, c.refused = false, true
		if r, ok := c.rest.(Tiered); ok {
			t := 0
			if c.activeSet {
				t = r.Tiers() - 1
			}
			r.SetTier(t)
		}
	}
	return c.rest.Factor(values)
}

func (c *Chain) cur() Factorizer {
	if c.useFast {
		return c.fast
	}
	return c.rest
}

// Regularized implements Factorizer.
func (c *Chain) Regularized() int { return c.cur().Regularized() }

// Solve implements Factorizer.
func (c *Chain) Solve(b []float64) { c.cur().Solve(b) }

// MulVec implements Multiplier (both factorizations must implement it).
func (c *Chain) MulVec(x, y []float64) { c.cur().(Multiplier).MulVec(x, y) }

var (
	_ Tiered         = (*DenseSchur)(nil)
	_ Tiered         = (*Guarded)(nil)
	_ Tiered         = (*Chain)(nil)
	_ ExactForms     = (*Chain)(nil)
	_ ActiveSetForms = (*Chain)(nil)
	_ Multiplier     = (*Chain)(nil)
	_ Multiplier     = (*Dense)(nil)
	_ Multiplier     = (*DenseSchur)(nil)
	_ Multiplier     = (*Guarded)(nil)
	_ ValueClassed   = (*DenseSchur)(nil)
	_ ValueClassed   = (*Guarded)(nil)
	_ ValueClassed   = (*Chain)(nil)
)

// Current returns the factorization the last Factor used (form 0, or rest
// after form 0 was not used or refused the values).
func (c *Chain) Current() Factorizer { return c.cur() }

// SetValuesVersion implements ValuesVersioned: announced to both forms
// (each keeps its own last scatter and version).
func (g *Guarded) SetValuesVersion(v uint64) {
	setValuesVersion(g.primary, v)
	setValuesVersion(g.sec, v)
}

// VersionSkips implements ValuesVersioned.
func (g *Guarded) VersionSkips() int { return versionSkips(g.primary) + versionSkips(g.sec) }

// SetValuesVersion implements ValuesVersioned: announced to both forms.
func (c *Chain) SetValuesVersion(v uint64) {
	setValuesVersion(c.fast, v)
	setValuesVersion(c.rest, v)
}

// VersionSkips implements ValuesVersioned.
func (c *Chain) VersionSkips() int { return versionSkips(c.fast) + versionSkips(c.rest) }

// SetValuesVersionZeroRows implements ValuesVersionedRows: announced to
// both forms.
func (g *Guarded) SetValuesVersionZeroRows(v uint64, rows []int) {
	setValuesVersionZeroRows(g.primary, v, rows)
	setValuesVersionZeroRows(g.sec, v, rows)
}

// SetValuesVersionZeroRows implements ValuesVersionedRows: announced to
// both forms.
func (c *Chain) SetValuesVersionZeroRows(v uint64, rows []int) {
	setValuesVersionZeroRows(c.fast, v, rows)
	setValuesVersionZeroRows(c.rest, v, rows)
}

// setValuesVersionZeroRows announces (v, rows) to f when it is
// ValuesVersionedRows, and no version (0: compare) when it is only
// ValuesVersioned.
func setValuesVersionZeroRows(f Factorizer, v uint64, rows []int) {
	if ve, ok := f.(ValuesVersionedRows); ok {
		ve.SetValuesVersionZeroRows(v, rows)
		return
	}
	setValuesVersion(f, 0)
}

// setValuesVersion announces v to f when it is ValuesVersioned.
func setValuesVersion(f Factorizer, v uint64) {
	if vv, ok := f.(ValuesVersioned); ok {
		vv.SetValuesVersion(v)
	}
}

// versionSkips returns f's VersionSkips, 0 when it is not ValuesVersioned.
func versionSkips(f Factorizer) int {
	if vv, ok := f.(ValuesVersioned); ok {
		return vv.VersionSkips()
	}
	return 0
}

var (
	_ ValuesVersioned = (*DenseDual)(nil)
	_ ValuesVersioned = (*DenseBounds)(nil)
	_ ValuesVersioned = (*DenseSchur)(nil)
	_ ValuesVersioned = (*Guarded)(nil)
	_ ValuesVersioned = (*Chain)(nil)

	_ ValuesVersionedRows = (*DenseDual)(nil)
	_ ValuesVersionedRows = (*Guarded)(nil)
	_ ValuesVersionedRows = (*Chain)(nil)
)
