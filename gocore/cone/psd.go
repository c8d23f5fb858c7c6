package cone

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// PSD is the cone of positive semidefinite symmetric d×d matrices, stored
// as a vector of n = d(d+1)/2 rows by svec, in the order SCS uses (and
// cvxpy's SCS and diffcp interfaces emit): the lower triangle column by
// column,
//
//	svec(X) = (X₀₀, √2X₁₀, …, √2X_{d−1,0}, X₁₁, √2X₂₁, …, X_{d−1,d−1}),
//
// with the off-diagonal entries scaled by √2 so that svec(X)ᵀsvec(Y) =
// tr(XY). (The lower triangle column by column is the upper triangle row by
// row; Clarabel's order, the upper triangle column by column, differs.)
// The cone is self-dual under this inner product.
//
// Jordan algebra: X∘Y = (XY + YX)/2, identity e = svec(I), barrier degree
// d. Nesterov–Todd scaling as in Clarabel's PSDTriangleCone: with the
// Cholesky factors S = L₁L₁ᵀ, Z = L₂L₂ᵀ and the SVD L₂ᵀL₁ = UΛVᵀ,
//
//	R = L₁VΛ^{−1/2},  R⁻¹ = Λ^{−1/2}UᵀL₂ᵀ,
//
// W acts as W svec(X) = svec(RᵀXR), so that W z = W⁻ᵀ s = λ = svec(Λ) and
// WᵀW svec(X) = svec(RRᵀ X RRᵀ).
type PSD struct {
	d, n   int
	ii, jj []int     // row and column (ii ≥ jj) of every svec entry
	sv     []float64 // the svec scale of every entry: 1 on the diagonal, √2 off it
	r      []float64 // R (row-major d×d)
	rinv   []float64 // R⁻¹
	lambda []float64 // the d eigenvalues of Λ (λ = svec(diag(lambda)))
	m1     []float64 // d×d scratch
	m2     []float64
	m3     []float64
	m4     []float64
	w1     []float64 // d scratch
	w2     []float64
	hv     []float64 // n×psdHChunk: ProjectionH's eigenvectors (columns)
	hw     []float64 // psdHChunk: their eigenvalues, negated
	ws     *vec.Workspace

	// ident: the scaling is SetIdentityScaling's (R = R⁻¹ = I), so
	// HBlock and HInvBlock write the identity without skron.
	ident bool
	// The last moreau's output pair and the eigen-decomposition it came
	// from (pairQ: vectors, pairW: values); pairValid once set.
	pairS, pairY, pairQ, pairW []float64
	pairValid                  bool
}

// psdHChunk is the number of eigenvectors ProjectionH accumulates per GEMM
// (its scratch is n×psdHChunk).
const psdHChunk = 64

// psdSide returns d with d(d+1)/2 = n, or −1 when n is not a triangular
// number.
func psdSide(n int) int {
	d := int(math.Round((math.Sqrt(float64(8*n+1)) - 1) / 2))
	if d < 0 || d*(d+1)/2 != n {
		return -1
	}
	return d
}

// NewPSD returns the PSD cone on n = d(d+1)/2 rows (n ≥ 1 a triangular
// number). The scaling is initialised to the identity.
func NewPSD(n int) *PSD {
	d := psdSide(n)
	if d < 1 {
		panic("cone: NewPSD needs a triangular number of rows >= 1")
	}
	mat := func() []float64 { return make([]float64, d*d) }
	c := &PSD{d: d, n: n, ii: make([]int, n), jj: make([]int, n), sv: make([]float64, n), r: mat(), rinv: mat(),
		lambda: make([]float64, d), m1: mat(), m2: mat(), m3: mat(), m4: mat(),
		w1: make([]float64, d), w2: make([]float64, d)}
	kc := min(psdHChunk, n)
	c.hv, c.hw, c.ws = make([]float64, n*kc), make([]float64, kc), vec.NewWorkspace(n)
	k := 0
	for j := 0; j < d; j++ {
		for i := j; i < d; i++ {
			c.ii[k], c.jj[k] = i, j
			c.sv[k] = 1
			if i != j {
				c.sv[k] = math.Sqrt2
			}
			k++
		}
	}
	c.SetIdentityScaling()
	return c
}

// Side returns the matrix side d.
func (c *PSD) Side() int { return c.d }

