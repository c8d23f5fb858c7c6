package kkt

import (
	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// The reduced form of the dense KKT system (issue 15): when the rows of
// cone blocks with an explicit H⁻¹ (cone.InverseH: PSD blocks) make up
// most of the matrix, as in the largest-eigenvalue LMI (one variable, a
// 78-row PSD block: a 79×79 LDLᵀ per factorization, a quarter of the
// solve), the interior-point systems eliminate those rows:
//
//	K = [ K_RR   Bᵀ ]     (R: the variables and all other rows,
//	    [ B     −H_E ]     E: the eliminated rows, B = A_E on the variables)
//
//	S = K_RR + Bᵀ H_E⁻¹ B,   S u_R = b_R + Bᵀ H_E⁻¹ b_E,
//	z_E = H_E⁻¹ (B u_R − b_E),
//
// with H_E⁻¹ from the cones' scaling (HInvBlock, as cheap as H) and S
// factored by the dense LDLᵀ (order N + M − |E|; 1 for the LMI). K_RR
// carries the static regularization as in the full form; the eliminated
// block is inverted without it (its −δ is a perturbation of H_E that the
// iterative refinement against the unregularized K removes, like the δ of
// the full form). It serves the NT-scaling systems only (SetScaling and
// SetIdentityH: H_E positive definite); the tangent refinement's and the
// backward's H, whose blocks have "infinite" or zero eigenvalues, use the
// full form. A factorization that breaks down or needs regularized pivots,
// or a solve whose refined residual misses fastResidual, falls back to the
// full form for the rest of the data set, as the normal-equations forms do
// (tier.go).

// reducedMinRatio: the reduced form is used when the eliminated rows are
// at least this many times the remaining dimension (LMI: 78 rows, 1
// variable; the nearest correlation matrix in cvxpy's form, 55 PSD rows of
// 320, keeps the sparse full form).
const reducedMinRatio = 2

// reduced is the reduced form's analysis and workspace.
type reduced struct {
	r      int   // dimension of S
	pos    []int // KKT index → index in S, −1 when eliminated
	keep   []int // index in S → KKT index
	blocks []reducedBlock
	// S's entries from K_RR: value index in kv and position in s (row-major
	// r×r, both triangles written).
	kvIdx, sPos, sPosT []int
	s                  []float64 // row-major r×r
	vals               []float64 // S on the dense upper pattern, column by column
	fac                *linsys.Dense
	br                 []float64 // right-hand side and solution in S's order
	// The product with K for the refinement: the entries outside the
	// eliminated blocks' H (KKT row, column, value index), then H_E from
	// the packed H by the dense kernel (the pattern product over the
	// 78×78 block was an eighth of the LMI's solve).
	mi, mj, mp []int
}

// reducedBlock is one eliminated cone block.
type reducedBlock struct {
	b, first, dim int // composite block, first KKT index, dimension
	hinv          []float64
	// cols: the S indices of the variables coupled to the block; ent[c]:
	// the entries of column cols[c] of B (local row, value index in kv).
	cols []int
	ent  [][]reducedEntry
	t    []float64 // H⁻¹B, row-major dim × len(cols)
	u    []float64 // dim scratch
}

type reducedEntry struct{ row, kv int }

// newReduced returns the reduced form for an analysis, or nil when it does
// not apply: the dense full form, no tiered forms, and eliminable blocks
// with at least reducedMinRatio times as many rows as remain. (S is
// factored in natural order, the variables first: the full form's AMD
// order for problems without P keeps pivots of size δ from growing into
// the constraint block, and S has none when every variable couples to an
// eliminated block, as the LMI's does; a regularized pivot falls back to
// the full form.)
func newReduced(an *Analysis, comp *cone.Composite) *reduced {
	if !an.Dense || an.fastOK {
		return nil
	}
	bl, first, dims := comp.InverseHBlocks()
	ne := 0
	for _, d := range dims {
		ne += d
	}
	if ne == 0 || ne < reducedMinRatio*(an.Dim-ne) {
		return nil
	}
	n := an.St.N
	elim := make([]bool, an.Dim)
	for k := range bl {
		for i := 0; i < dims[k]; i++ {
			elim[n+first[k]+i] = true
		}
	}
	rd := &reduced{pos: make([]int, an.Dim)}
	for i, e := range elim {
		rd.pos[i] = -1
		if !e {
			rd.pos[i] = len(rd.keep)
			rd.keep = append(rd.keep, i)
		}
	}
	rd.r = len(rd.keep)
	r := rd.r
	// blockOf: eliminated KKT index → block number in rd.blocks.
	blockOf := make(map[int]int)
	for k := range bl {
		rb := reducedBlock{b: bl[k], first: n + first[k], dim: dims[k]}
		rb.hinv = make([]float64, rb.dim*rb.dim)
		rb.u = make([]float64, rb.dim)
		for i := 0; i < rb.dim; i++ {
			blockOf[rb.first+i] = k
		}
		rd.blocks = append(rd.blocks, rb)
	}
	colOf := make([]map[int]int, len(rd.blocks))
	for k := range colOf {
		colOf[k] = make(map[int]int)
	}
	pat := &an.pat
	for j := 0; j < an.Dim; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			i := pat.Rowval[p]
			if rd.pos[i] >= 0 || rd.pos[j] >= 0 {
				rd.mi, rd.mj, rd.mp = append(rd.mi, i), append(rd.mj, j), append(rd.mp, p)
			}
			switch {
			case rd.pos[i] >= 0 && rd.pos[j] >= 0:
				rd.kvIdx = append(rd.kvIdx, p)
				pi, pj := rd.pos[i], rd.pos[j]
				rd.sPos = append(rd.sPos, pi*r+pj)
				if pi != pj {
					rd.sPosT = append(rd.sPosT, pj*r+pi)
				} else {
					rd.sPosT = append(rd.sPosT, -1)
				}
			case rd.pos[i] < 0 && rd.pos[j] < 0:
				// Inside an eliminated block (H): served by H⁻¹.
				continue
			default:
				// A coupling entry: the pattern is upper, so i is the kept
				// index (a variable) and j the eliminated row.
				e, kept := j, i
				if rd.pos[i] < 0 {
					e, kept = i, j
				}
				k := blockOf[e]
				rb := &rd.blocks[k]
				c, ok := colOf[k][kept]
				if !ok {
					c = len(rb.cols)
					colOf[k][kept] = c
					rb.cols = append(rb.cols, rd.pos[kept])
					rb.ent = append(rb.ent, nil)
				}
				rb.ent[c] = append(rb.ent[c], reducedEntry{row: e - rb.first, kv: p})
			}
		}
	}
	for k := range rd.blocks {
		rb := &rd.blocks[k]
		rb.t = make([]float64, rb.dim*len(rb.cols))
	}
	// S's dense upper pattern, column by column, and its pivot signs.
	sp := &linsys.Pattern{N: r, Colptr: make([]int, r+1)}
	for j := 0; j < r; j++ {
		for i := 0; i <= j; i++ {
			sp.Rowval = append(sp.Rowval, i)
		}
		sp.Colptr[j+1] = len(sp.Rowval)
	}
	signs := make([]float64, r)
	for i, kk := range rd.keep {
		signs[i] = an.signs[kk]
	}
	rd.fac = linsys.NewDense(sp, signs)
	rd.s = make([]float64, r*r)
	rd.vals = make([]float64, len(sp.Rowval))
	rd.br = make([]float64, r)
	return rd
}

