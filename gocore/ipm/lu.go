package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Dense LU with partial pivoting for the Newton refinement (newton.go).

// luBlock is the panel width of the blocked factorization: the panel is
// factored column by column and the trailing matrix updated by one
// vec.Workspace.MulSubNT per panel (that product holds all but
// O(dim·luBlock²) of the flops, at the GEMM kernel's rate).
const luBlock = 32

// luWork is the scratch of luFactor: the GEMM workspace and the transposed
// U₁₂ block of a panel (dim×luBlock).
type luWork struct {
	ws *vec.Workspace
	bt []float64
}

func newLUWork(dim int) *luWork {
	return &luWork{ws: vec.NewWorkspace(dim), bt: make([]float64, dim*luBlock)}
}

// luFactor overwrites the dim×dim row-major J with its LU factorization
// with partial pivoting (PJ = LU, L unit lower triangular below the
// diagonal, U on and above it; row k was swapped with row piv[k] at step
// k, the swaps applied to whole rows as LAPACK's getrf does). It reports
// false when a pivot is zero or not finite (J singular or not finite); J is
// then garbage. w may be nil for dim ≤ luBlock.
func luFactor(J []float64, piv []int, dim int, w *luWork) bool {
	for k0 := 0; k0 < dim; k0 += luBlock {
		kb := min(luBlock, dim-k0)
		pEnd := k0 + kb
		// Panel: columns [k0, pEnd), all rows ≥ k0 (fully updated).
		for col := k0; col < pEnd; col++ {
			p := col
			best := math.Abs(J[col*dim+col])
			for i := col + 1; i < dim; i++ {
				if a := math.Abs(J[i*dim+col]); a > best {
					p, best = i, a
				}
			}
			if best == 0 || math.IsNaN(best) || math.IsInf(best, 0) {
				return false
			}
			piv[col] = p
			if p != col {
				rp, rc := J[p*dim:(p+1)*dim], J[col*dim:(col+1)*dim]
				for j := range rc {
					rp[j], rc[j] = rc[j], rp[j]
				}
			}
			inv := 1 / J[col*dim+col]
			rc := J[col*dim+col+1 : col*dim+pEnd]
			for i := col + 1; i < dim; i++ {
				ri := J[i*dim+col : i*dim+pEnd]
				f := ri[0] * inv
				ri[0] = f
				if f != 0 && len(rc) > 0 {
					vec.Axpy(-f, rc, ri[1:])
				}
			}
		}
		if pEnd == dim {
			break
		}
		// U₁₂ = L₁₁⁻¹A₁₂ (rows [k0, pEnd), columns ≥ pEnd).
		for r := k0 + 1; r < pEnd; r++ {
			row := J[r*dim+pEnd : (r+1)*dim]
			for q := k0; q < r; q++ {
				if f := J[r*dim+q]; f != 0 {
					vec.Axpy(-f, J[q*dim+pEnd:(q+1)*dim], row)
				}
			}
		}
		// A₂₂ −= L₂₁U₁₂ with U₁₂ transposed into bt (MulSubNT's Bᵀ).
		rest := dim - pEnd
		bt := w.bt[:rest*kb]
		for q := 0; q < kb; q++ {
			src := J[(k0+q)*dim+pEnd : (k0+q+1)*dim]
			for j, v := range src {
				bt[j*kb+q] = v
			}
		}
		w.ws.MulSubNT(rest, rest, kb, J[pEnd*dim+k0:], dim, bt, kb, nil, J[pEnd*dim+pEnd:], dim, false)
	}
	return true
}

// luSolveFactored solves J z = r in place (r ← z) with the factorization
// of luFactor.
func luSolveFactored(J, r []float64, piv []int, dim int) {
	for k := 0; k < dim; k++ {
		if p := piv[k]; p != k {
			r[k], r[p] = r[p], r[k]
		}
	}
	for i := 1; i < dim; i++ {
		r[i] -= vec.Dot(J[i*dim:i*dim+i], r[:i])
	}
	for i := dim - 1; i >= 0; i-- {
		ri := J[i*dim : (i+1)*dim]
		r[i] = (r[i] - vec.Dot(ri[i+1:], r[i+1:])) / ri[i]
	}
}

// luSolve solves the dim×dim row-major system J z = r in place (r ← z) by
// LU with partial pivoting (J is overwritten); false if singular.
func luSolve(J, r []float64, piv []int, dim int) bool {
	var w *luWork
	if dim > luBlock {
		w = newLUWork(dim)
	}
	if !luFactor(J, piv, dim, w) {
		return false
	}
	luSolveFactored(J, r, piv, dim)
	return true
}
