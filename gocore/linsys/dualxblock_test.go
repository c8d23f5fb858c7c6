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

// recordHook is an XBlockHook that records its calls and answers go.
type recordHook struct {
	calls int
	ok    bool
	x     []float64
	goOn  bool
}

func (h *recordHook) XBlock(x []float64, nx int, ok bool) bool {
	h.calls++
	h.ok, h.x = ok, append(h.x[:0], x...)
	return h.goOn
}

// TestDenseDualXBlockHook: the hook is called once, on the next x block:
// with the x block FactoredXBlock then returns (formed, or reused when
// only H changed) or with ok false on a refusal (also a kept one); a
// false answer makes Factor return ErrXBlockStop, after which the same
// values are formed again (not taken as refused), and a refused x block
// stays refused.
func TestDenseDualXBlockHook(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	pat, vals, _ := randomKKT(rng, 17, 40, 0.3, 1e-1)
	f, err := NewDenseDual(pat, 17)
	if err != nil {
		t.Fatal(err)
	}
	stop := &recordHook{}
	f.SetXBlockHook(stop)
	if err := f.Factor(vals); !errors.Is(err, ErrXBlockStop) || stop.calls != 1 || !stop.ok || len(stop.x) != 17*17 {
		t.Fatalf("stop: err %v, calls %d ok %v len %d", err, stop.calls, stop.ok, len(stop.x))
	}
	// The same values: formed again, the hook (cleared) not called.
	if err := f.Factor(vals); err != nil || stop.calls != 1 {
		t.Fatalf("after a stop: err %v, calls %d", err, stop.calls)
	}
	x, _, ok := f.FactoredXBlock()
	if !ok {
		t.Fatal("no x block after the refactorization")
	}
	for i := range x {
		if x[i] != stop.x[i] {
			t.Fatalf("the hook's x block differs at %d", i)
		}
	}
	// Only H changed: the reused x block is reported.
	goOn := &recordHook{goOn: true}
	f.SetXBlockHook(goOn)
	v2 := append([]float64(nil), vals...)
	v2[pat.Colptr[pat.N]-1] -= 0.5
	if err := f.Factor(v2); err != nil || goOn.calls != 1 || !goOn.ok {
		t.Fatalf("reuse: err %v, calls %d ok %v", err, goOn.calls, goOn.ok)
	}
	// A refused x block: ok false; stopping makes it ErrXBlockStop, and
	// the refusal is kept (the next Factor reports it to a new hook).
	v3 := append([]float64(nil), vals...)
	for j := 0; j < 17; j++ {
		for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
			if pat.Rowval[k] < 17 {
				v3[k] = 0
			}
		}
	}
	ref := &recordHook{}
	f.SetXBlockHook(ref)
	if err := f.Factor(v3); !errors.Is(err, ErrXBlockStop) || ref.calls != 1 || ref.ok || len(ref.x) != 0 {
		t.Fatalf("refused: err %v, calls %d ok %v", err, ref.calls, ref.ok)
	}
	again := &recordHook{goOn: true}
	f.SetXBlockHook(again)
	if err := f.Factor(v3); !errors.Is(err, ErrDualSingular) || again.calls != 1 || again.ok {
		t.Fatalf("kept refusal: err %v, calls %d ok %v", err, again.calls, again.ok)
	}
}
