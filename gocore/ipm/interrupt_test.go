package ipm

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// TestInterruptAndTimeLimit: a cancelled or expired solve stops with its
// status, and the same workspace solves normally afterwards.
func TestInterruptAndTimeLimit(t *testing.T) {
	tc := stallCases[2]
	st, v := denseProblem(t, tc.n, tc.P, tc.c, tc.A, tc.b, problem.Cones{Zero: tc.p, Nonneg: tc.m})
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	var cancel atomic.Bool
	cancel.Store(true)
	tests := []struct {
		name string
		intr Interrupt
		set  func(*Settings)
		want Status
	}{
		{"cancel", Interrupt{Cancel: &cancel}, nil, StatusInterrupted},
		{"call-deadline", Interrupt{Deadline: time.Now().Add(-time.Second)}, nil, StatusTimeLimit},
		{"time-limit", Interrupt{}, func(s *Settings) { s.TimeLimit = 1e-12 }, StatusTimeLimit},
		{"none", Interrupt{}, nil, StatusSolved},
		{"cancel-not-set", Interrupt{Cancel: new(atomic.Bool), Deadline: time.Now().Add(time.Hour)}, func(s *Settings) { s.TimeLimit = 3600 }, StatusSolved},
	}
	for _, tc := range tests {
		set := DefaultSettings()
		if tc.set != nil {
			tc.set(&set)
		}
		if err := w.SetSettings(set); err != nil {
			t.Fatal(err)
		}
		w.SetInterrupt(tc.intr)
		w.Solve(v, res)
		if res.Info.Status != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, res.Info.Status, tc.want)
		}
		if got := tc.intr.Stopped(); (got != StatusUnsolved) != (tc.want == StatusInterrupted || tc.name == "call-deadline") {
			t.Errorf("%s: Interrupt.Stopped() = %v", tc.name, got)
		}
	}
	for _, bad := range []float64{-1, 1 / zero(), -1 / zero()} {
		set := DefaultSettings()
		set.TimeLimit = bad
		if set.Validate() == nil {
			t.Errorf("time_limit %v accepted", bad)
		}
	}
}

func zero() float64 { return 0 }
