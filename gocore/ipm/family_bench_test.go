package ipm

import (
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// benchDenseQP is the benchmarks' dense_qp family (benchmarks/problems.py):
// P = LLᵀ/n + 0.1I, q, G, A ~ N(0,1), h = G z0 + U(0,1), b = A z0.
func benchDenseQP(rng *rand.Rand, n, m, p int) (P, c, A, b []float64, cones problem.Cones) {
	L := make([]float64, n*n)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += L[i*n+k] * L[j*n+k]
			}
			P[i*n+j] = s / float64(n)
		}
		P[i*n+i] += 0.1
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.NormFloat64()
	}
	A = make([]float64, (p+m)*n)
	b = make([]float64, p+m)
	for i := 0; i < p+m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s
		if i >= p {
			b[i] += rng.Float64()
		}
	}
	return P, c, A, b, problem.Cones{Zero: p, Nonneg: m}
}

// benchBoxLP is the LPGD benchmark's box_lp family (no P): m random rows,
// the box −1 ≤ x ≤ 1 as 2n rows, p equalities.
func benchBoxLP(rng *rand.Rand, n, m, p int) (c, A, b []float64, cones problem.Cones) {
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.Float64() - 0.5
	}
	rows := p + m + 2*n
	A = make([]float64, rows*n)
	b = make([]float64, rows)
	for i := 0; i < p; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s
	}
	for i := p; i < p+m; i++ {
		var s float64
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
			s += A[i*n+j] * z0[j]
		}
		b[i] = s + rng.Float64()
	}
	for j := 0; j < n; j++ {
		A[(p+m+j)*n+j] = 1
		b[p+m+j] = 1
		A[(p+m+n+j)*n+j] = -1
		b[p+m+n+j] = 1
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	return c, A, b, problem.Cones{Zero: p, Nonneg: m + 2*n}
}

type familyData struct {
	name string
	st   *problem.Structure
	vs   []*problem.Values
}

// benchFamilyNames are the families of benchFamily.
var benchFamilyNames = []string{"qp10", "qp50", "qp200", "boxlp100"}

// benchFamily draws count problems of a family: the dense QPs qp<n>
// (m = n inequalities, p = n/5 equalities) and boxlp100 (the LPGD
// benchmark's LP: n = 100, 50 random inequality rows, the box as 200 rows,
// 10 equalities).
func benchFamily(tb testing.TB, name string, count int) familyData {
	f := familyData{name: name}
	var n int
	if _, err := fmt.Sscanf(name, "qp%d", &n); err == nil {
		rng := rand.New(rand.NewSource(int64(n)))
		for k := 0; k < count; k++ {
			P, c, A, b, cones := benchDenseQP(rng, n, n, n/5)
			st, v := denseProblem(tb, n, P, c, A, b, cones)
			f.st = st
			f.vs = append(f.vs, v)
		}
		return f
	}
	rng := rand.New(rand.NewSource(100))
	for k := 0; k < count; k++ {
		c, A, b, cones := benchBoxLP(rng, 100, 50, 10)
		st, v := denseProblem(tb, 100, nil, c, A, b, cones)
		f.st = st
		f.vs = append(f.vs, v)
	}
	return f
}

// BenchmarkFamilies solves the benchmarks' problem families (forward only,
// one thread): go test ./gocore/ipm -run '^$' -bench Families -cpuprofile cpu.out
func BenchmarkFamilies(b *testing.B) {
	for _, name := range benchFamilyNames {
		b.Run(name, func(b *testing.B) {
			f := benchFamily(b, name, 8)
			an, err := kkt.Analyse(f.st, LinearAuto)
			if err != nil {
				b.Fatal(err)
			}
			w, err := NewSolver(an, DefaultSettings())
			if err != nil {
				b.Fatal(err)
			}
			res := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
			iters := 0
			b.ResetTimer()
			t0 := cpuTime()
			for i := 0; i < b.N; i++ {
				w.Solve(f.vs[i%len(f.vs)], res)
				if res.Info.Status != StatusSolved {
					b.Fatalf("status %v", res.Info.Status)
				}
				iters += res.Info.Iter
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters")
			b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// The benchmark families run every interior-point factorization in the
// normal-equations form: no fallback to the accurate form, the same
// iteration counts (11.4, 9.9, 11.4 and 12.5 on average before it existed).
func TestBenchmarkFamiliesNormalEquations(t *testing.T) {
	for _, name := range benchFamilyNames {
		f := benchFamily(t, name, 2)
		an, err := kkt.Analyse(f.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		res := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
		iters := 0
		for _, v := range f.vs {
			w.Solve(v, res)
			if res.Info.Status != StatusSolved {
				t.Fatalf("%s: status %v", f.name, res.Info.Status)
			}
			iters += res.Info.Iter
		}
		ts := w.kkt.TierStats()
		if ts.Escalations != 0 || ts.Fast < iters {
			t.Errorf("%s: %d normal-equations factorizations for %d iterations, %d fallbacks", f.name, ts.Fast, iters, ts.Escalations)
		}
		if iters > 16*len(f.vs) {
			t.Errorf("%s: %d iterations for %d problems", f.name, iters, len(f.vs))
		}
	}
}

// cpuTime is the process's user CPU time (the benchmarks run on one
// goroutine; on a loaded machine it counts the time they ran).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}
