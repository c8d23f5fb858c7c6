package vec

import (
	"math"
	"strings"
	"testing"
)

// wrap4 is 2⁶² where int has 64 bits (2³⁰ where it has 32): 4·wrap4
// wraps to 0, so the absurd-size cases below mean the same on both.
const wrap4 = math.MaxInt/2 + 1

// TestBlockFits: the overflow-free extent check against the plain
// formula where that does not overflow, and absurd counts and strides
// that wrap the plain products rejected.
func TestBlockFits(t *testing.T) {
	for _, tc := range []struct {
		rows, stride, cols, n int
		want                  bool
	}{
		{1, 0, 0, 0, true}, {1, 5, 3, 3, true}, {1, 5, 4, 3, false},
		{4, 8, 7, 31, true}, {4, 8, 7, 30, false}, {4, 8, 8, 32, true},
		{0, 1, 0, 10, false}, {2, -1, 0, 10, false}, {2, 1, -1, 10, false},
		{wrap4, 1, 1, 16, false},                      // 4·nb wrapped to 0 before
		{4, int(^uint(0) / 3), 4, 4, false},           // 3·dl + 4 wrapped to 3
		{2, math.MaxInt, 8, 16, false},                // (rows−1)·stride + cols overflowed
		{wrap4 + 1, 2, 2, 1 << 10, false},             // 4·ng wrapped to 4
		{3, math.MaxInt / 2, 1, math.MaxInt, true},    // 2·(MaxInt/2) + 1 = MaxInt fits,
		{3, math.MaxInt / 2, 2, math.MaxInt, false},   // one more column does not,
		{3, math.MaxInt/2 + 1, 0, math.MaxInt, false}, // nor 2⁶³ = MaxInt + 1
	} {
		if got := blockFits(tc.rows, tc.stride, tc.cols, tc.n); got != tc.want {
			t.Errorf("blockFits(%d, %d, %d, %d) = %v, want %v", tc.rows, tc.stride, tc.cols, tc.n, got, tc.want)
		}
	}
}

// TestWrappersRejectAbsurdSizes: counts and strides whose products wrap
// (the reproducers of the overflow review: 4·nb = 0 for nb = wrap4, a
// column length dl = (2⁶⁴−1)/3 whose multiples wrap to small totals, 4·ng
// wrapping to 4) panic with the package's length-check panic instead of
// letting the assembly write past the slices; so do negative counts and
// strides.
func TestWrappersRejectAbsurdSizes(t *testing.T) {
	f16 := func() []float64 { return make([]float64, 16) }
	dl := int(^uint(0) / 3)
	huge := wrap4 + 1
	for _, tc := range []struct {
		name string
		f    func()
	}{
		// The triangular kernels check only where they run (elsewhere
		// they report false and the caller's loops index the slices).
		{"LowerSolve4 nb=wrap4", func() { LowerSolve4(f16(), 0, wrap4, f16()) }},
		{"LowerTSolve4 nb=wrap4", func() { LowerTSolve4(f16(), 0, wrap4, f16()) }},
		{"LowerSolve4 ld huge", func() { LowerSolve4(f16(), math.MaxInt, 1, f16()) }},
		{"LowerSolve4 ld<0", func() { LowerSolve4(f16(), -4, 1, f16()) }},
		{"LowerSolvePairs n huge", func() { LowerSolvePairs(f16(), 0, math.MaxInt, f16()) }},
		{"LowerSolvePairs ld huge", func() { LowerSolvePairs(f16(), math.MaxInt, 3, f16()) }},
		{"LowerTSolvePairs ld huge", func() { LowerTSolvePairs(f16(), math.MaxInt/2+1, 3, f16()) }},
		{"LowerSolvePairs ld<0", func() { LowerSolvePairs(f16(), -1, 3, f16()) }},
		{"ScaleAbsMaxCols dl=(2^64-1)/3", func() {
			ScaleAbsMaxCols(make([]float64, 14), 4, 4, dl, nil, nil, make([]float64, 3), make([]float64, 4))
		}},
		{"ScaleAbsMaxCols dl=(2^64-1)/3, rn 4", func() {
			ScaleAbsMaxCols(make([]float64, 14), 4, 4, dl, nil, nil, make([]float64, 4), make([]float64, 4))
		}},
		{"ScaleAbsMaxCols dl huge, s", func() {
			ScaleAbsMaxCols(f16(), 2, 1, math.MaxInt, f16(), f16(), f16(), f16())
		}},
		{"ScaleAbsMaxCols ncols huge", func() { ScaleAbsMaxCols(f16(), math.MaxInt, 0, 0, nil, nil, f16(), f16()) }},
		{"ScaleAbsMaxCols len0<0", func() { ScaleAbsMaxCols(f16(), 2, -1, 2, nil, nil, f16(), f16()) }},
		{"ScaleAbsMaxCols dlen<0", func() { ScaleAbsMaxCols(f16(), 2, 4, -1, nil, nil, f16(), f16()) }},
		{"Dot4Rows ng=wrap4+1", func() { Dot4Rows(make([]float64, 8), 2, huge, f16(), 2, make([]float64, 4)) }},
		{"Axpy4Rows ng=wrap4+1", func() { Axpy4Rows(make([]float64, 4), make([]float64, 8), 2, huge, f16(), 2) }},
		{"Dot4Rows ng=wrap4", func() { Dot4Rows(f16(), 2, wrap4, f16(), 2, f16()) }},
		{"Dot4Rows lda huge", func() { Dot4Rows(f16(), math.MaxInt/2, 1, f16(), 8, f16()) }},
		{"Dot4Rows n<0", func() { Dot4Rows(f16(), 4, 1, f16(), -1, f16()) }},
		{"Dot4Rows x short", func() { Dot4Rows(make([]float64, 64), 8, 1, make([]float64, 7), 8, f16()) }},
		{"Dot4Rows out short", func() { Dot4Rows(make([]float64, 64), 8, 2, make([]float64, 8), 8, make([]float64, 7)) }},
		{"Axpy4Rows c short", func() { Axpy4Rows(make([]float64, 3), make([]float64, 64), 8, 1, make([]float64, 8), 8) }},
		{"DotRows lda huge", func() { DotRows(f16(), math.MaxInt, 2, f16(), 8, f16()) }},
		{"DotRows nrows huge", func() { DotRows(f16(), 8, math.MaxInt, f16(), 8, f16()) }},
		{"DotRows x short", func() { DotRows(f16(), 8, 2, make([]float64, 7), 8, f16()) }},
		{"DotRows n<0", func() { DotRows(f16(), 8, 2, f16(), -1, f16()) }},
	} {
		if strings.HasPrefix(tc.name, "Lower") && !triAsm {
			continue
		}
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "vec: ") || !strings.Contains(s, "shorter") && !strings.Contains(s, "negative") {
					t.Errorf("%s: recovered %v, want the length-check panic", tc.name, r)
				}
			}()
			tc.f()
		}()
	}
}
