package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// randPSDInterior returns svec(X) (the PSD cone's order: lower triangle
// column by column, off-diagonal entries times √2) of a random X ≻ 0 whose
// eigenvalues spread over about 1/spread … 1.
func randPSDInterior(rng *rand.Rand, d int, spread float64) []float64 {
	g := make([]float64, d*d)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	x := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			for k := 0; k < d; k++ {
				x[i*d+j] += g[i*d+k] * g[j*d+k] * math.Pow(spread, -float64(k)/float64(d))
			}
		}
		x[i*d+i] += 1e-3
	}
	var v []float64
	for j := 0; j < d; j++ {
		for i := j; i < d; i++ {
			if i == j {
				v = append(v, x[i*d+i])
			} else {
				v = append(v, math.Sqrt2*x[i*d+j])
			}
		}
	}
	return v
}

// The reduced form (reduced.go) solves the interior-point systems of
// problems dominated by PSD rows to the same solutions as the full form
// (SetFastAllowed(false)): table of cone lists (one or two PSD blocks,
// with zero and second-order rows left in S, with and without P, the
// largest-eigenvalue LMI's shape), random data and random interior
// scalings from well centred to spread over 1e8, identity scaling
// included. It must serve them (TierStats.Fast), meet the refinement
// tolerance and agree with the full form to 1e-9 relative; where the PSD
// rows are too few (ratio below reducedMinRatio), nonnegative rows bring
// the tiered forms, or the H is the tangent refinement's, the full form
// serves.
func TestReducedMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		name    string
		n       int
		cones   []cone.Spec
		withP   bool
		reduced bool
	}{
		{"lmi", 1, []cone.Spec{{Kind: cone.KindPSD, Dim: 78}}, false, true},
		{"lmi P", 2, []cone.Spec{{Kind: cone.KindPSD, Dim: 21}}, true, true},
		{"mixed", 3, []cone.Spec{{Kind: cone.KindZero, Dim: 2}, {Kind: cone.KindPSD, Dim: 15}, {Kind: cone.KindSOC, Dim: 3}, {Kind: cone.KindPSD, Dim: 10}}, true, true},
		{"two blocks no P", 2, []cone.Spec{{Kind: cone.KindPSD, Dim: 6}, {Kind: cone.KindPSD, Dim: 10}}, false, true},
		// Nonnegative rows: the tiered (normal-equations) forms serve.
		{"with nonnegative rows", 3, []cone.Spec{{Kind: cone.KindNonneg, Dim: 2}, {Kind: cone.KindPSD, Dim: 15}}, true, false},
		{"too few PSD rows", 6, []cone.Spec{{Kind: cone.KindNonneg, Dim: 4}, {Kind: cone.KindPSD, Dim: 6}}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := 0
			for _, c := range tc.cones {
				m += c.Dim
			}
			n := tc.n
			var P []float64
			if tc.withP {
				P = make([]float64, n*n)
				for i := 0; i < n; i++ {
					P[i*n+i] = 1 + rng.Float64()
				}
			}
			A := make([]float64, m*n)
			for i := range A {
				A[i] = rng.NormFloat64()
			}
			pp := problem.EmptyPattern(n, n)
			if tc.withP {
				pp = problem.UpperPattern(n)
			}
			st, err := problem.New(n, m, tc.cones, pp, problem.DensePattern(m, n))
			if err != nil {
				t.Fatal(err)
			}
			pv := make([]float64, st.P.Nnz())
			if tc.withP {
				st.GatherDenseP(pv, P)
			}
			av := make([]float64, st.A.Nnz())
			st.GatherDenseA(av, A)
			an, err := Analyse(st, LinearDense)
			if err != nil {
				t.Fatal(err)
			}
			red, full := mustNew(t, an), mustNew(t, an)
			full.SetFastAllowed(false)
			if (red.red != nil) != tc.reduced {
				t.Fatalf("reduced form present %v, want %v", red.red != nil, tc.reduced)
			}
			for trial := 0; trial < 8; trial++ {
				spread := math.Pow(10, float64(trial))
				s, z := make([]float64, m), make([]float64, m)
				off := 0
				for _, c := range tc.cones {
					switch c.Kind {
					case cone.KindPSD:
						d := int(math.Round((math.Sqrt(float64(8*c.Dim+1)) - 1) / 2))
						copy(s[off:], randPSDInterior(rng, d, spread))
						copy(z[off:], randPSDInterior(rng, d, spread))
					case cone.KindSOC:
						s[off], z[off] = 3, 3
						for i := 1; i < c.Dim; i++ {
							s[off+i], z[off+i] = rng.Float64(), rng.Float64()
						}
					default:
						for i := 0; i < c.Dim; i++ {
							s[off+i], z[off+i] = 0.1+rng.Float64(), 0.1+rng.Float64()
						}
					}
					off += c.Dim
				}
				rhs := make([]float64, n+m)
				for i := range rhs {
					rhs[i] = rng.NormFloat64()
				}
				var sols [2][]float64
				for q, k := range []*System{red, full} {
					k.SetData(pv, av, 0)
					if trial == 0 {
						k.SetIdentityH()
					} else {
						k.SetScaling(s, z)
					}
					if err := k.Factor(); err != nil {
						t.Fatalf("trial %d: factor: %v", trial, err)
					}
					sol := make([]float64, n+m)
					if !k.Solve(rhs, sol) {
						t.Fatalf("trial %d: solve failed", trial)
					}
					if r := k.Residual(); r > 1e-10*math.Max(1, maxAbs(rhs)) {
						t.Errorf("trial %d form %d: residual %.1e", trial, q, r)
					}
					sols[q] = sol
				}
				if red.redUsed != tc.reduced {
					t.Errorf("trial %d: reduced form used %v, want %v", trial, red.redUsed, tc.reduced)
				}
				scale := math.Max(1, maxAbs(sols[1]))
				for i := range sols[0] {
					if d := math.Abs(sols[0][i] - sols[1][i]); d > 1e-9*scale {
						t.Fatalf("trial %d: entry %d reduced %.17g full %.17g", trial, i, sols[0][i], sols[1][i])
					}
				}
			}
			st0 := red.TierStats()
			if tc.reduced && (st0.Fast != 8 || st0.Escalations != 0) {
				t.Errorf("reduced form: %+v, want 8 factorizations and no fallback", st0)
			}
			// The tangent refinement's H: the full form.
			if tc.reduced {
				red.SetData(pv, av, 0)
				h := make([]float64, m)
				for i := range h {
					h[i] = 1
				}
				red.cones.SetIdentityScaling()
				red.SetProjectionH(make([]float64, m), h)
				if err := red.Factor(); err != nil {
					t.Fatal(err)
				}
				if red.redUsed {
					t.Error("the reduced form served a SetProjectionH system")
				}
			}
		})
	}
}

func mustNew(t *testing.T, an *Analysis) *System {
	t.Helper()
	k, err := New(an, 1e-8, 10)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// The reduced form's factorization and solve allocate nothing.
func TestReducedNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	st, err := problem.New(1, 21, []cone.Spec{{Kind: cone.KindPSD, Dim: 21}}, problem.EmptyPattern(1, 1), problem.DensePattern(21, 1))
	if err != nil {
		t.Fatal(err)
	}
	av := make([]float64, 21)
	for i := range av {
		av[i] = rng.NormFloat64()
	}
	an, err := Analyse(st, LinearDense)
	if err != nil {
		t.Fatal(err)
	}
	k := mustNew(t, an)
	s, z := randPSDInterior(rng, 6, 10), randPSDInterior(rng, 6, 10)
	rhs, sol := make([]float64, 22), make([]float64, 22)
	for i := range rhs {
		rhs[i] = rng.NormFloat64()
	}
	allocs := testing.AllocsPerRun(20, func() {
		k.SetData(nil, av, 0)
		k.SetScaling(s, z)
		if k.Factor() != nil || !k.Solve(rhs, sol) {
			t.Fatal("factor or solve failed")
		}
	})
	if !k.redUsed {
		t.Fatal("the reduced form did not serve")
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}
