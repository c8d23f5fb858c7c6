package cone

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Composite is the product cone K = K₁ × … × K_k of a cone list. It owns
// the blocks and their row offsets and applies every block-wise operation
// to vectors over all m rows, so that callers (the interior-point method,
// the KKT layer, the backward passes) never index a block themselves.
//
// H = WᵀW is block-diagonal; the Composite stores it packed in a vector hs
// of length HLen: each block's HBlock layout (d diagonal entries, or a
// row-major d×d matrix) one after the other. HColumn lists, column by
// column, the upper-triangle entries of H with their index in hs, which is
// all the KKT assembly needs to place them.
//
// A Composite holds the blocks' scaling state: it is not safe for
// concurrent use. It does not allocate after construction.
type Composite struct {
	cones  []Cone
	off    []int // first row of block b; off[len(cones)] = Dim
	hoff   []int // first index of block b's H in hs; hoff[len(cones)] = HLen
	block  []int // block of each row
	degree int
	diag   bool
	poly   bool
	sym    bool  // no NonSymmetric block
	split  []int // blocks that are projectionSplitters (nil if none)
	// pp: the blocks when every one is a zero or a nonnegative cone (nil
	// otherwise): the interior-point iteration's block-wise operations
	// then run as loops over their rows here (polyBlock), without a
	// dynamic call and three or four slicings of the vectors per block
	// and operation (~3.6 k instructions of a BPQP QP 10×5 forward's
	// ~340 k were the slicing alone).
	pp []polyBlock
	// Scratch for Barrier (the shifted iterate).
	ws, wz []float64
}

// NewComposite builds the product cone of a cone list (empty blocks are
// dropped). Every spec must be valid (Spec.Check).
func NewComposite(specs []Spec) *Composite {
	k := &Composite{cones: Build(specs), diag: true, poly: true, sym: true}
	k.off = make([]int, len(k.cones)+1)
	k.hoff = make([]int, len(k.cones)+1)
	for b, c := range k.cones {
		d := c.Dim()
		k.off[b+1] = k.off[b] + d
		if c.Diagonal() {
			k.hoff[b+1] = k.hoff[b] + d
		} else {
			k.hoff[b+1] = k.hoff[b] + d*d
			k.diag = false
		}
		if c.Rows() == RowsNonPolyhedral {
			k.poly = false
		}
		if _, ok := c.(NonSymmetric); ok {
			k.sym = false
		}
		if _, ok := c.(projectionSplitter); ok {
			k.split = append(k.split, b)
		}
		k.degree += c.Degree()
		for i := 0; i < d; i++ {
			k.block = append(k.block, b)
		}
	}
	if !k.sym {
		k.ws, k.wz = make([]float64, k.Dim()), make([]float64, k.Dim())
	}
	k.pp = polyBlocks(k.cones, k.off)
	return k
}

// polyBlock is one block of a Composite whose blocks are all zero or
// nonnegative cones (Composite.pp): its rows lo … hi−1 and, for a
// nonnegative cone, the cone (nil for a zero cone). The operations on
// such a Composite (polyFast) call the *Nonneg blocks' methods directly
// (static calls on their rows, no interface call or k.rows slicing) and
// clear a zero block's rows, block by block in the same order.
type polyBlock struct {
	lo, hi int
	nn     *Nonneg
}

// polyBlocks returns the blocks as polyBlocks when every one is a *Zero
// or a *Nonneg (and there is one), else nil.
func polyBlocks(cones []Cone, off []int) []polyBlock {
	if len(cones) == 0 {
		return nil
	}
	pp := make([]polyBlock, len(cones))
	for b, c := range cones {
		pp[b] = polyBlock{lo: off[b], hi: off[b+1]}
		switch c := c.(type) {
		case *Zero:
		case *Nonneg:
			pp[b].nn = c
		default:
			return nil
		}
	}
	return pp
}

// noPolyFast: tests; the zero and nonnegative blocks' operations go
// through their Cone methods as for any other cone list.
var noPolyFast bool

