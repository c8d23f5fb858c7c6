package ipm

import (
	"sync/atomic"
	"time"
)

// Interrupt lets a caller stop running solves from outside (issue 14):
// Deadline (zero: none) ends them with StatusTimeLimit and Cancel (nil:
// none), once set to true, with StatusInterrupted. Both are checked once per
// iteration, so a solve stops within one iteration (one KKT factorization).
type Interrupt struct {
	Deadline time.Time
	Cancel   *atomic.Bool
}

// SetInterrupt sets the interrupt of the following solves (the zero value
// removes it).
func (w *Solver) SetInterrupt(it Interrupt) { w.intr = it }

// Stopped returns StatusInterrupted or StatusTimeLimit when the interrupt
// has fired (the batch layer skips the samples not started yet), and
// StatusUnsolved otherwise.
func (it Interrupt) Stopped() Status {
	if it.Cancel != nil && it.Cancel.Load() {
		return StatusInterrupted
	}
	if !it.Deadline.IsZero() && time.Now().After(it.Deadline) {
		return StatusTimeLimit
	}
	return StatusUnsolved
}

// startClock records the start of a solve and its per-solve deadline.
func (w *Solver) startClock() {
	w.deadline = time.Time{}
	if w.set.TimeLimit > 0 {
		w.deadline = time.Now().Add(time.Duration(w.set.TimeLimit * float64(time.Second)))
	}
}

// stopRequested returns StatusInterrupted or StatusTimeLimit when the
// solve must stop now, StatusUnsolved otherwise.
func (w *Solver) stopRequested() Status {
	if c := w.intr.Cancel; c != nil && c.Load() {
		return StatusInterrupted
	}
	if w.deadline.IsZero() && w.intr.Deadline.IsZero() {
		return StatusUnsolved
	}
	now := time.Now()
	if !w.deadline.IsZero() && now.After(w.deadline) || !w.intr.Deadline.IsZero() && now.After(w.intr.Deadline) {
		return StatusTimeLimit
	}
	return StatusUnsolved
}
