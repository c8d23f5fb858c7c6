package vec

// Level-3 kernels: C −= A·diag(s)·Bᵀ on row-major operands (MulSubNT) and
// the triangular solve X ← X·L⁻ᵀ with a unit lower L (SolveUnitLowerT),
// the two operations of a blocked right-looking Cholesky / LDLᵀ.
//
// MulSubNT is the usual packed GEMM: the k dimension is cut into blocks of
// gemmKC, for each block the rows of B (scaled by s) are packed in slivers
// of nr columns and the rows of A, gemmMC at a time, in slivers of mr rows
// (each sliver k-major, so a micro-kernel step reads mr + nr consecutive
// values), and an mr×nr register-blocked micro-kernel (broadcast of the A
// values, vector loads of B, FMA into mr·nr/width accumulators, no
// horizontal reductions) updates each tile of C. A B sliver (gemmKC·nr)
// stays in L1 while the A block (gemmMC·gemmKC) is read from L2. Edge tiles
// and tiles on the diagonal of a lower-triangular update go through a
// scratch tile.

// Level is a kernel set: the generic Go kernels, AVX2/FMA or AVX-512.
type Level int

const (
	// LevelGeneric is pure Go.
	LevelGeneric Level = iota
	// LevelAVX2 is the AVX2/FMA assembly (4×8 GEMM micro-kernel).
	LevelAVX2
	// LevelAVX512 is the AVX-512F assembly (8×16 GEMM micro-kernel).
	LevelAVX512
)

// String names the level.
func (l Level) String() string {
	switch l {
	case LevelAVX2:
		return "avx2+fma"
	case LevelAVX512:
		return "avx512"
	}
	return "generic"
}

// level is the kernel set in use, maxLevel the best the CPU and OS allow.
var level, maxLevel Level

// CurrentLevel returns the kernel set in use.
func CurrentLevel() Level { return level }

// MaxLevel returns the best kernel set this CPU and OS support (the one
// selected at start-up).
func MaxLevel() Level { return maxLevel }

// SetLevel selects the kernel set (clamped to MaxLevel) and returns the
// previous one: every kernel of the package follows it (LevelGeneric runs
// them all in Go). linsys's own assembly kernels (two-vector, LDLᵀ,
// putRunAVX, forwardHeadAVX), chosen at start-up, do not follow it: they
// keep test switches of their own. It exists for tests and
// benchmarks that compare the paths on one machine; it must not run
// concurrently with any kernel.
func SetLevel(l Level) Level {
	prev := level
	if l > maxLevel {
		l = maxLevel
	}
	if l < LevelGeneric {
		l = LevelGeneric
	}
	level = l
	applyLevel(l)
	return prev
}

// microKernel is a GEMM micro-kernel and the triangular-solve kernel of a
// level. gemm computes c[r·ldc+j] −= Σ_p ap[p·mr+r]·bp[p·nr+j] for r < mr,
// j < nr, p < k; trsm8 solves the packed 8-row sliver x (x[c·8+r] is row r,
// column c) in place against the unit lower k×k matrix l (row j at
// l[j·ldl:]): x_j −= Σ_{c<j} l[j,c]·x_c for j = 1..k−1.
type microKernel struct {
	name   string
	mr, nr int
	gemm   func(k int, ap, bp, c []float64, ldc int)
	trsm8  func(x, l []float64, ldl, k int)
}

var genericKernel = &microKernel{name: "generic 4x4", mr: 4, nr: 4, gemm: gemm4x4Generic, trsm8: trsm8Generic}

// kern is the micro-kernel of the current level.
var kern = genericKernel

// GemmKernel names the GEMM micro-kernel in use (e.g. "avx512 8x16").
func GemmKernel() string { return kern.name }

// Blocking parameters (float64 elements). gemmKC·16·8 B = 24 KiB: a B
// sliver of the widest kernel plus an A sliver fit in a 48 KiB L1;
// gemmMC·gemmKC·8 B = 576 KiB of packed A stay in L2.
const (
	gemmKC = 192
	gemmMC = 384
	// trsmLeaf is the width up to which SolveUnitLowerT solves directly on
	// packed 8-row slivers; wider systems recurse and put the rest of the
	// work into MulSubNT. The direct solve reads 1.5–2 values per FMA (about
	// half the GEMM's rate) but packs once; at n = 200–500 widths 48–128
	// measured within noise of each other, 16–32 slower.
	trsmLeaf = 64
	maxMR    = 8
	maxNR    = 16
)