// polyFast returns the polyBlocks when the operations take them.
func (k *Composite) polyFast() []polyBlock {
	if noPolyFast {
		return nil
	}
	return k.pp
}

// Symmetric reports whether every block is a symmetric cone (none is
// NonSymmetric): the solver then uses Nesterov–Todd scaling throughout and
// its symmetric starting point.
func (k *Composite) Symmetric() bool { return k.sym }

// SetScalingStrategy passes the scaling choice of the next UpdateScaling to
// every non-symmetric block (see NonSymmetric); symmetric blocks ignore it.
func (k *Composite) SetScalingStrategy(dual bool, mu float64) {
	if k.sym {
		return
	}
	for _, c := range k.cones {
		if ns, ok := c.(NonSymmetric); ok {
			ns.SetScalingStrategy(dual, mu)
		}
	}
}

// UnitInit sets s and z to every block's unit point (see Cone.UnitInit):
// the starting point of problems with non-symmetric cones.
func (k *Composite) UnitInit(s, z []float64) {
	for b, c := range k.cones {
		c.UnitInit(k.rows(s, b), k.rows(z, b))
	}
}

// Barrier returns Σ_b f_b(s + αΔs) + f_b*(z + αΔz), the primal and dual
// barriers of every block at the shifted point (−Σ log(sᵢzᵢ) on orthants,
// −½log(det s·det z) on second-order cones, −log det S − log det Z on PSD
// blocks, NonSymmetric.Barrier otherwise), +Inf outside. Only available
// when the composite is not Symmetric (it owns scratch for the shift).
func (k *Composite) Barrier(s, z, ds, dz []float64, alpha float64) float64 {
	for i := range k.ws {
		k.ws[i] = s[i] + alpha*ds[i]
		k.wz[i] = z[i] + alpha*dz[i]
	}
	var acc float64
	for b, c := range k.cones {
		sb, zb := k.rows(k.ws, b), k.rows(k.wz, b)
		switch cc := c.(type) {
		case NonSymmetric:
			acc += cc.Barrier(sb, zb)
		case *Nonneg:
			for i := range sb {
				acc -= math.Log(sb[i] * zb[i])
			}
		case *SOC:
			acc -= 0.5 * math.Log(socDet(sb)*socDet(zb))
		case *PSD:
			acc -= cc.logDet(sb) + cc.logDet(zb)
		}
		if math.IsNaN(acc) {
			return math.Inf(1)
		}
	}
	return acc
}

// rows returns the slice of v that block b covers.
func (k *Composite) rows(v []float64, b int) []float64 { return v[k.off[b]:k.off[b+1]] }

// hblock returns the slice of hs that holds block b's H.
func (k *Composite) hblock(hs []float64, b int) []float64 { return hs[k.hoff[b]:k.hoff[b+1]] }

// Dim returns the number of rows m.
func (k *Composite) Dim() int { return k.off[len(k.cones)] }

// Degree returns the barrier degree ν = Σ degrees of the blocks.
func (k *Composite) Degree() int { return k.degree }

// Diagonal reports whether H is diagonal (every block is).
func (k *Composite) Diagonal() bool { return k.diag }

// Polyhedral reports whether every block describes its rows as equalities
// or sign constraints (Rows is not RowsNonPolyhedral): the condition for
// the active-set methods.
func (k *Composite) Polyhedral() bool { return k.poly }

// RowClasses writes the class of every row into dst (len Dim).
func (k *Composite) RowClasses(dst []RowClass) {
	for b, c := range k.cones {
		r := c.Rows()
		for i := k.off[b]; i < k.off[b+1]; i++ {
			dst[i] = r
		}
	}
}

// HLen returns the length of the packed H vector.
func (k *Composite) HLen() int { return k.hoff[len(k.cones)] }

