package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestScaleAbsMaxCols: the whole-matrix Ruiz sweep equals ScaleAbsMax
// column by column bit for bit (scaled entries, row maxima, column
// maxima), for a dense matrix's columns (dlen 0) and a packed triangle
// (dlen 1, column maxima aliasing the row maxima as the equilibration's
// P sweep does), through every 4-wide and scalar tail, with and without
// a scaling, on the AVX kernel and the generic loop.
func TestScaleAbsMaxCols(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, tc := range []struct {
		name             string
		ncols, len0, dln int
		alias            bool
	}{
		{"rect", 0, 3, 0, false}, {"rect", 1, 0, 0, false}, {"rect", 3, 1, 0, false}, {"rect", 5, 4, 0, false},
		{"rect", 7, 10, 0, false}, {"rect", 11, 13, 0, false}, {"rect", 4, 20, 0, false},
		// Every row count mod 8 (the kernel's steps of 8, 4, 2 and 1 rows).
		{"rect", 3, 2, 0, false}, {"rect", 2, 3, 0, false}, {"rect", 3, 6, 0, false},
		{"rect", 2, 7, 0, false}, {"rect", 2, 15, 0, false}, {"rect", 2, 22, 0, false},
		{"tri", 1, 1, 1, true}, {"tri", 2, 1, 1, true}, {"tri", 9, 1, 1, true}, {"tri", 23, 1, 1, true},
		{"tri", 6, 2, 3, false}, {"ragged", 5, 0, 2, false},
	} {
		for _, scaled := range []bool{false, true} {
			for _, generic := range []bool{false, true} {
				last := tc.len0 + max(tc.ncols-1, 0)*tc.dln
				total := tc.ncols*tc.len0 + tc.dln*(tc.ncols*(tc.ncols-1)/2)
				a := make([]float64, total)
				for i := range a {
					a[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
				}
				nr := max(last, tc.ncols)
				s, d, rn, cn := make([]float64, nr), make([]float64, tc.ncols), make([]float64, nr), make([]float64, tc.ncols)
				for i := range s {
					s[i] = math.Exp(rng.NormFloat64())
					if rng.Intn(3) > 0 {
						rn[i] = math.Abs(rng.NormFloat64())
					}
				}
				for j := range d {
					d[j] = 0.3 + rng.Float64()
					cn[j] = []float64{0, 0.5, 10}[rng.Intn(3)]
				}
				if tc.alias {
					cn = rn
				}
				var sg []float64
				if scaled {
					sg = s
				}
				a2, rn2 := append([]float64(nil), a...), append([]float64(nil), rn...)
				cn2 := append([]float64(nil), cn...)
				if tc.alias {
					cn2 = rn2
				}
				off, l := 0, tc.len0
				for j := 0; j < tc.ncols; j++ {
					cn2[j] = ScaleAbsMax(a2[off:off+l], sg, d[j], rn2, cn2[j])
					off += l
					l += tc.dln
				}
				if generic {
					scaleAbsMaxColsGeneric(a, tc.ncols, tc.len0, tc.dln, sg, d, rn, cn)
				} else {
					ScaleAbsMaxCols(a, tc.ncols, tc.len0, tc.dln, sg, d, rn, cn)
				}
				for _, c := range []struct {
					what      string
					got, want []float64
				}{{"a", a, a2}, {"rn", rn, rn2}, {"cn", cn, cn2}} {
					for i := range c.want {
						if math.Float64bits(c.got[i]) != math.Float64bits(c.want[i]) {
							t.Fatalf("%s %d×(%d+%d) scaled=%v generic=%v: %s[%d] = %v, want %v",
								tc.name, tc.ncols, tc.len0, tc.dln, scaled, generic, c.what, i, c.got[i], c.want[i])
						}
					}
				}
			}
		}
	}
}

// TestScaleAbsMaxColsShort: a matrix, scaling or maxima too short for the
// columns asked panics rather than reading past them.
func TestScaleAbsMaxColsShort(t *testing.T) {
	ok := func() ([]float64, []float64, []float64, []float64) {
		return make([]float64, 6), make([]float64, 3), make([]float64, 3), make([]float64, 3)
	}
	for _, tc := range []struct {
		name string
		mod  func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64)
	}{
		{"a", func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64) {
			return a[:5], s, d, rn, cn
		}},
		{"s", func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64) {
			return a, s[:2], d, rn, cn
		}},
		{"d", func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64) {
			return a, s, d[:2], rn, cn
		}},
		{"rn", func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64) {
			return a, s, d, rn[:2], cn
		}},
		{"cn", func(a, s, d, rn, cn []float64) ([]float64, []float64, []float64, []float64, []float64) {
			return a, s, d, rn, cn[:2]
		}},
	} {
		a, s, rn, cn := ok()
		d := make([]float64, 3)
		a, s, d, rn, cn = tc.mod(a, s, d, rn, cn)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s too short: no panic", tc.name)
				}
			}()
			ScaleAbsMaxCols(a, 3, 1, 1, s, d, rn, cn) // the triangle of order 3
		}()
	}
}

