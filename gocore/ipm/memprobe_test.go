package ipm

import (
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

func heapMB() (inuse, total float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / 1e6, float64(ms.TotalAlloc) / 1e6
}

// TestMemProbeDense reports the heap of a dense QP of size LPGD_MEMPROBE
// (m = n/2 inequalities) after each phase. Skipped without LPGD_MEMPROBE.
func TestMemProbeDense(t *testing.T) {
	s := os.Getenv("LPGD_MEMPROBE")
	if s == "" {
		t.Skip("set LPGD_MEMPROBE=<n>")
	}
	n, _ := strconv.Atoi(s)
	m := n / 2
	if ms := os.Getenv("LPGD_MEMPROBE_M"); ms != "" {
		m, _ = strconv.Atoi(ms)
	}
	rng := rand.New(rand.NewSource(1))
	q := genSweepQP(rng, "dense_qp", n, 0, m)
	i0, t0 := heapMB()
	t.Logf("data: %.1f MB (P %d×%d, A %d×%d)", float64(8*(n*n+m*n))/1e6, n, n, m, n)
	st, err := problem.NewDenseStructure(n, m, q.cones(), true)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: q.c, A: make([]float64, st.A.Nnz()), B: q.b}
	st.GatherDenseP(v.P, q.P)
	st.GatherDenseA(v.A, q.A)
	i1, t1 := heapMB()
	t.Logf("structure+values: inuse +%.1f MB, alloc +%.1f MB", i1-i0, t1-t0)
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	i2, t2 := heapMB()
	t.Logf("analyse (dense %v): inuse +%.1f MB, alloc +%.1f MB", an.Dense, i2-i1, t2-t1)
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	i3, t3 := heapMB()
	t.Logf("solver: inuse +%.1f MB, alloc +%.1f MB", i3-i2, t3-t2)
	if os.Getenv("LPGD_MEMPROBE_NOSOLVE") != "" {
		return
	}
	res := &Result{X: make([]float64, n), Y: make([]float64, m), S: make([]float64, m)}
	w.Solve(v, res)
	i4, t4 := heapMB()
	t.Logf("solve (%v, %d it): inuse +%.1f MB, alloc +%.1f MB", res.Info.Status, res.Info.Iter, i4-i3, t4-t3)
	runtime.KeepAlive(w)
}
