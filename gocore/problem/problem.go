// Package problem holds the structure and the values of a conic program in
// the canonical form
//
//	minimize    ½ xᵀ P x + cᵀ x
//	subject to  A x + s = b,   s ∈ K
//	K = K₁ × K₂ × … × K_k
//
// where every block K_i is given by a cone.Spec (kind and dimension) and
// covers the next Dim rows of A, in list order. The structure (sizes, cones, sparsity patterns of P's upper
// triangle and of A, both in compressed sparse column form) is fixed for the
// life of a layer; the values change per call and per batch element. A
// Structure is validated once by NewStructure; Values are validated against
// it by Structure.CheckValues.
package problem

import (
	"errors"
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// Sentinel errors. Typed errors below wrap one of these so that callers can
// use errors.Is to classify a failure.
var (
	// ErrDimension reports a size that does not match the structure.
	ErrDimension = errors.New("problem: dimension mismatch")
	// ErrPattern reports an invalid sparsity pattern (unsorted, out of range,
	// duplicate, or below the diagonal for P).
	ErrPattern = errors.New("problem: invalid sparsity pattern")
	// ErrNotFinite reports a NaN or ±Inf in the problem data.
	ErrNotFinite = errors.New("problem: non-finite value")
	// ErrCone reports an invalid cone specification.
	ErrCone = errors.New("problem: invalid cone")
)

// FieldError is a validation error that names the field (P, c, A, b) and the
// offending index within that field's value array.
type FieldError struct {
	Field string // "P", "c", "A", "b" or a structural field name
	Index int    // index into the field's values; -1 when not applicable
	Msg   string
	Err   error // one of the sentinel errors
}

// Error implements error.
func (e *FieldError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("%s[%d]: %s", e.Field, e.Index, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Msg)
}

// Unwrap returns the sentinel error.
func (e *FieldError) Unwrap() error { return e.Err }

// Cones is the fixed-count form of a cone list: first Zero rows, then
// Nonneg rows, then one block per second-order cone. Specs converts it to
// the cone list New takes; NewStructure accepts it directly.
type Cones struct {
	Zero   int   // equality rows
	Nonneg int   // inequality rows (s ≥ 0)
	SOC    []int // dimensions of second-order cones, each ≥ 1
}

// Specs returns the cone list of k: a zero block, a nonnegative block and
// the second-order cones, in that order (empty blocks included; New drops
// them).
func (k Cones) Specs() []cone.Spec {
	out := make([]cone.Spec, 0, 2+len(k.SOC))
	out = append(out, cone.Spec{Kind: cone.KindZero, Dim: k.Zero}, cone.Spec{Kind: cone.KindNonneg, Dim: k.Nonneg})
	for _, q := range k.SOC {
		out = append(out, cone.Spec{Kind: cone.KindSOC, Dim: q})
	}
	return out
}

// Dim returns the total number of rows covered by the cones.
func (k Cones) Dim() int {
	d := k.Zero + k.Nonneg
	for _, q := range k.SOC {
		d += q
	}
	return d
}

// CSC is a sparsity pattern in compressed sparse column form with sorted,
// unique row indices in every column.
type CSC struct {
	Rows, Cols int
	Colptr     []int // length Cols+1
	Rowval     []int // length Colptr[Cols]
}

// Nnz returns the number of stored entries.
func (p CSC) Nnz() int { return p.Colptr[p.Cols] }

// DensePattern returns the full pattern of a rows×cols matrix.
func DensePattern(rows, cols int) CSC {
	cp := make([]int, cols+1)
	rv := make([]int, 0, rows*cols)
	for j := 0; j < cols; j++ {
		for i := 0; i < rows; i++ {
			rv = append(rv, i)
		}
		cp[j+1] = len(rv)
	}
	return CSC{Rows: rows, Cols: cols, Colptr: cp, Rowval: rv}
}

// UpperPattern returns the full upper-triangular pattern (diagonal included)
// of an n×n matrix.
func UpperPattern(n int) CSC {
	cp := make([]int, n+1)
	rv := make([]int, 0, n*(n+1)/2)
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			rv = append(rv, i)
		}
		cp[j+1] = len(rv)
	}
	return CSC{Rows: n, Cols: n, Colptr: cp, Rowval: rv}
}

