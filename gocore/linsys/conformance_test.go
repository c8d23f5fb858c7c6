package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// Conformance suite in the style of gonum's lapack/testlapack: every
// factorization of the package runs through the same table of systems and
// checks. A new Factorizer is added to factorizers below.

// factorizerCase builds one factorization for a pattern, its pivot signs
// and the indices whose block of K is diagonal (DenseSchur's candidates).
type factorizerCase struct {
	name string
	make func(pat *Pattern, signs []float64, diagIdx []bool) (Factorizer, error)
}

var factorizers = []factorizerCase{
	{"Dense", func(pat *Pattern, signs []float64, _ []bool) (Factorizer, error) {
		return NewDense(pat, signs), nil
	}},
	{"DensePerm(AMD)", func(pat *Pattern, signs []float64, _ []bool) (Factorizer, error) {
		return NewDensePerm(pat, signs, AMDOrder(pat)), nil
	}},
	{"DenseSchur", func(pat *Pattern, signs []float64, diagIdx []bool) (Factorizer, error) {
		return NewDenseSchur(pat, signs, diagIdx)
	}},
	{"DenseSchur(fast)", func(pat *Pattern, signs []float64, diagIdx []bool) (Factorizer, error) {
		f, err := NewDenseSchur(pat, signs, diagIdx)
		if err == nil {
			f.SetFast(true)
		}
		return f, err
	}},
	{"GuardedTiered(DenseSchur(fast), DensePerm)", func(pat *Pattern, signs []float64, diagIdx []bool) (Factorizer, error) {
		f, err := NewDenseSchur(pat, signs, diagIdx)
		if err != nil {
			return nil, err
		}
		f.SetFast(true)
		g := NewGuardedTiered(f, func() Factorizer { return NewDensePerm(pat, signs, AMDOrder(pat)) })
		g.SetTier(0)
		return g, nil
	}},
	{"SparseLDL(AMD)", func(pat *Pattern, signs []float64, _ []bool) (Factorizer, error) {
		return NewSparseLDL(pat, signs, nil)
	}},
	{"SparseLDL(natural)", func(pat *Pattern, signs []float64, _ []bool) (Factorizer, error) {
		return NewSparseLDL(pat, signs, identityPerm(pat.N))
	}},
	{"Guarded(Dense, DensePerm)", func(pat *Pattern, signs []float64, _ []bool) (Factorizer, error) {
		return NewGuarded(NewDense(pat, signs), func() Factorizer {
			return NewDensePerm(pat, signs, AMDOrder(pat))
		}), nil
	}},
}

// diagonalIndices marks the indices whose off-diagonal entries in the
// pattern all connect to non-marked indices, greedily in order: a valid
// candidate set for DenseSchur (its candidate block is diagonal).
func diagonalIndices(pat *Pattern, from int) []bool {
	marked := make([]bool, pat.N)
	for j := from; j < pat.N; j++ {
		ok := true
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			if i := pat.Rowval[k]; i != j && marked[i] {
				ok = false
			}
		}
		marked[j] = ok
	}
	return marked
}

// conformanceSizes are (variables, constraint rows) of the random
// quasi-definite systems: tiny, odd, not multiples of the dense kernel's
// block of four, large enough for AMD and the dense tail to matter, and
// one above blockMin (the blocked dense LDLᵀ).
var conformanceSizes = []struct{ nx, m int }{
	{1, 0}, {1, 1}, {2, 3}, {3, 2}, {5, 4}, {7, 6}, {9, 0}, {13, 8}, {17, 11}, {31, 18}, {45, 33},
	{121, 90},
}

func newFactorizer(t *testing.T, fc factorizerCase, pat *Pattern, signs []float64, nx int) Factorizer {
	t.Helper()
	f, err := fc.make(pat, signs, diagonalIndices(pat, nx))
	if err != nil {
		t.Fatal(err)
	}
	if f.Dim() != pat.N {
		t.Fatalf("Dim %d, want %d", f.Dim(), pat.N)
	}
	return f
}

// TestFactorizerSolve: factor a random quasi-definite K, solve, and check
// the residual, the product (for Multipliers), and reuse of the symbolic
// analysis with new values.
func TestFactorizerSolve(t *testing.T) {
	for _, fc := range factorizers {
		t.Run(fc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(11))
			for _, sz := range conformanceSizes {
				pat, vals, signs := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
				f := newFactorizer(t, fc, pat, signs, sz.nx)
				if err := f.Factor(vals); err != nil {
					t.Fatalf("%+v: %v", sz, err)
				}
				if f.Regularized() != 0 {
					t.Fatalf("%+v: %d regularized pivots on a quasi-definite matrix", sz, f.Regularized())
				}
				b := randVec(rng, pat.N)
				x := append([]float64(nil), b...)
				f.Solve(x)
				if r := relResidual(pat, vals, x, b); r > 1e-10 {
					t.Fatalf("%+v: relative residual %g", sz, r)
				}
				if mv, ok := f.(Multiplier); ok {
					y, want := make([]float64, pat.N), make([]float64, pat.N)
					mv.MulVec(x, y)
					SymMulVec(pat, vals, x, want)
					if d := relDiff(y, want); d > 1e-12 {
						t.Fatalf("%+v: MulVec differs from the matrix product by %g", sz, d)
					}
				}
				// New values on the same pattern: K' = 2K gives x/2.
				v2 := make([]float64, len(vals))
				for i, v := range vals {
					v2[i] = 2 * v
				}
				if err := f.Factor(v2); err != nil {
					t.Fatalf("%+v: refactor: %v", sz, err)
				}
				x2 := append([]float64(nil), b...)
				f.Solve(x2)
				for i := range x2 {
					x2[i] *= 2
				}
				if d := relDiff(x2, x); d > 1e-10 {
					t.Fatalf("%+v: refactored solution differs by %g", sz, d)
				}
			}
		})
	}
}

