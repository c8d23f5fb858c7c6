package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestDenseDualScatterNoClear: the full scatter writes +0 + v into each
// position a value reaches instead of clearing buf first; the positions
// no value reaches (a sparse P's and A's structural zeros, a row without
// an H entry) keep NewDenseDual's +0, and an off-diagonal run of zeros
// skipped over a px that is not clean is written. Over seeded sparse
// patterns and a sequence of Factors on one factorizer — x blocks that
// alternate between diagonal (off-diagonal values ±0) and not, a
// diagonal shift (a regularization change), signed zeros and zero rows in
// A, NaN and ±Inf — buf is bit for bit the entry-by-entry scatter into a
// cleared buffer, and Factor's error and the solution of a right-hand
// side are a fresh factorizer's bit for bit.
func TestDenseDualScatterNoClear(t *testing.T) {
	rng := rand.New(rand.NewSource(91))
	nz := math.Copysign(0, -1)
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	kinds := map[string]int{}
	for trial := 0; trial < 30; trial++ {
		nx, m := 2+rng.Intn(9), 1+rng.Intn(7)
		b := newUpperBuilder(nx + m)
		offP := map[[2]int]bool{}
		for j := 0; j < nx; j++ {
			b.add(j, j, 1)
			for i := 0; i < j; i++ {
				if rng.Intn(3) == 0 {
					b.add(i, j, 0.1)
					offP[[2]int{i, j}] = true
				}
			}
		}
		for r := 0; r < m; r++ {
			for j := 0; j < nx; j++ {
				if rng.Intn(2) == 0 {
					b.add(j, nx+r, 1)
				}
			}
			if rng.Intn(5) != 0 {
				b.add(nx+r, nx+r, -1)
			}
		}
		pat, _ := b.build()
		kind := func(k int) string { // the block of value k
			j := 0
			for pat.Colptr[j+1] <= k {
				j++
			}
			i := pat.Rowval[k]
			switch {
			case j < nx && i == j:
				return "pdiag"
			case j < nx:
				return "poff"
			case i < nx:
				return "a"
			}
			return "h"
		}
		kindOf := make([]string, pat.Colptr[nx+m])
		for k := range kindOf {
			kindOf[k] = kind(k)
		}
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		rhs := make([]float64, nx+m)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		for call := 0; call < 25; call++ {
			vals := make([]float64, len(kindOf))
			diagX := rng.Intn(2) == 0
			shift := float64(rng.Intn(3)) // the diagonal's regularization
			zeroRow := rng.Intn(m + 2)    // a row of A of ±0 (none when ≥ m)
			for k, kd := range kindOf {
				switch kd {
				case "pdiag":
					vals[k] = 2 + shift + rng.Float64()
					if rng.Intn(40) == 0 {
						vals[k] = nz // a run of one value
					}
				case "poff":
					if diagX {
						vals[k] = 0
						if rng.Intn(3) == 0 {
							vals[k] = nz
						}
					} else {
						vals[k] = 0.2 * rng.NormFloat64()
					}
				case "a":
					vals[k] = rng.NormFloat64()
					if rng.Intn(6) == 0 {
						vals[k] = nz
					}
				case "h":
					vals[k] = -1 - rng.Float64()
					if rng.Intn(20) == 0 {
						vals[k] = nz
					}
				}
			}
			if zeroRow < m {
				for j := pat.Colptr[nx+zeroRow]; j < pat.Colptr[nx+zeroRow+1]; j++ {
					if kindOf[j] == "a" {
						vals[j] = nz
					}
				}
				kinds["zero row"]++
			}
			if rng.Intn(6) == 0 {
				k := rng.Intn(len(vals))
				vals[k] = bad[rng.Intn(len(bad))]
				kinds["bad "+kindOf[k]]++
			}
			if diagX {
				kinds["diagonal"]++
			} else {
				kinds["off"]++
			}
			got := f.Factor(vals)
			g, err := NewDenseDual(pat, nx)
			if err != nil {
				t.Fatal(err)
			}
			want := g.Factor(vals)
			if (got == nil) != (want == nil) || (got == ErrSingular) != (want == ErrSingular) {
				t.Fatalf("trial %d call %d: Factor error %v, fresh factorizer's %v", trial, call, got, want)
			}
			sameBuf(t, fmt.Sprintf("trial %d call %d", trial, call), f, refScatter(f, vals))
			if got != nil {
				continue
			}
			x, y := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
			f.Solve(x)
			g.Solve(y)
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
					t.Fatalf("trial %d call %d: x[%d] = %v, fresh factorizer's %v", trial, call, i, x[i], y[i])
				}
			}
			kinds["solved"]++
		}
	}
	for _, k := range []string{"diagonal", "off", "zero row", "solved", "bad poff", "bad a"} {
		if kinds[k] == 0 {
			t.Fatalf("no call of kind %q (%v)", k, kinds)
		}
	}
}
