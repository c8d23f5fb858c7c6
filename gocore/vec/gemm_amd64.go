package vec

import "golang.org/x/sys/cpu"

//go:noescape
func gemm8x16AVX512(k int, ap, bp, c *float64, ldc int)

//go:noescape
func gemm4x8AVX2(k int, ap, bp, c *float64, ldc int)

//go:noescape
func trsm8AVX512(x, l *float64, ldl, k int)

//go:noescape
func trsm8AVX2(x, l *float64, ldl, k int)

// checkMicro panics unless the packed slivers and the C tile of a
// micro-kernel call are in bounds (the assembly does not check).
func checkMicro(k, mr, nr int, ap, bp, c []float64, ldc int) {
	if k < 1 || len(ap) < k*mr || len(bp) < k*nr || ldc < nr || len(c) < (mr-1)*ldc+nr {
		panic("vec: micro-kernel operands too short")
	}
}

func checkTrsm8(x, l []float64, ldl, k int) {
	if len(x) < 8*k || ldl < k-1 || (k > 1 && len(l) < (k-1)*ldl+k-1) {
		panic("vec: trsm8 operands too short")
	}
}

var avx512Kernel = &microKernel{
	name: "avx512 8x16", mr: 8, nr: 16,
	gemm: func(k int, ap, bp, c []float64, ldc int) {
		checkMicro(k, 8, 16, ap, bp, c, ldc)
		gemm8x16AVX512(k, &ap[0], &bp[0], &c[0], ldc)
	},
	trsm8: func(x, l []float64, ldl, k int) {
		if k < 2 {
			return
		}
		checkTrsm8(x, l, ldl, k)
		trsm8AVX512(&x[0], &l[0], ldl, k)
	},
}

var avx2Kernel = &microKernel{
	name: "avx2+fma 4x8", mr: 4, nr: 8,
	gemm: func(k int, ap, bp, c []float64, ldc int) {
		checkMicro(k, 4, 8, ap, bp, c, ldc)
		gemm4x8AVX2(k, &ap[0], &bp[0], &c[0], ldc)
	},
	trsm8: func(x, l []float64, ldl, k int) {
		if k < 2 {
			return
		}
		checkTrsm8(x, l, ldl, k)
		trsm8AVX2(&x[0], &l[0], ldl, k)
	},
}

// cpuAVX2, cpuAVX512: what the CPU and OS support (x/sys/cpu checks that
// the OS saves the ymm/zmm state).
var (
	cpuAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	cpuAVX512 = cpuAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
)

func init() {
	switch {
	case cpuAVX512:
		maxLevel = LevelAVX512
	case cpuAVX2:
		maxLevel = LevelAVX2
	}
	SetLevel(maxLevel)
}

// applyLevel switches every kernel of the package to the level: the GEMM
// micro-kernel and the kernels chosen by a flag of their own (each set at
// start-up from useAVX, and here again, so that SetLevel(LevelGeneric)
// runs every function of the package in Go).
func applyLevel(l Level) {
	useAVX = l >= LevelAVX2
	scaleColsAsm, gatherTileAsm, transposeAsm = useAVX, useAVX, useAVX
	triAsm, useRowsAsm, normInfAsm, upperAsm = useAVX, useAVX, useAVX, useAVX
	orBitsAsm, finiteAsm, divAsm = useAVX, useAVX, useAVX
	symTileAsm = useAVX && !addFuses()
	useAVX512 = l >= LevelAVX512 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	switch l {
	case LevelAVX512:
		kern = avx512Kernel
	case LevelAVX2:
		kern = avx2Kernel
	default:
		kern = genericKernel
	}
}

//go:noescape
func fmaPeakAVX512(n int)

//go:noescape
func fmaPeakAVX2(n int)

// FMAPeakLoop runs n iterations of independent register FMAs (no memory
// operands) at the level and returns the flops done: it measures the
// core's floating-point peak for the benchmarks. The generic level has no
// loop (0 flops).
func FMAPeakLoop(l Level, n int) float64 {
	if n < 1 || l > maxLevel {
		return 0
	}
	switch l {
	case LevelAVX512:
		fmaPeakAVX512(n)
		return 24 * 16 * float64(n)
	case LevelAVX2:
		fmaPeakAVX2(n)
		return 12 * 8 * float64(n)
	}
	return 0
}

//go:noescape
func pack4AVX(dst *float64, ds int, a *float64, lda, kb int, sc *float64)

// pack4Vec packs the first kb&^3 columns of pack4's four rows (already
// bounds-checked by the caller) with the AVX2 transpose and returns how
// many it packed: 0 below the AVX2 level.
func pack4Vec(dst []float64, ds int, a []float64, lda, kb int, sc []float64) int {
	k := kb &^ 3
	if !useAVX || k == 0 {
		return 0
	}
	var s *float64
	if sc != nil {
		s = &sc[0]
	}
	pack4AVX(&dst[0], ds, &a[0], lda, k, s)
	return k
}