// TestFactorizerRefinement: factor K + δS (S = the pivot signs, δ = 1e-4, a
// large static regularization) and solve with K by iterative refinement:
// the plain solve is off by about δ, the refined one must be accurate.
func TestFactorizerRefinement(t *testing.T) {
	const delta = 1e-4
	for _, fc := range factorizers {
		t.Run(fc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(12))
			for _, sz := range conformanceSizes {
				pat, vals, signs := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
				reg := append([]float64(nil), vals...)
				for j := 0; j < pat.N; j++ {
					for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
						if pat.Rowval[k] == j {
							reg[k] += signs[j] * delta
						}
					}
				}
				f := newFactorizer(t, fc, pat, signs, sz.nx)
				if err := f.Factor(reg); err != nil {
					t.Fatalf("%+v: %v", sz, err)
				}
				b := randVec(rng, pat.N)
				x := append([]float64(nil), b...)
				f.Solve(x)
				plain := relResidual(pat, vals, x, b)
				work := make([]float64, 2*pat.N)
				res := Refine(f, pat, vals, b, x, work, 20, 1e-14, 1e-14)
				if r := relResidual(pat, vals, x, b); r > 1e-12 || !(res <= 1e-11*math.Max(1, normInf(b))) {
					t.Fatalf("%+v: refined relative residual %g (reported %g, unrefined %g)", sz, r, res, plain)
				}
				if plain < 1e-9 {
					t.Fatalf("%+v: the unrefined residual %g shows no regularization: the test is void", sz, plain)
				}
			}
		})
	}
}

// TestFactorizerRegularizedPivots: singular or wrongly signed systems need
// dynamically regularized pivots; every factorization must report them and
// still give a finite solution.
func TestFactorizerRegularizedPivots(t *testing.T) {
	cases := []struct {
		name  string
		nx    int // leading indices with sign +1
		build func() (*Pattern, []float64)
	}{
		{"zero-second-pivot", 2, func() (*Pattern, []float64) {
			b := newUpperBuilder(2)
			b.add(0, 0, 1)
			b.add(0, 1, 1)
			b.add(1, 1, 1)
			return b.build()
		}},
		{"zero-diagonal-row", 2, func() (*Pattern, []float64) {
			b := newUpperBuilder(3)
			b.add(0, 0, 2)
			b.add(0, 1, 1)
			b.add(1, 1, 3)
			b.add(2, 2, 0)
			return b.build()
		}},
		{"dependent-equality-rows", 3, func() (*Pattern, []float64) {
			// [I Aᵀ; A 0] with two equal rows of A: singular.
			b := newUpperBuilder(5)
			for i := 0; i < 3; i++ {
				b.add(i, i, 1)
			}
			for _, r := range []int{3, 4} {
				b.add(0, r, 1)
				b.add(2, r, -2)
				b.add(r, r, 0)
			}
			return b.build()
		}},
	}
	for _, fc := range factorizers {
		t.Run(fc.name, func(t *testing.T) {
			for _, tc := range cases {
				pat, vals := tc.build()
				signs := make([]float64, pat.N)
				for i := range signs {
					signs[i] = 1
					if i >= tc.nx {
						signs[i] = -1
					}
				}
				f := newFactorizer(t, fc, pat, signs, tc.nx)
				if err := f.Factor(vals); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if f.Regularized() == 0 {
					t.Fatalf("%s: no regularized pivot reported", tc.name)
				}
				x := []float64{1, -2, 3, 0.5, -1}[:pat.N]
				f.Solve(x)
				for i, v := range x {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%s: x[%d] = %v", tc.name, i, v)
					}
				}
			}
		})
	}
}

// TestFactorizerNonFinite: a NaN or Inf in the values is an error.
func TestFactorizerNonFinite(t *testing.T) {
	for _, fc := range factorizers {
		t.Run(fc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(13))
			pat, vals, signs := randomKKT(rng, 6, 5, 0.3, 1e-1)
			for _, bad := range []float64{math.NaN(), math.Inf(1)} {
				v := append([]float64(nil), vals...)
				v[len(v)/2] = bad
				f := newFactorizer(t, fc, pat, signs, 6)
				if err := f.Factor(v); err == nil {
					t.Fatalf("Factor accepted a %v value", bad)
				}
			}
		})
	}
}
