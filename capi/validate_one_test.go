package main

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// checkPSDPasses is checkPSD's decision for one element by the separate
// passes (MaxAsymmetry, then ShiftedCholeskyOK): the reference of
// TestCheckPSDOne.
func checkPSDPasses(p []float64, n int, symTol, shift float64) (bad int, asym float64, info int32) {
	if a, scale := linsys.MaxAsymmetry(p, n); a > symTol*scale {
		return 0, a, 0
	}
	if !linsys.ShiftedCholeskyOK(p, n, shift, make([]float64, n*n)) {
		return -1, 0, 1
	}
	return -1, 0, 0
}

// TestCheckPSDOne: checkPSD on one element (B = 1 or P shared, the fused
// pass of checkPSDOne) returns what the separate passes return — the
// asymmetric element and its max |P − Pᵀ| exactly, else the factorization's
// decision — on seeded PSD, indefinite, rank-deficient, ε-ridge,
// asymmetric (by more and by less than the tolerance) matrices and ones
// with a NaN (also next to an asymmetric pair) or an Inf, at orders around the tile of eight and the
// factorization's forms; every outcome occurs.
func TestCheckPSDOne(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	const symTol, shift = 1e3 * 2.220446049250313e-16, 1e-8
	seen := map[string]int{}
	for _, n := range []int{1, 2, 7, 9, 17, 50, 100, 193} {
		for kind := 0; kind < 9; kind++ {
			t.Run(fmt.Sprintf("n=%d/kind=%d", n, kind), func(t *testing.T) {
				P := testfam.GramP(rng, n)
				i, j := rng.Intn(n), rng.Intn(n)
				switch kind {
				case 1: // indefinite
					for k := 0; k < n; k++ {
						P[k*n+k] -= 3 * float64(n)
					}
				case 2: // rank-deficient PSD
					for k := 0; k < n; k++ {
						P[k*n+j], P[j*n+k] = 0, 0
					}
				case 3: // ε-ridge, one negative diagonal entry
					clear(P)
					for k := 0; k < n; k++ {
						P[k*n+k] = 1e-6
					}
					P[j*n+j] = -1
				case 4: // asymmetric beyond the tolerance
					if i != j {
						P[i*n+j] += 1e-6
					}
				case 5: // asymmetric within it
					P[i*n+j] += 1e-16 * P[i*n+j]
				case 6:
					P[i*n+j] = math.NaN()
				case 7:
					P[i*n+j] = math.Inf(1)
				case 8: // a NaN and an asymmetric pair elsewhere (the NaN is left out of the maxima)
					P[i*n+j] = math.NaN()
					if n > 2 {
						a, b := (i+1)%n, (i+2)%n
						if a == j || b == j {
							a, b = (j+1)%n, (j+2)%n
						}
						P[a*n+b] += 1
					}
				}
				infos := []int32{0}
				arr := operand{name: "P", data: P, size: n * n}
				bad, asym := checkPSD(arr, n, 1, symTol, shift, infos)
				wb, wa, wi := checkPSDPasses(P, n, symTol, shift)
				if bad != wb || asym != wa || infos[0] != wi {
					t.Fatalf("checkPSD = (%d, %v, info %d), the separate passes (%d, %v, info %d)", bad, asym, infos[0], wb, wa, wi)
				}
				switch {
				case bad >= 0:
					seen["asymmetric"]++
				case infos[0] != 0:
					seen["not psd"]++
				default:
					seen["psd"]++
				}
			})
		}
	}
	if len(seen) != 3 {
		t.Errorf("outcomes %v: all three must occur", seen)
	}
}