// smat writes the symmetric matrix of the svec v into x (row-major d×d).
func (c *PSD) smat(x, v []float64) {
	d := c.d
	for k, val := range v {
		i, j := c.ii[k], c.jj[k]
		if i == j {
			x[i*d+i] = val
		} else {
			val /= math.Sqrt2
			x[i*d+j] = val
			x[j*d+i] = val
		}
	}
}

// svec writes the svec of the symmetric part of x into v.
func (c *PSD) svec(v, x []float64) {
	d := c.d
	for k := range v {
		i, j := c.ii[k], c.jj[k]
		if i == j {
			v[k] = x[i*d+i]
		} else {
			v[k] = (x[i*d+j] + x[j*d+i]) * (math.Sqrt2 / 2)
		}
	}
}

// congruence writes out = AᵀXA (trans false) or AXAᵀ (trans true);
// tmp is d×d scratch; out must not alias x or tmp.
func (c *PSD) congruence(out, a, x, tmp []float64, trans bool) {
	d := c.d
	if trans {
		matMul(tmp, x, a, d, false, true) // X Aᵀ
		matMul(out, a, tmp, d, false, false)
	} else {
		matMul(tmp, x, a, d, false, false) // X A
		matMul(out, a, tmp, d, true, false)
	}
}

// Dim implements Cone: n = d(d+1)/2 rows.
func (c *PSD) Dim() int { return c.n }

// Degree implements Cone: the barrier −log det X has degree d.
func (c *PSD) Degree() int { return c.d }

// Diagonal implements Cone: WᵀW is a dense n×n block.
func (c *PSD) Diagonal() bool { return false }

// Rows implements Cone: the faces of the PSD cone are not polyhedral.
func (c *PSD) Rows() RowClass { return RowsNonPolyhedral }

// identity writes e = svec(I) into v.
func (c *PSD) identity(v []float64) {
	for k := range v {
		if c.ii[k] == c.jj[k] {
			v[k] = 1
		} else {
			v[k] = 0
		}
	}
}

// UnitInit implements Cone: s = z = svec(I).
func (c *PSD) UnitInit(s, z []float64) {
	c.identity(s)
	c.identity(z)
}

// minEig returns the smallest eigenvalue of smat(v).
func (c *PSD) minEig(v []float64) float64 {
	c.smat(c.m1, v)
	symEigen(c.m1, c.m2, c.w1, c.d)
	mn := math.Inf(1)
	for _, e := range c.w1 {
		mn = math.Min(mn, e)
	}
	return mn
}

// ShiftToCone implements Cone: with α the smallest eigenvalue of smat(v),
// it adds (1 − α)·I when α < √ε (primal and dual alike).
func (c *PSD) ShiftToCone(v []float64, isDual bool) {
	alpha := c.minEig(v)
	if alpha < sqrtEps {
		for k := range v {
			if c.ii[k] == c.jj[k] {
				v[k] += 1 - alpha
			}
		}
	}
}

// SetIdentityScaling implements Cone: R = R⁻¹ = I, λ = e.
func (c *PSD) SetIdentityScaling() {
	d := c.d
	for i := 0; i < d*d; i++ {
		c.r[i], c.rinv[i] = 0, 0
	}
	for i := 0; i < d; i++ {
		c.r[i*d+i], c.rinv[i*d+i] = 1, 1
		c.lambda[i] = 1
	}
	c.ident = true
}

// cholInterior factors smat(v) = LLᵀ into l; a matrix that is not
// positive definite in floating point (an iterate within rounding of the
// boundary) is shifted by a tiny multiple of its scale first, as the SOC
// floors its determinant, so that the scaling stays finite.
func (c *PSD) cholInterior(l, v []float64) {
	d := c.d
	c.smat(l, v)
	if cholLower(l, d) {
		return
	}
	var scale float64
	for k, val := range v {
		if c.ii[k] == c.jj[k] {
			scale = math.Max(scale, math.Abs(val))
		}
	}
	if !(scale > 0) {
		scale = 1
	}
	for shift := 1e-14 * scale; ; shift *= 10 {
		c.smat(l, v)
		for i := 0; i < d; i++ {
			l[i*d+i] += shift
		}
		if cholLower(l, d) || shift > scale {
			return
		}
	}
}

