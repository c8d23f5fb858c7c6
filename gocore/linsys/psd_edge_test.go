package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// TestShiftedCholeskyFormsDecideEdgeAlike: a matrix whose last pivot is
// exactly −shift·‖a‖_F (an SPD block G·Gᵀ + I with one decoupled diagonal
// entry at the threshold) is decided the same by ShiftedCholeskyOK (the
// batch path of the PSD check) and ShiftedCholeskyOKScan (the one-element
// path): with ‖a‖_F summed in different orders the two took different
// decisions on such matrices, so a P accepted alone could be rejected when
// repeated in a batch.
func TestShiftedCholeskyFormsDecideEdgeAlike(t *testing.T) {
	const shift = 1e-8
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 200; trial++ {
		n := 5 + rng.Intn(45)
		m := n - 1
		g := make([]float64, m*m)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		a := make([]float64, n*n)
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				var s float64
				for k := 0; k < m; k++ {
					s += g[i*m+k] * g[j*m+k]
				}
				a[i*n+j] = s
			}
			a[i*n+i]++
		}
		// The last diagonal entry d = −shift·max(1, ‖a‖_F), ‖a‖_F counting
		// d itself: iterated to its fixed point.
		last := (n-1)*n + n - 1
		a[last] = 0
		var fro float64
		for _, v := range a {
			fro += v * v
		}
		d := 0.0
		for it := 0; it < 20; it++ {
			d = -shift * math.Max(1, math.Sqrt(fro+d*d))
		}
		a[last] = d
		work := make([]float64, 4*n*n)
		got := ShiftedCholeskyOK(a, n, shift, work)
		want := ShiftedCholeskyOKScan(a, n, shift, ScanSquare(a, n), work)
		if got != want {
			t.Fatalf("trial %d, n = %d: ShiftedCholeskyOK %v, the scan form %v", trial, n, got, want)
		}
	}
}
