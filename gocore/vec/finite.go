package vec

// AllFinite reports whether every entry of v is finite: v·0 is 0 for a
// finite v and NaN for ±Inf and NaN, and four running sums of those
// products stay 0 exactly when every entry is finite. Branch-free, it is
// several times the speed of a math.IsNaN/IsInf test per entry: the C
// ABI's finiteness checks of dense inputs and the dense dual
// factorization's scan of its scattered values (~3 % of a BPQP study
// solve at n = 100) use it; a caller that must name the entry searches
// the slice that failed.
func AllFinite(v []float64) bool {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		s0 += w[0] * 0
		s1 += w[1] * 0
		s2 += w[2] * 0
		s3 += w[3] * 0
	}
	for ; i < len(v); i++ {
		s0 += v[i] * 0
	}
	return s0+s1+s2+s3 == 0
}
