package linsys

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
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
// dense P and an ε-ridge P given dense. Each full scatter keeps the copy
// exactly when a −0 lies outside H, and both ways of storing are taken.
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
		seq := []modeCall{
			{base, 1, nil}, {setH(base), 1, nil}, {za, 1, named}, {setH(base), 1, nil},
			{zb, 0, nil}, {za, 0, nil}, {setH(base), 2, nil}, {za, 2, namedB}, {flip(base), 3, nil},
			{flip(base), 0, nil}, {flip(za), 0, nil}, {base, 0, nil}, {setH(base), 0, nil},
			{other, 4, nil}, {za, 1, named}, {base, 5, nil}, {za, 5, named}, {zb, 5, namedB},
		}
		hMask := make([]bool, len(vals))
		for j := nx; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				hMask[k] = isH(k, j)
			}
		}
		c, sc := compareModes(t, fmt.Sprintf("trial %d (nx %d, m %d)", trial, nx, m), seq, hMask, func() (*DenseDual, error) { return NewDenseDual(pat, nx) })
		copied += c
		scattered += sc
	}
	if scattered == 0 || copied == 0 {
		t.Fatalf("stores: %d scattered, %d copied; want both", scattered, copied)
	}
}

// modeCall is one Factor of compareModes' sequence.
type modeCall struct {
	vals  []float64
	ver   uint64
	named []int // SetValuesVersionZeroRows(ver, named) when non-nil
}

// compareModes runs seq on two DenseDuals made by mk, one comparing with
// its scatter buffer and one keeping the copy (keepPrev), and fails unless
// every call gives the same error, formations, mask, regularizations,
// version skips and bit-identical Solve and MulVec results; each full
// scatter must keep the copy exactly when a −0 lies outside H (hMask).
// It returns the full scatters that kept the copy and those that did not.
func compareModes(t *testing.T, what string, seq []modeCall, hMask []bool, mk func() (*DenseDual, error)) (copied, scattered int) {
	t.Helper()
	var fs [2]*DenseDual
	for i := range fs {
		f, err := mk()
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
			forms := f.Forms
			err := f.Factor(c.vals)
			if i == 0 && f.Forms > forms {
				if want := negZeroOutside(c.vals, hMask); f.hc.prevOK != want {
					t.Fatalf("%s call %d: full scatter kept the copy: %v, want %v", what, s, f.hc.prevOK, want)
				}
				if f.hc.prevOK {
					copied++
				} else {
					scattered++
				}
			}
			b := randVec(rand.New(rand.NewSource(int64(s))), f.n)
			x := append([]float64(nil), b...)
			y := make([]float64, len(x))
			if err == nil {
				f.Solve(x)
				f.MulVec(x, y)
			}
			out[i] = fmt.Sprint(err, f.Forms, f.masked, f.mask, f.Regularized(), f.VersionSkips(), bitsOf(x), bitsOf(y))
		}
		if out[0] != out[1] {
			t.Fatalf("%s call %d: buffer comparison and copy differ:\n%s\n%s", what, s, out[0], out[1])
		}
	}
	return copied, scattered
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

// TestDenseDualTooLarge: a DenseDual whose buffer or value count would
// pass int32 (its packed runs' range) is refused before any allocation,
// and the message names the cause: the sizes and buffer words, or the
// value count.
func TestDenseDualTooLarge(t *testing.T) {
	for _, sz := range []struct {
		nx, m int
		want  string
	}{{46341, 0, "x block 46341 and 0 rows (2147488281 buffer words)"}, {30000, 60000, "x block 30000 and 60000 rows (2700060000 buffer words)"}} {
		pat := &Pattern{N: sz.nx + sz.m, Colptr: make([]int, sz.nx+sz.m+1)}
		_, err := NewDenseDual(pat, sz.nx)
		if !errors.Is(err, ErrDualTooLarge) || !strings.Contains(err.Error(), sz.want) {
			t.Errorf("%+v: %v, want ErrDualTooLarge naming %q", sz, err, sz.want)
		}
	}
	if strconv.IntSize == 64 {
		// Small sizes, too many values (Colptr alone is read).
		// A variable, not a constant: int(2³¹) is a compile error
		// where int has 32 bits (GOARCH=386), though never run there.
		big64 := int64(math.MaxInt32) + 1
		big := int(big64)
		_, err := NewDenseDual(&Pattern{N: 3, Colptr: []int{0, 1, 2, big}}, 2)
		if !errors.Is(err, ErrDualTooLarge) || !strings.Contains(err.Error(), "2147483648 values") || strings.Contains(err.Error(), "rows") {
			t.Errorf("value count: %v, want ErrDualTooLarge naming 2147483648 values", err)
		}
	}
	if _, err := NewDenseDual(&Pattern{N: 3, Colptr: make([]int, 4)}, 2); err != nil {
		t.Errorf("small: %v", err)
	}
}