// UpdateScaling implements Cone (see the type's comment).
func (c *PSD) UpdateScaling(s, z []float64) {
	d := c.d
	c.ident = false
	l1, l2, m, v := c.m1, c.m2, c.m3, c.m4
	c.cholInterior(l1, s)
	c.cholInterior(l2, z)
	matMul(m, l2, l1, d, true, false)  // L₂ᵀL₁
	svdJacobi(m, v, c.lambda, c.w1, d) // m ← U
	for j := 0; j < d; j++ {
		if !(c.lambda[j] > 0) {
			c.lambda[j] = minNormal
		}
	}
	// R = L₁VΛ^{−1/2}.
	matMul(c.r, l1, v, d, false, false)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			c.r[i*d+j] /= math.Sqrt(c.lambda[j])
		}
	}
	// R⁻¹ = Λ^{−1/2}UᵀL₂ᵀ.
	matMul(c.rinv, m, l2, d, true, true)
	for i := 0; i < d; i++ {
		f := 1 / math.Sqrt(c.lambda[i])
		for j := 0; j < d; j++ {
			c.rinv[i*d+j] *= f
		}
	}
}

// HBlock implements Cone: WᵀW = skron(M, M) with M = RRᵀ, the n×n matrix of
// X ↦ MXM in svec coordinates:
//
//	H[(i,j),(k,l)] = a_ij b_kl (M_ik M_jl + M_il M_jk),
//
// a = √2 off the diagonal (1 on it), b = a/2. The block is symmetric bit
// for bit (M is: matMul forms M_ik and M_ki from the same products; see
// skron). At the identity scaling it is the identity (identityBlock).
func (c *PSD) HBlock(dst []float64) {
	if c.ident {
		c.identityBlock(dst)
		return
	}
	mm := c.m1
	matMul(mm, c.r, c.r, c.d, false, true)
	c.skron(dst, mm)
}

// HInvBlock implements InverseH: H⁻¹ = skron(M⁻¹, M⁻¹) with
// M⁻¹ = (RRᵀ)⁻¹ = R⁻ᵀR⁻¹, from the stored R⁻¹ (the map X ↦ MXM has the
// inverse X ↦ M⁻¹XM⁻¹, and svec is an isometry), at the cost of HBlock.
func (c *PSD) HInvBlock(dst []float64) {
	if c.ident {
		c.identityBlock(dst)
		return
	}
	mm := c.m1
	matMul(mm, c.rinv, c.rinv, c.d, true, false)
	c.skron(dst, mm)
}

// identityBlock writes the n×n identity, H and H⁻¹ at the identity
// scaling (skron(I, I) up to rounding: it formed the off-diagonal svec
// entries' ½·√2·√2 as 1 + 2.2e-16). The interior-point initialization
// factors its KKT system at this scaling (on the λmax LMI, d = 12, the
// two skron of SetIdentityH and the reduced form's H⁻¹ were ~4 % of a
// solve).
func (c *PSD) identityBlock(dst []float64) {
	n := c.n
	clear(dst[:n*n])
	for p := 0; p < n; p++ {
		dst[p*n+p] = 1
	}
}

// skron writes the n×n matrix of X ↦ MXM in svec coordinates (M symmetric
// bit for bit, row-major d×d) into dst, row by row. svec runs down the
// columns of the lower triangle, so within row p = (i, j) the entries of
// column l of the triangle, q = (k, l) for k = l…d−1, are the contiguous
// ap·sc_q·(M_il·M_jk + M_jl·M_ik) (ap = sc_p/2): one fused pass per
// column over contiguous rows of M, where the former upper-triangle fill
// loaded two index tables per entry and mirrored each entry by a write
// with stride n (BenchmarkPSDSkron d = 12: 9.5 → 3.4 µs). Each entry is
// the former's bit for bit (the same products, summed in the same
// order: IEEE multiplication and addition commute), so the block stays
// symmetric bit for bit: H_qp has the same two products as H_pq.
func (c *PSD) skron(dst, mm []float64) {
	d, n := c.d, c.n
	for p := 0; p < n; p++ {
		i, j := c.ii[p], c.jj[p]
		mi, mj := mm[i*d:i*d+d], mm[j*d:j*d+d]
		ap := 0.5 * c.sv[p]
		aoff := ap * math.Sqrt2
		row := dst[p*n : p*n+n]
		q := 0
		for l := 0; l < d; l++ {
			// q = (l, l): sc_q = 1. The products are rounded explicitly
			// (float64(·)), as skron's reference does, so that a build
			// whose compiler fuses multiply–adds (GOAMD64=v3, arm64) fuses
			// neither: the same bits everywhere.
			row[q] = ap * (float64(mi[l]*mj[l]) + float64(mi[l]*mj[l]))
			q++
			a, b := mj[l], mi[l]
			ri, rj := mi[l+1:d], mj[l+1:d]
			out := row[q : q+len(ri)]
			for k := range out {
				out[k] = aoff * (float64(ri[k]*a) + float64(b*rj[k]))
			}
			q += len(ri)
		}
	}
}

