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