// EmptyPattern returns the pattern of a rows×cols matrix with no entries.
func EmptyPattern(rows, cols int) CSC {
	return CSC{Rows: rows, Cols: cols, Colptr: make([]int, cols+1)}
}

func (p CSC) check(field string, upper bool) error {
	if p.Rows < 0 || p.Cols < 0 {
		return &FieldError{Field: field, Index: -1, Msg: "negative dimension", Err: ErrDimension}
	}
	if len(p.Colptr) != p.Cols+1 {
		return &FieldError{Field: field + ".colptr", Index: -1,
			Msg: fmt.Sprintf("length %d, want %d", len(p.Colptr), p.Cols+1), Err: ErrPattern}
	}
	if p.Colptr[0] != 0 {
		return &FieldError{Field: field + ".colptr", Index: 0, Msg: "must start at 0", Err: ErrPattern}
	}
	for j := 0; j < p.Cols; j++ {
		if p.Colptr[j+1] < p.Colptr[j] {
			return &FieldError{Field: field + ".colptr", Index: j + 1, Msg: "decreasing", Err: ErrPattern}
		}
	}
	if len(p.Rowval) != p.Colptr[p.Cols] {
		return &FieldError{Field: field + ".rowval", Index: -1,
			Msg: fmt.Sprintf("length %d, want %d", len(p.Rowval), p.Colptr[p.Cols]), Err: ErrPattern}
	}
	for j := 0; j < p.Cols; j++ {
		prev := -1
		for k := p.Colptr[j]; k < p.Colptr[j+1]; k++ {
			i := p.Rowval[k]
			if i < 0 || i >= p.Rows {
				return &FieldError{Field: field + ".rowval", Index: k,
					Msg: fmt.Sprintf("row %d out of range [0,%d) in column %d", i, p.Rows, j), Err: ErrPattern}
			}
			if i <= prev {
				return &FieldError{Field: field + ".rowval", Index: k,
					Msg: fmt.Sprintf("rows not strictly increasing in column %d", j), Err: ErrPattern}
			}
			if upper && i > j {
				return &FieldError{Field: field + ".rowval", Index: k,
					Msg: fmt.Sprintf("entry (%d,%d) below the diagonal: P must be given as its upper triangle", i, j), Err: ErrPattern}
			}
			prev = i
		}
	}
	return nil
}

// Structure is the part of a problem that is fixed inside a layer: sizes,
// cones and sparsity patterns. It is immutable after New and safe for
// concurrent use.
type Structure struct {
	N, M int // number of variables, number of constraint rows
	// Cones lists the cone blocks in row order: block i covers the Dim rows
	// after those of blocks 0..i−1. Empty blocks are dropped, so every Dim
	// is positive; the dimensions add up to M.
	Cones []cone.Spec
	P     CSC // upper triangle of P (N×N)
	A     CSC // A (M×N)
}

// NewStructure validates and returns a structure whose cones are given in
// the fixed-count form (see Cones); it is New(n, m, cones.Specs(), p, a)
// with error fields named after the counts.
func NewStructure(n, m int, cones Cones, p, a CSC) (*Structure, error) {
	if err := checkSizes(n, m); err != nil {
		return nil, err
	}
	if cones.Zero < 0 {
		return nil, &FieldError{Field: "cones.zero", Index: -1, Msg: "negative dimension", Err: ErrCone}
	}
	if cones.Nonneg < 0 {
		return nil, &FieldError{Field: "cones.nonneg", Index: -1, Msg: "negative dimension", Err: ErrCone}
	}
	for i, q := range cones.SOC {
		if q < 1 {
			return nil, &FieldError{Field: "cones.soc", Index: i, Msg: fmt.Sprintf("dimension %d < 1", q), Err: ErrCone}
		}
	}
	return New(n, m, cones.Specs(), p, a)
}

