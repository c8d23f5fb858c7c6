package batch

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// worker is a test worker: an id and a scratch buffer that a "solve" uses.
type worker struct {
	id     int64
	config int
	buf    []int
}

type counter struct{ made atomic.Int64 }

func (c *counter) newWorker(config int) func() (*worker, error) {
	return func() (*worker, error) {
		return &worker{id: c.made.Add(1), config: config, buf: make([]int, 4)}, nil
	}
}

func TestRunCoversEverySampleOnce(t *testing.T) {
	for _, tc := range []struct{ batch, threads int }{
		{0, 4}, {1, 1}, {1, 8}, {5, 2}, {7, 3}, {64, 4}, {3, 0}, {10, -1},
	} {
		t.Run(fmt.Sprintf("B%d_t%d", tc.batch, tc.threads), func(t *testing.T) {
			var p Pool[*worker]
			var c counter
			hits := make([]int32, tc.batch)
			err := p.Run(Job[*worker]{
				Batch: tc.batch, Threads: tc.threads, New: c.newWorker(0),
				Do: func(w *worker, k int) {
					w.buf[0] = k // the worker's memory is private to its goroutine
					atomic.AddInt32(&hits[k], 1)
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			for k, h := range hits {
				if h != 1 {
					t.Errorf("sample %d run %d times", k, h)
				}
			}
			want := tc.threads
			if want < 1 {
				want = 1
			}
			if want > tc.batch {
				want = tc.batch
			}
			// A goroutine that finishes early returns its worker, which a
			// later one may take: at most one worker per goroutine.
			made := int(c.made.Load())
			if made > want || (tc.batch > 0 && made < 1) {
				t.Errorf("made %d workers for %d goroutines", made, want)
			}
			if p.Len() != made {
				t.Errorf("pool holds %d of the %d workers", p.Len(), made)
			}
		})
	}
}

func TestWorkersAreReusedAndReset(t *testing.T) {
	var p Pool[*worker]
	var c counter
	run := func(config int) {
		t.Helper()
		err := p.Run(Job[*worker]{
			Batch: 8, Threads: 4, New: c.newWorker(config),
			Reset: func(w *worker) error { w.config = config; return nil },
			Do: func(w *worker, k int) {
				if w.config != config {
					panic(fmt.Sprintf("worker has config %d, want %d", w.config, config))
				}
			},
			OnPanic: func(k int, r any) { t.Errorf("sample %d: %v", k, r) },
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	run(1)
	run(2)
	run(2)
	// A worker is made only when every pooled one is busy: never more than
	// the four goroutines of one call.
	if c.made.Load() > 4 {
		t.Errorf("made %d workers over three calls of 4 goroutines (not reused)", c.made.Load())
	}
}

func TestPanicIsPerSampleAndWorkerReplaced(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(threads), func(t *testing.T) {
			var p Pool[*worker]
			var c counter
			const batch = 6
			done := make([]bool, batch)
			var mu sync.Mutex
			panicked := map[int]any{}
			var broken []*worker
			err := p.Run(Job[*worker]{
				Batch: batch, Threads: threads, New: c.newWorker(0),
				Do: func(w *worker, k int) {
					if k == 1 || k == 4 {
						mu.Lock()
						broken = append(broken, w)
						mu.Unlock()
						panic(fmt.Sprintf("boom %d", k))
					}
					done[k] = true
				},
				OnPanic: func(k int, r any) {
					mu.Lock()
					panicked[k] = r
					mu.Unlock()
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < batch; k++ {
				bad := k == 1 || k == 4
				if done[k] == bad {
					t.Errorf("sample %d: done=%v", k, done[k])
				}
				if bad && panicked[k] != fmt.Sprintf("boom %d", k) {
					t.Errorf("sample %d: panic value %v", k, panicked[k])
				}
			}
			// A worker that panicked never returns to the pool.
			for _, b := range broken {
				for i := p.Len(); i > 0; i-- {
					w, _ := p.get()
					if w == b {
						t.Errorf("worker %d that panicked is back in the pool", b.id)
					}
					p.put(w)
				}
			}
		})
	}
}

func TestNewErrorAndPanicOutsideSample(t *testing.T) {
	sentinel := errors.New("cannot make a worker")
	var p Pool[*worker]
	ran := atomic.Int32{}
	err := p.Run(Job[*worker]{
		Batch: 4, Threads: 2,
		New: func() (*worker, error) { return nil, sentinel },
		Do:  func(*worker, int) { ran.Add(1) },
	})
	if !errors.Is(err, sentinel) || ran.Load() != 0 {
		t.Errorf("err %v, ran %d", err, ran.Load())
	}
	err = p.Run(Job[*worker]{
		Batch: 2, Threads: 1,
		New: func() (*worker, error) { panic("in New") },
		Do:  func(*worker, int) {},
	})
	var pe *PanicError
	if !errors.As(err, &pe) || !errors.Is(err, ErrInternal) || pe.Value != "in New" {
		t.Errorf("panic in New: %v", err)
	}
}

func TestResetFailureDropsWorker(t *testing.T) {
	var p Pool[*worker]
	var c counter
	job := Job[*worker]{Batch: 2, Threads: 2, New: c.newWorker(0), Do: func(*worker, int) {}}
	if err := p.Run(job); err != nil {
		t.Fatal(err)
	}
	first := c.made.Load()
	job.Reset = func(*worker) error { return errors.New("stale") }
	if err := p.Run(job); err != nil {
		t.Fatal(err)
	}
	for i := p.Len(); i > 0; i-- {
		w, _ := p.get()
		if w.id <= first {
			t.Errorf("worker %d failed Reset but is still pooled", w.id)
		}
	}
}

// Concurrent calls on one pool (as concurrent calls on one handle) are safe.
func TestConcurrentRuns(t *testing.T) {
	var p Pool[*worker]
	var c counter
	var wg sync.WaitGroup
	var total atomic.Int64
	for r := 0; r < 8; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.Run(Job[*worker]{
				Batch: 16, Threads: 3, New: c.newWorker(0),
				Do: func(w *worker, k int) {
					w.buf[1]++
					total.Add(1)
				},
			})
		}()
	}
	wg.Wait()
	if total.Load() != 8*16 {
		t.Errorf("ran %d samples, want %d", total.Load(), 8*16)
	}
	if int64(p.Len()) != c.made.Load() {
		t.Errorf("pool holds %d of %d workers", p.Len(), c.made.Load())
	}
}

func TestWarmRunAllocatesNothingPerSample(t *testing.T) {
	var p Pool[*worker]
	var c counter
	out := make([]int, 256)
	allocs := func(batch int) float64 {
		job := Job[*worker]{Batch: batch, Threads: 1, New: c.newWorker(0),
			Do: func(w *worker, k int) { out[k] = k }}
		_ = p.Run(job)
		return testing.AllocsPerRun(20, func() { _ = p.Run(job) })
	}
	// On the calling goroutine alone (threads = 1, or a batch of one): no
	// allocation at all once a worker is pooled.
	if a1, a256 := allocs(1), allocs(256); a256 != 0 || a1 != 0 {
		t.Errorf("warm Run allocates %.0f times for 1 sample, %.0f for 256", a1, a256)
	}
	// With goroutines: a few per call (the shared counter, the WaitGroup),
	// none per sample.
	job := func(batch int) Job[*worker] {
		return Job[*worker]{Batch: batch, Threads: 4, New: c.newWorker(0),
			Do: func(w *worker, k int) { out[k] = k }}
	}
	j8, j256 := job(8), job(256)
	_, _ = p.Run(j8), p.Run(j256)
	a8 := testing.AllocsPerRun(20, func() { _ = p.Run(j8) })
	a256 := testing.AllocsPerRun(20, func() { _ = p.Run(j256) })
	if a8 > 16 || a256 > 16 {
		t.Errorf("warm threaded Run allocates %.0f times for 8 samples, %.0f for 256", a8, a256)
	}
}

// TestSerialMatchesThreaded: the calling-goroutine path (threads = 1 or a
// batch of one) and the goroutine path write the same outputs and report
// the same per-sample panics.
func TestSerialMatchesThreaded(t *testing.T) {
	const batch = 9
	run := func(threads, b int) ([]int, []int) {
		var p Pool[*worker]
		var c counter
		out := make([]int, b)
		var mu sync.Mutex
		var bad []int
		err := p.Run(Job[*worker]{
			Batch: b, Threads: threads, New: c.newWorker(0),
			Do: func(w *worker, k int) {
				if k == 3 {
					panic("boom")
				}
				w.buf[0] = k * k
				out[k] = w.buf[0] + 1
			},
			OnPanic: func(k int, r any) {
				mu.Lock()
				bad = append(bad, k)
				mu.Unlock()
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, bad
	}
	for _, b := range []int{1, batch} {
		s, sBad := run(1, b)
		m, mBad := run(4, b)
		if fmt.Sprint(s) != fmt.Sprint(m) || fmt.Sprint(sBad) != fmt.Sprint(mBad) {
			t.Errorf("batch %d: serial %v (panics %v), threaded %v (panics %v)", b, s, sBad, m, mBad)
		}
	}
}

// TestUnevenSamplesAreShared: samples are handed out dynamically, so while
// one goroutine is held by a slow sample the others run the rest — with a
// static split the samples after the slow one in its range would wait for
// it. Sample 0 blocks until every other sample has run; a static split over
// two goroutines would deadlock (samples 1..B/2−1 sit behind sample 0).
func TestUnevenSamplesAreShared(t *testing.T) {
	const batch = 16
	var p Pool[*worker]
	var c counter
	var done atomic.Int32
	release := make(chan struct{})
	hits := make([]int32, batch)
	finished := make(chan error, 1)
	go func() {
		finished <- p.Run(Job[*worker]{
			Batch: batch, Threads: 2, New: c.newWorker(0),
			Do: func(w *worker, k int) {
				if k == 0 {
					<-release
				} else if done.Add(1) == batch-1 {
					close(release)
				}
				atomic.AddInt32(&hits[k], 1)
			},
		})
	}()
	select {
	case err := <-finished:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("samples behind a slow one were not taken by the other goroutine")
	}
	for k, h := range hits {
		if h != 1 {
			t.Errorf("sample %d run %d times", k, h)
		}
	}
}
