package problem

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// TestDenseGathersRandom: on seeded random orders 1…70 (every width of a
// band's last tile, odd tails) with symmetric, asymmetric and -0 lower
// entries and, in half the trials, a few NaN, ±Inf or ±0 anywhere,
// GatherDensePScan, GatherDensePFinite and TransposeFinite (the
// kernels' tiles and bands with the Go loops around them) write the
// entry-by-entry values bit for bit (a NaN as a NaN); the scan's measures
// are linsys.ScanSquare's bit for bit when it reports ok; ok and the
// finiteness answers are false when an entry is not finite and true
// otherwise (no sums overflow here). A tile, band or tail that dropped,
// misplaced or reordered anything fails it.
func TestDenseGathersRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(97))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	sameish := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.Intn(70)
		full := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j <= i; j++ {
				v := rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
				full[i*n+j], full[j*n+i] = v, v
				switch trial % 3 {
				case 1:
					full[i*n+j] += rng.NormFloat64()
				case 2:
					if i != j {
						full[i*n+j] = math.Copysign(0, -1)
					}
				}
			}
		}
		finite := true
		if trial%2 == 1 {
			for k := 1 + rng.Intn(3); k > 0; k-- {
				pos := rng.Intn(n * n)
				full[pos] = special[rng.Intn(len(special))]
				finite = finite && full[pos]-full[pos] == 0
			}
		}
		st, err := NewDenseStructure(n, 0, Cones{}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := wantGather(st.P, full)
		got := make([]float64, len(want))
		sc, ok := st.GatherDensePScan(got, full)
		for k := range want {
			if !sameish(got[k], want[k]) {
				t.Fatalf("trial %d n=%d: GatherDensePScan value %d = %v, want %v", trial, n, k, got[k], want[k])
			}
		}
		if ok != finite {
			t.Fatalf("trial %d n=%d: GatherDensePScan ok %v, F finite %v", trial, n, ok, finite)
		}
		if ok {
			w := linsys.ScanSquare(full, n)
			if math.Float64bits(sc.Asym) != math.Float64bits(w.Asym) || math.Float64bits(sc.Scale) != math.Float64bits(w.Scale) ||
				math.Float64bits(sc.Fro2) != math.Float64bits(w.Fro2) || sc.LowerZero != w.LowerZero {
				t.Fatalf("trial %d n=%d: scan %+v, linsys.ScanSquare %+v", trial, n, sc, w)
			}
		}
		got2 := make([]float64, len(want))
		if fin := st.GatherDensePFinite(got2, full); fin != finite {
			t.Fatalf("trial %d n=%d: GatherDensePFinite %v, F finite %v", trial, n, fin, finite)
		}
		for k := range want {
			if !sameish(got2[k], want[k]) {
				t.Fatalf("trial %d n=%d: GatherDensePFinite value %d = %v, want %v", trial, n, k, got2[k], want[k])
			}
		}
		// F's first cols·n entries as an n×cols dense A, at a row offset
		// of a larger leading dimension.
		rows, cols := n, 1+rng.Intn(n)
		src := full[:rows*cols]
		off := rng.Intn(3)
		ld := off + rows + rng.Intn(3)
		dst := make([]float64, ld*cols)
		srcFinite := true
		for _, x := range src {
			srcFinite = srcFinite && x-x == 0
		}
		if fin := TransposeFinite(dst[off:], ld, src, rows, cols); fin != srcFinite {
			t.Fatalf("trial %d %dx%d: TransposeFinite %v, src finite %v", trial, rows, cols, fin, srcFinite)
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if g, w := dst[off+j*ld+i], src[i*cols+j]; !sameish(g, w) {
					t.Fatalf("trial %d %dx%d: TransposeFinite dst(%d,%d) = %v, want %v", trial, rows, cols, i, j, g, w)
				}
			}
		}
	}
}