// LambdaSquare implements Cone: λ∘λ = svec(Λ²).
func (c *PSD) LambdaSquare(ds []float64) {
	for k := range ds {
		if i := c.ii[k]; i == c.jj[k] {
			ds[k] = c.lambda[i] * c.lambda[i]
		} else {
			ds[k] = 0
		}
	}
}

// CombinedShift implements Cone: ds += (W⁻ᵀΔs_a)∘(WΔz_a) − σμe, with
// W⁻ᵀ svec(X) = svec(R⁻¹XR⁻ᵀ) and W svec(X) = svec(RᵀXR).
func (c *PSD) CombinedShift(ds, dz, dsA []float64, sigmaMu float64) {
	d := c.d
	x, u, v, tmp := c.m1, c.m2, c.m3, c.m4
	c.smat(x, dsA)
	c.congruence(u, c.rinv, x, tmp, true)
	c.smat(x, dz)
	c.congruence(v, c.r, x, tmp, false)
	matMul(x, u, v, d, false, false) // UV; svec symmetrizes (UV + VU)/2
	for k := range ds {
		i, j := c.ii[k], c.jj[k]
		if i == j {
			ds[k] += x[i*d+i] - sigmaMu
		} else {
			ds[k] += (x[i*d+j] + x[j*d+i]) * (math.Sqrt2 / 2)
		}
	}
}

// DsHat implements Cone: out = Wᵀ(λ \ ds) = svec(R X Rᵀ) with X the
// solution of Λ∘X = smat(ds), X_ij = 2 D_ij/(λ_i + λ_j). out may alias ds.
func (c *PSD) DsHat(out, ds []float64) {
	d := c.d
	x := c.m1
	c.smat(x, ds)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] *= 2 / (c.lambda[i] + c.lambda[j])
		}
	}
	c.congruence(c.m2, c.r, x, c.m3, true)
	c.svec(out, c.m2)
}

// QuadH implements Cone: ‖W v‖² = ‖RᵀVR‖²_F.
func (c *PSD) QuadH(v []float64) float64 {
	c.smat(c.m1, v)
	c.congruence(c.m2, c.r, c.m1, c.m3, false)
	var acc float64
	for _, t := range c.m2 {
		acc += t * t
	}
	return acc
}

// Complementarity implements Cone: sᵀz = tr(SZ).
func (c *PSD) Complementarity(s, z []float64) float64 {
	var acc float64
	for k := range s {
		acc += s[k] * z[k]
	}
	return acc
}

// StepLength implements Cone: for u = z, s it returns the largest α ≤ αmax
// with U + αΔU ⪰ 0: with U = LLᵀ and γ the smallest eigenvalue of
// L⁻¹ΔUL⁻ᵀ, α = −1/γ when γ < 0 (Clarabel's step_length for this cone;
// γ by bisection on a tridiagonal form, see step).
func (c *PSD) StepLength(dz, ds, z, s []float64, alphaMax float64) (float64, float64) {
	return c.step(z, dz, alphaMax), c.step(s, ds, alphaMax)
}

func (c *PSD) step(u, du []float64, alphaMax float64) float64 {
	d := c.d
	l, x := c.m1, c.m2
	c.smat(l, u)
	if !cholLower(l, d) {
		return 0
	}
	c.smat(x, du)
	solveLower(l, x, d) // L⁻¹ΔU
	// Transpose and solve again: (L⁻¹(L⁻¹ΔU)ᵀ) = L⁻¹ΔUL⁻ᵀ (ΔU symmetric).
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			x[i*d+j], x[j*d+i] = x[j*d+i], x[i*d+j]
		}
	}
	solveLower(l, x, d)
	for i := 0; i < d; i++ { // symmetrize against rounding
		for j := 0; j < i; j++ {
			t := (x[i*d+j] + x[j*d+i]) / 2
			x[i*d+j], x[j*d+i] = t, t
		}
	}
	// Only γ = λmin matters, and only when below −1/αmax: a Householder
	// tridiagonalization and Sturm bisection (O(d³) with a small constant,
	// no eigenvectors; the Jacobi method took a third of the solve).
	tridiagonalize(x, c.w1, c.w2, d)
	floor := 0.0
	if alphaMax > 0 && !math.IsInf(alphaMax, 1) {
		floor = -1 / alphaMax
	}
	gamma := tridiagMinEig(c.w1, c.w2[:d-1], floor)
	if gamma < 0 {
		return math.Max(0, math.Min(alphaMax, -1/gamma))
	}
	return alphaMax
}

