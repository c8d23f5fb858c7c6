package cone

import (
	"math"
	"math/rand"
	"testing"
)

// mixedSpecs is a cone list with every kind, repeated kinds, an empty block
// and a one-dimensional second-order cone, in no particular order.
var mixedSpecs = []Spec{{Kind: KindSOC, Dim: 3}, {Kind: KindNonneg, Dim: 2}, {Kind: KindZero, Dim: 1}, {Kind: KindNonneg}, {Kind: KindSOC, Dim: 1}, {Kind: KindZero, Dim: 2}, {Kind: KindSOC, Dim: 4}, {Kind: KindNonneg, Dim: 1}}

// TestCompositeLayout checks the composite's bookkeeping on mixedSpecs:
// sizes, degree, row classes, and that HColumn enumerates exactly the upper
// triangle of the block-diagonal H with distinct packed indices, so that
// the packed H, expanded through HColumn, is the block-diagonal matrix
// MulH applies.
func TestCompositeLayout(t *testing.T) {
	k := NewComposite(mixedSpecs)
	const m = 14
	if k.Dim() != m || k.Degree() != 1+2+0+1+0+1+1 || k.Diagonal() || k.Polyhedral() {
		t.Fatalf("dim %d degree %d diagonal %v polyhedral %v", k.Dim(), k.Degree(), k.Diagonal(), k.Polyhedral())
	}
	if want := 9 + 2 + 1 + 1 + 2 + 16 + 1; k.HLen() != want {
		t.Fatalf("HLen %d, want %d", k.HLen(), want)
	}
	class := make([]RowClass, m)
	k.RowClasses(class)
	wantClass := []RowClass{0, 0, 0, 2, 2, 1, 0, 1, 1, 0, 0, 0, 0, 2}
	for i := range class {
		if class[i] != wantClass[i] {
			t.Fatalf("row classes %v, want %v", class, wantClass)
		}
	}
	// Block of each row (by the list) and expected H coupling.
	blockOf := []int{0, 0, 0, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5, 6}
	dense := map[int]bool{0: true, 3: true, 5: true}
	rng := rand.New(rand.NewSource(1))
	hs := randVec(rng, k.HLen())
	H := make([]float64, m*m)
	seen := make([]bool, k.HLen())
	for j := 0; j < m; j++ {
		last := -1
		k.HColumn(j, func(i, p int) {
			if i <= last || i > j || seen[p] {
				t.Fatalf("column %d: entry (%d, %d) at %d out of order or repeated", j, i, j, p)
			}
			if blockOf[i] != blockOf[j] || (!dense[blockOf[j]] && i != j) {
				t.Fatalf("column %d: entry (%d, %d) outside its block", j, i, j)
			}
			last = i
			seen[p] = true
			H[i*m+j], H[j*m+i] = hs[p], hs[p]
		})
		if last != j {
			t.Fatalf("column %d has no diagonal entry", j)
		}
	}
	// Lower entries of dense blocks are packed too (HBlock's layout):
	// make hs symmetric there before comparing MulH with H.
	off, hoff := 0, 0
	for _, c := range k.cones {
		d := c.Dim()
		if !c.Diagonal() {
			for a := 0; a < d; a++ {
				for b := 0; b < a; b++ {
					hs[hoff+a*d+b] = hs[hoff+b*d+a]
				}
			}
			hoff += d * d
		} else {
			hoff += d
		}
		off += d
	}
	v := randVec(rng, m)
	got := make([]float64, m)
	k.MulH(hs, got, v)
	for i := 0; i < m; i++ {
		var want float64
		for j := 0; j < m; j++ {
			want += H[i*m+j] * v[j]
		}
		if math.Abs(got[i]-want) > 1e-13*(1+math.Abs(want)) {
			t.Fatalf("MulH row %d: %v, want %v", i, got[i], want)
		}
	}
}

