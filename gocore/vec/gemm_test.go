package vec

import (
	"fmt"
	"math"
	"math/rand"
	"syscall"
	"testing"
	"time"
)

// forEachLevel runs f at every kernel level this CPU supports (generic
// always), restoring the selected level afterwards.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := CurrentLevel()
	defer SetLevel(prev)
	for l := LevelGeneric; l <= MaxLevel(); l++ {
		SetLevel(l)
		if CurrentLevel() != l {
			t.Fatalf("SetLevel(%v) selected %v", l, CurrentLevel())
		}
		t.Run(l.String(), f)
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}

// mulSubRef is the reference C −= A·diag(s)·Bᵀ (lower: j ≤ i only).
func mulSubRef(m, n, k int, a []float64, lda int, b []float64, ldb int, s []float64, c []float64, ldc int, lower bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if lower && j > i {
				continue
			}
			var acc float64
			for p := 0; p < k; p++ {
				sp := 1.0
				if s != nil {
					sp = s[p]
				}
				acc += a[i*lda+p] * sp * b[j*ldb+p]
			}
			c[i*ldc+j] -= acc
		}
	}
}

// MulSubNT agrees with the reference at every level on every size 1..70
// (odd tails of the 4-, 8- and 16-wide tiles) and sizes around the cache
// blocks, with padded strides, a diagonal scaling or none, full or lower;
// entries outside the updated region (the padding, the upper triangle of
// a lower update) are left alone.
func TestMulSubNTMatchesReference(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(21))
		type shape struct{ m, n, k int }
		var shapes []shape
		for s := 1; s <= 70; s++ {
			shapes = append(shapes, shape{s, s, s}, shape{s, 71 - s, 1 + s%13}, shape{70 - s + 1, s, 2*s + 1})
		}
		for _, s := range []int{gemmKC - 1, gemmKC, gemmKC + 1, gemmKC + 9} {
			shapes = append(shapes, shape{s, s, s})
		}
		shapes = append(shapes, shape{gemmMC + 17, 33, gemmKC + 5}, shape{gemmMC + 3, gemmMC + 3, 40})
		w := NewWorkspace(8)
		for _, sh := range shapes {
			for _, lower := range []bool{false, true} {
				for _, scaled := range []bool{false, true} {
					m, n, k := sh.m, sh.n, sh.k
					lda, ldb, ldc := k+3, k+1, n+5
					a, b, c := randSlice(rng, m*lda), randSlice(rng, n*ldb), randSlice(rng, m*ldc)
					var s []float64
					if scaled {
						s = randSlice(rng, k)
					}
					want := append([]float64(nil), c...)
					w.MulSubNT(m, n, k, a, lda, b, ldb, s, c, ldc, lower)
					mulSubRef(m, n, k, a, lda, b, ldb, s, want, ldc, lower)
					for i := range c {
						if d := math.Abs(c[i] - want[i]); d > 1e-12*(1+math.Abs(want[i]))*math.Sqrt(float64(k)) || math.IsNaN(c[i]) {
							t.Fatalf("m=%d n=%d k=%d lower=%v scaled=%v: c[%d]=%v, want %v", m, n, k, lower, scaled, i, c[i], want[i])
						}
					}
				}
			}
		}
	})
}

// The micro-kernels agree with the generic Go kernel (same packing) for
// every depth up to 70: the unrolled body and its tail.
func TestMicroKernelsMatchGeneric(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(22))
		kn := kern
		mr, nr := kn.mr, kn.nr
		for k := 1; k <= 70; k++ {
			ap, bp := randSlice(rng, k*mr), randSlice(rng, k*nr)
			ldc := nr + 3
			c := randSlice(rng, mr*ldc)
			want := append([]float64(nil), c...)
			kn.gemm(k, ap, bp, c, ldc)
			for r := 0; r < mr; r++ {
				for j := 0; j < nr; j++ {
					var acc float64
					for p := 0; p < k; p++ {
						acc += ap[p*mr+r] * bp[p*nr+j]
					}
					want[r*ldc+j] -= acc
				}
			}
			for i := range c {
				if math.Abs(c[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("%s k=%d: c[%d]=%v, want %v", kn.name, k, i, c[i], want[i])
				}
			}
		}
	})
}

