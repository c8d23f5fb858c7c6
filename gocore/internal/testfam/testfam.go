// Package testfam holds the problem families of the Python benchmarks
// (benchmarks/problems.py) for the Go tests and benchmarks of several
// packages, and the CPU-time clock those benchmarks report with.
package testfam

import (
	"math/rand"
	"syscall"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// DenseQP is the benchmarks' dense_qp family (benchmarks/problems.py):
// P = LLᵀ/n + 0.1I, q, G, A ~ N(0,1), h = G z0 + U(0,1), b = A z0.
func DenseQP(rng *rand.Rand, n, m, p int) (P, c, A, b []float64, cones problem.Cones) {
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

// BoxLP is the LPGD benchmark's box_lp family (no P): m random rows,
// the box −1 ≤ x ≤ 1 as 2n rows, p equalities.
func BoxLP(rng *rand.Rand, n, m, p int) (c, A, b []float64, cones problem.Cones) {
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

// CPUTime is the process's user CPU time (the benchmarks run on one
// goroutine; on a loaded machine it counts the time they ran).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}