// Workspace holds the packing buffers of MulSubNT and SolveUnitLowerT.
// Buffers grow on demand; a workspace made by NewWorkspace(n) never
// allocates for operands of order ≤ n. A Workspace is not safe for
// concurrent use.
type Workspace struct {
	ap, bp []float64
	x8     []float64
	inv    []float64
	tmp    [maxMR * maxNR]float64
}

// NewWorkspace returns a workspace sized for operands with at most n rows
// and columns.
func NewWorkspace(n int) *Workspace {
	w := &Workspace{}
	w.reserve(n)
	return w
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

func (w *Workspace) reserve(n int) {
	if need := gemmKC * roundUp(max(n, 1), maxNR); len(w.bp) < need {
		w.bp = make([]float64, need)
	}
	if need := roundUp(gemmMC, maxMR) * gemmKC; len(w.ap) < need {
		w.ap = make([]float64, need)
	}
	if need := 8 * trsmLeaf; len(w.x8) < need {
		w.x8 = make([]float64, need)
		w.inv = make([]float64, trsmLeaf)
	}
}

// MulSubNT computes C −= A·diag(s)·Bᵀ: c[i·ldc+j] −= Σ_p a[i·lda+p]·s[p]·b[j·ldb+p]
// for i < m, j < n, p < k (s nil means all ones). With lower set only the
// entries j ≤ i are written (C is the lower triangle of a symmetric
// update, as in a SYRK). C must not overlap the parts of A and B read.
func (w *Workspace) MulSubNT(m, n, k int, a []float64, lda int, b []float64, ldb int, s []float64, c []float64, ldc int, lower bool) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	if lower && n > m {
		n = m
	}
	w.reserve(n)
	kn := kern
	mr, nr := kn.mr, kn.nr
	for pc := 0; pc < k; pc += gemmKC {
		kb := min(gemmKC, k-pc)
		packB(w.bp, b, ldb, n, pc, kb, s, nr)
		for ic := 0; ic < m; ic += gemmMC {
			mb := min(gemmMC, m-ic)
			packA(w.ap, a[ic*lda:], lda, mb, pc, kb, mr)
			jEnd := n
			if lower {
				jEnd = min(n, ic+mb)
			}
			for jr := 0; jr < jEnd; jr += nr {
				bp := w.bp[jr*kb : (jr+nr)*kb]
				nc := min(nr, n-jr)
				for ir := 0; ir < mb; ir += mr {
					i0 := ic + ir
					if lower && jr > i0+mr-1 {
						continue
					}
					ap := w.ap[ir*kb : (ir+mr)*kb]
					mc := min(mr, mb-ir)
					ct := c[i0*ldc+jr:]
					if mc == mr && nc == nr && (!lower || jr+nr-1 <= i0) {
						kn.gemm(kb, ap, bp, ct, ldc)
						continue
					}
					t := w.tmp[:mr*nr]
					clear(t)
					kn.gemm(kb, ap, bp, t, nr)
					for r := 0; r < mc; r++ {
						jm := nc
						if lower {
							jm = min(nc, i0+r-jr+1)
						}
						row := ct[r*ldc : r*ldc+jm]
						for j := range row {
							row[j] += t[r*nr+j]
						}
					}
				}
			}
		}
	}
}

// packB writes columns [pc, pc+kb) of rows 0..n−1 of b, times s, into
// slivers of nr rows: bp[(j/nr)·nr·kb + p·nr + j%nr] = s[pc+p]·b[j·ldb+pc+p];
// the last sliver is padded with zeros.
func packB(bp, b []float64, ldb, n, pc, kb int, s []float64, nr int) {
	var sc []float64
	if s != nil {
		sc = s[pc : pc+kb]
	}
	for j0 := 0; j0 < n; j0 += nr {
		dst := bp[j0*kb : (j0+nr)*kb]
		rows := min(nr, n-j0)
		j := 0
		for ; j+4 <= rows; j += 4 {
			pack4(dst[j:], nr, b[(j0+j)*ldb+pc:], ldb, kb, sc)
		}
		for ; j < nr; j++ {
			packOne(dst[j:], nr, b, (j0+j)*ldb+pc, kb, sc, j0+j < n)
		}
	}
}

