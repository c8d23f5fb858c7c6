package ipm

import (
	"math"
	"sort"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// Presolve (issue 15): cvxpy's canonical form introduces auxiliary
// variables tied to the others by one equality each — sum_squares(V − P)
// becomes u with the rows u − V = −P and P = 2I on u, so the power-cone
// projection family solves n = m = 600 instead of 300. An equality row r
// with at most two stored entries, one of them in a column j that has at
// most a diagonal entry in P (x_j is free: its other rows of A, if any, are
// rows the substitution rewrites), fixes
//
//	x_j = β − γ·x_k,  β = b_r/a_rj,  γ = a_rk/a_rj  (γ = 0 without k),
//
// and substituting it removes the row and the column exactly:
// P_kk += P_jj·γ², c_k −= γ·(P_jj·β + c_j), a constant ½P_jj·β² + c_j·β in
// the objective, and in each other row i of column j, b_i −= a_ij·β and
// a_ik −= a_ij·γ (fill). The pattern part is found once per structure (here, by
// NewSolver); the values part is redone per solve, and a solve whose pivot
// a_rj is zero, not finite or below presolveMinPivot·|a_rk| runs on the full
// problem instead. The solution is mapped back exactly: x_j from the row,
// s_r = 0, y_r = −(P_jj·x_j + c_j + Σ_{i≠r} a_ij·y_i)/a_rj from column j's
// stationarity (Px + Aᵀy + c = 0); certificates map as certificates (a
// Farkas y has y_r = −Σ_{i≠r} a_ij·y_i/a_rj, an unboundedness ray
// x_j = −γ·x_k). The residuals and gaps of
// Info are the reduced problem's (the eliminated row and column hold to
// rounding), the objectives are shifted by the constant.
//
// It runs only for problems with an exponential, power or PSD cone (where
// it was measured, and where cvxpy's canonical forms carry such rows:
// sum_squares(X − C) of a symmetric X is u with u − vec(X) = −vec(C), and
// the nearest-correlation family drops from n = 155, m = 165 to n = 100,
// m = 110 at d = 10, −14 % CPU per solve), and only without a proximal
// term (SetProx); the backward passes work on the full problem and its KKT
// system as before.

// presolveMinPivot is the smallest |a_rj|/|a_rk| eliminated (else the full
// problem is solved): the substitution multiplies P_jj by γ² and c_j by γ.
const presolveMinPivot = 1e-6

// elimination is one removed (row, column) pair.
type elimination struct {
	j, r int // eliminated column and row (full indices)
	k    int // the row's other column (full index), −1 if none
	kr   int // k's reduced index
	aj   int // A value index of (r, j)
	ak   int // A value index of (r, k), −1 if none
	pj   int // P value index of (j, j), −1 if none
	pkk  int // reduced P value index of (k, k), −1 if pj < 0 or k < 0
	// fill lists column j's other rows: a_ij (full A value index) moves
	// to (i, k) of the reduced A (value index) as −a_ij·γ, and b_i loses
	// a_ij·β.
	fill []fillEntry
}

// fillEntry is one other row i of an eliminated column j.
type fillEntry struct {
	i   int // full row index
	aij int // full A value index of (i, j)
	red int // reduced A value index of (i, k), −1 when k < 0
}

// presolved is the reduced problem of a Solver (nil: no eliminations).
type presolved struct {
	ls      kkt.LinearSolver
	inner   *Solver
	elim    []elimination
	keepCol []int // full index of each reduced column
	keepRow []int // full index of each reduced row
	rowNew  []int // reduced index of each full row (−1: eliminated)
	pmap    []int // full P value index of each reduced P value (−1: added diagonal)
	amap    []int // full A value index of each reduced A value (−1: fill)
	vals    problem.Values
	res     Result
	offset  float64 // objective constant of the last reduce
}

// findEliminations returns the (row, column) pairs presolve removes from st
// (see the comment above), in row order.
func findEliminations(st *problem.Structure) []elimination {
	n, m := st.N, st.M
	zero := make([]bool, m)
	off := 0
	for _, sp := range st.Cones {
		if sp.Kind == cone.KindZero {
			for i := off; i < off+sp.Dim; i++ {
				zero[i] = true
			}
		}
		off += sp.Dim
	}
	// Off-diagonal P entries per index, and the diagonal's value index.
	pOff := make([]int, n)
	pDiag := make([]int, n)
	for j := range pDiag {
		pDiag[j] = -1
	}
	for j := 0; j < n; j++ {
		for p := st.P.Colptr[j]; p < st.P.Colptr[j+1]; p++ {
			if i := st.P.Rowval[p]; i == j {
				pDiag[j] = p
			} else {
				pOff[i]++
				pOff[j]++
			}
		}
	}
	// Row counts and, per row, up to two (column, value index) entries.
	rowCnt := make([]int, m)
	type entry struct{ j, p int }
	rowEnt := make([][2]entry, m)
	for j := 0; j < n; j++ {
		for p := st.A.Colptr[j]; p < st.A.Colptr[j+1]; p++ {
			i := st.A.Rowval[p]
			if rowCnt[i] < 2 {
				rowEnt[i][rowCnt[i]] = entry{j, p}
			}
			rowCnt[i]++
		}
	}
	// keep: a partner of an elimination (its column gains entries) or an
	// eliminated column; modified: a row an elimination removed or
	// substituted into. A row that is eliminated must be unmodified (its
	// values are the original ones); then its partner k is not an
	// eliminated column (that column's rows are all modified), and the
	// rows an elimination substitutes into are never eliminated: such a
	// row r′ would contain j, so j would be its partner, hence kept.
	keep := make([]bool, n)
	modified := make([]bool, m)
	var out []elimination
	for r := 0; r < m; r++ {
		if !zero[r] || rowCnt[r] == 0 || rowCnt[r] > 2 || modified[r] {
			continue
		}
		// Of the row's eligible columns, the one stored in more rows (its
		// other rows keep the problem's data: cvxpy's u − V = −p with V
		// also in a cone row leaves −u + s = p there, not a cost −2p).
		best, bestRows := -1, 0
		for t := 0; t < rowCnt[r]; t++ {
			j := rowEnt[r][t].j
			if keep[j] || pOff[j] != 0 {
				continue
			}
			if rows := st.A.Colptr[j+1] - st.A.Colptr[j]; rows > bestRows {
				best, bestRows = t, rows
			}
		}
		if best < 0 {
			continue
		}
		j, pj := rowEnt[r][best].j, rowEnt[r][best].p
		e := elimination{j: j, r: r, k: -1, aj: pj, ak: -1, pj: pDiag[j], pkk: -1}
		if rowCnt[r] == 2 {
			o := rowEnt[r][1-best]
			e.k, e.ak = o.j, o.p
			keep[o.j] = true
		}
		keep[j] = true
		modified[r] = true
		for p := st.A.Colptr[j]; p < st.A.Colptr[j+1]; p++ {
			if i := st.A.Rowval[p]; i != r {
				e.fill = append(e.fill, fillEntry{i: i, aij: p, red: -1})
				modified[i] = true
			}
		}
		out = append(out, e)
	}
	return out
}

// presolveCones reports whether a problem with these cones is presolved:
// one with an exponential, power or PSD block.
func presolveCones(specs []cone.Spec) bool {
	for _, sp := range specs {
		switch sp.Kind {
		case cone.KindExp, cone.KindPow, cone.KindPSD:
			return true
		}
	}
	return !cone.NewComposite(specs).Symmetric()
}

// newPresolved builds the reduced problem of an's structure, or returns nil
// when presolve does not apply (see the comment at the top of the file).
func newPresolved(an *kkt.Analysis, set Settings) (*presolved, error) {
	st := an.St
	if !presolveCones(st.Cones) {
		return nil, nil
	}
	elim := findEliminations(st)
	if len(elim) == 0 {
		return nil, nil
	}
	n, m := st.N, st.M
	colNew := make([]int, n)
	rowNew := make([]int, m)
	for _, e := range elim {
		colNew[e.j] = -1
		rowNew[e.r] = -1
	}
	ps := &presolved{ls: set.LinearSolver, elim: elim}
	for j := range colNew {
		if colNew[j] == 0 {
			colNew[j] = len(ps.keepCol)
			ps.keepCol = append(ps.keepCol, j)
		}
	}
	for i := range rowNew {
		if rowNew[i] == 0 {
			rowNew[i] = len(ps.keepRow)
			ps.keepRow = append(ps.keepRow, i)
		}
	}
	ps.rowNew = rowNew
	nr, mr := len(ps.keepCol), len(ps.keepRow)
	needDiag := make([]bool, n)
	for i := range ps.elim {
		e := &ps.elim[i]
		if e.k >= 0 {
			e.kr = colNew[e.k]
			if e.pj >= 0 {
				needDiag[e.k] = true
			}
		}
	}
	// Reduced P (upper triangle; rows ascending, so a diagonal entry is the
	// last of its column and an added one goes last).
	pp := problem.CSC{Rows: nr, Cols: nr, Colptr: make([]int, nr+1)}
	diagAt := make([]int, nr)
	for jn, j := range ps.keepCol {
		diagAt[jn] = -1
		for p := st.P.Colptr[j]; p < st.P.Colptr[j+1]; p++ {
			i := st.P.Rowval[p]
			if rowNew2 := colNew[i]; rowNew2 >= 0 {
				if i == j {
					diagAt[jn] = len(ps.pmap)
				}
				pp.Rowval = append(pp.Rowval, rowNew2)
				ps.pmap = append(ps.pmap, p)
			}
		}
		if needDiag[j] && diagAt[jn] < 0 {
			diagAt[jn] = len(ps.pmap)
			pp.Rowval = append(pp.Rowval, jn)
			ps.pmap = append(ps.pmap, -1)
		}
		pp.Colptr[jn+1] = len(pp.Rowval)
	}
	for i := range ps.elim {
		if e := &ps.elim[i]; e.k >= 0 && e.pj >= 0 {
			e.pkk = diagAt[e.kr]
		}
	}
	// Reduced A: the kept rows of the kept columns, and in a partner's
	// column k the rows its eliminated columns substitute into (fill).
	type aEnt struct{ row, src int }
	fillOf := make([][]*fillEntry, n) // per partner column
	for i := range ps.elim {
		e := &ps.elim[i]
		if e.k < 0 {
			continue
		}
		for t := range e.fill {
			fillOf[e.k] = append(fillOf[e.k], &e.fill[t])
		}
	}
	ap := problem.CSC{Rows: mr, Cols: nr, Colptr: make([]int, nr+1)}
	var col []aEnt
	for jn, j := range ps.keepCol {
		col = col[:0]
		for p := st.A.Colptr[j]; p < st.A.Colptr[j+1]; p++ {
			if i := rowNew[st.A.Rowval[p]]; i >= 0 {
				col = append(col, aEnt{i, p})
			}
		}
		for _, f := range fillOf[j] {
			i := rowNew[f.i]
			found := false
			for _, c := range col {
				found = found || c.row == i
			}
			if !found {
				col = append(col, aEnt{i, -1})
			}
		}
		sort.Slice(col, func(a, b int) bool { return col[a].row < col[b].row })
		base := len(ps.amap)
		for _, c := range col {
			ap.Rowval = append(ap.Rowval, c.row)
			ps.amap = append(ps.amap, c.src)
		}
		for _, f := range fillOf[j] {
			for t, c := range col {
				if c.row == rowNew[f.i] {
					f.red = base + t
				}
			}
		}
		ap.Colptr[jn+1] = len(ap.Rowval)
	}
	// Reduced cone list: the zero blocks lose their eliminated rows.
	var specs []cone.Spec
	off := 0
	for _, sp := range st.Cones {
		d := sp.Dim
		if sp.Kind == cone.KindZero {
			for i := off; i < off+sp.Dim; i++ {
				if rowNew[i] < 0 {
					d--
				}
			}
		}
		off += sp.Dim
		if d > 0 {
			specs = append(specs, cone.Spec{Kind: sp.Kind, Dim: d, Param: sp.Param})
		}
	}
	red, err := problem.New(nr, mr, specs, pp, ap)
	if err != nil {
		return nil, err
	}
	ran, err := kkt.Analyse(red, set.LinearSolver)
	if err != nil {
		return nil, err
	}
	ps.inner, err = newSolver(ran, set, false)
	if err != nil {
		return nil, err
	}
	ps.vals = problem.Values{P: make([]float64, len(ps.pmap)), C: make([]float64, nr),
		A: make([]float64, len(ps.amap)), B: make([]float64, mr)}
	ps.res = Result{X: make([]float64, nr), Y: make([]float64, mr), S: make([]float64, mr)}
	return ps, nil
}

// reduce writes the reduced problem's values for v; false: a pivot is too
// small (or not finite) and the full problem must be solved.
func (ps *presolved) reduce(v *problem.Values) bool {
	for _, e := range ps.elim {
		a := v.A[e.aj]
		if a == 0 || math.IsNaN(a) || math.IsInf(a, 0) {
			return false
		}
		if e.ak >= 0 && !(math.Abs(a) >= presolveMinPivot*math.Abs(v.A[e.ak])) {
			return false
		}
	}
	r := &ps.vals
	gatherOrZero(r.P, v.P, ps.pmap)
	for i, j := range ps.keepCol {
		r.C[i] = v.C[j]
	}
	gatherOrZero(r.A, v.A, ps.amap)
	for i, row := range ps.keepRow {
		r.B[i] = v.B[row]
	}
	ps.offset = 0
	for _, e := range ps.elim {
		a := v.A[e.aj]
		beta := v.B[e.r] / a
		pjj := 0.0
		if e.pj >= 0 {
			pjj = v.P[e.pj]
		}
		cj := v.C[e.j]
		gamma := 0.0
		if e.k >= 0 {
			gamma = v.A[e.ak] / a
			if e.pkk >= 0 {
				r.P[e.pkk] += pjj * gamma * gamma
			}
			r.C[e.kr] -= gamma * (pjj*beta + cj)
		}
		for _, f := range e.fill {
			aij := v.A[f.aij]
			r.B[ps.rowNew[f.i]] -= aij * beta
			if f.red >= 0 {
				r.A[f.red] -= aij * gamma
			}
		}
		ps.offset += 0.5*pjj*beta*beta + cj*beta
	}
	return true
}

// gatherOrZero sets dst[i] = src[idx[i]], or 0 where idx[i] < 0 (an entry
// the reduced problem adds: a diagonal or a fill).
func gatherOrZero(dst, src []float64, idx []int) {
	for i, p := range idx {
		if p >= 0 {
			dst[i] = src[p]
		} else {
			dst[i] = 0
		}
	}
}

// postsolve maps the reduced solution (ps.res) back to the full problem's
// res (see the comment at the top of the file).
func (ps *presolved) postsolve(v *problem.Values, res *Result) {
	rr := &ps.res
	for i, j := range ps.keepCol {
		res.X[j] = rr.X[i]
	}
	for i, row := range ps.keepRow {
		res.Y[row] = rr.Y[i]
		res.S[row] = rr.S[i]
	}
	nan := math.NaN()
	st := rr.Info.Status
	for _, e := range ps.elim {
		a := v.A[e.aj]
		xk, gamma := 0.0, 0.0
		if e.k >= 0 {
			xk, gamma = res.X[e.k], v.A[e.ak]/a
		}
		// Σ a_ij·y_i over column j's other rows (kept rows).
		aty := 0.0
		for _, f := range e.fill {
			aty += v.A[f.aij] * res.Y[f.i]
		}
		switch st {
		case StatusPrimalInfeasible:
			res.X[e.j], res.Y[e.r], res.S[e.r] = nan, -aty/a, nan
		case StatusDualInfeasible:
			res.X[e.j], res.Y[e.r], res.S[e.r] = -gamma*xk, nan, 0
		default:
			xj := v.B[e.r]/a - gamma*xk
			pjj := 0.0
			if e.pj >= 0 {
				pjj = v.P[e.pj]
			}
			res.X[e.j], res.S[e.r] = xj, 0
			res.Y[e.r] = -(pjj*xj + v.C[e.j] + aty) / a
		}
	}
	res.Info = rr.Info
	if st != StatusPrimalInfeasible && st != StatusDualInfeasible {
		res.Info.PObj += ps.offset
		res.Info.DObj += ps.offset
	}
}
