package linsys

import (
	"errors"
	"math/rand"
	"testing"
)

// FactoredXBlock returns the x block of the values factored (the KKT's
// upper pattern entries of columns < nx, mirrored) after a successful
// Factor, also when only H changed since; nothing before any Factor,
// after a refused x block, or for an extended x block.
func TestDenseDualFactoredXBlock(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, sz := range []struct{ nx, m int }{{1, 1}, {5, 9}, {17, 40}, {60, 20}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := f.FactoredXBlock(); ok {
			t.Fatalf("%+v: an x block before any Factor", sz)
		}
		want := func(vals []float64) []float64 {
			x := make([]float64, sz.nx*sz.nx)
			for j := 0; j < sz.nx; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if i := pat.Rowval[k]; i < sz.nx {
						x[i*sz.nx+j], x[j*sz.nx+i] = vals[k], vals[k]
					}
				}
			}
			return x
		}
		check := func(what string, vals []float64) {
			t.Helper()
			x, nx, ok := f.FactoredXBlock()
			if !ok || nx != sz.nx {
				t.Fatalf("%+v %s: ok %v nx %d", sz, what, ok, nx)
			}
			w := want(vals)
			for i := range w {
				if x[i] != w[i] {
					t.Fatalf("%+v %s: entry %d is %g, want %g", sz, what, i, x[i], w[i])
				}
			}
		}
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
		check("first", vals)
		v2 := append([]float64(nil), vals...)
		for j := sz.nx; j < pat.N; j++ {
			v2[pat.Colptr[j+1]-1] -= rng.Float64() // H only
		}
		if err := f.Factor(v2); err != nil {
			t.Fatal(err)
		}
		check("new H", v2)
		v3 := append([]float64(nil), vals...)
		for j := 0; j < sz.nx; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if pat.Rowval[k] < sz.nx {
					v3[k] = 0
				}
			}
		}
		if err := f.Factor(v3); !errors.Is(err, ErrDualSingular) {
			t.Fatalf("%+v: singular x block gave %v", sz, err)
		}
		if _, _, ok := f.FactoredXBlock(); ok {
			t.Fatalf("%+v: an x block after a refusal", sz)
		}
	}
	L := []float64{1, 2, 3, 4}
	pat, vals, order, signs := cvxpyKKT(rng, 2, 3, L)
	f, err := NewDenseDualOrder(pat, 6, order, signs)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Factor(vals); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.FactoredXBlock(); ok {
		t.Fatal("an extended x block")
	}
}
