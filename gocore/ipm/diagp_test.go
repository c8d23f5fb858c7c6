package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// diagPFamily builds count instances of a family for TestDiagonalPSame and
// says whether its scaled P has zero off-diagonal values.
type diagPFamily struct {
	name  string
	diag  bool
	build func(rng *rand.Rand) (*problem.Structure, *problem.Values)
}

func diagPFamilies(t *testing.T) []diagPFamily {
	bpqp := func(lp bool, n, k int) func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
		return func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			gen := testfam.BPQPQP
			if lp {
				gen = testfam.BPQPLP
			}
			P, c, A, b, cones := gen(rng, n, k)
			return denseProblem(t, n, P, c, A, b, cones)
		}
	}
	var out []diagPFamily
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}, {500, 100}} {
		n, k := sz[0], sz[1]
		out = append(out,
			diagPFamily{fmt.Sprintf("bpqp-lp%dx%d", n, k), true, bpqp(true, n, k)},
			diagPFamily{fmt.Sprintf("bpqp-qp%dx%d", n, k), false, bpqp(false, n, k)})
	}
	out = append(out,
		diagPFamily{"boxlp100", true, func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			c, A, b, cones := testfam.BoxLP(rng, 100, 50, 10)
			return denseProblem(t, 100, nil, c, A, b, cones)
		}},
		diagPFamily{"boxqp100", false, func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			P, c, A, b, cones := testfam.BoxQP(rng, 100, 50, 10)
			return denseProblem(t, 100, P, c, A, b, cones)
		}},
		diagPFamily{"qp30", false, func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			P, c, A, b, cones := testfam.DenseQP(rng, 30, 30, 6)
			return denseProblem(t, 30, P, c, A, b, cones)
		}},
		// A dense QP's P with its off-diagonal values set to zero, some
		// of them −0: a diagonal QP given dense.
		diagPFamily{"diagqp30", true, func(rng *rand.Rand) (*problem.Structure, *problem.Values) {
			P, c, A, b, cones := testfam.DenseQP(rng, 30, 30, 6)
			for i := 0; i < 30; i++ {
				for j := 0; j < 30; j++ {
					if i != j {
						P[i*30+j] = math.Copysign(0, float64(rng.Intn(2)*2-1))
					}
				}
			}
			return denseProblem(t, 30, P, c, A, b, cones)
		}},
	)
	return out
}

// The diagonal product of P̃ (diagP) is taken exactly when P's
// off-diagonal values are zero, and the solutions (x, y, s, iterations,
// status, objective) are those of the general product bit for bit, on the
// BPQP study's LPs and QPs and the repository's LP/QP families, with the
// equilibration on (P's compacted nonzeros decide) and off (a scan of the
// values decides), each solver solving its family's instances in turn.
func TestDiagonalPSame(t *testing.T) {
	for _, fam := range diagPFamilies(t) {
		for _, equil := range []bool{true, false} {
			if !equil && fam.name == "bpqp-lp500x100" {
				continue // without the equilibration it is slow to converge
			}
			t.Run(fmt.Sprintf("%s/equil=%v", fam.name, equil), func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(len(fam.name))))
				count := 3
				if fam.name == "bpqp-lp500x100" || fam.name == "bpqp-qp500x100" {
					count = 1
				}
				var st *problem.Structure
				var vs []*problem.Values
				for i := 0; i < count; i++ {
					s, v := fam.build(rng)
					st, vs = s, append(vs, v)
				}
				set := DefaultSettings()
				set.Equilibrate = equil
				ws := solverPair(t, st, set)
				ws[1].noDiagP = true
				for i, v := range vs {
					var res [2]*Result
					for r, w := range ws {
						res[r] = &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
						w.Solve(v, res[r])
					}
					if ws[0].diagP != fam.diag || ws[1].diagP {
						t.Fatalf("instance %d: diagonal product %v (general solver %v), want %v", i, ws[0].diagP, ws[1].diagP, fam.diag)
					}
					if ws[0].origDiagP != fam.diag || ws[1].origDiagP {
						t.Fatalf("instance %d: caller's P diagonal %v (general solver %v), want %v", i, ws[0].origDiagP, ws[1].origDiagP, fam.diag)
					}
					a, b := res[0], res[1]
					if a.Info.Status != b.Info.Status || a.Info.Iter != b.Info.Iter {
						t.Fatalf("instance %d: status %v/%v iterations %d/%d", i, a.Info.Status, b.Info.Status, a.Info.Iter, b.Info.Iter)
					}
					ia := []float64{a.Info.PObj, a.Info.DObj, a.Info.ResPrimal, a.Info.ResDual, a.Info.GapAbs}
					ib := []float64{b.Info.PObj, b.Info.DObj, b.Info.ResPrimal, b.Info.ResDual, b.Info.GapAbs}
					for _, p := range [][2][]float64{{a.X, b.X}, {a.Y, b.Y}, {a.S, b.S}, {ia, ib}} {
						for j := range p[0] {
							if math.Float64bits(p[0][j]) != math.Float64bits(p[1][j]) {
								t.Fatalf("instance %d: entry %d %v, general product %v", i, j, p[0][j], p[1][j])
							}
						}
					}
				}
			})
		}
	}
}

// TestDiagonalPUnderflow: a P whose off-diagonal values are nonzero but
// underflow to zero when equilibrated (1e-320 beside a diagonal of 1e8,
// whose column scaling is clamped at 1e-4) has a diagonal P̃ (diagP)
// while the caller's P is not diagonal: the termination tests' product
// with the caller's P takes the general product (origDiagP false), and
// the solutions are those of the general products bit for bit.
func TestDiagonalPUnderflow(t *testing.T) {
	const n = 6
	rng := rand.New(rand.NewSource(7))
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			P[i*n+j] = 1e-320
		}
		P[i*n+i] = 1e8
	}
	A := make([]float64, 2*n*n)
	b := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		A[i*n+i], A[(n+i)*n+i] = 1, -1
		b[i], b[n+i] = 1, 1
	}
	c := make([]float64, n)
	for i := range c {
		c[i] = 1e8 * rng.NormFloat64()
	}
	st, v := denseProblem(t, n, P, c, A, b, problem.Cones{Nonneg: 2 * n})
	an, err := kkt.Analyse(st, DefaultSettings().LinearSolver)
	if err != nil {
		t.Fatal(err)
	}
	var ws [2]*Solver
	var res [2]*Result
	for i := range ws {
		if ws[i], err = NewSolver(an, DefaultSettings()); err != nil {
			t.Fatal(err)
		}
		ws[i].noDiagP = i == 1
		res[i] = &Result{X: make([]float64, n), Y: make([]float64, 2*n), S: make([]float64, 2*n)}
		ws[i].Solve(v, res[i])
	}
	if !ws[0].diagP || ws[0].origDiagP {
		t.Fatalf("diagP %v origDiagP %v, want true, false (the off-diagonal values underflow)", ws[0].diagP, ws[0].origDiagP)
	}
	if !res[0].Info.Status.OK() {
		t.Fatalf("status %v", res[0].Info.Status)
	}
	sameResult(t, "underflowed P", res[0], res[1])
}

// solverPair analyses st once and returns two solvers on it with settings
// set: the differential tests switch one path off in the second.
func solverPair(t *testing.T, st *problem.Structure, set Settings) [2]*Solver {
	t.Helper()
	an, err := kkt.Analyse(st, set.LinearSolver)
	if err != nil {
		t.Fatal(err)
	}
	var ws [2]*Solver
	for i := range ws {
		if ws[i], err = NewSolver(an, set); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}