// packA writes columns [pc, pc+kb) of rows 0..mb−1 of a into slivers of mr
// rows: ap[(i/mr)·mr·kb + p·mr + i%mr] = a[i·lda+pc+p], zero padded.
func packA(ap, a []float64, lda, mb, pc, kb, mr int) {
	for i0 := 0; i0 < mb; i0 += mr {
		dst := ap[i0*kb : (i0+mr)*kb]
		rows := min(mr, mb-i0)
		r := 0
		for ; r+4 <= rows; r += 4 {
			pack4(dst[r:], mr, a[(i0+r)*lda+pc:], lda, kb, nil)
		}
		for ; r < mr; r++ {
			packOne(dst[r:], mr, a, (i0+r)*lda+pc, kb, nil, r < rows)
		}
	}
}

// pack4 interleaves four rows of length kb (stride lda, scaled by sc when
// it is not nil): dst[p·ds + r] = a[r·lda+p]·sc[p].
func pack4(dst []float64, ds int, a []float64, lda, kb int, sc []float64) {
	r0, r1, r2, r3 := a[:kb], a[lda:lda+kb], a[2*lda:2*lda+kb], a[3*lda:3*lda+kb]
	dst = dst[:(kb-1)*ds+4]
	if sc != nil {
		sc = sc[:kb]
	}
	// Whole groups of four columns by the vector transpose (the slices
	// above bound what it reads and writes), the rest here.
	p0 := pack4Vec(dst, ds, a, lda, kb, sc)
	if sc == nil {
		for p := p0; p < kb; p++ {
			d := dst[p*ds : p*ds+4]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		}
		return
	}
	for p := p0; p < kb; p++ {
		v := sc[p]
		d := dst[p*ds : p*ds+4]
		d[0], d[1], d[2], d[3] = r0[p]*v, r1[p]*v, r2[p]*v, r3[p]*v
	}
}

// packOne interleaves one row (a[off:off+kb], scaled by sc when not nil),
// or zeros when present is false: dst[p·ds].
func packOne(dst []float64, ds int, a []float64, off, kb int, sc []float64, present bool) {
	if !present {
		for p := 0; p < kb; p++ {
			dst[p*ds] = 0
		}
		return
	}
	src := a[off : off+kb]
	if sc == nil {
		for p, v := range src {
			dst[p*ds] = v
		}
		return
	}
	for p, v := range src {
		dst[p*ds] = v * sc[p]
	}
}

// SolveUnitLowerT overwrites the m×k matrix x (row-major, stride ldx) with
// x·L⁻ᵀ, or x·L⁻ᵀ·diag(d)⁻¹ when d is not nil, where L is the unit lower
// triangular k×k matrix whose strictly lower part is in l (row-major,
// stride ldl; the diagonal and upper part are not read). With d it gives
// the off-diagonal block L21 = A21·L11⁻ᵀ·D1⁻¹ of an LDLᵀ in one pass. Each
// row is an independent forward substitution: rows are solved eight at a
// time on a packed copy, and for k > trsmLeaf the system is split
// recursively so that most of the work is in MulSubNT.
func (w *Workspace) SolveUnitLowerT(m, k int, x []float64, ldx int, l []float64, ldl int, d []float64) {
	if m <= 0 || k <= 0 || (k == 1 && d == nil) {
		return
	}
	if k <= trsmLeaf {
		w.trsmLeaf(m, k, x, ldx, l, ldl, d)
		return
	}
	k1 := SplitPoint(k)
	var d1, d2 []float64
	if d != nil {
		d1, d2 = d[:k1], d[k1:k]
	}
	w.SolveUnitLowerT(m, k1, x, ldx, l, ldl, d1)
	// With d, x[:, :k1] now holds X1·D1⁻¹: scale it back in the product.
	w.MulSubNT(m, k-k1, k1, x, ldx, l[k1*ldl:], ldl, d1, x[k1:], ldx, false)
	w.SolveUnitLowerT(m, k-k1, x[k1:], ldx, l[k1*ldl+k1:], ldl, d2)
}

