package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestResetTo: after SetData, AddDiagX, SetActiveRows and an H setter,
// ResetTo with the same slices leaves the matrix bit for bit what
// SetData + AddDiagX write (dense and sparse patterns, with and without
// the proximal diagonal, P dense or diagonal, fewer rows than variables
// and more), and resets the adaptive factorization state as SetData does;
// with other slices, or after SetARow, it falls back to a full SetData.
func TestResetTo(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, tc := range []struct {
		name     string
		n, p, mi int
		diagP    bool
		prox     bool
	}{
		{"m<n dense P", 12, 2, 3, false, false},
		{"m<n diagonal P prox", 20, 3, 5, true, true},
		{"m>n", 6, 2, 14, false, true},
		{"m>n diagonal P", 7, 3, 12, true, false},
	} {
		for _, ls := range linearSolvers {
			t.Run(tc.name+"/"+ls.name, func(t *testing.T) {
				n, m := tc.n, tc.p+tc.mi
				P := make([]float64, n*n)
				for i := 0; i < n; i++ {
					for j := 0; j <= i; j++ {
						v := 0.1 * rng.NormFloat64() / float64(n)
						if tc.diagP {
							v = 0
						}
						if i == j {
							v = 1 + rng.Float64()
						}
						P[i*n+j], P[j*n+i] = v, v
					}
				}
				A := make([]float64, m*n)
				for i := range A {
					A[i] = rng.NormFloat64()
				}
				st, v := denseProblem(t, n, P, make([]float64, n), A, make([]float64, m), problem.Cones{Zero: tc.p, Nonneg: tc.mi})
				an, err := Analyse(st, ls.ls)
				if err != nil {
					t.Fatal(err)
				}
				k, err := New(an, 1e-8, 10)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := New(an, 1e-8, 10)
				if err != nil {
					t.Fatal(err)
				}
				var dx []float64
				if tc.prox {
					dx = make([]float64, n)
					for j := range dx {
						dx[j] = rng.Float64()
					}
				}
				set := func(k *System) {
					k.SetData(v.P, v.A, 0)
					if dx != nil {
						k.AddDiagX(dx)
					}
				}
				set(ref)
				set(k)
				active := make([]bool, m)
				for i := range active {
					active[i] = i < tc.p || rng.Intn(2) == 0
				}
				for round := 0; round < 3; round++ {
					k.SetActiveRows(v.A, active)
					if err := k.Factor(); err != nil {
						t.Fatal(err)
					}
					// Adaptive state that ResetTo must reset.
					k.RestoreFactorState(FactorState{dCur: 1, fixed: true, noLow: true, tierCur: 1, wantFast: true, wantExact: true})
					k.ResetTo(v.P, v.A, 0, dx)
					for i := range k.kv {
						if math.Float64bits(k.kv[i]) != math.Float64bits(ref.kv[i]) {
							t.Fatalf("round %d: value %d is %g after ResetTo, SetData writes %g", round, i, k.kv[i], ref.kv[i])
						}
					}
					if k.FactorState() != ref.FactorState() {
						t.Fatalf("round %d: factorization state %+v, want %+v", round, k.FactorState(), ref.FactorState())
					}
					s := make([]float64, m)
					for i := range s {
						s[i] = 1 + rng.Float64()
					}
					k.SetScaling(s, s)
					active[rng.Intn(m)] = !active[rng.Intn(m)]
				}
				// Other slices (same values): a full SetData, same matrix.
				pv := append([]float64(nil), v.P...)
				k.SetActiveRows(v.A, active)
				k.ResetTo(pv, v.A, 0, dx)
				if !sameSlice(k.srcPV, pv) {
					t.Fatal("ResetTo with another P slice did not SetData")
				}
				// SetARow changes values ResetTo does not track.
				k.SetARow(0, v.A, 0.5, k.rowE[k.rowPtr[0]:k.rowPtr[1]])
				k.ResetTo(pv, v.A, 0, dx)
				for i := range k.kv {
					if math.Float64bits(k.kv[i]) != math.Float64bits(ref.kv[i]) {
						t.Fatalf("after SetARow: value %d is %g after ResetTo, SetData writes %g", i, k.kv[i], ref.kv[i])
					}
				}
			})
		}
	}
}