// HColumn calls visit(i, p) for every entry (i, j), i ≤ j, of column j of
// the block-diagonal H (rows and columns numbered over all m rows), in
// increasing i, with p its index in the packed vector.
func (k *Composite) HColumn(j int, visit func(i, p int)) {
	b := k.block[j]
	o := k.off[b]
	if k.cones[b].Diagonal() {
		visit(j, k.hoff[b]+j-o)
		return
	}
	d := k.cones[b].Dim()
	jj := j - o
	for ii := 0; ii <= jj; ii++ {
		visit(o+ii, k.hoff[b]+ii*d+jj)
	}
}

// SetIdentityScaling sets W = I on every block (see Cone).
func (k *Composite) SetIdentityScaling() {
	for _, c := range k.cones {
		c.SetIdentityScaling()
	}
}

// UpdateScaling computes the NT scaling of every block at the interior
// point (s, z).
func (k *Composite) UpdateScaling(s, z []float64) {
	if pp := k.polyFast(); pp != nil {
		for _, pb := range pp {
			if pb.nn != nil { // a zero cone has nothing to scale
				pb.nn.UpdateScaling(s[pb.lo:pb.hi], z[pb.lo:pb.hi])
			}
		}
		return
	}
	for b, c := range k.cones {
		c.UpdateScaling(k.rows(s, b), k.rows(z, b))
	}
}

// ScalingH writes H = WᵀW of the current scaling into hs.
func (k *Composite) ScalingH(hs []float64) {
	if pp := k.polyFast(); pp != nil {
		// Diagonal blocks: H's block b is hs[lo:hi] (hoff = off).
		for _, pb := range pp {
			if h := hs[pb.lo:pb.hi]; pb.nn == nil {
				clear(h)
			} else {
				pb.nn.HBlock(h)
			}
		}
		return
	}
	for b, c := range k.cones {
		c.HBlock(k.hblock(hs, b))
	}
}

// ProjectionH writes into hs the H that linearizes complementarity at the
// solution (s, y) for the backward pass (see Cone.ProjectionH).
func (k *Composite) ProjectionH(hs, s, y []float64) {
	for b, c := range k.cones {
		c.ProjectionH(k.hblock(hs, b), k.rows(s, b), k.rows(y, b))
	}
}

// projectionSplitter is implemented by cones whose ProjectionH stands for
// infinite eigenvalues off the coordinate axes by a finite big·ddᵀ, whose
// rounding pollutes the block's finite entries by about big·ε (the second-
// order cone on its boundary). A caller can then solve the limit system
// (dy ⊥ d, the finite part alone elsewhere) by refinement, with the
// factored big form as its preconditioner (the kkt backward pass, through
// Composite.SplitBlocks and ProjectionSplitBlock).
type projectionSplitter interface {
	// projectionSplit writes ProjectionH's H at (s, y) in parts: its
	// finite part into hfin (HBlock's layout), and returns the number k of
	// its infinite eigenvalues and the value big ProjectionH gives them: for
	// 0 < k < Dim their unit directions are written into dir (k·Dim
	// entries, one after the other), for k = Dim they are the coordinate
	// axes and dir is not written. H = hfin + big·Σⱼ dⱼdⱼᵀ up to rounding.
	projectionSplit(hfin, dir, s, y []float64) (k int, big float64)
}

// SplitBlocks returns the blocks whose ProjectionH stands for infinite
// eigenvalues off the coordinate axes by a finite big (the second-order
// cones), in order, or nil when there are none. The slice is the
// Composite's own: callers must not modify it.
func (k *Composite) SplitBlocks() []int { return k.split }

// Block returns block b's first row and dimension.
func (k *Composite) Block(b int) (first, dim int) {
	return k.off[b], k.off[b+1] - k.off[b]
}