// negZeroOutside reports whether values hold a −0 at an index that h does
// not mark (H's): the one case in which a full scatter must keep a copy
// of its values (the scatter's +0 + v turns it into +0 in buf).
func negZeroOutside(values []float64, h []bool) bool {
	for k, v := range values {
		if !h[k] && v == 0 && math.Signbit(v) {
			return true
		}
	}
	return false
}

// TestDenseDualOrderScatterCompare is TestDenseDualScatterCompare on an
// extended x block in a permuted order (NewDenseDualOrder, as kkt builds
// it for cvxpy's form: t, the rows t − Lz = 0, z, then the inequality
// rows, each group shuffled): the comparison with the scatter buffer
// decides every Factor as the copy does — versions, active-set systems
// announced (SetValuesVersionZeroRows) or found, zero signs flipped, −0
// in A, in L (off px's diagonal), on z's empty diagonal and in H, NaN in
// A, in a zeroed row and in H — with bit-identical solutions and
// products, and each full scatter keeps the copy exactly when a −0 lies
// outside H.
func TestDenseDualOrderScatterCompare(t *testing.T) {
	defer func(v int) { scatterCompareMin = v }(scatterCompareMin)
	scatterCompareMin = 0
	nz := math.Copysign(0, -1)
	nan := math.NaN()
	scattered, copied := 0, 0
	for trial := 0; trial < 32; trial++ {
		rng := rand.New(rand.NewSource(int64(300 + trial)))
		z, mi := 1+rng.Intn(9), 2+rng.Intn(14)
		L := make([]float64, z*z)
		for i := range L {
			L[i] = 0.5 + rng.Float64()
		}
		pat, vals, order, signs := cvxpyKKT(rng, z, mi, L)
		nx := 3 * z
		for _, g := range [][2]int{{0, z}, {z, 2 * z}, {2 * z, nx}, {nx, pat.N}} {
			s := order[g[0]:g[1]]
			rng.Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
		}
		inv := make([]int, pat.N)
		for p, i := range order {
			inv[i] = p
		}
		// Classify the values by their positions in the order: H (both in
		// the row block), A (row r of the row block against the x block),
		// the x block's diagonal and its off-diagonal (L, the −1s).
		h := make([]bool, len(vals))
		aRow := make([]int, len(vals))
		var hIdx, xDiag, xOff []int
		for j := 0; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				pi, pj := inv[pat.Rowval[k]], inv[j]
				aRow[k] = -1
				switch {
				case pi >= nx && pj >= nx:
					h[k] = true
					hIdx = append(hIdx, k)
				case pi >= nx:
					aRow[k] = pi - nx
				case pj >= nx:
					aRow[k] = pj - nx
				case pi == pj:
					xDiag = append(xDiag, k)
				default:
					xOff = append(xOff, k)
				}
			}
		}
		rowA := func(r int) []int {
			var ks []int
			for k, ar := range aRow {
				if ar == r {
					ks = append(ks, k)
				}
			}
			return ks
		}
		cp := func(v []float64) []float64 { return append([]float64(nil), v...) }
		setH := func(v []float64) []float64 {
			v = cp(v)
			for _, k := range hIdx {
				v[k] = -0.5 - rng.Float64()
			}
			return v
		}
		with := func(v []float64, k int, x float64) []float64 {
			v = cp(v)
			v[k] = x
			return v
		}
		zeroRows := func(v []float64, rows []int) ([]float64, []int) {
			v = cp(v)
			var named []int
			for _, r := range rows {
				ks := rowA(r)
				for _, k := range ks {
					v[k] = 0
				}
				named = append(named, ks[rng.Intn(len(ks))])
			}
			return v, named
		}
		flip := func(v []float64) []float64 {
			v = cp(v)
			for k := range v {
				if !h[k] && v[k] == 0 {
					v[k] = -v[k]
				}
			}
			return v
		}
		base := setH(vals)
		other := cp(base)
		for k, r := range aRow {
			if r >= 0 {
				other[k] *= 1 + 1e-3*rng.Float64()
			}
		}
		rows := []int{0, mi / 2, mi - 1}
		za, named := zeroRows(base, rows)
		zb, namedB := zeroRows(base, rows[1:2])
		zo, namedO := zeroRows(other, rows[:1])
		a0 := rowA(rows[0])
		negA := with(base, a0[rng.Intn(len(a0))], nz)
		zn, namedN := zeroRows(negA, rows[2:])
		negL := with(base, xOff[rng.Intn(len(xOff))], nz)
		zeroDiag := -1 // z's empty diagonal or an equality row's
		for _, k := range xDiag {
			if base[k] == 0 {
				zeroDiag = k
			}
		}
		if zeroDiag < 0 {
			t.Fatal("no zero on the x block's diagonal")
		}
		negD := with(other, zeroDiag, nz)
		var pd []float64 // a nonzero of the x block's diagonal changed
		for _, k := range xDiag {
			if base[k] != 0 {
				pd = with(base, k, 1.5*base[k])
			}
		}
		negH := with(base, hIdx[rng.Intn(len(hIdx))], nz)
		nanA := with(base, a0[0], nan)
		nanZ := with(za, a0[len(a0)-1], nan)
		nanH := with(base, hIdx[rng.Intn(len(hIdx))], nan)
		seq := []modeCall{
			{base, 1, nil}, {setH(base), 1, nil}, {za, 1, named}, {setH(base), 0, nil},
			{zb, 0, nil}, {za, 0, nil}, {nanH, 0, nil}, {setH(base), 0, nil}, {nanZ, 0, nil},
			{base, 2, nil}, {zb, 2, namedB}, {za, 0, nil}, {nanA, 0, nil}, {base, 0, nil},
			{negA, 3, nil}, {setH(negA), 0, nil}, {zn, 3, namedN}, {zn, 0, nil}, {setH(negA), 3, nil},
			{flip(base), 4, nil}, {flip(za), 0, nil}, {flip(flip(base)), 0, nil}, {setH(base), 0, nil},
			{negL, 0, nil}, {setH(negL), 0, nil}, {base, 0, nil}, {pd, 0, nil}, {base, 0, nil},
			{other, 5, nil}, {zo, 5, namedO}, {negD, 0, nil}, {setH(negD), 0, nil}, {other, 0, nil},
			{negH, 6, nil}, {setH(negH), 6, nil}, {with(negH, a0[0], 0), 0, nil}, {zo, 0, nil}, {base, 7, nil}, {za, 7, named},
		}
		c, sc := compareModes(t, fmt.Sprintf("trial %d (z %d, mi %d)", trial, z, mi), seq, h, func() (*DenseDual, error) { return NewDenseDualOrder(pat, nx, order, signs) })
		copied += c
		scattered += sc
	}
	if scattered == 0 || copied == 0 {
		t.Fatalf("stores: %d scattered, %d copied; want both", scattered, copied)
	}
}