// New validates and returns a structure with n variables, m rows, the cone
// list cones (blocks in row order; see cone.Spec) and the patterns p (upper
// triangle of P, n×n) and a (A, m×n). An invalid cone is reported as a
// FieldError on "cones" with the index of the offending spec; empty blocks
// are dropped from the stored list. The input slices are not retained.
func New(n, m int, cones []cone.Spec, p, a CSC) (*Structure, error) {
	if err := checkSizes(n, m); err != nil {
		return nil, err
	}
	list := make([]cone.Spec, 0, len(cones))
	dim := 0
	for i, sp := range cones {
		if err := sp.Check(); err != nil {
			return nil, &FieldError{Field: "cones", Index: i, Msg: err.Error(), Err: ErrCone}
		}
		dim += sp.Dim
		if sp.Dim > 0 {
			list = append(list, sp)
		}
	}
	if dim != m {
		return nil, &FieldError{Field: "cones", Index: -1,
			Msg: fmt.Sprintf("cone dimensions add up to %d, A has %d rows", dim, m), Err: ErrCone}
	}
	if p.Rows != n || p.Cols != n {
		return nil, &FieldError{Field: "P", Index: -1, Msg: fmt.Sprintf("shape %d×%d, want %d×%d", p.Rows, p.Cols, n, n), Err: ErrDimension}
	}
	if a.Rows != m || a.Cols != n {
		return nil, &FieldError{Field: "A", Index: -1, Msg: fmt.Sprintf("shape %d×%d, want %d×%d", a.Rows, a.Cols, m, n), Err: ErrDimension}
	}
	if err := p.check("P", true); err != nil {
		return nil, err
	}
	if err := a.check("A", false); err != nil {
		return nil, err
	}
	return &Structure{N: n, M: m, Cones: list, P: p, A: a}, nil
}

func checkSizes(n, m int) error {
	if n <= 0 {
		return &FieldError{Field: "n", Index: -1, Msg: fmt.Sprintf("number of variables must be positive, got %d", n), Err: ErrDimension}
	}
	if m < 0 {
		return &FieldError{Field: "m", Index: -1, Msg: fmt.Sprintf("number of rows must be non-negative, got %d", m), Err: ErrDimension}
	}
	return nil
}

// HasKind reports whether some cone block has kind k.
func (s *Structure) HasKind(k cone.Kind) bool {
	for _, sp := range s.Cones {
		if sp.Kind == k {
			return true
		}
	}
	return false
}

// Values holds the numeric data of one problem instance on a Structure.
type Values struct {
	P []float64 // values on Structure.P (upper triangle), len P.Nnz()
	C []float64 // len N
	A []float64 // values on Structure.A, len A.Nnz()
	B []float64 // len M
}

// CheckValues validates lengths and finiteness of v.
func (s *Structure) CheckValues(v *Values) error {
	type field struct {
		name string
		data []float64
		want int
	}
	for _, f := range []field{{"P", v.P, s.P.Nnz()}, {"c", v.C, s.N}, {"A", v.A, s.A.Nnz()}, {"b", v.B, s.M}} {
		if len(f.data) != f.want {
			return &FieldError{Field: f.name, Index: -1, Msg: fmt.Sprintf("length %d, want %d", len(f.data), f.want), Err: ErrDimension}
		}
		for i, x := range f.data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &FieldError{Field: f.name, Index: i, Msg: fmt.Sprintf("non-finite value %v", x), Err: ErrNotFinite}
			}
		}
	}
	return nil
}