// TestScaleAbsMaxSpecialValues: NaN, ±Inf and ±0 in every position of
// the 4-wide parts and the scalar tails (and in the scaling, where 0·Inf
// makes a NaN, and in the incoming row and column maxima, NaN and
// negative included) leave ScaleAbsMaxCols, ScaleAbsMax and their Go
// loops bit for bit the same: a NaN |a| raises nothing (the reviewed
// case: column {0.5, 0, 0, 0, NaN} ends at 0.5, where the assembly once
// let the NaN replace the lanes' maximum and then dropped it, giving 0).
func TestScaleAbsMaxSpecialValues(t *testing.T) {
	nan, inf, nz := math.NaN(), math.Inf(1), math.Copysign(0, -1)
	special := []float64{nan, inf, -inf, nz, 0, -nan}
	rng := rand.New(rand.NewSource(71))
	same := func(x, y []float64) int {
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return i
			}
		}
		return -1
	}
	// The reviewed case, dense (len0 = 5) and as ScaleAbsMax's column.
	a := []float64{0.5, 0, 0, 0, nan}
	rn, cn := make([]float64, 5), make([]float64, 1)
	if ScaleAbsMaxCols(a, 1, 5, 0, nil, nil, rn, cn); cn[0] != 0.5 {
		t.Errorf("column {0.5, 0, 0, 0, NaN}: max %v, want 0.5", cn[0])
	}
	for _, m := range []int{1, 3, 4, 5, 7, 8, 9, 12, 13, 17} {
		for _, ncols := range []int{1, 3} {
			for _, dlen := range []int{0, 1} {
				for trial := 0; trial < 40; trial++ {
					last := m + (ncols-1)*dlen
					total := ncols*m + dlen*ncols*(ncols-1)/2
					a := make([]float64, total)
					for i := range a {
						a[i] = rng.NormFloat64()
					}
					// One to three specials at random places, every position
					// in turn for the first.
					a[trial%total] = special[trial%len(special)]
					for k := rng.Intn(3); k > 0; k-- {
						a[rng.Intn(total)] = special[rng.Intn(len(special))]
					}
					s, d := make([]float64, last), make([]float64, ncols)
					rn, cn := make([]float64, last), make([]float64, ncols)
					for i := range s {
						s[i] = 0.5 + rng.Float64()
						rn[i] = []float64{0, nz, 1, -1, nan}[rng.Intn(5)]
					}
					for j := range d {
						d[j] = 0.5 + rng.Float64()
						cn[j] = []float64{0, nz, 0.25, -1, nan}[rng.Intn(5)]
					}
					if trial%7 == 0 {
						s[rng.Intn(last)] = []float64{0, inf, nan}[rng.Intn(3)]
					}
					for _, scaled := range []bool{false, true} {
						var sg []float64
						if scaled {
							sg = s
						}
						type run struct{ a, rn, cn []float64 }
						mk := func() run {
							return run{append([]float64(nil), a...), append([]float64(nil), rn...), append([]float64(nil), cn...)}
						}
						asm, gen, cols, colsGen := mk(), mk(), mk(), mk()
						ScaleAbsMaxCols(asm.a, ncols, m, dlen, sg, d, asm.rn, asm.cn)
						scaleAbsMaxColsGeneric(gen.a, ncols, m, dlen, sg, d, gen.rn, gen.cn)
						off, l := 0, m
						for j := 0; j < ncols; j++ {
							cols.cn[j] = ScaleAbsMax(cols.a[off:off+l], sg, d[j], cols.rn, cols.cn[j])
							colsGen.cn[j] = scaleAbsMaxGeneric(colsGen.a[off:off+l], sg, d[j], colsGen.rn, colsGen.cn[j])
							off += l
							l += dlen
						}
						for _, r := range []struct {
							name string
							got  run
						}{{"ScaleAbsMaxCols", asm}, {"ScaleAbsMax", cols}, {"scaleAbsMaxGeneric", colsGen}} {
							for _, v := range []struct {
								what      string
								got, want []float64
							}{{"a", r.got.a, gen.a}, {"rn", r.got.rn, gen.rn}, {"cn", r.got.cn, gen.cn}} {
								if i := same(v.got, v.want); i >= 0 {
									t.Fatalf("m=%d ncols=%d dlen=%d trial=%d scaled=%v: %s %s[%d] = %v, Go loop %v (a %v)",
										m, ncols, dlen, trial, scaled, r.name, v.what, i, v.got[i], v.want[i], a)
								}
							}
						}
					}
				}
			}
		}
	}
}