// ProjectionSplitBlock writes block b's (one of SplitBlocks) H of
// ProjectionH at (s, y) (over all rows) in parts: its finite part into
// hfin (the block's HBlock layout: Dim×Dim, row-major), and returns the
// number k of its infinite eigenvalues and the value big ProjectionH gives
// them. For 0 < k < Dim their unit directions are written into dir, one
// after the other (a second-order cone has at most one, dir of Dim
// entries); k = Dim stands for the coordinate axes (dir not written).
func (k *Composite) ProjectionSplitBlock(b int, hfin, dir, s, y []float64) (int, float64) {
	return k.cones[b].(projectionSplitter).projectionSplit(hfin, dir, k.rows(s, b), k.rows(y, b))
}

// DiagH writes H = diag(h) into hs; only valid when Diagonal.
func (k *Composite) DiagH(hs, h []float64) {
	for b := range k.cones {
		copy(k.hblock(hs, b), k.rows(h, b))
	}
}

// InverseH is implemented by cones whose H = WᵀW has an explicit inverse
// at no more than the cost of H itself (the PSD cone). The KKT layer uses
// it to eliminate such blocks from the factored matrix (kkt's reduced form).
type InverseH interface {
	// HInvBlock writes H⁻¹ of the current scaling into dst (row-major
	// Dim×Dim).
	HInvBlock(dst []float64)
}

// InverseHBlocks returns the blocks whose cone implements InverseH, with
// their first rows and dimensions.
func (k *Composite) InverseHBlocks() (blocks, first, dims []int) {
	for b, c := range k.cones {
		if _, ok := c.(InverseH); ok {
			blocks = append(blocks, b)
			first = append(first, k.off[b])
			dims = append(dims, c.Dim())
		}
	}
	return blocks, first, dims
}

// HInvBlock writes H⁻¹ of block b (one of InverseHBlocks) into dst
// (row-major, its dimension squared).
func (k *Composite) HInvBlock(b int, dst []float64) {
	k.cones[b].(InverseH).HInvBlock(dst)
}

// MulHBlock computes out = H_b v for block b alone (out and v of the
// block's dimension), H packed in hs.
func (k *Composite) MulHBlock(hs []float64, b int, out, v []float64) {
	h := k.hblock(hs, b)
	if k.cones[b].Diagonal() {
		for j, hv := range h {
			out[j] = hv * v[j]
		}
		return
	}
	d := k.cones[b].Dim()
	for r := 0; r < d; r++ {
		out[r] = vec.Dot(h[r*d:r*d+d], v)
	}
}

// MulH computes out = H v with H packed in hs.
func (k *Composite) MulH(hs, out, v []float64) {
	if k.diag {
		// Every block diagonal: hs is H's diagonal over all the rows
		// (hoff = off), and the blocks' products are one loop (the same
		// products; MulH runs three times per interior-point iteration,
		// H z₁ for Δτ's denominator and H Δz in finishStep for the
		// predictor and the corrector, and the per-block slicing cost more
		// than the products at the BPQP study's 10 rows).
		m := k.Dim()
		hs, out, v = hs[:m], out[:m], v[:m]
		for j, hv := range hs {
			out[j] = hv * v[j]
		}
		return
	}
	for b, c := range k.cones {
		h, o, vb := k.hblock(hs, b), k.rows(out, b), k.rows(v, b)
		if c.Diagonal() {
			for j, hv := range h {
				o[j] = hv * vb[j]
			}
			continue
		}
		// Dense block (PSD: 78×78 at d = 12): the SIMD dot product, not a
		// scalar loop (MulH runs three times per interior-point iteration
		// and in every tangent refinement step).
		d := c.Dim()
		for r := 0; r < d; r++ {
			o[r] = vec.Dot(h[r*d:r*d+d], vb)
		}
	}
}

// QuadH returns vᵀHv = Σ‖W_b v_b‖² through the blocks' W (see Cone.QuadH).
func (k *Composite) QuadH(v []float64) float64 {
	var acc float64
	for b, c := range k.cones {
		acc += c.QuadH(k.rows(v, b))
	}
	return acc
}

// ShiftToCone moves the primal s and the dual z into the interior of every
// block (see Cone.ShiftToCone).
func (k *Composite) ShiftToCone(s, z []float64) {
	for b, c := range k.cones {
		c.ShiftToCone(k.rows(s, b), false)
		c.ShiftToCone(k.rows(z, b), true)
	}
}

