package linsys

import (
	"math"
	"math/rand"
	"testing"
)

// TestDualFactorExport: a DenseDual factorization exported and parsed back
// solves as the DenseDual does (full and masked active-set systems), and
// ParseDualFactor rejects malformed records without panicking.
func TestDualFactorExport(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, sz := range []struct{ nx, m int }{{1, 1}, {6, 3}, {13, 8}, {17, 12}, {45, 33}} {
		pat, vals, _ := randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		f, err := NewDenseDual(pat, sz.nx)
		if err != nil {
			t.Fatal(err)
		}
		// Decouple every third row: the polish's active-set system.
		act := append([]float64(nil), vals...)
		for j := sz.nx; j < pat.N; j++ {
			if (j-sz.nx)%3 != 2 {
				continue
			}
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if i := pat.Rowval[k]; i == j {
					act[k] = -1
				} else if i < sz.nx {
					act[k] = 0
				}
			}
		}
		for _, c := range []struct {
			name string
			v    []float64
		}{{"full", vals}, {"active set", act}} {
			if err := f.Factor(c.v); err != nil {
				t.Fatalf("%+v %s: %v", sz, c.name, err)
			}
			buf := make([]float64, DualFactorLen(sz.nx, min(sz.nx, sz.m)))
			k := f.ExportFactor(buf)
			if k == 0 {
				t.Fatalf("%+v %s: not exported", sz, c.name)
			}
			view, ok := ParseDualFactor(buf[:k], sz.nx, sz.m)
			if !ok {
				t.Fatalf("%+v %s: export does not parse", sz, c.name)
			}
			b := randVec(rng, pat.N)
			want, got := append([]float64(nil), b...), append([]float64(nil), b...)
			f.Solve(want)
			view.Solve(got)
			if d := relDiff(got, want); d > 1e-13 {
				t.Fatalf("%+v %s: view solve differs from DenseDual's by %g", sz, c.name, d)
			}
			if r := relResidual(pat, c.v, got, b); r > 1e-10 {
				t.Fatalf("%+v %s: relative residual %g", sz, c.name, r)
			}
			// Malformed records.
			bad := map[string][]float64{"short": buf[:k-1], "empty": nil, "other order": append([]float64{float64(sz.nx + 1)}, buf[1:k]...)}
			for name, mod := range map[string]func(b []float64){
				"rows beyond m":  func(b []float64) { b[1] = float64(sz.m + 1) },
				"fractional nr":  func(b []float64) { b[1] = 0.5 },
				"NaN pivot":      func(b []float64) { b[k-1-max(0, int(b[1])*(int(b[1])-1)/2)] = math.NaN() },
				"negative pivot": func(b []float64) { b[2+int(b[1])] = -1 },
				"row repeated": func(b []float64) {
					if b[1] >= 2 {
						b[3] = b[2]
					} else {
						b[1] = -1
					}
				},
			} {
				c := append([]float64(nil), buf[:k]...)
				mod(c)
				bad[name] = c
			}
			for name, b := range bad {
				if _, ok := ParseDualFactor(b, sz.nx, sz.m); ok {
					t.Errorf("%+v %s: malformed record (%s) parsed", sz, c.name, name)
				}
			}
		}
	}
}

// FuzzParseDualFactor: no content makes ParseDualFactor or a parsed view's
// Solve panic.
func FuzzParseDualFactor(f *testing.F) {
	f.Add(3, 2, []byte{3, 2, 0, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, nx, mr int, raw []byte) {
		if nx < 1 || nx > 8 || mr < 0 || mr > 8 {
			return
		}
		buf := make([]float64, len(raw))
		for i, b := range raw {
			buf[i] = float64(b%16) - 1
		}
		if v, ok := ParseDualFactor(buf, nx, mr); ok {
			v.Solve(make([]float64, nx+mr))
		}
	})
}