// RectifyScaling implements Cone: the equilibration's row scaling must map
// the cone onto itself; a uniform scaling does (the smallest is taken).
func (c *PSD) RectifyScaling(e []float64) {
	mn := math.Inf(1)
	for _, v := range e {
		mn = math.Min(mn, v)
	}
	for i := range e {
		e[i] = mn
	}
}

// ProjectionH implements Cone: the H with ds = −H dy that linearizes
// complementarity at the solution (s, y), from the derivative of the
// projection onto the PSD cone (as for the SOC, u = y − s, y = Π(u),
// s = Π(u) − u, H = DΠ(u)⁻¹ − I). With u = Q diag(μ) Qᵀ, DΠ(u) acts on
// Qᵀ dU Q entrywise by B_ij = 1 (μ_i, μ_j > 0), 0 (both ≤ 0), or
// μ_i⁺/(μ_i − μ_j) for mixed signs (with μ_i > 0 ≥ μ_j); its eigenvectors
// are svec(Q E_ij Qᵀ) (E_ij the svec basis matrices), so H is
// Σ h_ij svec(QE_ijQᵀ)svec(QE_ijQᵀ)ᵀ with h = (1 − B)/B (psdDerivBig for B = 0).
func (c *PSD) ProjectionH(h, s, y []float64) {
	d := c.d
	u := c.m1
	// u = y − s in matrix form.
	for k := range s {
		i, j := c.ii[k], c.jj[k]
		val := y[k] - s[k]
		if i == j {
			u[i*d+i] = val
		} else {
			val /= math.Sqrt2
			u[i*d+j], u[j*d+i] = val, val
		}
	}
	symEigen(u, c.m2, c.w1, d)
	c.projectionHEig(h, c.m2, c.w1, false)
}

// moreauH writes ProjectionH's H at the pair (ŝ, ŷ) that moreau just
// computed, from moreau's eigen-decomposition (Q in m2, the eigenvalues w
// of v = s − y in w1): ŷ − ŝ = −v, so u's eigenvectors are Q and its
// eigenvalues −w (the tangent refinement's NewtonPair called symEigen
// twice on the same matrix).
func (c *PSD) moreauH(h []float64) {
	for i := range c.w1 {
		c.w1[i] = -c.w1[i]
	}
	c.projectionHEig(h, c.m2, c.w1, true)
}