// kktOfSize returns a KKT pattern of exactly nnz values (nx = 30 with a
// diagonal P, m = 20 rows, the rest A values spread over the rows) and
// its values.
func kktOfSize(t *testing.T, rng *rand.Rand, nnz int) (*Pattern, []float64, int) {
	t.Helper()
	nx, m := 30, 20
	q := nnz - nx - m
	if q < m || q > nx*m {
		t.Fatalf("no such pattern of %d values", nnz)
	}
	b := newUpperBuilder(nx + m)
	for j := 0; j < nx; j++ {
		b.add(j, j, 2+rng.Float64())
	}
	for r := 0; r < m; r++ {
		c := q / m
		if r < q%m {
			c++
		}
		for i := 0; i < c; i++ {
			b.add((i+r)%nx, nx+r, rng.NormFloat64())
		}
		b.add(nx+r, nx+r, -1-rng.Float64())
	}
	pat, vals := b.build()
	if len(vals) != nnz {
		t.Fatalf("pattern of %d values, want %d", len(vals), nnz)
	}
	return pat, vals, nx
}

// TestDenseDualScatterCompareMin checks the default cut-off (512 values,
// scatterCompareMin): a full scatter of 511 values keeps a copy, one of
// 512 or 513 compares with the buffer; either way an H-only change
// reuses C and a changed A value forms it again.
func TestDenseDualScatterCompareMin(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, tc := range []struct {
		nnz  int
		copy bool
	}{{511, true}, {512, false}, {513, false}} {
		pat, vals, nx := kktOfSize(t, rng, tc.nnz)
		f, err := NewDenseDual(pat, nx)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
		if f.hc.prevOK != tc.copy {
			t.Errorf("%d values: copy kept %v, want %v", tc.nnz, f.hc.prevOK, tc.copy)
		}
		v := append([]float64(nil), vals...)
		v[len(v)-1] *= 2 // the last H value
		if err := f.Factor(v); err != nil || f.Forms != 1 {
			t.Errorf("%d values: H-only change: %v, C formed %d times", tc.nnz, err, f.Forms)
		}
		v[pat.Colptr[nx]] *= 1.5 // the first A value
		if err := f.Factor(v); err != nil || f.Forms != 2 {
			t.Errorf("%d values: A changed: %v, C formed %d times", tc.nnz, err, f.Forms)
		}
	}
}
