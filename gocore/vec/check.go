package vec

import "math/bits"

// blockFits reports whether rows ≥ 1 rows of stride ≥ 0 whose last holds
// cols ≥ 0 entries — (rows−1)·stride + cols entries — lie within n ≥ 0,
// with no intermediate overflow: the product is formed in 128 bits, so an
// absurd count or stride (which a wrapping int product would let through
// to an assembly kernel that writes past the slice) fails.
func blockFits(rows, stride, cols, n int) bool {
	if rows < 1 || stride < 0 || cols < 0 || cols > n {
		return false
	}
	hi, lo := bits.Mul64(uint64(rows-1), uint64(stride))
	return hi == 0 && lo <= uint64(n-cols)
}