// projectionHEig writes ProjectionH's H from the eigen-decomposition
// u = Q diag(μ) Qᵀ (q row-major d×d with the eigenvectors as columns).
// lowRank allows the base·I form below; the backward (ProjectionH) does
// not take it.
func (c *PSD) projectionHEig(h, q, mu []float64, lowRank bool) {
	d, n := c.d, c.n
	// The v_pr are an orthonormal basis (svec is an isometry and Q is
	// orthogonal), so H = base·I + Σ (h_pr − base) v vᵀ for any base: with
	// base the more frequent of 0 (both eigenvalues positive) and
	// psdDerivBig (both nonpositive), only the other pairs enter the
	// product. At a low-rank y (the largest-eigenvalue LMI: y = vvᵀ, 66 of
	// 78 pairs at psdDerivBig) that is a rank-12 instead of a rank-77
	// update (ProjectionH was a sixth of that solve). base = psdDerivBig
	// costs accuracy: on a direction whose h is 0 or O(1), H is then a
	// difference of numbers near psdDerivBig (errors ~psdDerivBig·ε in
	// every entry, where the sum over the big pairs leaves ~psdDerivBig·ε²).
	// The tangent refinement's Newton matrix (moreauH) only steers steps
	// whose residual is checked, so it takes the cheaper form; the kkt
	// backward's H (ProjectionH) keeps base 0 (its gradients were 10–60×
	// less accurate against finite differences with the big base).
	nBig, nZero := 0, 0
	for p := 0; p < d; p++ {
		for r := p; r < d; r++ {
			switch psdPairH(mu[p], mu[r]) {
			case psdDerivBig:
				nBig++
			case 0:
				nZero++
			}
		}
	}
	base := 0.0
	if lowRank && nBig > nZero {
		base = psdDerivBig
	}
	for i := range h {
		h[i] = 0
	}
	for i := 0; i < n; i++ {
		h[i*n+i] = base
	}
	// H's pairs with h_pr ≠ base: V diag(h_pr − base) Vᵀ, V's columns
	// v = svec(Q E_pr Qᵀ), accumulated psdHChunk columns at a time by
	// vec's GEMM into the lower triangle, then mirrored. (A rank-one update
	// per pair, Σ h v vᵀ row by row, took a third of a nearest-correlation
	// solve when the tangent Newton refinement called it.)
	vt, hs := c.hv, c.hw
	kc := len(hs)
	nc := 0
	flush := func() {
		if nc == 0 {
			return
		}
		// C −= A·diag(s)·Aᵀ with A = V (n×nc, row-major, stride kc).
		c.ws.MulSubNT(n, n, nc, vt, kc, vt, kc, hs[:nc], h, n, true)
		nc = 0
	}
	for p := 0; p < d; p++ {
		for r := p; r < d; r++ {
			hv := psdPairH(mu[p], mu[r])
			if hv == base {
				continue
			}
			// v_k for svec entry k = (i, j): (Q E_pr Qᵀ)_ij times a_ij, with
			// E_pr = (e_p e_rᵀ + e_r e_pᵀ)/√2 (p ≠ r) or e_p e_pᵀ.
			for a := 0; a < n; a++ {
				vt[a*kc+nc] = c.projVec(q, a, p, r)
			}
			hs[nc] = base - hv
			if nc++; nc == kc {
				flush()
			}
		}
	}
	flush()
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			h[a*n+b] = h[b*n+a]
		}
	}
}

// psdPairH is the eigenvalue of ProjectionH's H on svec(Q E_pr Qᵀ) for the
// eigenvalues μ_p, μ_r of y − s: (1 − b)/b with b the projection
// derivative's divided difference (1 when both are positive, 0 when both
// are not, μ₊/(μ₊ − μ₋) otherwise), psdDerivBig for b = 0.
func psdPairH(mp, mr float64) float64 {
	var bval float64
	switch {
	case mp > 0 && mr > 0:
		bval = 1
	case mp <= 0 && mr <= 0:
		bval = 0
	default:
		pos, neg := mp, mr
		if pos <= 0 {
			pos, neg = mr, mp
		}
		bval = pos / (pos - neg)
	}
	if bval <= 0 {
		return psdDerivBig
	}
	return math.Min((1-bval)/bval, psdDerivBig)
}

// psdDerivBig stands for an infinite eigenvalue of the PSD block of H (a
// direction in which dy must vanish). The block is dense in svec
// coordinates, so rounding in Σ h v vᵀ pollutes its O(1) entries by about
// psdDerivBig·ε, while a finite value leaves dy ≈ 1/psdDerivBig in those
// directions: 1/√ε balances the two (gradients good to ~1e-8; SOC's 1e10
// gave errors up to 1e-4 here).
const psdDerivBig = 1 / sqrtEpsPSD

// sqrtEpsPSD is √ε (ε = 2⁻⁵²), as a constant.
const sqrtEpsPSD = 1.4901161193847656e-08

// projVec returns entry k of svec(Q E_pr Qᵀ) (see ProjectionH).
func (c *PSD) projVec(q []float64, k, p, r int) float64 {
	d := c.d
	i, j := c.ii[k], c.jj[k]
	if p == r {
		v := q[i*d+p] * q[j*d+p]
		if i != j {
			v *= math.Sqrt2
		}
		return v
	}
	v := (q[i*d+p]*q[j*d+r] + q[i*d+r]*q[j*d+p]) / math.Sqrt2
	if i != j {
		v *= math.Sqrt2
	}
	return v
}

var (
	_ Cone     = (*PSD)(nil)
	_ InverseH = (*PSD)(nil)
)

// logDet returns log det of smat(v) (−Inf when it is not positive definite
// in floating point), for Composite.Barrier. It uses the scratch m4.
func (c *PSD) logDet(v []float64) float64 {
	d := c.d
	c.smat(c.m4, v)
	if !cholLower(c.m4, d) {
		return math.Inf(-1)
	}
	var acc float64
	for i := 0; i < d; i++ {
		acc += 2 * math.Log(c.m4[i*d+i])
	}
	return acc
}
