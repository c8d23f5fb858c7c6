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

// TestPairSolveSame: solving each step's constant and affine systems as
// a pair (kkt.System.SolvePair, SolveSecond) gives the solves of the two
// systems one after the other bit for bit: the same solutions, iteration
// counts, statuses and restarts on the BPQP study's QPs and ε-ridge LPs
// (odd and even sizes), the dense QP, box LP and QP families, cvxpy's
// form (DenseDual's extended x block: the one-vector fallback) and the
// power-cone and LMI families (the pair through other factorizations and
// the non-symmetric cones' scaling switch). On the BPQP and dense QP
// families most steps solve the pair together through DenseDual's
// two-vector kernels (kkt.System.PairKernelSolves: not merely a pair left
// for SolveSecond, which PairSolves counts); on the others none does.
func TestPairSolveSame(t *testing.T) {
	defer func(v bool) { noPairSolve = v }(noPairSolve)
	type family struct {
		name string
		st   *problem.Structure
		vs   []*problem.Values
		pair bool // most steps are expected to solve the pair together
	}
	var fams []family
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {37, 9}, {100, 20}} {
		for _, lp := range []bool{false, true} {
			f := family{name: fmt.Sprintf("bpqp lp=%v %dx%d", lp, sz[0], sz[1]), pair: true}
			for s := 0; s < 3; s++ {
				rng := rand.New(rand.NewSource(int64(sz[0] + sz[1] + s)))
				gen := testfam.BPQPQP
				if lp {
					gen = testfam.BPQPLP
				}
				P, c, A, b, cones := gen(rng, sz[0], sz[1])
				st, v := denseProblem(t, sz[0], P, c, A, b, cones)
				f.st, f.vs = st, append(f.vs, v)
			}
			fams = append(fams, f)
		}
	}
	for _, name := range []string{"qp10", "qp50", "boxlp100", "boxqp100", "cvxqp128", "pow100", "lmi12"} {
		bf := benchFamily(t, name, 2)
		fams = append(fams, family{name: name, st: bf.st, vs: bf.vs, pair: name == "qp10" || name == "qp50"})
	}
	for _, f := range fams {
		an, err := kkt.Analyse(f.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		one, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		two, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		iters := 0
		for i, v := range f.vs {
			ra := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
			rb := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
			noPairSolve = true
			one.Solve(v, ra)
			noPairSolve = false
			two.Solve(v, rb)
			if ra.Info != rb.Info {
				t.Fatalf("%s #%d: info %+v, one system at a time %+v", f.name, i, rb.Info, ra.Info)
			}
			for _, p := range [][2][]float64{{rb.X, ra.X}, {rb.Y, ra.Y}, {rb.S, ra.S}} {
				for j := range p[1] {
					if math.Float64bits(p[0][j]) != math.Float64bits(p[1][j]) {
						t.Fatalf("%s #%d: solution entry %d is %v, one system at a time %v", f.name, i, j, p[0][j], p[1][j])
					}
				}
			}
			iters += rb.Info.Iter
		}
		if one.KKT().PairSolves() != 0 {
			t.Fatalf("%s: %d pairs solved with pairs off", f.name, one.KKT().PairSolves())
		}
		if one.KKT().PairKernelSolves() != 0 {
			t.Fatalf("%s: %d pairs through the two-vector kernels with pairs off", f.name, one.KKT().PairKernelSolves())
		}
		// PairSolves counts the pairs left for SolveSecond, whatever
		// factorization served them; PairKernelSolves those whose passes
		// over the factor took both vectors together (DenseDual's pair
		// path), which the dense BPQP and QP families must use.
		got, kernel := two.KKT().PairSolves(), two.KKT().PairKernelSolves()
		t.Logf("%s: %d iterations, %d pairs, %d through the kernels", f.name, iters, got, kernel)
		if kernel > got {
			t.Fatalf("%s: %d pairs through the kernels of %d solved together", f.name, kernel, got)
		}
		if f.pair && 2*kernel < iters {
			t.Fatalf("%s: %d of %d iterations solved the pair in the two-vector kernels (%d pairs)", f.name, kernel, iters, got)
		}
		if !f.pair && kernel != 0 {
			t.Fatalf("%s: %d pairs through the two-vector kernels, want the one-vector fallback", f.name, kernel)
		}
	}
}
