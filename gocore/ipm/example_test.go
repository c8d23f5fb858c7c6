package ipm_test

import (
	"fmt"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// Solve min ½‖x‖² − x₁ − x₂ subject to x₁ + x₂ = 1 and x ≥ 0.
func ExampleSolver() {
	st, _ := problem.NewDenseStructure(2, 3, problem.Cones{Zero: 1, Nonneg: 2}, true)
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: []float64{-1, -1}, A: make([]float64, st.A.Nnz()), B: []float64{1, 0, 0}}
	st.GatherDenseP(v.P, []float64{1, 0, 0, 1})
	st.GatherDenseA(v.A, []float64{1, 1, -1, 0, 0, -1}) // rows: x₁+x₂ = 1, −x ≤ 0
	an, _ := kkt.Analyse(st, ipm.LinearAuto)
	slv, _ := ipm.NewSolver(an, ipm.DefaultSettings())
	res := &ipm.Result{X: make([]float64, 2), Y: make([]float64, 3), S: make([]float64, 3)}
	slv.Solve(v, res)
	fmt.Printf("%s x=(%.4f, %.4f) y_eq=%.4f obj=%.4f\n", res.Info.Status, res.X[0], res.X[1], res.Y[0], res.Info.PObj)
	// Output: solved x=(0.5000, 0.5000) y_eq=0.5000 obj=-0.7500
}
