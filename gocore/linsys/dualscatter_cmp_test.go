package linsys

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestDenseDualScatterCompare checks that comparing a Factor's values with
// the scatter buffer (hCache.storeScattered: no copy of the values when
// they all arrive there bit for bit) decides every Factor as the copy did
// (keepPrev): over sequences of the kkt.System's calls — new data with
// and without a version, H alone changed, active-set systems announced by
// SetValuesVersionZeroRows or found by comparison, the same data again
// under a new version, zero signs flipped, −0 in A or off P's diagonal
// (where the copy must be kept) — the solutions, products, factor error
// and C formations agree bit for bit, on dense and sparse patterns, a
// dense P and an ε-ridge P given dense. It also checks that both ways of
// storing were taken.
func TestDenseDualScatterCompare(t *testing.T) {
	defer func(v int) { scatterCompareMin = v }(scatterCompareMin)
	scatterCompareMin = 0
	nz := math.Copysign(0, -1)
	scattered, copied := 0, 0
	for trial := 0; trial < 48; trial++ {
		rng := rand.New(rand.NewSource(int64(100 + trial)))
		var pat *Pattern
		var vals []float64
		nx, m := 3+rng.Intn(30), 1+rng.Intn(24)
		ridge := false
		switch trial % 3 {
		case 0:
			pat, vals, _ = randomKKT(rng, nx, m, 0.4, 1e-1)
		case 1, 2:
			ridge = trial%3 == 2
			pat, vals = denseKKTPattern(nx, m)
			for j := 0; j < nx; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					i := pat.Rowval[k]
					switch {
					case i == j:
						vals[k] = 1 + float64(nx) + rng.Float64()
					case ridge:
						vals[k] = 0
					default:
						vals[k] = rng.NormFloat64() * 0.1
					}
				}
			}
			for j := nx; j < pat.N; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if pat.Rowval[k] < nx {
						vals[k] = rng.NormFloat64()
					}
				}
			}
		}
		isA := func(k, j int) bool { return j >= nx && pat.Rowval[k] < nx }
		isH := func(k, j int) bool { return j >= nx && pat.Rowval[k] == j }
		// Row r's A value indices (by the column nx+r).
		rowA := func(r int) []int {
			var ks []int
			for k := pat.Colptr[nx+r]; k < pat.Colptr[nx+r+1]; k++ {
				if pat.Rowval[k] < nx {
					ks = append(ks, k)
				}
			}
			return ks
		}
		setH := func(v []float64) []float64 {
			v = append([]float64(nil), v...)
			for j := nx; j < pat.N; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if isH(k, j) {
						v[k] = -0.5 - rng.Float64()
					}
				}
			}
			return v
		}
		// −0 in some trials: an A value, a zero off P's diagonal.
		base := setH(vals)
		if trial%4 == 1 {
			if ks := rowA(rng.Intn(m)); len(ks) > 0 {
				base[ks[0]] = nz
			}
		}
		if trial%4 == 3 && nx > 1 {
			for k := pat.Colptr[nx-1]; k < pat.Colptr[nx]; k++ {
				if pat.Rowval[k] != nx-1 && (ridge || base[k] == 0) {
					base[k] = nz
				}
			}
		}
		zeroRows := func(v []float64, rows []int) ([]float64, []int) {
			v = append([]float64(nil), v...)
			var named []int
			for _, r := range rows {
				ks := rowA(r)
				for _, k := range ks {
					v[k] = 0
				}
				if len(ks) > 0 {
					named = append(named, ks[len(ks)-1])
				}
			}
			for j := nx; j < pat.N; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					for _, r := range rows {
						if isH(k, j) && j-nx == r {
							v[k] = 1
						}
					}
				}
			}
			return v, named
		}
		flip := func(v []float64) []float64 {
			// Every zero outside H changes sign (A, P).
			v = append([]float64(nil), v...)
			for j := 0; j < pat.N; j++ {
				for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
					if !isH(k, j) && v[k] == 0 {
						v[k] = -v[k]
					}
				}
			}
			return v
		}
		other := append([]float64(nil), base...)
		for j := 0; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if isA(k, j) && other[k] != 0 {
					other[k] *= 1 + 1e-3*rng.Float64()
				}
			}
		}
		rows := []int{0, m / 2, m - 1}
		za, named := zeroRows(base, rows)
		zb, namedB := zeroRows(base, rows[:1])
		type call struct {
			vals  []float64
			ver   uint64
			named []int // SetValuesVersionZeroRows(ver, named) when non-nil
		}
		seq := []call{
			{base, 1, nil}, {setH(base), 1, nil}, {za, 1, named}, {setH(base), 1, nil},
			{zb, 0, nil}, {za, 0, nil}, {setH(base), 2, nil}, {za, 2, namedB}, {flip(base), 3, nil},
			{flip(base), 0, nil}, {flip(za), 0, nil}, {base, 0, nil}, {setH(base), 0, nil},
			{other, 4, nil}, {za, 1, named}, {base, 5, nil}, {za, 5, named}, {zb, 5, namedB},
		}
		var fs [2]*DenseDual
		for i := range fs {
			f, err := NewDenseDual(pat, nx)
			if err != nil {
				t.Fatal(err)
			}
			f.keepPrev = i == 1
			fs[i] = f
		}
		for s, c := range seq {
			var out [2]string
			for i, f := range fs {
				if c.named != nil {
					f.SetValuesVersionZeroRows(c.ver, c.named)
				} else {
					f.SetValuesVersion(c.ver)
				}
				err := f.Factor(c.vals)
				if i == 0 && err == nil {
					if f.hc.prevOK {
						copied++
					} else {
						scattered++
					}
				}
				b := randVec(rand.New(rand.NewSource(int64(s))), pat.N)
				x := append([]float64(nil), b...)
				y := make([]float64, pat.N)
				if err == nil {
					f.Solve(x)
					f.MulVec(x, y)
				}
				out[i] = fmt.Sprint(err, f.Forms, f.masked, bitsOf(x), bitsOf(y))
			}
			if out[0] != out[1] {
				t.Fatalf("trial %d (nx %d, m %d) call %d: buffer comparison and copy differ", trial, nx, m, s)
			}
		}
	}
	if scattered == 0 || copied == 0 {
		t.Fatalf("stores: %d scattered, %d copied; want both", scattered, copied)
	}
}

