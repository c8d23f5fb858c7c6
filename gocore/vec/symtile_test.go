package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestSymTile8: SymTile8 and GatherTile8 (assembly where the CPU has it) against its Go
// loop (symTile8Go) and against the entry-by-entry definition, on seeded
// tiles of several strides and column offsets, with NaN, ±Inf, ±0 and
// asymmetric entries: d bit for bit (entries outside the tile's rows
// untouched), Sq's four sums bit for bit, and the lane-reduced maxima and
// OR equal; GatherTile8's d the same and its sum finite exactly when the
// values are. A kernel that mixed up the addends' order, a lane, a transposed
// block or a row of d fails it.
func TestSymTile8(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	for trial := 0; trial < 300; trial++ {
		lda := 8 + rng.Intn(20)
		j0 := 7 + rng.Intn(40)
		v := make([]float64, 7*lda+8+rng.Intn(3))
		m := make([]float64, 7*lda+8+rng.Intn(3))
		for _, s := range [][]float64{v, m} {
			for i := range s {
				s[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
			}
		}
		if trial%3 == 0 { // symmetric: the mirror is the tile transposed
			for r := range 8 {
				for c := range 8 {
					m[c*lda+r] = v[r*lda+c]
				}
			}
		}
		if trial%2 == 1 {
			for k := rng.Intn(4); k >= 0; k-- {
				s := [][]float64{v, m}[rng.Intn(2)]
				s[rng.Intn(len(s))] = special[rng.Intn(len(special))]
			}
		}
		dl := 7*j0 + 36 + rng.Intn(3)
		var init SymScanAcc
		for l := range 4 {
			init.Sq[l] = math.Abs(rng.NormFloat64())
		}
		init.Abs[0] = math.Float64bits(0.5)
		var acc [2]SymScanAcc
		var d [2][]float64
		for k, asm := range []bool{true, false} {
			d[k] = make([]float64, dl)
			for i := range d[k] {
				d[k][i] = -7
			}
			acc[k] = init
			keep := symTileAsm
			symTileAsm = asm && keep
			SymTile8(&acc[k], v, m, lda, d[k], j0)
			symTileAsm = keep
		}
		// The definition, entry by entry.
		want := make([]float64, dl)
		for i := range want {
			want[i] = -7
		}
		off := 0
		for c := range 8 {
			for r := range 8 {
				want[off+r] = 0.5 * (v[r*lda+c] + m[c*lda+r])
			}
			off += j0 + c + 1
		}
		// GatherTile8 on the same tile, with and without the assembly.
		allFinite := true
		for _, w := range want {
			allFinite = allFinite && !math.IsNaN(w) && !math.IsInf(w, 0)
		}
		for _, asm := range []bool{true, false} {
			g := make([]float64, dl)
			for i := range g {
				g[i] = -7
			}
			var sum [4]float64
			keep := gatherTileAsm
			gatherTileAsm = asm && keep
			GatherTile8(&sum, v, m, lda, g, j0)
			gatherTileAsm = keep
			for i := range want {
				if math.Float64bits(g[i]) != math.Float64bits(want[i]) && !(math.IsNaN(g[i]) && math.IsNaN(want[i])) {
					t.Fatalf("trial %d (asm %v): GatherTile8 d[%d] = %v, want %v", trial, asm, i, g[i], want[i])
				}
			}
			tot := (sum[0] + sum[1]) + (sum[2] + sum[3])
			if fin := tot-tot == 0; fin != allFinite {
				t.Fatalf("trial %d (asm %v): GatherTile8's sum %v, values finite %v", trial, asm, tot, allFinite)
			}
		}
		for i := range want {
			for k := range 2 {
				g, w := d[k][i], want[i]
				if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Fatalf("trial %d (asm %v): d[%d] = %v, want %v", trial, k == 0, i, g, w)
				}
			}
		}
		for l := range 4 {
			if a, b := acc[0].Sq[l], acc[1].Sq[l]; math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("trial %d: Sq[%d] = %v with assembly, %v in Go", trial, l, a, b)
			}
		}
		red := func(a *SymScanAcc) (sc, as, low uint64) {
			for l := range 4 {
				sc, as, low = max(sc, a.Abs[l]), max(as, a.Diff[l]), low|a.Low[l]
			}
			return
		}
		s0, a0, l0 := red(&acc[0])
		s1, a1, l1 := red(&acc[1])
		if s0 != s1 || a0 != a1 || l0 != l1 {
			t.Fatalf("trial %d: maxima/OR %x %x %x with assembly, %x %x %x in Go", trial, s0, a0, l0, s1, a1, l1)
		}
	}
}

// TestSymTile8Sizes: SymTile8 (and GatherTile8, same checks) panics on a v, m or d one entry short, or a
// stride or column offset whose products would wrap, before any write.
func TestSymTile8Sizes(t *testing.T) {
	var acc SymScanAcc
	ok := func(v, m []float64, lda int, d []float64, j0 int) (panicked bool) {
		defer func() { panicked = recover() != nil }()
		SymTile8(&acc, v, m, lda, d, j0)
		return false
	}
	okG := func(v, m []float64, lda int, d []float64, j0 int) (panicked bool) {
		defer func() { panicked = recover() != nil }()
		GatherTile8(&acc.Sq, v, m, lda, d, j0)
		return false
	}
	f := func(k int) []float64 { return make([]float64, k) }
	if ok(f(64), f(64), 8, f(36+49), 7) {
		t.Fatal("exact sizes panicked")
	}
	for _, tc := range []struct {
		name    string
		v, m, d []float64
		lda, j0 int
	}{
		{"short v", f(63), f(64), f(36), 8, 0},
		{"short m", f(64), f(63), f(36), 8, 0},
		{"short d", f(64), f(64), f(35 + 7*9), 8, 9},
		{"j0 below 7", f(64), f(64), f(36 + 49), 8, 6},
		{"negative j0", f(64), f(64), f(36 + 49), 8, -1},
		{"negative lda", f(64), f(64), f(36 + 49), -8, 7},
		{"wrapping lda", f(64), f(64), f(36 + 49), math.MaxInt/4 + 1, 7}, // 8·lda wraps to 0
		{"wrapping j0", f(64), f(64), f(36), 8, math.MaxInt / 4},
	} {
		if !ok(tc.v, tc.m, tc.lda, tc.d, tc.j0) || !okG(tc.v, tc.m, tc.lda, tc.d, tc.j0) {
			t.Errorf("%s: no panic", tc.name)
		}
	}
}

// TestAddFuses: addFuses tells whether s += v*v is one rounding (the
// fused math.FMA) in this build, on a second pair of operands whose fused
// and rounded results differ too, and the SymTile8 kernel (which rounds
// each product) is switched on only where it is not.
func TestAddFuses(t *testing.T) {
	v := 1 + 0x1p-27
	fused := math.FMA(v, v, -1)
	rounded := -1 + float64(v*v)
	if fused == rounded {
		t.Fatal("the operands do not tell fused from rounded")
	}
	got := sumSquare(-1, v)
	if got != fused && got != rounded {
		t.Fatalf("sumSquare = %v, neither fused %v nor rounded %v", got, fused, rounded)
	}
	if addFuses() != (got == fused) {
		t.Fatalf("addFuses() = %v, but s += v*v gave %v (fused %v)", addFuses(), got, fused)
	}
	if symTileAsm && addFuses() {
		t.Fatal("the rounding SymTile8 kernel is on in a build that fuses")
	}
}
