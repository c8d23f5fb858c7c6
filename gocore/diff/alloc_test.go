package diff_test

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// allocProblem returns a feasible, bounded random problem of the given
// kind ("lp", "qp" or "soc") with dense patterns.
func allocProblem(t *testing.T, kind string) (*problem.Structure, *problem.Values) {
	t.Helper()
	rng := rand.New(rand.NewSource(5))
	const n = 6
	cones := problem.Cones{Zero: 1, Nonneg: 2 * n}
	if kind == "soc" {
		cones.SOC = []int{4, 3}
	}
	m := cones.Dim()
	st, err := problem.NewDenseStructure(n, m, cones, kind != "lp")
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: make([]float64, n), A: make([]float64, st.A.Nnz()), B: make([]float64, m)}
	if kind != "lp" {
		full := make([]float64, n*n)
		for i := 0; i < n; i++ {
			full[i*n+i] = 1 + rng.Float64()
		}
		st.GatherDenseP(v.P, full)
	}
	A := make([]float64, m*n)
	for j := 0; j < n; j++ {
		A[j] = 1 // equality row: Σx = 0.5
		A[(1+j)*n+j] = 1
		A[(1+n+j)*n+j] = -1 // box −1 ≤ x ≤ 1
	}
	v.B[0] = 0.5
	for i := 1; i <= 2*n; i++ {
		v.B[i] = 1
	}
	for i := 1 + 2*n; i < m; i++ {
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
		}
	}
	off := 1 + 2*n
	for _, q := range cones.SOC {
		v.B[off] = 10 // t-row: a wide cone around a feasible point
		off += q
	}
	st.GatherDenseA(v.A, A)
	for j := range v.C {
		v.C[j] = rng.NormFloat64()
	}
	return st, v
}

// TestNoAllocsAfterWarmup pins "Solve and Backward allocate nothing after
// warm-up" for LP, QP and SOC problems on the dense and the sparse path,
// for every backward method that applies.
func TestNoAllocsAfterWarmup(t *testing.T) {
	type method struct {
		name string
		opt  func(*diff.Options)
		soc  bool // applies to second-order cones
	}
	methods := []method{
		{"kkt", func(o *diff.Options) { o.Method = diff.MethodKKT }, true},
		{"bpqp", func(o *diff.Options) { o.Method = diff.MethodBPQP }, true},
		{"bpqp-admm", func(o *diff.Options) { o.Method, o.BPQPSolver = diff.MethodBPQP, diff.BPQPADMM }, false},
		{"lpgd", func(o *diff.Options) { o.Method = diff.MethodLPGD }, true},
		{"lpgd-full-resolve", func(o *diff.Options) { o.Method, o.FastPath = diff.MethodLPGD, false }, true},
	}
	for _, kind := range []string{"lp", "qp", "soc"} {
		for _, ls := range []ipm.LinearSolver{ipm.LinearDense, ipm.LinearSparse} {
			st, v := allocProblem(t, kind)
			an, err := kkt.Analyse(st, ls)
			if err != nil {
				t.Fatal(err)
			}
			set := ipm.DefaultSettings()
			set.LinearSolver = ls
			slv, err := ipm.NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := diff.NewWorkspace(an, set)
			if err != nil {
				t.Fatal(err)
			}
			n, m := st.N, st.M
			res := ipm.Result{X: make([]float64, n), Y: make([]float64, m), S: make([]float64, m)}
			name := kind + "/" + map[ipm.LinearSolver]string{ipm.LinearDense: "dense", ipm.LinearSparse: "sparse"}[ls]
			slv.Solve(v, &res)
			if res.Info.Status != ipm.StatusSolved {
				t.Fatalf("%s: status %v", name, res.Info.Status)
			}
			if a := testing.AllocsPerRun(5, func() { slv.Solve(v, &res) }); a != 0 {
				t.Errorf("%s: Solve allocates %v times per call", name, a)
			}
			sol := diff.Solution{X: res.X, Y: res.Y, S: res.S}
			in := diff.Incoming{X: make([]float64, n), Y: make([]float64, m), S: make([]float64, m)}
			for j := range in.X {
				in.X[j] = float64(j%3) - 1
			}
			in.Y[0], in.S[m-1] = 0.5, -0.25
			g := &diff.Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, n), A: make([]float64, st.A.Nnz()), B: make([]float64, m)}
			for _, me := range methods {
				if kind == "soc" && !me.soc {
					continue
				}
				opt := diff.DefaultOptions()
				me.opt(&opt)
				if _, err := ws.Backward(v, sol, in, &opt, g); err != nil {
					t.Fatalf("%s %s: %v", name, me.name, err)
				}
				if a := testing.AllocsPerRun(5, func() { _, _ = ws.Backward(v, sol, in, &opt, g) }); a != 0 {
					t.Errorf("%s %s: Backward allocates %v times per call", name, me.name, a)
				}
			}
		}
	}
}