// factor forms S from the (regularized) values kv and the cones' current
// H⁻¹ blocks and factors it.
func (rd *reduced) factor(kv []float64, comp *cone.Composite) error {
	r := rd.r
	s := rd.s
	clear(s)
	for q, p := range rd.kvIdx {
		v := kv[p]
		s[rd.sPos[q]] += v
		if t := rd.sPosT[q]; t >= 0 {
			s[t] += v
		}
	}
	for k := range rd.blocks {
		rb := &rd.blocks[k]
		comp.HInvBlock(rb.b, rb.hinv)
		nc, dim := len(rb.cols), rb.dim
		// T = H⁻¹B, column c from the entries of B's column c (H⁻¹ is
		// symmetric: its row e is its column e).
		clear(rb.t)
		for c, ents := range rb.ent {
			for _, e := range ents {
				a := kv[e.kv]
				hrow := rb.hinv[e.row*dim : (e.row+1)*dim]
				for i, h := range hrow {
					rb.t[i*nc+c] += a * h
				}
			}
		}
		// S[cols, cols] += Bᵀ T.
		for c1, ents := range rb.ent {
			row := rb.cols[c1]
			for _, e := range ents {
				a := kv[e.kv]
				trow := rb.t[e.row*nc : (e.row+1)*nc]
				for c2, tv := range trow {
					s[row*r+rb.cols[c2]] += a * tv
				}
			}
		}
	}
	q := 0
	for j := 0; j < r; j++ {
		for i := 0; i <= j; i++ {
			rd.vals[q] = s[i*r+j]
			q++
		}
	}
	return rd.fac.Factor(rd.vals)
}

