package diff

import (
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

func heapMB() (inuse, total float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / 1e6, float64(ms.TotalAlloc) / 1e6
}

// TestMemProbeDenseBackward reports the Go heap of a dense QP of size
// LPGD_MEMPROBE (LPGD_MEMPROBE_M inequalities, default n/10) after each
// phase of a forward and a kkt backward, as one batch worker holds them
// (issue 14 item 8; the workspace shares the solver's KKT system as the C
// ABI's workers do). Skipped without LPGD_MEMPROBE; add -memprofile to see
// the allocation sites.
func TestMemProbeDenseBackward(t *testing.T) {
	s := os.Getenv("LPGD_MEMPROBE")
	if s == "" {
		t.Skip("set LPGD_MEMPROBE=<n>")
	}
	n, _ := strconv.Atoi(s)
	m := n / 10
	if ms := os.Getenv("LPGD_MEMPROBE_M"); ms != "" {
		m, _ = strconv.Atoi(ms)
	}
	// P = I + VVᵀ/k with a low-rank V: O(n²k) to build, well conditioned.
	rng := rand.New(rand.NewSource(1))
	const k = 8
	V := randVec(rng, n*k)
	P := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var v float64
			for r := 0; r < k; r++ {
				v += V[i*k+r] * V[j*k+r]
			}
			v /= k
			P[i*n+j], P[j*n+i] = v, v
		}
		P[i*n+i] += 1
	}
	A := randVec(rng, m*n)
	b := make([]float64, m)
	for i := range b {
		b[i] = 1 + rng.Float64()
	}
	c := randVec(rng, n)
	i0, t0 := heapMB()
	t.Logf("data: %.1f MB (P %d×%d, A %d×%d)", float64(8*(n*n+m*n))/1e6, n, n, m, n)
	st, err := problem.NewDenseStructure(n, m, problem.Cones{Nonneg: m}, true)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	phase := func(name string) {
		i1, t1 := heapMB()
		t.Logf("%-18s inuse %+7.1f MB (total %7.1f), alloc %+7.1f MB", name+":", i1-i0, i1, t1-t0)
		i0, t0 = i1, t1
	}
	phase("structure+values")
	an, err := kkt.Analyse(st, ipm.LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	phase("analyse")
	slv, err := ipm.NewSolver(an, ipm.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	phase("solver")
	ws, err := NewWorkspaceOn(slv.KKT(), ipm.DefaultSettings()) // as the C ABI workers
	if err != nil {
		t.Fatal(err)
	}
	phase("workspace")
	if os.Getenv("LPGD_MEMPROBE_NOSOLVE") != "" {
		runtime.KeepAlive(slv)
		runtime.KeepAlive(ws)
		return
	}
	sol := Solution{X: make([]float64, n), Y: make([]float64, m), S: make([]float64, m)}
	res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
	slv.Solve(v, &res)
	phase("solve " + res.Info.Status.String())
	g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, n), A: make([]float64, st.A.Nnz()), B: make([]float64, m)}
	opt := DefaultOptions()
	if _, err := ws.Backward(v, sol, Incoming{X: randVec(rng, n)}, &opt, g); err != nil {
		t.Fatal(err)
	}
	phase("backward kkt")
	runtime.KeepAlive(slv)
	runtime.KeepAlive(ws)
}
