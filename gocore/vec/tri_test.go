package vec

import "testing"

// TestLowerSolve4Short: blocks that reach past l or x panic rather than
// read or write past them (where the kernels run).
func TestLowerSolve4Short(t *testing.T) {
	if !triAsm {
		t.Skip("no assembly triangular kernels here")
	}
	for _, tc := range []struct {
		name       string
		nl, ld, nx int
	}{{"l", 8*8 - 2, 8, 8}, {"x", 64, 8, 7}, {"ld", 64, 7, 8}} {
		for _, f := range []func([]float64, int, int, []float64) bool{LowerSolve4, LowerTSolve4} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s too short: no panic", tc.name)
					}
				}()
				f(make([]float64, tc.nl), tc.ld, 2, make([]float64, tc.nx))
			}()
		}
	}
	// Exactly long enough: row 7 up to column 6.
	if !LowerSolve4(make([]float64, 7*8+7), 8, 2, make([]float64, 8)) {
		t.Error("LowerSolve4 did not run")
	}
}

// TestLowerSolvePairsShort: an order reaching past l or x panics (where
// the kernels run); orders below 2 leave x to the caller.
func TestLowerSolvePairsShort(t *testing.T) {
	if !triAsm {
		t.Skip("no assembly triangular kernels here")
	}
	for _, tc := range []struct {
		name       string
		nl, ld, nx int
	}{{"l", 4*5 + 3, 5, 5}, {"x", 25, 5, 4}} {
		for _, f := range []func([]float64, int, int, []float64) bool{LowerSolvePairs, LowerTSolvePairs} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s too short: no panic", tc.name)
					}
				}()
				f(make([]float64, tc.nl), tc.ld, 5, make([]float64, tc.nx))
			}()
		}
	}
	if LowerSolvePairs(nil, 1, 1, make([]float64, 1)) || !LowerTSolvePairs(make([]float64, 4*5+4), 5, 5, make([]float64, 5)) {
		t.Error("order 1 ran, or an exactly long enough order 5 did not")
	}
}
