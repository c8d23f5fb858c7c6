package diff

import (
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/rangeqp"
)

// warmRowForm enables the row form of A in the warm-started LPGD solves (a
// variable for the tests, which compare with the column products).
var warmRowForm = true

// aRows is one sample's A by rows (rangeqp.Rows), gathered once per
// backward pass (warmBase) and shared by both sides of central LPGD: the
// products of the active-set path (two per pivot, with every row) read the
// general rows and the bounds' values instead of the full pattern.
type aRows = rangeqp.Rows

// warmMulA is y += alpha·A x with the row form when built, else by columns.
func (w *Workspace) warmMulA(v *problem.Values, y, x []float64, alpha float64) {
	if w.warm != nil && w.warm.rowsA.OK {
		w.warm.rowsA.MulA(y, x, alpha)
		return
	}
	w.an.St.MulA(y, v.A, x, alpha)
}

// warmMulAT is y += alpha·Aᵀx with the row form when built, else by columns.
func (w *Workspace) warmMulAT(v *problem.Values, y, x []float64, alpha float64) {
	if w.warm != nil && w.warm.rowsA.OK {
		w.warm.rowsA.MulAT(y, x, alpha)
		return
	}
	w.an.St.MulAT(y, v.A, x, alpha)
}