// MulP computes y += alpha · P x using the upper-triangular storage. A
// column whose stored rows are exactly 0..j (a full upper column, as in the
// dense layout) uses the vector kernels: a run of such columns by groups
// of four in one vec.UpperCols4 call (the whole of a dense P but its last
// n mod 4 columns), which reads each stored value once. y must not
// overlap x.
func (s *Structure) MulP(y []float64, pv []float64, x []float64, alpha float64) {
	cp, rv := s.P.Colptr, s.P.Rowval
	for j := 0; j < s.N; j++ {
		lo, hi := cp[j], cp[j+1]
		if s.fullUpper4(j) {
			// Four full upper columns (j+1 … j+4 entries), and as many
			// groups of four after them: per group, fused updates of
			// and sums over their common rows 0..j−1, then the 4×4
			// triangle.
			e := j + 4
			for s.fullUpper4(e) {
				e += 4
			}
			vec.UpperCols4(pv[lo:cp[e]], x, y, alpha, j, (e-j)/4)
			j = e - 1
			continue
		}
		if hi-lo == j+1 {
			// Full upper column: P[0..j, j].
			col := pv[lo:hi]
			vec.Axpy(alpha*x[j], col[:j], y)
			y[j] += alpha * (vec.Dot(col[:j], x) + float64(col[j]*x[j]))
			continue
		}
		xj := x[j]
		var acc float64
		for k := lo; k < hi; k++ {
			i := rv[k]
			v := pv[k]
			// Rounded products (float64): a build that fuses multiply–adds
			// (GOAMD64=v3, arm64) computes what MulPDiagonal does.
			y[i] += float64(alpha * v * xj)
			if i != j {
				acc += v * x[i]
			}
		}
		y[j] += alpha * acc
	}
}

// fullUpper4 reports whether P's columns j … j+3 exist and are full upper
// columns (rows 0…j+r, j+r+1 entries each: four columns of at most that
// many entries hold 4j+10 only when each is full).
func (s *Structure) fullUpper4(j int) bool {
	cp := s.P.Colptr
	return j+4 <= s.N && cp[j+1]-cp[j] == j+1 && cp[j+4]-cp[j] == 4*j+10
}

// OffDiagonalZero reports whether every value of pv off P's diagonal is
// zero (of either sign): P is then its diagonal, and MulPDiagonal forms
// MulP's product from the diagonal alone. An ε-ridge LP's P = εI given
// as a dense upper triangle stores n(n−1)/2 such zeros. It reads every
// value up to the first column with a nonzero off the diagonal: callers
// test it once per set of values, not per product.
func (s *Structure) OffDiagonalZero(pv []float64) bool {
	cp, rv := s.P.Colptr, s.P.Rowval
	var or uint64
	for j := 0; j < s.N; j++ {
		lo, hi := cp[j], cp[j+1]
		if hi > lo && rv[hi-1] == j {
			hi-- // rows increase: the diagonal is the column's last entry
		}
		// The bits of every value but the sign: nonzero for a nonzero
		// value (NaNs included), without a branch per value.
		for _, v := range pv[lo:hi] {
			or |= math.Float64bits(v) &^ (1 << 63)
		}
		if or != 0 {
			return false
		}
	}
	return true
}

