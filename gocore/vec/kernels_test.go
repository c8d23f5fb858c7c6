package vec

import (
	"math"
	"math/rand"
	"testing"
)

// The assembly kernels agree with the generic ones for every length
// (covering the 16-, 8-, 4-wide and scalar tails) and unaligned offsets.
func TestKernelsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for n := 0; n < 70; n++ {
		for off := 0; off < 3; off++ {
			a := make([]float64, n+off)
			b := make([]float64, n+off)
			for i := range a {
				a[i], b[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			got, want := Dot(a[off:], b[off:]), dotGeneric(a[off:], b[off:])
			if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("dot n=%d off=%d: %v vs %v", n, off, got, want)
			}
			y1 := append([]float64(nil), b...)
			y2 := append([]float64(nil), b...)
			Axpy(0.7, a[off:], y1[off:])
			axpyGeneric(0.7, a[off:], y2[off:])
			for i := range y1 {
				if math.Abs(y1[i]-y2[i]) > 1e-14*(1+math.Abs(y2[i])) {
					t.Fatalf("axpy n=%d off=%d i=%d: %v vs %v", n, off, i, y1[i], y2[i])
				}
			}
		}
	}
}

func TestDot4(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for n := 0; n < 40; n++ {
		var w [4][]float64
		for r := range w {
			w[r] = make([]float64, n)
			for i := range w[r] {
				w[r][i] = rng.NormFloat64()
			}
		}
		l := make([]float64, n)
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		var out [4]float64
		Dot4(w[0], w[1], w[2], w[3], l, n, &out)
		for r := 0; r < 4; r++ {
			want := dotGeneric(w[r], l)
			if math.Abs(out[r]-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("n=%d r=%d: %v vs %v", n, r, out[r], want)
			}
		}
	}
}

func BenchmarkDot64(b *testing.B) {
	x := make([]float64, 64)
	y := make([]float64, 64)
	for i := range x {
		x[i], y[i] = float64(i), 1/float64(i+1)
	}
	var s float64
	for i := 0; i < b.N; i++ {
		s += Dot(x, y)
	}
	_ = s
}

// Axpy4 equals four Axpy calls in order, on every length (vector body and
// scalar tail) and unaligned offsets, at each kernel level.
func TestAxpy4(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	defer SetLevel(SetLevel(MaxLevel()))
	for _, lv := range []Level{LevelGeneric, MaxLevel()} {
		SetLevel(lv)
		for n := 0; n < 40; n++ {
			for off := 0; off < 3; off++ {
				var x [4][]float64
				for r := range x {
					x[r] = make([]float64, n+off)
					for i := range x[r] {
						x[r][i] = rng.NormFloat64()
					}
				}
				a := [4]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
				y := make([]float64, n+off)
				for i := range y {
					y[i] = rng.NormFloat64()
				}
				want := append([]float64(nil), y...)
				for r := 0; r < 4; r++ {
					axpyGeneric(a[r], x[r][off:], want[off:])
				}
				Axpy4(&a, x[0][off:], x[1][off:], x[2][off:], x[3][off:], y[off:], n)
				for i := range y {
					if math.Abs(y[i]-want[i]) > 1e-14*(1+math.Abs(want[i])) {
						t.Fatalf("%v n=%d off=%d i=%d: %v vs %v", lv, n, off, i, y[i], want[i])
					}
				}
			}
		}
	}
}

// TestScaleAbsMax: the Ruiz sweep kernel equals the Go loop bit for bit
// (scaled column, row maxima, column maximum) for every length through the
// 8-, 4-wide and scalar tails, unaligned offsets, with and without a
// scaling, and column maxima above and below the starting cn.
func TestScaleAbsMax(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for n := 0; n < 45; n++ {
		for off := 0; off < 3; off++ {
			for _, scaled := range []bool{false, true} {
				for _, cn := range []float64{0, 0.5, 10} {
					col := make([]float64, n+off)
					s := make([]float64, n+off)
					rn := make([]float64, n+off)
					for i := range col {
						col[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
						s[i] = math.Exp(rng.NormFloat64())
						if rng.Intn(3) > 0 {
							rn[i] = math.Abs(rng.NormFloat64())
						}
					}
					var sg []float64
					if scaled {
						sg = s[off:]
					}
					col2, rn2 := append([]float64(nil), col...), append([]float64(nil), rn...)
					dj := 0.3 + rng.Float64()
					got := ScaleAbsMax(col[off:], sg, dj, rn[off:], cn)
					want := scaleAbsMaxGeneric(col2[off:], sg, dj, rn2[off:], cn)
					if math.Float64bits(got) != math.Float64bits(want) {
						t.Fatalf("n=%d off=%d scaled=%v cn=%v: column max %v, want %v", n, off, scaled, cn, got, want)
					}
					for i := range col {
						if math.Float64bits(col[i]) != math.Float64bits(col2[i]) || math.Float64bits(rn[i]) != math.Float64bits(rn2[i]) {
							t.Fatalf("n=%d off=%d scaled=%v i=%d: col %v rn %v, want %v %v", n, off, scaled, i, col[i], rn[i], col2[i], rn2[i])
						}
					}
				}
			}
		}
	}
}

// fmaProbe returns a*b + c as Go code compiles it: one rounding where
// the compiler fuses the two operations (GOAMD64=v3, arm64), two
// otherwise.
//
//go:noinline
func fmaProbe(a, b, c float64) float64 { return a*b + c }

// TestDot4TailRounded: Dot4's scalar tail rounds each product before
// adding it, in builds whose compiler fuses a*b+c as well (GOAMD64=v3,
// detected by fmaProbe): the sums are those of Dot4Rows' assembly (and of
// the default build) bit for bit. The case: l = {1, 1+2⁻³⁰}, each row
// {−1, 1+2⁻³⁰}: (1+2⁻³⁰)² = 1 + 2⁻²⁹ + 2⁻⁶⁰ rounds to 1 + 2⁻²⁹, so the
// rounded sum is 2⁻²⁹ and the fused one 2⁻²⁹ + 2⁻⁶⁰; at n = 2 (all
// tail) and n = 6 (four zero columns for the vector part, then the tail).
func TestDot4TailRounded(t *testing.T) {
	e := 1 + math.Ldexp(1, -30)
	fused := fmaProbe(e, e, -1) != math.Ldexp(1, -29)
	t.Logf("this build fuses a*b+c: %v", fused)
	for _, n := range []int{2, 6} {
		w, l := make([]float64, n), make([]float64, n)
		w[n-2], w[n-1], l[n-2], l[n-1] = -1, e, 1, e
		var got [4]float64
		Dot4(w, w, w, w, l, n, &got)
		for r, v := range got {
			if v != math.Ldexp(1, -29) {
				t.Errorf("n=%d: out[%d] = %v (2⁻²⁹ %+g), want 2⁻²⁹ (fused build: %v)", n, r, v, v-math.Ldexp(1, -29), fused)
			}
		}
	}
}
