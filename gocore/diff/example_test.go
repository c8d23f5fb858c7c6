package diff_test

import (
	"fmt"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// Gradient of L = x₁ at the solution of min ½‖x‖² − x₁ − x₂ s.t.
// x₁ + x₂ = 1, x ≥ 0, with respect to c: x₁ = ½ + (c₂ − c₁)/2, so
// ∂L/∂c = (−½, ½), by the kkt pass and by LPGD (central, exact here).
func ExampleWorkspace_Backward() {
	st, _ := problem.NewDenseStructure(2, 3, problem.Cones{Zero: 1, Nonneg: 2}, true)
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: []float64{-1, -1}, A: make([]float64, st.A.Nnz()), B: []float64{1, 0, 0}}
	st.GatherDenseP(v.P, []float64{1, 0, 0, 1})
	st.GatherDenseA(v.A, []float64{1, 1, -1, 0, 0, -1})
	an, _ := kkt.Analyse(st, ipm.LinearAuto)
	slv, _ := ipm.NewSolver(an, ipm.DefaultSettings())
	sol := diff.Solution{X: make([]float64, 2), Y: make([]float64, 3), S: make([]float64, 3)}
	slv.Solve(v, &ipm.Result{X: sol.X, Y: sol.Y, S: sol.S})
	ws, _ := diff.NewWorkspace(an, ipm.DefaultSettings())
	for _, m := range []diff.Method{diff.MethodKKT, diff.MethodLPGD} {
		opt := diff.DefaultOptions()
		opt.Method, opt.Tau = m, 0.01
		g := diff.Grad{C: make([]float64, 2)}
		ws.Backward(v, sol, diff.Incoming{X: []float64{1, 0}}, &opt, &g)
		fmt.Printf("method %d: dc = (%.4f, %.4f)\n", m, g.C[0], g.C[1])
	}
	// Output:
	// method 0: dc = (-0.5000, 0.5000)
	// method 2: dc = (-0.5000, 0.5000)
}