// Complementarity returns sᵀz summed over the blocks.
func (k *Composite) Complementarity(s, z []float64) float64 {
	var acc float64
	if pp := k.polyFast(); pp != nil {
		for _, pb := range pp {
			if pb.nn == nil {
				// Zero.Complementarity's 0 adds nothing: acc starts at
				// +0 and x + (+0) is x for every x but −0, which acc
				// never is (a sum is −0 only when both terms are).
				continue
			}
			acc += pb.nn.Complementarity(s[pb.lo:pb.hi], z[pb.lo:pb.hi])
		}
		return acc
	}
	for b, c := range k.cones {
		acc += c.Complementarity(k.rows(s, b), k.rows(z, b))
	}
	return acc
}

// LambdaSquare writes λ ∘ λ into ds.
func (k *Composite) LambdaSquare(ds []float64) {
	if pp := k.polyFast(); pp != nil {
		for _, pb := range pp {
			if d := ds[pb.lo:pb.hi]; pb.nn == nil {
				clear(d)
			} else {
				pb.nn.LambdaSquare(d)
			}
		}
		return
	}
	for b, c := range k.cones {
		c.LambdaSquare(k.rows(ds, b))
	}
}

// CombinedShift adds the Mehrotra correction (W⁻ᵀΔs_a) ∘ (WΔz_a) − σμe
// to ds.
func (k *Composite) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	if pp := k.polyFast(); pp != nil {
		for _, pb := range pp {
			if d := ds[pb.lo:pb.hi]; pb.nn == nil {
				clear(d)
			} else {
				pb.nn.CombinedShift(d, dz[pb.lo:pb.hi], dsA[pb.lo:pb.hi], sigmaMu)
			}
		}
		return
	}
	for b, c := range k.cones {
		c.CombinedShift(k.rows(ds, b), k.rows(dz, b), k.rows(dsA, b), sigmaMu)
	}
}

// DsHat writes out = Wᵀ(λ \ ds).
func (k *Composite) DsHat(out, ds []float64) {
	if pp := k.polyFast(); pp != nil {
		for _, pb := range pp {
			if o := out[pb.lo:pb.hi]; pb.nn == nil {
				clear(o)
			} else {
				pb.nn.DsHat(o, ds[pb.lo:pb.hi])
			}
		}
		return
	}
	for b, c := range k.cones {
		c.DsHat(k.rows(out, b), k.rows(ds, b))
	}
}

// StepLength returns the largest α ≤ αmax with z + αΔz and s + αΔs in
// every block.
//
// Symmetric blocks (exact steps to the boundary) go first, so that the
// backtracking of the non-symmetric blocks starts from their bound.
func (k *Composite) StepLength(dz, ds, z, s []float64, alphaMax float64) float64 {
	a := alphaMax
	for pass := 0; pass < 2; pass++ {
		for b, c := range k.cones {
			if _, ns := c.(NonSymmetric); ns != (pass == 1) {
				continue
			}
			az, as := c.StepLength(k.rows(dz, b), k.rows(ds, b), k.rows(z, b), k.rows(s, b), a)
			a = math.Min(a, math.Min(az, as))
		}
		if k.sym {
			break
		}
	}
	return a
}

// RectifyScaling makes the equilibration's row scaling e one that every
// block is invariant under (see Cone.RectifyScaling).
func (k *Composite) RectifyScaling(e []float64) {
	for b, c := range k.cones {
		c.RectifyScaling(k.rows(e, b))
	}
}

// FixSlack sets the slacks of equality rows (RowsEquality) to zero and
// leaves the others alone.
func (k *Composite) FixSlack(s []float64) {
	for b, c := range k.cones {
		if c.Rows() == RowsEquality {
			r := k.rows(s, b)
			for i := range r {
				r[i] = 0
			}
		}
	}
}
