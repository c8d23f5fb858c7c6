package linsys

import (
	"bytes"
	"math"
	"unsafe"
)

// hCache lets a dense factorization skip the scatter of a matrix whose
// values changed only on the diagonal of the constraint rows (H), as
// between two interior-point iterations: it keeps the values of the last
// full scatter and compares the others bit for bit, which costs one pass
// over them instead of a clear, a scatter and a finiteness scan.
type hCache struct {
	prev  []float64 // values of the last full scatter
	hIdx  []int     // value indices of the row diagonal (sorted)
	hDst  []int     // their buffer positions
	valid bool
}

// add records value index k as a row-diagonal entry scattered to dst.
func (c *hCache) add(k, dst int) {
	c.hIdx = append(c.hIdx, k)
	c.hDst = append(c.hDst, dst)
}

// init allocates for nnz values (after the add calls, in increasing k).
func (c *hCache) init(nnz int) { c.prev = make([]float64, nnz) }

// onlyH reports whether values differ from the last full scatter at most
// on the row diagonal; if so it writes those entries into buf and reports
// finite whether they are all finite.
func (c *hCache) onlyH(values, buf []float64) (ok, finite bool) {
	if !c.valid {
		return false, false
	}
	a := 0
	for _, k := range c.hIdx {
		if !equalBits(values[a:k], c.prev[a:k]) {
			return false, false
		}
		a = k + 1
	}
	if !equalBits(values[a:len(c.prev)], c.prev[a:]) {
		return false, false
	}
	finite = true
	for t, k := range c.hIdx {
		v := values[k]
		buf[c.hDst[t]] = v
		finite = finite && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return true, finite
}

// store records values as the last full scatter.
func (c *hCache) store(values []float64) {
	copy(c.prev, values)
	c.valid = true
}

// equalBits reports whether a and b (of equal length) hold the same
// values bit for bit: their bytes compared by the runtime's vectorized
// memequal (bytes.Equal), several times the speed of a loop over
// math.Float64bits on the per-iteration comparison of all matrix values.
func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	ab := unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 8*len(a))
	bb := unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 8*len(b))
	return bytes.Equal(ab, bb)
}
