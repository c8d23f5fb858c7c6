package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// symWithEigenvalues returns a row-major symmetric n×n matrix Q diag(eig) Qᵀ with a
// random orthogonal Q (Gram–Schmidt of a Gaussian matrix).
func symWithEigenvalues(rng *rand.Rand, eig []float64) []float64 {
	n := len(eig)
	q := make([]float64, n*n)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for j := 0; j < n; j++ { // columns of q orthonormal
		for k := 0; k < j; k++ {
			var dot float64
			for i := 0; i < n; i++ {
				dot += q[i*n+j] * q[i*n+k]
			}
			for i := 0; i < n; i++ {
				q[i*n+j] -= dot * q[i*n+k]
			}
		}
		var nrm float64
		for i := 0; i < n; i++ {
			nrm += q[i*n+j] * q[i*n+j]
		}
		nrm = math.Sqrt(nrm)
		for i := 0; i < n; i++ {
			q[i*n+j] /= nrm
		}
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += q[i*n+k] * eig[k] * q[j*n+k]
			}
			a[i*n+j], a[j*n+i] = s, s
		}
	}
	return a
}

func TestShiftedCholeskyOK(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name string
		n    int
		min  float64 // smallest eigenvalue; the others are in [1, 2)
		want bool
	}{
		{"definite n=1", 1, 0.5, true},
		{"definite odd n=13", 13, 1e-3, true},
		{"singular PSD n=10", 10, 0, true},
		{"singular PSD n=67", 67, 0, true},
		{"indefinite n=10", 10, -1e-3, false},
		{"indefinite n=67", 67, -0.5, false},
		{"negative definite n=3", 3, -1, false},
		// From blockMin: the blocked LDLᵀ.
		{"singular PSD n=200 blocked", 200, 0, true},
		{"definite n=257 blocked", 257, 1e-4, true},
		{"indefinite n=200 blocked", 200, -1e-3, false},
		{"negative definite n=230 blocked", 230, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eig := make([]float64, tc.n)
			for i := range eig {
				eig[i] = 1 + rng.Float64()
			}
			eig[tc.n/2] = tc.min
			if tc.min == -1 {
				for i := range eig {
					eig[i] = -eig[i]
				}
			}
			a := symWithEigenvalues(rng, eig)
			work := make([]float64, tc.n*tc.n)
			if got := ShiftedCholeskyOK(a, tc.n, 1e-8, work); got != tc.want {
				t.Fatalf("ShiftedCholeskyOK = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("zero matrix", func(t *testing.T) {
		if !ShiftedCholeskyOK(make([]float64, 16), 4, 1e-8, make([]float64, 16)) {
			t.Fatal("the zero matrix is PSD")
		}
	})
	t.Run("NaN", func(t *testing.T) {
		a := []float64{1, 0, 0, math.NaN()}
		if ShiftedCholeskyOK(a, 2, 1e-8, make([]float64, 4)) {
			t.Fatal("NaN accepted")
		}
	})
	t.Run("NaN blocked", func(t *testing.T) {
		n := blockMin + 3
		a := make([]float64, n*n)
		for i := 0; i < n; i++ {
			a[i*n+i] = 1
		}
		a[(n-1)*n+n/2], a[(n/2)*n+n-1] = math.NaN(), math.NaN()
		if ShiftedCholeskyOK(a, n, 1e-8, make([]float64, n*n)) {
			t.Fatal("NaN accepted")
		}
	})
	// Blocked and row forms decide alike away from the band
	// (−shift·‖a‖_F, 0) of the smallest eigenvalue, odd sizes included.
	t.Run("blocked vs rows", func(t *testing.T) {
		for _, n := range []int{blockMin, blockMin + 1, 301} {
			for _, lmin := range []float64{0.3, 1e-6, 0, -1e-4, -0.5} {
				eig := make([]float64, n)
				for i := range eig {
					eig[i] = 0.5 + rng.Float64()
				}
				eig[rng.Intn(n)] = lmin
				a := symWithEigenvalues(rng, eig)
				fro := 0.0
				for _, v := range a {
					fro += v * v
				}
				d := 1e-8 * math.Max(1, math.Sqrt(fro))
				work := make([]float64, n*n)
				rows, blocked := choleskyRowsOK(a, n, d, work), blockedPivotsOK(a, n, d, work)
				if rows != blocked || blocked != (lmin >= 0) {
					t.Fatalf("n %d λmin %g: rows %v, blocked %v", n, lmin, rows, blocked)
				}
			}
		}
	})
}

// TestShiftedCholeskyOKDiagonal: a matrix whose strictly lower triangle
// is zero takes the pivot-sign test, which must decide as the row
// factorization does (the ε-ridge P = εI of the BPQP study's LPs, zero,
// negative and NaN pivots, a nonzero upper triangle that is not read).
func TestShiftedCholeskyOKDiagonal(t *testing.T) {
	for _, tc := range []struct {
		name string
		diag []float64
		want bool
	}{
		{"eps ridge", []float64{1e-6, 1e-6, 1e-6, 1e-6, 1e-6}, true},
		{"zero", []float64{0, 0, 0}, true},
		{"mixed", []float64{2, 0, 1e-12, 5}, true},
		{"small negative within shift", []float64{1, -1e-9, 1}, true},
		{"negative", []float64{1, -1e-3, 1}, false},
		{"NaN", []float64{1, math.NaN(), 1}, false},
		{"n=1 negative", []float64{-1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.diag)
			a := make([]float64, n*n)
			for i, v := range tc.diag {
				a[i*n+i] = v
			}
			if n > 1 {
				a[1] = 0.25 // upper triangle: not read
			}
			fro := 0.0
			for _, v := range a {
				fro += v * v
			}
			d := 1e-8 * math.Max(1, math.Sqrt(fro))
			if ref := choleskyRowsOK(a, n, d, make([]float64, n*n)); ref != tc.want {
				t.Fatalf("row factorization says %v, the case wants %v", ref, tc.want)
			}
			if got := ShiftedCholeskyOK(a, n, 1e-8, make([]float64, n*n)); got != tc.want {
				t.Fatalf("ShiftedCholeskyOK = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMaxAsymmetry(t *testing.T) {
	for _, tc := range []struct {
		name        string
		a           []float64
		n           int
		asym, scale float64
	}{
		{"symmetric", []float64{2, 1, 1, 3}, 2, 0, 3},
		{"small entries scale 1", []float64{0.1, 0.2, 0.25, 0.1}, 2, 0.05, 1},
		{"3x3", []float64{1, 2, 3, 2, 1, -4, 3, 4, 1}, 3, 8, 4},
		{"empty", nil, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asym, scale := MaxAsymmetry(tc.a, tc.n)
			if math.Abs(asym-tc.asym) > 1e-15 || scale != tc.scale {
				t.Fatalf("got (%g, %g), want (%g, %g)", asym, scale, tc.asym, tc.scale)
			}
		})
	}
}