// SolveUnitLowerT solves X Lᵀ = B (and X D Lᵀ = B with a diagonal d) for
// every width 1..70 and widths around the recursion leaf, for row counts
// that leave partial 8-row slivers: X·(D)·Lᵀ reproduces B.
func TestSolveUnitLowerT(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(23))
		w := NewWorkspace(4)
		ks := []int{}
		for k := 1; k <= 70; k++ {
			ks = append(ks, k)
		}
		ks = append(ks, 2*trsmLeaf+1, 4*trsmLeaf-3, 200)
		for _, k := range ks {
			for _, scaled := range []bool{false, true} {
				m := 1 + (k*7)%19
				ldl, ldx := k+2, k+4
				l := make([]float64, k*ldl)
				for i := 0; i < k; i++ {
					for j := 0; j < i; j++ {
						l[i*ldl+j] = rng.NormFloat64() / math.Sqrt(float64(k))
					}
					l[i*ldl+i] = math.NaN() // never read
				}
				var d []float64
				if scaled {
					d = make([]float64, k)
					for i := range d {
						d[i] = (0.5 + rng.Float64()) * float64(1-2*(i%2))
					}
				}
				b := randSlice(rng, m*ldx)
				x := append([]float64(nil), b...)
				w.SolveUnitLowerT(m, k, x, ldx, l, ldl, d)
				for i := 0; i < m; i++ {
					xd := make([]float64, k)
					for j := range xd {
						xd[j] = x[i*ldx+j]
						if scaled {
							xd[j] *= d[j]
						}
					}
					for j := 0; j < k; j++ {
						got := xd[j]
						for c := 0; c < j; c++ {
							got += xd[c] * l[j*ldl+c]
						}
						if math.Abs(got-b[i*ldx+j]) > 1e-11*(1+math.Abs(b[i*ldx+j])) {
							t.Fatalf("k=%d m=%d scaled=%v (%d,%d): X·D·Lᵀ = %v, B = %v", k, m, scaled, i, j, got, b[i*ldx+j])
						}
					}
					for j := k; j < ldx; j++ {
						if x[i*ldx+j] != b[i*ldx+j] {
							t.Fatalf("k=%d: padding (%d,%d) changed", k, i, j)
						}
					}
				}
			}
		}
	})
}

// After construction for order n the level-3 kernels allocate nothing.
func TestLevel3NoAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(24))
	n := 150
	w := NewWorkspace(n)
	a, c := randSlice(rng, n*n), randSlice(rng, n*n)
	if allocs := testing.AllocsPerRun(3, func() {
		w.MulSubNT(n, n, n, a, n, a, n, nil, c, n, true)
		w.SolveUnitLowerT(n, n, c, n, a, n, nil)
	}); allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func TestSetLevelClamps(t *testing.T) {
	prev := SetLevel(LevelAVX512 + 5)
	defer SetLevel(prev)
	if CurrentLevel() != MaxLevel() {
		t.Fatalf("SetLevel above the maximum selected %v, want %v", CurrentLevel(), MaxLevel())
	}
	SetLevel(-1)
	if CurrentLevel() != LevelGeneric || Kernels() != "generic" || GemmKernel() != "generic 4x4" {
		t.Fatalf("SetLevel(-1): %v, %s, %s", CurrentLevel(), Kernels(), GemmKernel())
	}
}

