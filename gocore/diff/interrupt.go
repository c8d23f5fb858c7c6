package diff

import (
	"errors"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// ErrStopped is wrapped by the error of a backward pass stopped by its
// interrupt (cancel flag, call deadline or Settings.TimeLimit).
var ErrStopped = errors.New("diff: backward pass stopped")

// StoppedError reports a backward pass stopped by its interrupt; Status is
// ipm.StatusInterrupted or ipm.StatusTimeLimit (the per-sample status the
// C ABI reports for it).
type StoppedError struct {
	Status ipm.Status
}

// Error implements error.
func (e *StoppedError) Error() string { return "backward pass stopped: " + e.Status.String() }

// Unwrap returns ErrStopped.
func (e *StoppedError) Unwrap() error { return ErrStopped }

// SetInterrupt sets the interrupt of the following Backward calls (the zero
// value removes it): the same cancel flag and call deadline as the forward
// solves (issue 14). Settings.TimeLimit bounds each Backward call on top of
// it. A backward pass polls them before its factorization, between LPGD's
// perturbed solves, in every iteration of those solves and of BPQP's ADMM,
// and returns a *StoppedError once one has fired.
func (w *Workspace) SetInterrupt(it ipm.Interrupt) { w.intr = it }

// SetPDiagonal declares (true) that the values of the following Backward
// calls have a diagonal P: every off-diagonal value ±0, as the caller's
// own gather found them (the C ABI's GatherDensePDiagonal). Backward then
// skips its scan of P's values (diagonalP) and takes the diagonal forms
// directly. The declaration must hold: a wrong one makes the products
// with P and the x-eliminated factorization wrong. false (the zero value)
// restores the scan.
func (w *Workspace) SetPDiagonal(diag bool) { w.pDiag = diag }

// PDiagonal reports the declaration SetPDiagonal last made (false when
// none).
func (w *Workspace) PDiagonal() bool { return w.pDiag }

// startInterrupt fixes the interrupt of one Backward call: the caller's,
// with its deadline moved up to now + Settings.TimeLimit when that is
// earlier.
func (w *Workspace) startInterrupt() {
	w.cur = w.intr
	if w.set.TimeLimit > 0 {
		d := time.Now().Add(time.Duration(w.set.TimeLimit * float64(time.Second)))
		if w.cur.Deadline.IsZero() || d.Before(w.cur.Deadline) {
			w.cur.Deadline = d
		}
	}
}

// stopped returns a *StoppedError when the current interrupt has fired.
func (w *Workspace) stopped() error {
	if st := w.cur.Stopped(); st != ipm.StatusUnsolved {
		return &StoppedError{Status: st}
	}
	return nil
}
