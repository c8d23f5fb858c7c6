package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// TestDenseDualPxClean: a full scatter after one that left px's
// off-diagonal positions +0 (pxClean) clears and checks only px's
// diagonal, a and h; over a seeded sequence of Factors on one
// factorizer — diagonal and dense x blocks (the C ABI's dense layout),
// signed zeros, NaN and infinities on and off the diagonal and in A —
// the scattered buffer is the entry-by-entry scatter's bit for bit and
// the error that of a fresh factorizer on the same values; the scatter's
// finiteness test agrees with a test of every value.
func TestDenseDualPxClean(t *testing.T) {
	const nx, m = 6, 4
	pat, base := denseKKTPattern(nx, m)
	isDiag := func(k int) bool { // value k is on P's diagonal
		for j := 0; j < nx; j++ {
			for q := pat.Colptr[j]; q < pat.Colptr[j+1]; q++ {
				if q == k {
					return pat.Rowval[q] == j
				}
			}
		}
		return false
	}
	offP := func(k int) bool { // value k is in P, off its diagonal
		return k < pat.Colptr[nx] && !isDiag(k)
	}
	f, err := NewDenseDual(pat, nx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(68))
	nz := math.Copysign(0, -1)
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	kinds := map[string]int{}
	for trial := 0; trial < 400; trial++ {
		vals := append([]float64(nil), base...)
		dense := rng.Intn(3) == 0
		for k := range vals {
			switch {
			case offP(k) && !dense:
				if rng.Intn(4) == 0 {
					vals[k] = nz
				} else {
					vals[k] = 0
				}
			case offP(k):
				vals[k] = 0.1 * rng.NormFloat64()
			case isDiag(k):
				vals[k] = 1 + rng.Float64()
			case k < pat.Colptr[nx+m] && vals[k] != -1:
				vals[k] = rng.NormFloat64()
			}
		}
		if rng.Intn(4) == 0 {
			k := rng.Intn(len(vals))
			vals[k] = bad[rng.Intn(len(bad))]
			switch {
			case isDiag(k):
				kinds["diagonal"]++
			case offP(k):
				kinds["off"]++
			default:
				kinds["rows"]++
			}
		}
		if dense {
			kinds["dense"]++
		}
		got := f.Factor(vals)
		g, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		if want := g.Factor(vals); (got == ErrSingular) != (want == ErrSingular) {
			t.Fatalf("trial %d: Factor error %v, fresh factorizer's %v", trial, got, want)
		}
		if f.scatterFinite() != vec.AllFinite(f.buf) {
			t.Fatalf("trial %d: finiteness of the scatter %v, of every value %v", trial, f.scatterFinite(), vec.AllFinite(f.buf))
		}
		sameBuf(t, fmt.Sprintf("trial %d", trial), f, refScatter(f, vals))
	}
	for _, k := range []string{"diagonal", "off", "rows", "dense"} {
		if kinds[k] == 0 {
			t.Fatalf("no trial of kind %q", k)
		}
	}
}
