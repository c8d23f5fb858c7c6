package diff

import (
	"errors"
	"math/rand"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// TestBackwardInterrupt: every backward method stops with the forward's
// statuses once the cancel flag, the call deadline or Settings.TimeLimit
// has fired (zeroed gradient, *StoppedError), and the same workspace
// computes the same gradient as before once the interrupt is removed.
func TestBackwardInterrupt(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	P, c, A, b, cones := randomQP(rng, 6, 1, 6)
	f := newFixture(t, 6, P, c, A, b, cones)
	in := Incoming{X: randVec(rng, 6)}
	methods := map[string]func(*Options){
		"kkt":       func(o *Options) {},
		"bpqp":      func(o *Options) { o.Method = MethodBPQP },
		"bpqp-admm": func(o *Options) { o.Method, o.BPQPSolver = MethodBPQP, BPQPADMM },
		"lpgd":      func(o *Options) { o.Method = MethodLPGD },
		"lpgd-ipm":  func(o *Options) { o.Method, o.FastPath = MethodLPGD, false },
	}
	var cancelled atomic.Bool
	cancelled.Store(true)
	stops := []struct {
		name      string
		intr      ipm.Interrupt
		timeLimit float64
		want      ipm.Status
	}{
		{"cancel", ipm.Interrupt{Cancel: &cancelled}, 0, ipm.StatusInterrupted},
		{"call-deadline", ipm.Interrupt{Deadline: time.Now().Add(-time.Second)}, 0, ipm.StatusTimeLimit},
		{"time-limit", ipm.Interrupt{}, 1e-12, ipm.StatusTimeLimit},
	}
	for name, set := range methods {
		opt := DefaultOptions()
		set(&opt)
		ref := f.grad(t, in, opt)
		for _, stop := range stops {
			s := tightSettings()
			s.TimeLimit = stop.timeLimit
			if err := f.ws.SetSettings(s); err != nil {
				t.Fatal(err)
			}
			f.ws.SetInterrupt(stop.intr)
			g := &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, 6), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
			_, err := f.ws.Backward(f.v, f.sol, in, &opt, g)
			var se *StoppedError
			if !errors.As(err, &se) || !errors.Is(err, ErrStopped) || se.Status != stop.want {
				t.Errorf("%s/%s: err %v, want a StoppedError with %v", name, stop.name, err, stop.want)
			}
			if normInf(g.C) != 0 || normInf(g.B) != 0 {
				t.Errorf("%s/%s: gradient not zeroed", name, stop.name)
			}
		}
		// A pending deadline, an unset flag and a generous limit change nothing.
		s := tightSettings()
		s.TimeLimit = 3600
		if err := f.ws.SetSettings(s); err != nil {
			t.Fatal(err)
		}
		f.ws.SetInterrupt(ipm.Interrupt{Cancel: new(atomic.Bool), Deadline: time.Now().Add(time.Hour)})
		if got := f.grad(t, in, opt); gradErr(got, ref) != 0 {
			t.Errorf("%s: gradient changed under an unfired interrupt (%g)", name, gradErr(got, ref))
		}
		f.ws.SetInterrupt(ipm.Interrupt{})
		if err := f.ws.SetSettings(tightSettings()); err != nil {
			t.Fatal(err)
		}
	}
}
