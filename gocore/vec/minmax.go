package vec

import "math"

// Max is math.Max(a, b) bit for bit (signed zeros, infinities and NaNs
// included), calling math.Max only when a and b compare equal or one is a
// NaN: math.Max is an assembly call on amd64, which the solver's hot loops
// (refinement, termination tests, step lengths) took several times per
// row or solve.
func Max(a, b float64) float64 {
	switch {
	case a > b:
		return a
	case b > a:
		return b
	}
	return math.Max(a, b)
}

// Min is math.Min(a, b) bit for bit, calling math.Min only on ties and
// NaNs (see Max).
func Min(a, b float64) float64 {
	switch {
	case a < b:
		return a
	case b < a:
		return b
	}
	return math.Min(a, b)
}
