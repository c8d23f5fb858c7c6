package diff

import (
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// warmRowForm enables the row form of A in the warm-started LPGD solves (a
// variable for the tests, which compare with the column products).
var warmRowForm = true

// aRows is one sample's A by rows, gathered once per backward pass
// (warmBase) and shared by both sides of central LPGD: each bound row (one
// nonzero: a box or sign constraint) as its column and value, the other
// rows dense and contiguous. A dense A whose rows include bounds (the LPGD
// benchmark's box LP: a full pattern of 260 × 100 with 200 box rows) stores
// 26000 values of which 6200 are nonzero; the products of the active-set
// path (two per pivot, with every row) then read the 60 general rows and
// the bounds' values instead of the full pattern, and a row of A for an
// update column is one copy instead of a strided gather. Used only when
// the general rows' dense storage is no larger than the pattern (ok).
type aRows struct {
	ok    bool
	n     int
	bcol  []int     // per row: the column of a bound row, −1 for a general row, −2 for an empty one
	bval  []float64 // per row: a bound row's value
	gpos  []int     // per row: its index among the general rows, −1
	gen   []int     // the general rows, increasing
	dense []float64 // the general rows, row-major, len(gen) × n
	cnt   []int     // scratch: nonzeros per row
}

// build gathers the row form of A's values av on st's pattern and reports
// whether it is used (ok).
func (r *aRows) build(st *problem.Structure, av []float64) bool {
	n, m := st.N, st.M
	r.ok, r.n = false, n
	if !warmRowForm {
		return false
	}
	if cap(r.bcol) < m {
		r.bcol, r.bval = make([]int, m), make([]float64, m)
		r.gpos, r.cnt = make([]int, m), make([]int, m)
		r.gen = make([]int, 0, m)
	}
	bcol, bval, gpos, cnt := r.bcol[:m], r.bval[:m], r.gpos[:m], r.cnt[:m]
	clear(cnt)
	cp, rv := st.A.Colptr, st.A.Rowval
	for j := 0; j < n; j++ {
		lo, hi := cp[j], cp[j+1]
		if hi-lo == m {
			for i, v := range av[lo:hi] {
				if v != 0 {
					cnt[i]++
					bcol[i], bval[i] = j, v
				}
			}
			continue
		}
		for e := lo; e < hi; e++ {
			if v := av[e]; v != 0 {
				i := rv[e]
				cnt[i]++
				bcol[i], bval[i] = j, v
			}
		}
	}
	r.gen = r.gen[:0]
	for i, c := range cnt {
		gpos[i] = -1
		switch c {
		case 0:
			bcol[i] = -2
		case 1:
		default:
			bcol[i] = -1
			gpos[i] = len(r.gen)
			r.gen = append(r.gen, i)
		}
	}
	g := len(r.gen)
	if g*n > len(av) {
		return false // sparse general rows: the column products are cheaper
	}
	if cap(r.dense) < g*n {
		r.dense = make([]float64, g*n)
	}
	r.dense = r.dense[:g*n]
	clear(r.dense)
	for j := 0; j < n; j++ {
		lo, hi := cp[j], cp[j+1]
		if hi-lo == m {
			col := av[lo:hi]
			for p, i := range r.gen {
				r.dense[p*n+j] = col[i]
			}
			continue
		}
		for e := lo; e < hi; e++ {
			if p := gpos[rv[e]]; p >= 0 {
				r.dense[p*n+j] = av[e]
			}
		}
	}
	r.ok = true
	return true
}

// mulA is y += alpha·A x.
func (r *aRows) mulA(y, x []float64, alpha float64) {
	n := r.n
	for i, c := range r.bcol[:len(y)] {
		switch {
		case c >= 0:
			y[i] += alpha * (r.bval[i] * x[c])
		case c == -1:
			p := r.gpos[i]
			y[i] += alpha * vec.Dot(r.dense[p*n:p*n+n], x)
		}
	}
}

// mulAT is y += alpha·Aᵀx.
func (r *aRows) mulAT(y, x []float64, alpha float64) {
	n := r.n
	for i, c := range r.bcol[:len(x)] {
		xi := x[i]
		if xi == 0 {
			continue
		}
		switch {
		case c >= 0:
			y[c] += alpha * (r.bval[i] * xi)
		case c == -1:
			p := r.gpos[i]
			vec.Axpy(alpha*xi, r.dense[p*n:p*n+n], y)
		}
	}
}

// row writes row i of A into dst (length n).
func (r *aRows) row(i int, dst []float64) {
	switch c := r.bcol[i]; {
	case c == -1:
		p := r.gpos[i]
		copy(dst, r.dense[p*r.n:p*r.n+r.n])
	default:
		clear(dst)
		if c >= 0 {
			dst[c] = r.bval[i]
		}
	}
}

// warmMulA is y += alpha·A x with the row form when built, else by columns.
func (w *Workspace) warmMulA(v *problem.Values, y, x []float64, alpha float64) {
	if w.warm != nil && w.warm.rowsA.ok {
		w.warm.rowsA.mulA(y, x, alpha)
		return
	}
	w.an.St.MulA(y, v.A, x, alpha)
}

// warmMulAT is y += alpha·Aᵀx with the row form when built, else by columns.
func (w *Workspace) warmMulAT(v *problem.Values, y, x []float64, alpha float64) {
	if w.warm != nil && w.warm.rowsA.ok {
		w.warm.rowsA.mulAT(y, x, alpha)
		return
	}
	w.an.St.MulAT(y, v.A, x, alpha)
}
