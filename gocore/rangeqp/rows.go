package rangeqp

import (
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Rows is A by rows, gathered once per data (Build): each bound row (one
// nonzero: a box or sign constraint) as its column and value, the other
// rows dense and contiguous. A dense A whose rows include bounds (the LPGD
// benchmark's box LP: a full pattern of 260 × 100 with 200 box rows) stores
// 26000 values of which 6200 are nonzero; products by rows then read the
// 60 general rows and the bounds' values instead of the full pattern, and
// a row of A is one copy instead of a strided gather. Used only when the
// general rows' dense storage is no larger than the pattern (OK).
type Rows struct {
	OK    bool
	N     int
	BCol  []int     // per row: the column of a bound row, −1 for a general row, −2 for an empty one
	BVal  []float64 // per row: a bound row's value
	GPos  []int     // per row: its index among the general rows, −1
	Gen   []int     // the general rows, increasing
	Dense []float64 // the general rows, row-major, len(gen) × n
	cnt   []int     // scratch: nonzeros per row
}

// Build gathers the row form of A's values av on st's pattern and reports
// whether it is used (OK).
func (r *Rows) Build(st *problem.Structure, av []float64) bool {
	n, m := st.N, st.M
	r.OK, r.N = false, n
	if cap(r.BCol) < m {
		r.BCol, r.BVal = make([]int, m), make([]float64, m)
		r.GPos, r.cnt = make([]int, m), make([]int, m)
		r.Gen = make([]int, 0, m)
	}
	bcol, bval, gpos, cnt := r.BCol[:m], r.BVal[:m], r.GPos[:m], r.cnt[:m]
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
	r.Gen = r.Gen[:0]
	for i, c := range cnt {
		gpos[i] = -1
		switch c {
		case 0:
			bcol[i] = -2
		case 1:
		default:
			bcol[i] = -1
			gpos[i] = len(r.Gen)
			r.Gen = append(r.Gen, i)
		}
	}
	g := len(r.Gen)
	if g*n > len(av) {
		return false // sparse general rows: the column products are cheaper
	}
	if cap(r.Dense) < g*n {
		r.Dense = make([]float64, g*n)
	}
	r.Dense = r.Dense[:g*n]
	clear(r.Dense)
	for j := 0; j < n; j++ {
		lo, hi := cp[j], cp[j+1]
		if hi-lo == m {
			col := av[lo:hi]
			for p, i := range r.Gen {
				r.Dense[p*n+j] = col[i]
			}
			continue
		}
		for e := lo; e < hi; e++ {
			if p := gpos[rv[e]]; p >= 0 {
				r.Dense[p*n+j] = av[e]
			}
		}
	}
	r.OK = true
	return true
}

// MulA is y += alpha·A x.
func (r *Rows) MulA(y, x []float64, alpha float64) {
	n := r.N
	for i, c := range r.BCol[:len(y)] {
		switch {
		case c >= 0:
			y[i] += alpha * (r.BVal[i] * x[c])
		case c == -1:
			p := r.GPos[i]
			y[i] += alpha * vec.Dot(r.Dense[p*n:p*n+n], x)
		}
	}
}

// MulAT is y += alpha·Aᵀx.
func (r *Rows) MulAT(y, x []float64, alpha float64) {
	n := r.N
	for i, c := range r.BCol[:len(x)] {
		xi := x[i]
		if xi == 0 {
			continue
		}
		switch {
		case c >= 0:
			y[c] += alpha * (r.BVal[i] * xi)
		case c == -1:
			p := r.GPos[i]
			vec.Axpy(alpha*xi, r.Dense[p*n:p*n+n], y)
		}
	}
}

// Row writes row i of A into dst (length n).
func (r *Rows) Row(i int, dst []float64) {
	switch c := r.BCol[i]; {
	case c == -1:
		p := r.GPos[i]
		copy(dst, r.Dense[p*r.N:p*r.N+r.N])
	default:
		clear(dst)
		if c >= 0 {
			dst[c] = r.BVal[i]
		}
	}
}
