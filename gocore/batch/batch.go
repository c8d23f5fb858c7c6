// Package batch runs per-sample work of a batched call over goroutines,
// each with a worker (the solver and workspace memory one goroutine needs)
// taken from a Pool that keeps workers across calls, so that a warm call
// allocates nothing.
//
// Samples are handed out one at a time to t goroutines; one of them is the
// calling goroutine, so a batch of one (or threads = 1) needs no other
// goroutine and runs without any synchronisation. A panic in the
// work for one sample is recovered, reported for that sample through
// Job.OnPanic, and its worker (whose memory may be inconsistent) is
// replaced by a new one; the other samples go on. The package knows nothing
// of C, of solvers or of the data: capi adapts caller memory to it.
package batch

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrInternal is wrapped by the error Run returns when a worker could not
// be made ready or a panic escaped the per-sample recovery (for example in
// Job.New).
var ErrInternal = errors.New("batch: internal error")

// PanicError is a recovered panic outside the work of a single sample.
type PanicError struct {
	Value any // the value passed to panic
}

// Error implements error.
func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (recovered panic in worker): %v", e.Value)
}

// Unwrap returns ErrInternal.
func (e *PanicError) Unwrap() error { return ErrInternal }

// Pool is a free list of workers of type W, safe for concurrent use. The
// zero value is an empty pool.
type Pool[W any] struct {
	mu   sync.Mutex
	free []W
}

// Len returns the number of idle workers in the pool.
func (p *Pool[W]) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// get removes an idle worker from the pool.
func (p *Pool[W]) get() (W, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var w W
	n := len(p.free)
	if n == 0 {
		return w, false
	}
	w = p.free[n-1]
	var zero W
	p.free[n-1] = zero
	p.free = p.free[:n-1]
	return w, true
}

// put returns a worker to the pool.
func (p *Pool[W]) put(w W) {
	p.mu.Lock()
	p.free = append(p.free, w)
	p.mu.Unlock()
}

// Job is one batched call.
type Job[W any] struct {
	// Batch is the number of samples (≥ 0; 0 does nothing).
	Batch int
	// Threads is the most goroutines used (values < 1 mean 1); never more
	// than Batch.
	Threads int
	// New makes a worker ready for this call (required).
	New func() (W, error)
	// Reset readies a pooled worker for this call (for example new
	// settings); nil when pooled workers need nothing. A worker whose Reset
	// fails is dropped.
	Reset func(W) error
	// Do is the work for sample k on worker w (required). Samples are
	// disjoint between goroutines: Do may write sample k's outputs freely.
	Do func(w W, k int)
	// OnPanic is called (on the goroutine that ran Do) with the sample and
	// the recovered value when Do panics; nil ignores the panic.
	OnPanic func(k int, r any)
}

// Run runs the job and returns when every sample is done. Per-sample
// panics go to OnPanic and do not make Run fail; the error is the first
// failure to make a worker ready (New or Reset) or a PanicError wrapping
// ErrInternal. A goroutine that cannot get a worker takes no samples: the
// others run them, and samples are left unrun only when no goroutine got
// one (or a failed New after a panic stopped the last one).
func (p *Pool[W]) Run(j Job[W]) error {
	if j.Batch <= 0 {
		return nil
	}
	t := j.Threads
	if t < 1 {
		t = 1
	}
	if t > j.Batch {
		t = j.Batch
	}
	if t == 1 {
		return p.serial(&j)
	}
	return p.threaded(j, t)
}

// threaded is Run over t ≥ 2 goroutines (its own copy of the job escapes to
// the goroutines; Run's does not, so the serial path allocates nothing).
func (p *Pool[W]) threaded(j Job[W], t int) error {
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	// Samples are handed out one at a time from a shared counter, not in
	// fixed ranges: their cost varies (an LPGD re-solve that changes many
	// rows, a polish retry), and a static split leaves a goroutine idle
	// while the other finishes its slow samples. Results do not depend on
	// which worker runs a sample (Do writes sample k's outputs only).
	var next atomic.Int64
	wg.Add(t)
	for g := t - 1; g >= 0; g-- {
		if g == 0 {
			p.drain(&j, &next, &wg, fail)
		} else {
			go p.drain(&j, &next, &wg, fail)
		}
	}
	wg.Wait()
	return firstErr
}

// serial is Run on the calling goroutine alone (one thread, or a batch of
// one: the per-instance calls of a layer): drain's work without the shared
// counter, the WaitGroup and the error's mutex, so that a warm call
// allocates nothing here. Samples run in order 0..Batch−1 on one worker,
// as drain runs them when it is the only goroutine.
func (p *Pool[W]) serial(j *Job[W]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r}
		}
	}()
	w, err := p.acquire(j)
	if err != nil {
		return err
	}
	for k := 0; k < j.Batch; k++ {
		if p.sample(j, w, k) {
			continue
		}
		// Do panicked: drop the worker, as drain does.
		if w, err = j.New(); err != nil {
			return err
		}
	}
	p.put(w)
	return nil
}

// drain runs samples taken from next on one worker until none is left.
func (p *Pool[W]) drain(j *Job[W], next *atomic.Int64, wg *sync.WaitGroup, fail func(error)) {
	defer wg.Done()
	defer func() {
		if r := recover(); r != nil {
			fail(&PanicError{Value: r})
		}
	}()
	w, err := p.acquire(j)
	if err != nil {
		fail(err)
		return
	}
	n := int64(j.Batch)
	for k := next.Add(1) - 1; k < n; k = next.Add(1) - 1 {
		if p.sample(j, w, int(k)) {
			continue
		}
		// Do panicked: the worker's memory may be inconsistent. Drop it
		// and make a new one for the remaining samples.
		if w, err = j.New(); err != nil {
			fail(err)
			return
		}
	}
	p.put(w)
}

// sample runs Do for sample k and reports whether it returned normally.
func (p *Pool[W]) sample(j *Job[W], w W, k int) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			if j.OnPanic != nil {
				j.OnPanic(k, r)
			}
		}
	}()
	j.Do(w, k)
	return true
}

// acquire takes a pooled worker (reset for this job) or makes a new one.
func (p *Pool[W]) acquire(j *Job[W]) (W, error) {
	for {
		w, ok := p.get()
		if !ok {
			return j.New()
		}
		if j.Reset == nil || j.Reset(w) == nil {
			return w, nil
		}
		// A worker that cannot take this job's configuration is dropped.
	}
}
