package vec

import (
	"math"
	"math/rand"
	"testing"
)

// setAsm switches the assembly paths of the whole-matrix wrappers
// (LowerSolve4/LowerTSolve4, the Pairs solves, Dot4Rows/Axpy4Rows/
// DotRows, NormInf, ScaleAbsMaxCols, UpperCols4, AllFinite, Div, SubDiv) on (where the CPU has them) or off,
// and returns the function that restores them: the test hook that runs
// the wrappers' Go fallbacks on a machine with AVX2.
func setAsm(on bool) (restore func()) {
	tri, rows, ni, sc, up, fin, dv := triAsm, useRowsAsm, normInfAsm, scaleColsAsm, upperAsm, finiteAsm, divAsm
	triAsm, useRowsAsm, normInfAsm, scaleColsAsm = on && useAVX, on && useAVX, on && useAVX, on && useAVX
	upperAsm, finiteAsm, divAsm = on && useAVX, on && useAVX, on && useAVX
	return func() {
		triAsm, useRowsAsm, normInfAsm, scaleColsAsm, upperAsm, finiteAsm, divAsm = tri, rows, ni, sc, up, fin, dv
	}
}

// TestWrappersAsmOff: with the assembly switched off (setAsm) the row
// wrappers, NormInf and ScaleAbsMaxCols give the assembly path's results
// bit for bit (special values included where the wrapper takes them),
// and the triangular solves report false and leave x as it was, for
// their callers' loops (linsys compares those with the assembly).
func TestWrappersAsmOff(t *testing.T) {
	if !useAVX {
		t.Log("no AVX2/FMA: both runs take the Go path")
	}
	defer setAsm(true)()
	rng := rand.New(rand.NewSource(83))
	vals := func(k int, special bool) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Exp(2*rng.NormFloat64())
			if special && rng.Intn(8) == 0 {
				v[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}[rng.Intn(5)]
			}
		}
		return v
	}
	bitsEq := func(what string, n int, got, want []float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s n=%d: [%d] = %v with assembly, %v without", what, n, i, got[i], want[i])
			}
		}
	}
	for n := 0; n < 30; n++ {
		lda, ng := n+2, 1+n%3
		a, x, c := vals((4*ng-1)*lda+n, false), vals(n, false), vals(4*ng, false)
		var out [2][]float64
		var y [2][]float64
		var dr [2][]float64
		var ni [2]float64
		type cols struct{ a, rn, cn []float64 }
		var sc [2]cols
		sa, ss, sd := vals(3*n+3, true), vals(n+2, false), vals(3, false)
		nv := vals(n, true)
		for k, on := range []bool{true, false} {
			restore := setAsm(on)
			out[k] = make([]float64, 4*ng)
			Dot4Rows(a, lda, ng, x, n, out[k])
			y[k] = append([]float64(nil), x...)
			Axpy4Rows(c, a, lda, ng, y[k], n)
			dr[k] = make([]float64, 4*ng)
			DotRows(a, lda, 4*ng, x, n, dr[k])
			ni[k] = NormInf(nv)
			sc[k] = cols{append([]float64(nil), sa...), make([]float64, n+2), make([]float64, 3)}
			ScaleAbsMaxCols(sc[k].a, 3, n, 1, ss, sd, sc[k].rn, sc[k].cn)
			restore()
		}
		bitsEq("Dot4Rows", n, out[0], out[1])
		bitsEq("Axpy4Rows", n, y[0], y[1])
		bitsEq("DotRows", n, dr[0], dr[1])
		bitsEq("NormInf", n, ni[:1], ni[1:])
		bitsEq("ScaleAbsMaxCols a", n, sc[0].a, sc[1].a)
		bitsEq("ScaleAbsMaxCols rn", n, sc[0].rn, sc[1].rn)
		bitsEq("ScaleAbsMaxCols cn", n, sc[0].cn, sc[1].cn)

		// The triangular solves: off, false and x untouched; on, they run
		// wherever there is a block (or a pair) — so the switch is real.
		l := vals(max(1, n*n), false)
		for _, tc := range []struct {
			name string
			f    func([]float64, int, int, []float64) bool
			k    int // blocks or order
			runs bool
		}{
			{"LowerSolve4", LowerSolve4, n / 4, n >= 4}, {"LowerTSolve4", LowerTSolve4, n / 4, n >= 4},
			{"LowerSolvePairs", LowerSolvePairs, n, n >= 2}, {"LowerTSolvePairs", LowerTSolvePairs, n, n >= 2},
		} {
			for _, on := range []bool{true, false} {
				restore := setAsm(on)
				xb := append([]float64(nil), x...)
				ran := tc.f(l, n, tc.k, xb)
				restore()
				if want := on && useAVX && tc.runs; ran != want {
					t.Fatalf("%s n=%d assembly on=%v: ran %v, want %v", tc.name, n, on, ran, want)
				}
				if !ran {
					bitsEq(tc.name+" (not run)", n, xb, x)
				}
			}
		}
	}
}

// TestSetLevelSwitchesAsmFlags: SetLevel(LevelGeneric) turns off every
// kernel flag of the package (not only the GEMM micro-kernel and the
// useAVX kernels), and restoring the start-up level restores them all.
func TestSetLevelSwitchesAsmFlags(t *testing.T) {
	flags := func() [9]bool {
		return [9]bool{scaleColsAsm, gatherTileAsm, transposeAsm, triAsm, useRowsAsm, normInfAsm, upperAsm, orBitsAsm, symTileAsm}
	}
	start, prev := flags(), CurrentLevel()
	defer SetLevel(prev)
	SetLevel(LevelGeneric)
	if got := flags(); got != [9]bool{} {
		t.Fatalf("flags at LevelGeneric: %v, want all false", got)
	}
	SetLevel(prev)
	if got := flags(); got != start {
		t.Fatalf("flags after restoring %v: %v, want %v", prev, got, start)
	}
	if useAVX && [8]bool(start[:8]) != [8]bool{true, true, true, true, true, true, true, true} {
		t.Fatalf("start-up flags with AVX2: %v", start)
	}
}
