package main

import (
	"math"
	"strings"
	"testing"
)

func TestCheckPSD(t *testing.T) {
	spd := []float64{2, 1, 1, 2}   // eigenvalues 1, 3
	indef := []float64{1, 2, 2, 1} // eigenvalues -1, 3
	asym := []float64{2, 1, 1.5, 2}
	for _, tc := range []struct {
		name   string
		n      int
		batch  int
		p      []float64
		shared bool
		bad    int64
		value  float64
		info   []int32
	}{
		{"one definite", 2, 1, spd, false, -1, 0, []int32{0}},
		{"batch, element 1 indefinite", 2, 3, concat(spd, indef, spd), false, -1, 0, []int32{0, 1, 0}},
		{"shared indefinite", 2, 4, indef, true, -1, 0, []int32{1}},
		{"first asymmetric element wins", 2, 3, concat(spd, asym, asym), false, 1, 0.5, []int32{0, 0, 0}},
		{"n = 0", 0, 2, nil, false, -1, 0, []int32{0}},
		// Enough work to split the batch over goroutines.
		{"large batch", 40, 200, repeat(identity(40), 200), false, -1, 0, make([]int32, 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testSetThreads(3)
			defer testSetThreads(0)
			code, bad, value, info := testCheckPSD(tc.n, tc.batch, tc.p, tc.shared, 1e-12)
			if code != codeOK || bad != tc.bad || math.Abs(value-tc.value) > 1e-15 {
				t.Fatalf("got code %d, bad %d, value %g; want 0, %d, %g", code, bad, value, tc.bad, tc.value)
			}
			if tc.bad < 0 {
				for k := range tc.info {
					if info[k] != tc.info[k] {
						t.Fatalf("info = %v, want %v", info, tc.info)
					}
				}
			}
		})
	}
	t.Run("argument errors", func(t *testing.T) {
		if code, _, _, _ := testCheckPSD(2, 0, spd, false, 1e-12); code != codeArgument {
			t.Fatalf("batch 0: code %d", code)
		}
		if code, _, _, _ := testCheckPSD(-1, 1, spd, false, 1e-12); code != codeArgument {
			t.Fatalf("n < 0: code %d", code)
		}
	})
}

func concat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func repeat(p []float64, k int) []float64 {
	out := make([]float64, 0, k*len(p))
	for range k {
		out = append(out, p...)
	}
	return out
}

func identity(n int) []float64 {
	out := make([]float64, n*n)
	for i := 0; i < n; i++ {
		out[i*n+i] = 1
	}
	return out
}

// lpgd_solve's own PSD test (lpgd_values.psd_shift > 0): the first failing
// batch element as a data error, after the finiteness checks; none without it.
func TestSolveChecksPSD(t *testing.T) {
	spd := []float64{2, 1, 1, 2}
	indef := []float64{1, 2, 2, 1}
	asym := []float64{2, 1, 1.5, 2}
	nan := []float64{2, math.NaN(), 1, 2}
	for _, tc := range []struct {
		name  string
		p     []float64
		ps    int
		shift float64
		code  int32
		msg   string
	}{
		{"definite batch", concat(spd, spd, spd), 4, 1e-8, codeOK, ""},
		{"element 1 indefinite", concat(spd, indef, spd), 4, 1e-8, codeData, "P (batch element 1) is not positive semidefinite"},
		{"element 2 asymmetric", concat(spd, indef, asym), 4, 1e-8, codeData, "P (batch element 2) is not symmetric: max |P - P^T| = 0.5"},
		{"shared indefinite", indef, 0, 1e-8, codeData, "P is not positive semidefinite"},
		{"non-finite first", concat(spd, indef, nan), 4, 1e-8, codeData, "is not finite (batch element 2)"},
		{"no test without a shift", concat(spd, indef, spd), 4, 0, codeOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &testDenseQP{n: 2, nonneg: 2, hasP: true, P: tc.p, ps: tc.ps,
				c: []float64{1, 1}, A: []float64{-1, 0, 0, -1}, b: []float64{0, 0},
				psdSymTol: 1e-12, psdShift: tc.shift}
			h, code, msg := testNewDense(q)
			if code != codeOK {
				t.Fatalf("structure: %d %s", code, msg)
			}
			defer testFree(h)
			out := testSolve(h, q, 3, q.m(), 0)
			if out.code != tc.code || !strings.Contains(out.msg, tc.msg) {
				t.Fatalf("got code %d %q, want %d containing %q", out.code, out.msg, tc.code, tc.msg)
			}
		})
	}
}
