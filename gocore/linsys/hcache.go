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
	prev  []float64 // values of the last full scatter (while prevOK)
	hIdx  []int     // value indices of the row diagonal (sorted)
	hDst  []int     // their buffer positions
	valid bool
	// next is the values version announced for the next Factor
	// (SetValuesVersion; 0: none), cur the one of the current Factor and
	// ver the one of the values in prev (0: unknown).
	next, cur, ver uint64
	// Skipped counts the comparisons a matching version skipped.
	skipped int
	// eqSpans: the leading spans between H entries (hIdx) that the last
	// onlyH found equal before one that differs (a caller comparing the
	// same values further starts after them).
	eqSpans int
	// prevOK: prev holds the values of the last full scatter (store);
	// false after storeScattered, whose owner reads them back from its
	// scatter buffer instead.
	prevOK bool
}

// setNext announces the version of the next Factor's values.
func (c *hCache) setNext(v uint64) { c.next = v }

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
//
// When the caller announced for these values the version of the last
// full scatter (SetValuesVersion), the values outside H are those of
// prev by the caller's word and the comparison is skipped.
func (c *hCache) onlyH(values, buf []float64) (ok, finite bool) {
	c.cur, c.next = c.next, 0
	c.eqSpans = 0
	if !c.valid {
		return false, false
	}
	if c.cur != 0 && c.cur == c.ver {
		c.skipped++
		return true, c.writeH(values, buf)
	}
	a := 0
	for t, k := range c.hIdx {
		if !equalBits(values[a:k], c.prev[a:k]) {
			c.eqSpans = t
			return false, false
		}
		a = k + 1
	}
	if !equalBits(values[a:len(c.prev)], c.prev[a:]) {
		c.eqSpans = len(c.hIdx)
		return false, false
	}
	// prev also holds the values of the announced version.
	c.ver = c.cur
	return true, c.writeH(values, buf)
}

// writeH writes the H entries of values into buf and reports whether
// they are all finite. One value per position: a pattern with duplicate
// H diagonal entries (DenseDual.dupH) must not take the paths that call
// it, whose write would leave one value where the sum belongs.
func (c *hCache) writeH(values, buf []float64) bool {
	finite := true
	for t, k := range c.hIdx {
		v := values[k]
		buf[c.hDst[t]] = v
		finite = finite && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return finite
}

// store records values as the last full scatter.
// The version of the current Factor (0 when none was announced) becomes
// that of prev.
func (c *hCache) store(values []float64) {
	copy(c.prev, values)
	c.valid = true
	c.ver = c.cur
	c.prevOK = true
}

// storeScattered records a full scatter as store does without copying
// the values into prev: their owner (DenseDual) found each of them in its
// scatter buffer bit for bit and compares with that buffer instead, so
// that prev — nnz words, as many as the values — is not written on every
// full scatter.
func (c *hCache) storeScattered() {
	c.valid = true
	c.ver = c.cur
	c.prevOK = false
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
