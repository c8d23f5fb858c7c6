package vec

import "math"

// SymScanAcc holds SymTile8's running measures of a square matrix F, in
// four lanes each: Sq the four sums of squares of linsys.ScanSquare's
// order (f0, f1, f2, f3: the upper and lower entries of the even and odd
// columns of a tile), and the lane-wise maximum of |F[i,j]| (Abs) and of
// |F[i,j] − F[j,i]| (Diff) and the OR (Low) of the lower entries, all on
// the bits without the sign. The maxima and the OR are to be reduced over
// their lanes; Sq's lanes are separate sums, each continued in order.
type SymScanAcc struct {
	Sq             [4]float64
	Abs, Diff, Low [4]uint64
}

// SymTile8 gathers and measures one 8×8 tile of a row-major square matrix
// F above its diagonal together with its mirror below: v holds the tile
// (rows i0 … i0+7, columns j0 … j0+7 of F, row r at v[r·lda:]), m its
// mirror (rows j0 … j0+7, columns i0 … i0+7, row t at m[t·lda:]), and d
// the packed upper triangle of ½(F + Fᵀ) from column j0's row i0 on
// (column j0+t's rows i0 … i0+7 at d[t·j0 + t(t+1)/2:], as column j of a
// packed upper triangle follows column j−1's j entries; j0 ≥ 7, so that
// the eight rows fit in column j0 and the columns do not overlap). For r = 0…7 and
// t = 0, 2, 4, 6 in that order, with (x, u) = (F[i0+r, j0+t], F[j0+t, i0+r])
// and (y, w) the same at t+1, it adds x², u², y², w² to Sq[0…3] as
// ScanSquare's f += x*x does in this build (each product rounded, or
// fused with the add where the compiler fuses: then in Go), takes |x|, |u|, |x − u| into the maxima and |u| into
// Low, and writes ½(x + u) to d: problem.Structure.GatherDensePScan's
// full tiles, bit for bit, with the tile's maxima in the lanes of its own.
// d must not overlap v or m. It panics if v, m or d is too short.
func SymTile8(acc *SymScanAcc, v, m []float64, lda int, d []float64, j0 int) {
	tile8Check("SymTile8", v, m, lda, d, j0)
	if symTileAsm {
		symTile8AVX(acc, &v[0], &m[0], lda, &d[0], j0)
		return
	}
	symTile8Go(acc, v, m, lda, d, j0)
}

// symTile8Go is SymTile8 in Go, in lane 0 of the maxima and Low. Its
// sums are written as linsys.ScanSquare writes them (f += x*x), so that a
// build whose compiler fuses the multiply–add (GOAMD64=v3, arm64) fuses
// both alike; the assembly, which rounds each product, runs only where
// the compiler does not (addFuses).
func symTile8Go(acc *SymScanAcc, v, m []float64, lda int, d []float64, j0 int) {
	const abs = 1<<63 - 1
	f0, f1, f2, f3 := acc.Sq[0], acc.Sq[1], acc.Sq[2], acc.Sq[3]
	sc, as, low := acc.Abs[0], acc.Diff[0], acc.Low[0]
	var ds, cs [8][]float64
	off := 0
	for t := range 8 {
		ds[t] = d[off : off+8]
		cs[t] = m[t*lda : t*lda+8]
		off += j0 + t + 1
	}
	for r := range 8 {
		row := v[r*lda : r*lda+8]
		for t := 0; t < 8; t += 2 {
			x, u := row[t], cs[t][r]
			bu := math.Float64bits(u) & abs
			sc = max(sc, math.Float64bits(x)&abs, bu)
			as = max(as, math.Float64bits(x-u)&abs)
			f0 += x * x
			f1 += u * u
			low |= bu
			ds[t][r] = 0.5 * (x + u)
			x, u = row[t+1], cs[t+1][r]
			bu = math.Float64bits(u) & abs
			sc = max(sc, math.Float64bits(x)&abs, bu)
			as = max(as, math.Float64bits(x-u)&abs)
			f2 += x * x
			f3 += u * u
			low |= bu
			ds[t+1][r] = 0.5 * (x + u)
		}
	}
	acc.Sq = [4]float64{f0, f1, f2, f3}
	acc.Abs[0], acc.Diff[0], acc.Low[0] = sc, as, low
}

// tile8Check panics unless v and m hold 8×8 tiles of stride lda and d the
// packed columns j0 … j0+7 (j0 ≥ 7) from a tile's first row, as
// SymTile8 and GatherTile8 take them; the products are formed without
// overflow (blockFits), so no absurd stride or offset reaches the
// assembly.
func tile8Check(name string, v, m []float64, lda int, d []float64, j0 int) {
	if !blockFits(8, lda, 8, len(v)) || !blockFits(8, lda, 8, len(m)) {
		panic("vec: " + name + ": v or m shorter than the tile")
	}
	if j0 < 7 || len(d) < 36 || j0 > (len(d)-36)/7 {
		panic("vec: " + name + ": j0 < 7 or d shorter than the tile's columns")
	}
}

// GatherTile8 is SymTile8's gather alone: it writes ½(x + u) of the tile
// v and its mirror m into the packed columns d (as SymTile8) and adds the
// 64 values written to sum's lanes, in an order of its own (only the
// finiteness of their total is meant: problem.Structure.GatherDenseP's
// finiteness test). d must not overlap v or m. It panics if v, m or d is
// too short.
func GatherTile8(sum *[4]float64, v, m []float64, lda int, d []float64, j0 int) {
	tile8Check("GatherTile8", v, m, lda, d, j0)
	if gatherTileAsm {
		gatherTile8AVX(sum, &v[0], &m[0], lda, &d[0], j0)
		return
	}
	off := 0
	var t float64
	for c := range 8 {
		col := d[off : off+8]
		for r := range col {
			x := 0.5 * (v[r*lda+c] + m[c*lda+r])
			col[r] = x
			t += x
		}
		off += j0 + c + 1
	}
	sum[0] += t
}

// addFuses reports whether this build's compiler fuses s += v*v into one
// multiply–add (GOAMD64=v3, arm64): then SymTile8 runs in Go, whose sums
// are rounded as linsys.ScanSquare's are in the same build.
func addFuses() bool {
	// v² = 1 + 2⁻²⁹ + 2⁻⁶⁰ rounds to 1 + 2⁻²⁹; fused, −1 + v² keeps 2⁻⁶⁰.
	return sumSquare(-1, 1+0x1p-30) != 0x1p-29
}

// sumSquare is s += v*v as ScanSquare writes it, not inlined (so that its
// operands are not constants).
//
//go:noinline
func sumSquare(s, v float64) float64 {
	s += v * v
	return s
}