// SplitPoint returns where a recursive blocked algorithm splits an order k
// (k ≥ 2): about half, rounded up to a multiple of 8 when that leaves both
// parts non-empty.
func SplitPoint(k int) int {
	h := roundUp(k/2, 8)
	if h <= 0 || h >= k {
		h = k / 2
	}
	return h
}

func (w *Workspace) trsmLeaf(m, k int, x []float64, ldx int, l []float64, ldl int, d []float64) {
	w.reserve(0)
	x8 := w.x8[:8*k]
	var inv []float64
	if d != nil {
		inv = w.inv[:k]
		for c, v := range d[:k] {
			inv[c] = 1 / v
		}
	}
	tr := kern.trsm8
	for i0 := 0; i0 < m; i0 += 8 {
		rows := min(8, m-i0)
		r := 0
		for ; r+4 <= rows; r += 4 {
			pack4(x8[r:], 8, x[(i0+r)*ldx:], ldx, k, nil)
		}
		for ; r < 8; r++ {
			packOne(x8[r:], 8, x, (i0+r)*ldx, k, nil, r < rows)
		}
		tr(x8, l, ldl, k)
		r = 0
		for ; r+4 <= rows; r += 4 {
			unpack4(x[(i0+r)*ldx:], ldx, x8[r:], k, inv)
		}
		for ; r < rows; r++ {
			dst := x[(i0+r)*ldx : (i0+r)*ldx+k]
			for c := range dst {
				v := x8[c*8+r]
				if inv != nil {
					v *= inv[c]
				}
				dst[c] = v
			}
		}
	}
}

// unpack4 is the inverse of pack4 at stride 8, times inv when it is not
// nil: a[r·lda+p] = src[8p+r]·inv[p].
func unpack4(a []float64, lda int, src []float64, k int, inv []float64) {
	r0, r1, r2, r3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	src = src[:8*(k-1)+4]
	if inv == nil {
		for p := range r0 {
			s := src[8*p : 8*p+4]
			r0[p], r1[p], r2[p], r3[p] = s[0], s[1], s[2], s[3]
		}
		return
	}
	inv = inv[:k]
	for p, v := range inv {
		s := src[8*p : 8*p+4]
		r0[p], r1[p], r2[p], r3[p] = s[0]*v, s[1]*v, s[2]*v, s[3]*v
	}
}

// gemm4x4Generic is the generic Go micro-kernel (mr = nr = 4).
func gemm4x4Generic(k int, ap, bp, c []float64, ldc int) {
	ap, bp = ap[:4*k], bp[:4*k]
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float64
	for p := 0; p < k; p++ {
		a := ap[4*p : 4*p+4]
		b := bp[4*p : 4*p+4]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r0 := c[0:4]
	r1 := c[ldc : ldc+4]
	r2 := c[2*ldc : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4]
	r0[0], r0[1], r0[2], r0[3] = r0[0]-c00, r0[1]-c01, r0[2]-c02, r0[3]-c03
	r1[0], r1[1], r1[2], r1[3] = r1[0]-c10, r1[1]-c11, r1[2]-c12, r1[3]-c13
	r2[0], r2[1], r2[2], r2[3] = r2[0]-c20, r2[1]-c21, r2[2]-c22, r2[3]-c23
	r3[0], r3[1], r3[2], r3[3] = r3[0]-c30, r3[1]-c31, r3[2]-c32, r3[3]-c33
}

// trsm8Generic is the generic Go packed triangular solve (see microKernel).
func trsm8Generic(x, l []float64, ldl, k int) {
	x = x[:8*k]
	for j := 1; j < k; j++ {
		lj := l[j*ldl : j*ldl+j]
		xj := x[8*j : 8*j+8]
		s0, s1, s2, s3, s4, s5, s6, s7 := xj[0], xj[1], xj[2], xj[3], xj[4], xj[5], xj[6], xj[7]
		for c, v := range lj {
			xc := x[8*c : 8*c+8]
			s0 -= v * xc[0]
			s1 -= v * xc[1]
			s2 -= v * xc[2]
			s3 -= v * xc[3]
			s4 -= v * xc[4]
			s5 -= v * xc[5]
			s6 -= v * xc[6]
			s7 -= v * xc[7]
		}
		xj[0], xj[1], xj[2], xj[3], xj[4], xj[5], xj[6], xj[7] = s0, s1, s2, s3, s4, s5, s6, s7
	}
}