// solve overwrites b (KKT order, length Dim) with the solution of the
// system factor formed.
func (rd *reduced) solve(b []float64) {
	br := rd.br
	for i, kk := range rd.keep {
		br[i] = b[kk]
	}
	for k := range rd.blocks {
		rb := &rd.blocks[k]
		be := b[rb.first : rb.first+rb.dim]
		// b_R += Bᵀ H⁻¹ b_E, i.e. row c of Tᵀ b_E (T = H⁻¹B).
		nc := len(rb.cols)
		for c, col := range rb.cols {
			var acc float64
			for i, bv := range be {
				acc += rb.t[i*nc+c] * bv
			}
			br[col] += acc
		}
	}
	rd.fac.Solve(br)
	for i, kk := range rd.keep {
		b[kk] = br[i]
	}
	for k := range rd.blocks {
		rb := &rd.blocks[k]
		dim := rb.dim
		be := b[rb.first : rb.first+dim]
		// z_E = H⁻¹(B u − b_E) = T u_cols − H⁻¹ b_E.
		u := rb.u
		for i := range u {
			u[i] = vec.Dot(rb.hinv[i*dim:(i+1)*dim], be)
		}
		nc := len(rb.cols)
		for i := 0; i < dim; i++ {
			trow := rb.t[i*nc : (i+1)*nc]
			var acc float64
			for c, tv := range trow {
				acc += tv * br[rb.cols[c]]
			}
			be[i] = acc - u[i]
		}
	}
}

// mul computes y = K x (K unregularized: kv and the packed H hs).
func (rd *reduced) mul(kv, hs []float64, comp *cone.Composite, x, y []float64) {
	clear(y)
	for q, p := range rd.mp {
		i, j, v := rd.mi[q], rd.mj[q], kv[p]
		y[i] += v * x[j]
		if i != j {
			y[j] += v * x[i]
		}
	}
	for k := range rd.blocks {
		rb := &rd.blocks[k]
		ye, xe := y[rb.first:rb.first+rb.dim], x[rb.first:rb.first+rb.dim]
		u := rb.u
		comp.MulHBlock(hs, rb.b, u, xe)
		for i, v := range u {
			ye[i] -= v
		}
	}
}

// reducedFactorizer adapts the reduced form to linsys.Factorizer for the
// refinement (Solve and Dim; Factor is not used through it).
type reducedFactorizer struct{ k *System }

func (f reducedFactorizer) Factor([]float64) error { return f.k.red.factor(f.k.kv, f.k.cones) }
func (f reducedFactorizer) Solve(b []float64)      { f.k.red.solve(b) }
func (f reducedFactorizer) Dim() int               { return f.k.an.Dim }
func (f reducedFactorizer) Regularized() int       { return f.k.red.fac.Regularized() }