// bitsOf returns the bits of v's values.
func bitsOf(v []float64) []uint64 {
	b := make([]uint64, len(v))
	for i, x := range v {
		b[i] = math.Float64bits(x)
	}
	return b
}

// TestDenseDualWAliasesA checks formC's W = A without a copy (a diagonal x
// block, every A row nonzero): over a sequence that alternates an ε-ridge
// x block with a dense one and a zero A row, with H-only and masked
// factorizations between, every solution and product is a fresh
// DenseDual's (or, for the reused factorizations, the one that copies
// its values') bit for bit, and W is a's storage exactly when it should
// be.
func TestDenseDualWAliasesA(t *testing.T) {
	defer func(v int) { scatterCompareMin = v }(scatterCompareMin)
	scatterCompareMin = 0
	rng := rand.New(rand.NewSource(7))
	nx, m := 12, 9
	pat, vals := denseKKTPattern(nx, m)
	data := func(ridge, zeroRow bool) []float64 {
		v := append([]float64(nil), vals...)
		for j := 0; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				i := pat.Rowval[k]
				switch {
				case j < nx && i == j:
					v[k] = 2 + rng.Float64()
				case j < nx:
					v[k] = 0
					if !ridge {
						v[k] = 0.1 * rng.NormFloat64()
					}
				case i == j:
					v[k] = -1 - rng.Float64()
				default:
					v[k] = rng.NormFloat64()
					if zeroRow && j == nx+2 {
						v[k] = 0
					}
				}
			}
		}
		return v
	}
	aliased := func(f *DenseDual) bool { return len(f.w) > 0 && &f.w[0] == &f.a[0] }
	f, err := NewDenseDual(pat, nx)
	if err != nil {
		t.Fatal(err)
	}
	for s, c := range []struct {
		ridge, zeroRow, alias bool
	}{{true, false, true}, {false, false, false}, {true, false, true}, {true, true, false}, {true, false, true}, {false, true, false}} {
		v := data(c.ridge, c.zeroRow)
		run := func(f *DenseDual, v []float64) string {
			if err := f.Factor(v); err != nil {
				t.Fatalf("call %d: %v", s, err)
			}
			b := randVec(rand.New(rand.NewSource(int64(s))), pat.N)
			x := append([]float64(nil), b...)
			y := make([]float64, pat.N)
			f.Solve(x)
			f.MulVec(x, y)
			return fmt.Sprint(bitsOf(x), bitsOf(y))
		}
		fresh, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := run(f, v), run(fresh, v); got != want {
			t.Fatalf("call %d: solution differs from a fresh factorization's", s)
		}
		if aliased(f) != c.alias {
			t.Fatalf("call %d: W aliases a: %v, want %v", s, aliased(f), c.alias)
		}
		// H alone changed, then a masked row (A row 0 zeroed, H = 1): the
		// factorization reuses W; compared with one that keeps its own
		// copy of the values.
		ref, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		ref.keepPrev = true
		run(ref, v)
		h := append([]float64(nil), v...)
		for j := nx; j < pat.N; j++ {
			h[pat.Colptr[j+1]-1] *= 1.5
		}
		mk := append([]float64(nil), h...)
		for k := pat.Colptr[nx]; k < pat.Colptr[nx+1]-1; k++ {
			mk[k] = 0
		}
		mk[pat.Colptr[nx+1]-1] = 1
		for _, w := range [][]float64{h, mk, h} {
			if got, want := run(f, w), run(ref, w); got != want {
				t.Fatalf("call %d: reused factorization differs", s)
			}
		}
	}
}

// TestDenseDualTooLarge: a DenseDual whose buffer would pass int32 (its
// packed runs' range) is refused before any allocation.
func TestDenseDualTooLarge(t *testing.T) {
	for _, sz := range []struct{ nx, m int }{{46341, 0}, {30000, 60000}} {
		pat := &Pattern{N: sz.nx + sz.m, Colptr: make([]int, sz.nx+sz.m+1)}
		if _, err := NewDenseDual(pat, sz.nx); !errors.Is(err, ErrDualTooLarge) {
			t.Errorf("%+v: %v, want ErrDualTooLarge", sz, err)
		}
	}
	if _, err := NewDenseDual(&Pattern{N: 3, Colptr: make([]int, 4)}, 2); err != nil {
		t.Errorf("small: %v", err)
	}
}
