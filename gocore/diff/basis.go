package diff

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// basisPivotTol is the relative size (against the largest |entry| of the
// basis matrix) below which an LU pivot of the basis is taken as zero: the
// active rows are dependent and the warm start does not apply.
const basisPivotTol = 1e-12

// basisLU solves with the base KKT matrix K₀ of an LP vertex without
// forming K₀. With P + ρI = 0 and exactly n active rows W (a vertex: the
// basis A_W is square), K₀ = [0, A_Wᵀ; A_W, 0] on the active rows and −1 on
// the decoupled inactive ones, so K₀[zx; zy] = [r₁; r₂] splits into
// A_W zx = r₂_W, A_Wᵀ zy_W = r₁ and zy_i = −r₂_i (i inactive). An LU
// factorization of the n × n basis (partial pivoting, PA_W = LU) costs
// ⅔n³ flops against ⅓(n+m)³ for K₀'s LDLᵀ, and a solve 4n² against
// 2(n+m)² plus the refinement's product with K₀ — the base factorization
// and every update column of the warm-started LP solves.
type basisLU struct {
	n    int
	rows []int     // active rows in basis order (row k of A_W)
	a    []float64 // A_W, row-major n × n (kept for the refinement)
	lu   []float64 // L (unit, below the diagonal) and U, row-major
	piv  []int     // row k of PA_W is row piv[k] of A_W
	t    []float64 // scratch, length n
	d    []float64 // refinement scratch, length n + m
}

// factor builds A_W from the active rows (row entries ents, column of
// every entry col, values av) and factors it. It reports false when the
// number of active rows is not n or the basis is (numerically) singular.
func (b *basisLU) factor(n int, active []bool, ents [][]int, col []int, av []float64) bool {
	b.n = n
	b.rows = b.rows[:0]
	for i, act := range active {
		if act {
			b.rows = append(b.rows, i)
		}
	}
	if len(b.rows) != n {
		return false
	}
	if cap(b.a) < n*n {
		b.a, b.lu = make([]float64, n*n), make([]float64, n*n)
		b.piv, b.t = make([]int, n), make([]float64, n)
	}
	b.a, b.lu, b.piv, b.t = b.a[:n*n], b.lu[:n*n], b.piv[:n], b.t[:n]
	for k := range b.a {
		b.a[k] = 0
	}
	amax := 0.0
	for k, i := range b.rows {
		for _, e := range ents[i] {
			b.a[k*n+col[e]] = av[e]
			amax = math.Max(amax, math.Abs(av[e]))
		}
	}
	if amax == 0 {
		return false
	}
	copy(b.lu, b.a)
	lu := b.lu
	for k := 0; k < n; k++ {
		p := k
		for r := k + 1; r < n; r++ {
			if math.Abs(lu[r*n+k]) > math.Abs(lu[p*n+k]) {
				p = r
			}
		}
		b.piv[k] = p
		if !(math.Abs(lu[p*n+k]) > basisPivotTol*amax) {
			return false
		}
		if p != k {
			for c := 0; c < n; c++ {
				lu[k*n+c], lu[p*n+c] = lu[p*n+c], lu[k*n+c]
			}
		}
		inv := 1 / lu[k*n+k]
		urow := lu[k*n+k+1 : k*n+n]
		for r := k + 1; r < n; r++ {
			f := lu[r*n+k] * inv
			lu[r*n+k] = f
			if f != 0 {
				vec.Axpy(-f, urow, lu[r*n+k+1:r*n+n])
			}
		}
	}
	return true
}

// solveA overwrites x (length n) with A_W⁻¹x.
func (b *basisLU) solveA(x []float64) {
	n, lu := b.n, b.lu
	for k := 0; k < n; k++ {
		if p := b.piv[k]; p != k {
			x[k], x[p] = x[p], x[k]
		}
	}
	for k := 1; k < n; k++ {
		x[k] -= vec.Dot(lu[k*n:k*n+k], x[:k])
	}
	for k := n - 1; k >= 0; k-- {
		s := x[k]
		if k+1 < n {
			s -= vec.Dot(lu[k*n+k+1:k*n+n], x[k+1:n])
		}
		x[k] = s / lu[k*n+k]
	}
}

// solveAT overwrites x (length n) with A_W⁻ᵀx: Uᵀz = x, Lᵀw = z, x = Pᵀw,
// by rows of U and L (axpy form, contiguous).
func (b *basisLU) solveAT(x []float64) {
	n, lu := b.n, b.lu
	for k := 0; k < n; k++ {
		x[k] /= lu[k*n+k]
		if k+1 < n && x[k] != 0 {
			vec.Axpy(-x[k], lu[k*n+k+1:k*n+n], x[k+1:n])
		}
	}
	for k := n - 1; k > 0; k-- {
		if x[k] != 0 {
			vec.Axpy(-x[k], lu[k*n:k*n+k], x[:k])
		}
	}
	for k := n - 1; k >= 0; k-- {
		if p := b.piv[k]; p != k {
			x[k], x[p] = x[p], x[k]
		}
	}
}

// solveK0 writes z = K₀⁻¹r (r, z of length n + m, distinct). With refine,
// one step of iterative refinement against A_W follows, and the result is
// the relative residual ‖r − K₀z‖∞ / max(1, ‖r‖∞) after it (without
// refine, 0).
func (b *basisLU) solveK0(r, z []float64, m int, refine bool) float64 {
	n := b.n
	b.apply(r, z, m)
	if !refine {
		return 0
	}
	if cap(b.d) < n+m {
		b.d = make([]float64, n+m)
	}
	d := b.d[:n+m]
	b.residual(r, z, d)
	b.correct(d, z, m)
	b.residual(r, z, d)
	return vec.NormInf(d) / math.Max(1, vec.NormInf(r))
}

// apply is z = K₀⁻¹r without refinement.
func (b *basisLU) apply(r, z []float64, m int) {
	n := b.n
	for i := n; i < n+m; i++ {
		z[i] = -r[i] // inactive rows; the active ones are overwritten
	}
	t := b.t
	for k, i := range b.rows {
		t[k] = r[n+i]
	}
	b.solveA(t)
	copy(z[:n], t)
	copy(t, r[:n])
	b.solveAT(t)
	for k, i := range b.rows {
		z[n+i] = t[k]
	}
}

// correct adds K₀⁻¹d to z (d is overwritten).
func (b *basisLU) correct(d, z []float64, m int) {
	n := b.n
	t := b.t
	for k, i := range b.rows {
		t[k] = d[n+i]
	}
	b.solveA(t)
	for j := 0; j < n; j++ {
		z[j] += t[j]
	}
	copy(t, d[:n])
	b.solveAT(t)
	for k, i := range b.rows {
		z[n+i] += t[k]
	}
	// Inactive rows are solved exactly (z_i = −r_i): d_i = 0 there.
}

// residual writes d = r − K₀z.
func (b *basisLU) residual(r, z, d []float64) {
	n := b.n
	copy(d, r)
	for i := n; i < len(r); i++ {
		d[i] += z[i] // inactive: K₀ row is −e_i
	}
	for k, i := range b.rows {
		row := b.a[k*n : k*n+n]
		d[n+i] = r[n+i] - vec.Dot(row, z[:n])
		if y := z[n+i]; y != 0 {
			vec.Axpy(-y, row, d[:n]) // A_Wᵀ y
		}
	}
}