// MulPDiagonal computes y += P x for a P whose off-diagonal values are all
// zero (OffDiagonalZero(pv)) from its diagonal alone: the numbers of
// MulP(y, pv, x, 1), bit for bit. With x finite, every term MulP adds
// off the diagonal is a zero, and its sums of them start from +0 (the
// kernels' accumulators), so row j receives (y_j + (+0 + P_jj x_j)) and
// then zeros: a nonzero sum is y_j + P_jj x_j, one rounding either way,
// and a zero one is +0 (an exact zero sum rounds to +0; a −0 y_j plus
// the +0 of P_jj x_j + 0 is +0; later zeros keep +0). Here
// (y_j + P_jj x_j) + 0 gives that +0 too. The product is written as MulP
// writes it for the column's layout (a full column rounds it before the
// sum; a sparse one's y_j + P_jj x_j a compiler that fuses multiply–adds
// fuses in both). A non-finite x (0·∞ is NaN off the diagonal) takes
// MulP.
func (s *Structure) MulPDiagonal(y, pv, x []float64) {
	n := s.N
	if !vec.AllFinite(x[:n]) {
		s.MulP(y, pv, x, 1)
		return
	}
	cp, rv := s.P.Colptr, s.P.Rowval
	y = y[:n]
	for j, xj := range x[:n] {
		lo, hi := cp[j], cp[j+1]
		r := y[j]
		switch {
		case hi-lo == j+1:
			r += float64(pv[hi-1] * xj)
		case hi > lo && rv[hi-1] == j:
			r += float64(pv[hi-1] * xj)
		}
		// + 0 turns a −0 into +0, as MulP's zero terms do (Go does not
		// fold x + 0 for floats).
		y[j] = r + 0
	}
}

// colRun is the most columns MulA and MulAT pass to one whole-block
// kernel call (their coefficients or sums sit in a stack array).
const colRun = 32

// fullRun returns the end of the run of full columns of A (all M rows
// stored, M > 0) that starts at column j, at most colRun long; j itself
// when column j is not full. A dense A's runs need no look at the
// pattern.
func (s *Structure) fullRun(j int) int {
	m, n := s.M, s.N
	if m == 0 {
		return j
	}
	// nnz = m·n without forming m·n (which can wrap for absurd M with an
	// empty A): every column then holds all M rows (the pattern's rows
	// are unique and sorted, checked by New).
	if nnz := s.A.Nnz(); n > 0 && nnz%n == 0 && nnz/n == m {
		return min(j+colRun, n)
	}
	cp := s.A.Colptr[:n+1]
	e := j
	for e < n && e-j < colRun && cp[e+1]-cp[e] == m {
		e++
	}
	return e
}

// MulA computes y += alpha · A x. Runs of full columns (a dense A) go to
// vec.AxpyRows: the same updates in the same order as one vec.Axpy per
// column (a zero alpha·x_j skipped) in one call per run.
func (s *Structure) MulA(y []float64, av []float64, x []float64, alpha float64) {
	cp, rv := s.A.Colptr, s.A.Rowval
	m := s.M
	var c [colRun]float64
	for j := 0; j < s.N; {
		lo, hi := cp[j], cp[j+1]
		if e := s.fullRun(j); e > j {
			cr := c[:e-j]
			for r, v := range x[j:e:e] {
				cr[r] = alpha * v
			}
			vec.AxpyRows(cr, av[lo:cp[e]], m, e-j, y, m)
			j = e
			continue
		}
		if axj := alpha * x[j]; axj != 0 {
			for k := lo; k < hi; k++ {
				y[rv[k]] += float64(av[k] * axj)
			}
		}
		j++
	}
}

// MulAT computes y += alpha · Aᵀ x. Runs of full columns (a dense A) take
// their sums from one vec.DotRows call per run, each vec.Dot's bit for
// bit.
func (s *Structure) MulAT(y []float64, av []float64, x []float64, alpha float64) {
	cp, rv := s.A.Colptr, s.A.Rowval
	m := s.M
	var d [colRun]float64
	for j := 0; j < s.N; {
		lo, hi := cp[j], cp[j+1]
		if e := s.fullRun(j); e > j {
			out := d[:e-j]
			vec.DotRows(av[lo:cp[e]], m, e-j, x, m, out)
			yr := y[j:e:e]
			for r, v := range out {
				yr[r] += float64(alpha * v)
			}
			j = e
			continue
		}
		var acc float64
		for k := lo; k < hi; k++ {
			acc += float64(av[k] * x[rv[k]])
		}
		y[j] += float64(alpha * acc)
		j++
	}
}
