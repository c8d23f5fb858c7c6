package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"syscall"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// cpuTime returns the process's user CPU time. On a loaded machine it
// counts the time the benchmark ran, not the time it waited for a core
// (the benchmarks are single-threaded), so the GFlop/s they report use it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}

// reportRate reports cpu-ns/op and GFlop/s over the user CPU time of the
// loop that started at t0.
func reportRate(b *testing.B, t0 time.Duration, flops float64) {
	cpu := (cpuTime() - t0).Seconds()
	if cpu <= 0 {
		return
	}
	b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
	b.ReportMetric(flops*float64(b.N)/cpu/1e9, "GFlop/s")
}

// denseSPD returns the full upper pattern and values of a random
// symmetric positive definite n×n matrix (B Bᵀ/n + I).
func denseSPD(rng *rand.Rand, n int) (*Pattern, []float64) {
	b := make([]float64, n*n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	pat := &Pattern{N: n, Colptr: make([]int, n+1)}
	var vals []float64
	for j := 0; j < n; j++ {
		for i := 0; i <= j; i++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += b[i*n+k] * b[j*n+k]
			}
			s /= float64(n)
			if i == j {
				s++
			}
			pat.Rowval = append(pat.Rowval, i)
			vals = append(vals, s)
		}
		pat.Colptr[j+1] = len(pat.Rowval)
	}
	return pat, vals
}

// The tiled dense LDLᵀ solves SPD and quasi-definite systems of sizes
// around the four-row blocks and the kernels' 4- and 8-wide bodies to
// near machine precision (the tail blocks and the tile path both run).
func TestDenseLDLTileSizes(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 31, 33, 40, 67, 130, tileMin - 1, tileMin, tileMin + 1, tileMin + 3, tileMin + 6, 2*tileMin + 5} {
		pat, vals := denseSPD(rng, n)
		f := NewDense(pat, ones(n))
		if err := f.Factor(vals); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		x := randVec(rng, n)
		b := make([]float64, n)
		SymMulVec(pat, vals, x, b)
		f.Solve(b)
		if e := relDiff(b, x); e > 1e-10 {
			t.Fatalf("n=%d: relative error %g", n, e)
		}
		if f.Regularized() != 0 {
			t.Fatalf("n=%d: %d regularized pivots on an SPD matrix", n, f.Regularized())
		}
	}
}

// DenseSchur with the tile path (≥ tileMin rows, odd sizes) solves the dense
// QP family's KKT system as the dense LDLᵀ does.
func TestDenseSchurTileSizes(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, n := range []int{tileMin - 3, tileMin + 1, tileMin + 7} {
		p, m := n/5, n+3
		pat, vals, signs, cand := kktDense(rng, n, p, m, 1e-1)
		fs, err := NewDenseSchur(pat, signs, cand)
		if err != nil {
			t.Fatal(err)
		}
		fd := NewDense(pat, signs)
		if err := fs.Factor(vals); err != nil {
			t.Fatalf("n=%d schur: %v", n, err)
		}
		if err := fd.Factor(vals); err != nil {
			t.Fatalf("n=%d dense: %v", n, err)
		}
		b := randVec(rng, pat.N)
		xs, xd := append([]float64(nil), b...), append([]float64(nil), b...)
		fs.Solve(xs)
		fd.Solve(xd)
		if e := relDiff(xs, xd); e > 1e-6 {
			t.Fatalf("n=%d: DenseSchur and Dense differ by %g", n, e)
		}
	}
}

func ones(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// BenchmarkDenseFactor times one dense LDLᵀ factorization of an SPD
// matrix (n³/3 flops, as LAPACK's dpotrf counts) at the sizes.
func BenchmarkDenseFactor(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{200, 500, 1000} {
		pat, vals := denseSPD(rng, n)
		f := NewDense(pat, ones(n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			t0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if err := f.Factor(vals); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, t0, math.Pow(float64(n), 3)/3)
		})
	}
}

// BenchmarkDenseSchurFactor times one factorization of the dense QP
// families' KKT matrix (n variables, m = n inequality rows, p = n/5
// equality rows; every inequality row is eliminated). The metric counts
// the normal-equations minimum: the SYRK of GᵀDG (n²m flops) plus the
// (n+p)×(n+p) LDLᵀ ((n+p)³/3).
func BenchmarkDenseSchurFactor(b *testing.B) {
	rng := rand.New(rand.NewSource(2))
	for _, n := range []int{10, 50, 200, 500} {
		p, m := n/5, n
		pat, vals, signs, cand := kktDense(rng, n, p, m, 1e-1)
		f, err := NewDenseSchur(pat, signs, cand)
		if err != nil {
			b.Fatal(err)
		}
		flops := float64(n)*float64(n)*float64(m) + math.Pow(float64(n+p), 3)/3
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			t0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if err := f.Factor(vals); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, t0, flops)
		})
	}
}

// lowerDense returns the row-major lower triangle (upper part zero) of the
// matrix on the full upper pattern from denseSPD.
func lowerDense(pat *Pattern, vals []float64) []float64 {
	n := pat.N
	a := make([]float64, n*n)
	for j := 0; j < n; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			a[j*n+pat.Rowval[k]] = vals[k]
		}
	}
	return a
}

// BenchmarkLDLKernel times the dense LDLᵀ kernel alone on an SPD matrix
// (copy of the lower triangle, then the factorization: what LAPACK's
// dpotrf is timed on, n³/3 flops) for the blocked form ("blocked", what
// denseLDL runs from order blockMin) and the row-oriented form with the
// 4×4 tiles ("rows", the kernel before the blocked form), at each vector
// level the CPU supports.
func BenchmarkLDLKernel(b *testing.B) {
	prev := vec.CurrentLevel()
	defer vec.SetLevel(prev)
	rng := rand.New(rand.NewSource(3))
	for _, n := range []int{200, 500, 1000} {
		pat, vals := denseSPD(rng, n)
		a0 := lowerDense(pat, vals)
		l, d, wb, signs := make([]float64, n*n), make([]float64, n), make([]float64, 4*n), ones(n)
		bw := newBlockWork(n)
		for lv := vec.LevelGeneric; lv <= vec.MaxLevel(); lv++ {
			for _, form := range []string{"blocked", "rows"} {
				b.Run(fmt.Sprintf("%s/%v/%d", form, lv, n), func(b *testing.B) {
					vec.SetLevel(lv)
					t0 := cpuTime()
					for i := 0; i < b.N; i++ {
						copy(l, a0)
						var err error
						if form == "blocked" {
							_, err = bw.ldl(l, n, n, signs, d)
						} else {
							_, err = denseLDLRows(l, n, n, signs, d, wb)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					reportRate(b, t0, math.Pow(float64(n), 3)/3)
				})
			}
		}
	}
}