// TestCompositeBlockwise checks that every composite operation equals the
// block's own operation on its rows.
func TestCompositeBlockwise(t *testing.T) {
	k := NewComposite(mixedSpecs)
	ref := Build(mixedSpecs)
	m := k.Dim()
	rng := rand.New(rand.NewSource(2))
	s, z := make([]float64, m), make([]float64, m)
	off := 0
	for _, c := range ref {
		d := c.Dim()
		switch c.Rows() {
		case RowsInequality:
			for i := 0; i < d; i++ {
				s[off+i], z[off+i] = 0.5+rng.Float64(), 0.5+rng.Float64()
			}
		case RowsNonPolyhedral:
			copy(s[off:], randInterior(rng, d, 0.3, 1))
			copy(z[off:], randInterior(rng, d, 0.3, 2))
		}
		off += d
	}
	k.UpdateScaling(s, z)
	dz, ds := randVec(rng, m), randVec(rng, m)
	out, want := make([]float64, m), make([]float64, m)
	check := func(name string) {
		t.Helper()
		if relDiff(out, want) > 0 {
			t.Fatalf("%s: composite %v, blocks %v", name, out, want)
		}
	}
	k.DsHat(out, ds)
	off = 0
	var sz float64
	alpha := 1.0
	for _, c := range ref {
		d := c.Dim()
		c.UpdateScaling(s[off:off+d], z[off:off+d])
		c.DsHat(want[off:off+d], ds[off:off+d])
		sz += c.Complementarity(s[off:off+d], z[off:off+d])
		az, as := c.StepLength(dz[off:off+d], ds[off:off+d], z[off:off+d], s[off:off+d], alpha)
		alpha = math.Min(alpha, math.Min(az, as))
		off += d
	}
	check("DsHat")
	if got := k.Complementarity(s, z); got != sz {
		t.Fatalf("Complementarity %v, want %v", got, sz)
	}
	if got := k.StepLength(dz, ds, z, s, 1); got != alpha || !(alpha > 0 && alpha < 1) {
		t.Fatalf("StepLength %v, want %v in (0, 1)", got, alpha)
	}
	// RectifyScaling: uniform on second-order cones, untouched elsewhere.
	e := make([]float64, m)
	for i := range e {
		e[i] = 1 + float64(i)
	}
	k.RectifyScaling(e)
	wantE := []float64{1, 1, 1, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 14}
	copy(out, e)
	copy(want, wantE)
	check("RectifyScaling")
	// FixSlack zeroes the equality rows only.
	copy(out, s)
	k.FixSlack(out)
	copy(want, s)
	want[5], want[7], want[8] = 0, 0, 0
	check("FixSlack")
}

// TestCompositeMulHDiagonal: with every block diagonal (zero and
// nonnegative cones, an empty block among them) MulH takes H's diagonal
// over all rows in one loop; it must equal, bit for bit, every block's own
// product (MulHBlock), and leave the entries of out past the rows alone.
func TestCompositeMulHDiagonal(t *testing.T) {
	specs := []Spec{{Kind: KindZero, Dim: 3}, {Kind: KindNonneg, Dim: 4}, {Kind: KindNonneg}, {Kind: KindZero, Dim: 1}, {Kind: KindNonneg, Dim: 2}}
	k := NewComposite(specs)
	if !k.Diagonal() {
		t.Fatal("composite of zero and nonnegative cones not diagonal")
	}
	m := k.Dim()
	rng := rand.New(rand.NewSource(5))
	hs, v := randVec(rng, k.HLen()), randVec(rng, m+2)
	got := randVec(rng, m+2)
	tail := append([]float64(nil), got[m:]...)
	k.MulH(hs, got, v)
	for b := range k.cones {
		first, dim := k.Block(b)
		want := make([]float64, dim)
		k.MulHBlock(hs, b, want, v[first:first+dim])
		for i, w := range want {
			if math.Float64bits(got[first+i]) != math.Float64bits(w) {
				t.Fatalf("block %d row %d: MulH %v, MulHBlock %v", b, i, got[first+i], w)
			}
		}
	}
	for i, x := range tail {
		if got[m+i] != x {
			t.Fatalf("out[%d] past the rows written", m+i)
		}
	}
}