// BenchmarkMulSubNT reports the GEMM rate (2mnk flops) for square
// operands at each level.
func BenchmarkMulSubNT(b *testing.B) {
	prev := CurrentLevel()
	defer SetLevel(prev)
	rng := rand.New(rand.NewSource(25))
	for l := LevelGeneric; l <= MaxLevel(); l++ {
		for _, n := range []int{64, 200, 500, 1000} {
			if l == LevelGeneric && n > 200 {
				continue
			}
			SetLevel(l)
			a, bb, c := randSlice(rng, n*n), randSlice(rng, n*n), randSlice(rng, n*n)
			w := NewWorkspace(n)
			b.Run(fmt.Sprintf("%v/%d", l, n), func(b *testing.B) {
				SetLevel(l)
				t0 := cpuTime()
				for i := 0; i < b.N; i++ {
					w.MulSubNT(n, n, n, a, n, bb, n, nil, c, n, false)
				}
				reportRate(b, t0, 2*float64(n*n*n))
			})
		}
	}
}

// BenchmarkFMAPeak measures the core's FMA peak at each vector level:
// independent register FMAs, no memory traffic.
func BenchmarkFMAPeak(b *testing.B) {
	prev := CurrentLevel()
	defer SetLevel(prev)
	for l := LevelAVX2; l <= MaxLevel(); l++ {
		b.Run(l.String(), func(b *testing.B) {
			t0 := cpuTime()
			var flops float64
			for i := 0; i < b.N; i++ {
				flops += FMAPeakLoop(l, 10000)
			}
			reportRate(b, t0, flops/float64(b.N))
		})
	}
}

// cpuTime returns the process's user CPU time: on a loaded machine it
// counts the time a single-threaded benchmark ran, not the time it waited
// for a core, so the GFlop/s figures use it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano())
}

// reportRate reports cpu-ns/op and GFlop/s over the user CPU time of the
// loop that started at t0 (flops per op).
func reportRate(b *testing.B, t0 time.Duration, flops float64) {
	cpu := (cpuTime() - t0).Seconds()
	if cpu <= 0 {
		return
	}
	b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
	b.ReportMetric(flops*float64(b.N)/cpu/1e9, "GFlop/s")
}

// BenchmarkMicroKernel reports the micro-kernel's rate on packed slivers
// in L1 (depth gemmKC).
func BenchmarkMicroKernel(b *testing.B) {
	prev := CurrentLevel()
	defer SetLevel(prev)
	for l := LevelGeneric; l <= MaxLevel(); l++ {
		SetLevel(l)
		kn := kern
		rng := rand.New(rand.NewSource(26))
		k := gemmKC
		ap, bp, c := randSlice(rng, k*kn.mr), randSlice(rng, k*kn.nr), randSlice(rng, kn.mr*kn.nr)
		b.Run(kn.name, func(b *testing.B) {
			t0 := cpuTime()
			for i := 0; i < b.N; i++ {
				kn.gemm(k, ap, bp, c, kn.nr)
			}
			reportRate(b, t0, 2*float64(k*kn.mr*kn.nr))
		})
	}
}

// pack4 interleaves four rows (scaled or not) identically at every kernel
// level, for widths around the vector transpose's groups of four and every
// sliver stride, and writes nothing else.
func TestPack4(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	defer SetLevel(SetLevel(MaxLevel()))
	for _, lv := range []Level{LevelGeneric, MaxLevel()} {
		SetLevel(lv)
		for kb := 1; kb < 23; kb++ {
			for _, ds := range []int{4, 8, 16} {
				for _, scaled := range []bool{false, true} {
					lda := kb + 3
					a := make([]float64, 4*lda)
					for i := range a {
						a[i] = rng.NormFloat64()
					}
					var sc []float64
					if scaled {
						sc = make([]float64, kb)
						for i := range sc {
							sc[i] = rng.NormFloat64()
						}
					}
					dst := make([]float64, kb*ds+8)
					for i := range dst {
						dst[i] = -7
					}
					pack4(dst, ds, a, lda, kb, sc)
					for i, got := range dst {
						p, r := i/ds, i%ds
						want := -7.0
						if p < kb && r < 4 {
							want = a[r*lda+p]
							if scaled {
								want *= sc[p]
							}
						}
						if math.Float64bits(got) != math.Float64bits(want) {
							t.Fatalf("%v kb=%d ds=%d scaled=%v: dst[%d] = %v, want %v", lv, kb, ds, scaled, i, got, want)
						}
					}
				}
			}
		}
	}
}
