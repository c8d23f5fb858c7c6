package kkt

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// pairCase builds a factored system and two right-hand sides; it is
// called twice per case (two identical systems).
type pairCase struct {
	name  string
	build func(t *testing.T) (*System, []float64, []float64)
	pair  bool // the pair is expected to be solved together (most cases)
	// kernel: SolvePair's first pass takes both vectors together
	// (DenseDual's two-vector path: linsys.PairCounter advances); pend:
	// the second solve is then left for SolveSecond (no refactorization
	// in the first's checks). Checked where check is set.
	check, kernel, pend bool
	// between runs between SolvePair and SolveSecond (both systems);
	// paired, when set, checks the pair's system after SolvePair.
	between, paired func(t *testing.T, k *System)
}

// bpqpSystem is the KKT system of the BPQP study's dense QP or ε-ridge LP
// (testfam) at a random interior scaling, factored, and two right-hand
// sides.
func bpqpSystem(t *testing.T, n, m int, lp bool, seed int64) (*System, []float64, []float64) {
	return bpqpSystemP(t, n, m, lp, seed, 1)
}

// bpqpSystemP is bpqpSystem with P scaled by ps: at ps = 1.5e-6 (seed 7,
// 50×10) the first solve's DenseDual form (δ = 0) misses its residual
// tolerance and the system refactors in a regularized form (δ = 1e-8); at
// ps = 1e-9 it then also lowers δ (settle).
func bpqpSystemP(t *testing.T, n, m int, lp bool, seed int64, ps float64) (*System, []float64, []float64) {
	rng := rand.New(rand.NewSource(seed))
	gen := testfam.BPQPQP
	if lp {
		gen = testfam.BPQPLP
	}
	P, c, A, b, cones := gen(rng, n, m)
	for i := range P {
		P[i] *= ps
	}
	st, v := denseProblem(t, n, P, c, A, b, cones)
	k := newSystem(t, st, LinearAuto)
	k.SetData(v.P, v.A, 0)
	s, z := make([]float64, st.M), make([]float64, st.M)
	for i := cones.Zero; i < st.M; i++ {
		s[i] = math.Pow(10, 6*rng.Float64()-3)
		z[i] = math.Pow(10, 6*rng.Float64()-3)
	}
	k.SetScaling(s, z)
	if err := k.Factor(); err != nil {
		t.Fatal(err)
	}
	r1, r2 := make([]float64, n+st.M), make([]float64, n+st.M)
	for i := range r1 {
		r1[i] = rng.NormFloat64()
		r2[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
	}
	return k, r1, r2
}

// TestSolvePair: SolvePair followed by SolveSecond gives each system the
// bits Solve gives it one system at a time, leaves the same refinement
// results and factorization state — on the BPQP study's QP and ε-ridge LP
// systems of odd and even orders (DenseDual: solved together), a third-
// difference QP whose first solve lowers δ (a refactorization between: the
// second is solved again, as Solve would) or keeps it, with a
// factorization or other slices between the two calls, and with no
// refinement allowed. The dense cases go through DenseDual's two-vector
// path (linsys.PairCounter) and then meet each invalidation of the
// pending second solve: the first solve refactoring (fast form refused;
// that and δ lowered), a factorization of new values or of the next form
// between the calls, other slices.
func TestSolvePair(t *testing.T) {
	var cases []pairCase
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {37, 9}, {100, 20}} {
		for _, lp := range []bool{false, true} {
			sz, lp := sz, lp
			cases = append(cases, pairCase{name: "bpqp", pair: true, build: func(t *testing.T) (*System, []float64, []float64) {
				return bpqpSystem(t, sz[0], sz[1], lp, int64(sz[0]+sz[1]))
			}})
		}
	}
	cases = append(cases,
		pairCase{name: "bpqp, Factor between", pair: true,
			build: func(t *testing.T) (*System, []float64, []float64) { return bpqpSystem(t, 50, 10, false, 3) },
			between: func(t *testing.T, k *System) {
				if err := k.Factor(); err != nil {
					t.Fatal(err)
				}
			}},
		pairCase{name: "bpqp, no refinement", pair: true,
			build: func(t *testing.T) (*System, []float64, []float64) {
				k, r1, r2 := bpqpSystem(t, 51, 11, false, 5)
				k.SetRegularization(k.delta, 0)
				return k, r1, r2
			}},
		// The dense (DenseDual) form through the pair, then each way the
		// pending second solve is invalidated: a refactorization in the
		// first's checks (the fast form refused; that and δ lowered), a
		// Factor of other values between the calls, the next form
		// factored between (other slices: every case's second run).
		pairCase{name: "dense, fast form refused in the first solve", check: true, kernel: true,
			build: func(t *testing.T) (*System, []float64, []float64) { return bpqpSystemP(t, 50, 10, false, 7, 1.5e-6) },
			paired: func(t *testing.T, k *System) {
				if k.fastUsed() || k.dUsed != 1e-8 {
					t.Fatalf("fast form %v, δ %g after the first solve; want the regularized form, δ 1e-8", k.fastUsed(), k.dUsed)
				}
			}},
		pairCase{name: "dense, δ lowered in the first solve", check: true, kernel: true,
			build: func(t *testing.T) (*System, []float64, []float64) { return bpqpSystemP(t, 50, 10, false, 7, 1e-9) },
			paired: func(t *testing.T, k *System) {
				if k.fastUsed() || !(k.dUsed > 0 && k.dUsed < 1e-8) {
					t.Fatalf("fast form %v, δ %g after the first solve; want δ lowered", k.fastUsed(), k.dUsed)
				}
			}},
		pairCase{name: "dense, new scaling factored between", check: true, kernel: true, pend: true,
			build: func(t *testing.T) (*System, []float64, []float64) { return bpqpSystem(t, 37, 9, false, 11) },
			between: func(t *testing.T, k *System) {
				rng := rand.New(rand.NewSource(12))
				s, z := make([]float64, k.an.St.M), make([]float64, k.an.St.M)
				for i := 9; i < len(s); i++ { // after the 9 equality rows
					s[i] = math.Pow(10, 4*rng.Float64()-2)
					z[i] = math.Pow(10, 4*rng.Float64()-2)
				}
				k.SetScaling(s, z)
				if err := k.Factor(); err != nil {
					t.Fatal(err)
				}
			}},
		pairCase{name: "dense, next form factored between", check: true, kernel: true, pend: true,
			build: func(t *testing.T) (*System, []float64, []float64) { return bpqpSystem(t, 50, 10, false, 13) },
			between: func(t *testing.T, k *System) {
				// settle's step to the next form (DenseDual is form 0).
				k.escalate()
				if err := k.Factor(); err != nil {
					t.Fatal(err)
				}
				if k.tier.Tier() != 1 {
					t.Fatalf("form %d after the escalation, want 1", k.tier.Tier())
				}
			}},
		pairCase{name: "third difference, δ lowered", build: func(t *testing.T) (*System, []float64, []float64) {
			k, r1, _ := thirdDiffSystem(t, 100, 1e-12, 1)
			_, r2, _ := thirdDiffSystem(t, 100, 1e-12, 2)
			return k, r1, r2
		}},
		pairCase{name: "third difference, H = 1", build: func(t *testing.T) (*System, []float64, []float64) {
			k, r1, _ := thirdDiffSystem(t, 60, 1, 1)
			_, r2, _ := thirdDiffSystem(t, 60, 1, 2)
			return k, r1, r2
		}},
	)
	paired := 0 // the cases solved together (a first solve that refactors leaves the second to Solve)
	for _, tc := range cases {
		for _, other := range []bool{false, true} {
			one, r1, r2 := tc.build(t)
			two, _, _ := tc.build(t)
			w1, w2 := make([]float64, len(r1)), make([]float64, len(r1))
			ok1 := one.Solve(r1, w1)
			res1, rel1, short1 := one.res, one.rel, one.short
			if tc.between != nil {
				tc.between(t, one)
			}
			ok2 := one.Solve(r2, w2)
			g1, g2 := make([]float64, len(r1)), make([]float64, len(r1))
			before := two.pairPathSolves()
			if got := two.SolvePair(r1, g1, r2, g2); got != ok1 {
				t.Fatalf("%s: SolvePair reports %v, Solve %v", tc.name, got, ok1)
			}
			kernel := two.pairPathSolves() > before
			if tc.paired != nil {
				tc.paired(t, two)
			}
			if tc.check && (kernel != tc.kernel || two.pend.ok != tc.pend) {
				t.Fatalf("%s: two-vector path %v, pending %v; want %v, %v", tc.name, kernel, two.pend.ok, tc.kernel, tc.pend)
			}
			if want := b2i(two.pend.ok && kernel); two.PairKernelSolves() != want || two.PairSolves() != b2i(two.pend.ok) {
				t.Fatalf("%s: PairKernelSolves %d (want %d), PairSolves %d (pending %v)", tc.name, two.PairKernelSolves(), want, two.PairSolves(), two.pend.ok)
			}
			if one.pairPathSolves() != 0 || one.PairKernelSolves() != 0 {
				t.Fatalf("%s: one system at a time counted %d two-vector solves", tc.name, one.pairPathSolves())
			}
			if two.res != res1 || two.rel != rel1 || two.short != short1 {
				t.Fatalf("%s: first refinement (%g %g %v), one at a time (%g %g %v)", tc.name, two.res, two.rel, two.short, res1, rel1, short1)
			}
			if tc.pair && two.pend.ok && two.pend.solvesPair == 1 && kernel {
				paired++
			}
			if tc.between != nil {
				tc.between(t, two)
			}
			second := g2
			if other {
				// Other slices: a Solve of its own (same values).
				second = make([]float64, len(r2))
				r2 = append([]float64(nil), r2...)
			}
			if got := two.SolveSecond(r2, second); got != ok2 {
				t.Fatalf("%s: SolveSecond reports %v, Solve %v", tc.name, got, ok2)
			}
			sameBits(t, tc.name+" first", g1, w1)
			sameBits(t, tc.name+" second", second, w2)
			if two.res != one.res || two.rel != one.rel || two.short != one.short {
				t.Fatalf("%s: second refinement (%g %g %v), one at a time (%g %g %v)", tc.name, two.res, two.rel, two.short, one.res, one.rel, one.short)
			}
			if two.FactorState() != one.FactorState() || two.dUsed != one.dUsed || two.facGen != one.facGen {
				t.Fatalf("%s: factorization state %+v δ %g, one at a time %+v δ %g", tc.name, two.FactorState(), two.dUsed, one.FactorState(), one.dUsed)
			}
			if two.pend.ok {
				t.Fatalf("%s: a pair still pending after SolveSecond", tc.name)
			}
		}
	}
	if want := 12; paired < want {
		t.Fatalf("%d cases solved together, want at least %d", paired, want)
	}
}

// sameBits fails unless got and want hold the same bits.
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: entry %d is %v, one system at a time %v", what, i, got[i], want[i])
		}
	}
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
