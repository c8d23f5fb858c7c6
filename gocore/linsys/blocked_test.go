package linsys

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// blockedSizes: every order 1..70 (odd tails of the 4-, 8- and 16-wide
// tiles, the leaf and the first splits) and orders around the leaf, the
// splits and blockMin.
func blockedSizes() []int {
	var s []int
	for n := 1; n <= 70; n++ {
		s = append(s, n)
	}
	return append(s, 2*ldlLeaf+1, 95, 96, 97, 127, 128, 129, blockMin-1, blockMin, blockMin+1, 255, 257, 301)
}

// lowerQuasiDefinite returns the row-major lower triangle (upper part
// zero) of a random quasi-definite matrix [P Aᵀ; A −H] with nx leading +1
// pivots (P = BBᵀ/nx + I, H diagonal in [0.1, 1.1]) and its pivot signs; nx
// = n gives an SPD matrix.
func lowerQuasiDefinite(rng *rand.Rand, n, nx int) ([]float64, []float64) {
	a := make([]float64, n*n)
	b := make([]float64, nx*nx)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	for i := 0; i < nx; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k < nx; k++ {
				s += b[i*nx+k] * b[j*nx+k]
			}
			a[i*n+j] = s / float64(nx)
		}
		a[i*n+i]++
	}
	signs := ones(n)
	for i := nx; i < n; i++ {
		for j := 0; j < nx; j++ {
			a[i*n+j] = rng.NormFloat64()
		}
		a[i*n+i] = -(0.1 + rng.Float64())
		signs[i] = -1
	}
	return a, signs
}

// ldlResidual returns ‖L D Lᵀ − A‖_F / ‖A‖_F for a factor (strict lower
// part of l, unit diagonal) of the lower triangle a.
func ldlResidual(a, l, d []float64, n int) float64 {
	var num, den float64
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k < j; k++ {
				s += l[i*n+k] * d[k] * l[j*n+k]
			}
			if i == j {
				s += d[j]
			} else {
				s += l[i*n+j] * d[j]
			}
			e := s - a[i*n+j]
			num += e * e
			den += a[i*n+j] * a[i*n+j]
		}
	}
	return math.Sqrt(num / den)
}

// strictLower returns the strictly lower part of the row-major n×n l (the
// factor L; the diagonal and upper part of the array are workspace).
func strictLower(l []float64, n int) []float64 {
	var s []float64
	for i := 0; i < n; i++ {
		s = append(s, l[i*n:i*n+i]...)
	}
	return s
}

// The blocked LDLᵀ, at every vector level the CPU has (forced), agrees with
// the row-oriented form run on the generic Go kernels — same pivots, same
// regularization count, factors equal to rounding — and reproduces A to
// 1e-14, on SPD and quasi-definite matrices of every size in blockedSizes.
func TestBlockedLDLMatchesRows(t *testing.T) {
	prev := vec.CurrentLevel()
	defer vec.SetLevel(prev)
	rng := rand.New(rand.NewSource(31))
	for _, n := range blockedSizes() {
		for _, nx := range []int{n, (2*n + 2) / 3} {
			a, signs := lowerQuasiDefinite(rng, n, nx)
			vec.SetLevel(vec.LevelGeneric)
			lr, dr := append([]float64(nil), a...), make([]float64, n)
			nregR, err := denseLDLRows(lr, n, n, signs, dr, make([]float64, 4*n))
			if err != nil || nregR != 0 {
				t.Fatalf("n=%d nx=%d rows: %v, %d regularized", n, nx, err, nregR)
			}
			for lv := vec.LevelGeneric; lv <= vec.MaxLevel(); lv++ {
				vec.SetLevel(lv)
				bw := newBlockWork(n)
				l, d := append([]float64(nil), a...), make([]float64, n)
				nreg, err := bw.ldl(l, n, n, signs, d)
				if err != nil || nreg != 0 {
					t.Fatalf("%v n=%d nx=%d: %v, %d regularized", lv, n, nx, err, nreg)
				}
				if e := relDiff(d, dr); e > 1e-12 {
					t.Fatalf("%v n=%d nx=%d: D differs from the row form by %g", lv, n, nx, e)
				}
				if e := relDiff(strictLower(l, n), strictLower(lr, n)); e > 1e-12 {
					t.Fatalf("%v n=%d nx=%d: L differs from the row form by %g", lv, n, nx, e)
				}
				if r := ldlResidual(a, l, d, n); r > 1e-14 {
					t.Fatalf("%v n=%d nx=%d: ‖LDLᵀ−A‖/‖A‖ = %g", lv, n, nx, r)
				}
			}
		}
	}
}

// Dynamic regularization is unchanged by the blocked form: zero pivots
// (empty rows) and wrongly signed pivots anywhere — inside leaves, at the
// top-level split, at the last row — are replaced by sign·DynamicDelta at
// the same positions as in the row form, later columns are eliminated
// with the replaced value, and a non-finite entry is ErrSingular.
func TestBlockedLDLRegularization(t *testing.T) {
	prev := vec.CurrentLevel()
	defer vec.SetLevel(prev)
	const n = 230
	split := vec.SplitPoint(n)
	for lv := vec.LevelGeneric; lv <= vec.MaxLevel(); lv++ {
		vec.SetLevel(lv)
		rng := rand.New(rand.NewSource(32))
		a, signs := lowerQuasiDefinite(rng, n, 170)
		zero := []int{3, split - 1, split, 100, n - 1}
		for _, z := range zero {
			for j := 0; j < n; j++ {
				if j <= z {
					a[z*n+j] = 0
				} else {
					a[j*n+z] = 0
				}
			}
		}
		// Wrong sign (+1 expected), weakly coupled to the rest (a strongly
		// coupled one makes every later pivot overflow, in both forms).
		for j := 0; j < n; j++ {
			if j < 60 {
				a[60*n+j] *= 1e-7
			} else if j > 60 {
				a[j*n+60] *= 1e-7
			}
		}
		a[60*n+60] = -a[60*n+60]
		lr, dr := append([]float64(nil), a...), make([]float64, n)
		nregR, errR := denseLDLRows(lr, n, n, signs, dr, make([]float64, 4*n))
		l, d := append([]float64(nil), a...), make([]float64, n)
		nreg, err := newBlockWork(n).ldl(l, n, n, signs, d)
		if err != nil || errR != nil || nreg != nregR || nreg < len(zero) {
			t.Fatalf("%v: blocked %d regularized (%v), rows %d (%v)", lv, nreg, err, nregR, errR)
		}
		for i := range d {
			if (math.Abs(d[i]) == DynamicDelta) != (math.Abs(dr[i]) == DynamicDelta) || math.Copysign(1, d[i]) != signs[i] {
				t.Fatalf("%v: pivot %d = %g, row form %g, sign %g", lv, i, d[i], dr[i], signs[i])
			}
		}
		if e := relDiff(d, dr); e > 1e-8 {
			t.Fatalf("%v: D differs from the row form by %g", lv, e)
		}
		for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
			a2 := append([]float64(nil), a...)
			a2[(n-3)*n+7] = bad
			if _, err := newBlockWork(n).ldl(a2, n, n, signs, d); err != ErrSingular {
				t.Fatalf("%v: %v entry gave %v", lv, bad, err)
			}
		}
	}
}

// Dense and DenseSchur on the blocked path (order ≥ blockMin) solve, and
// their Factor allocates nothing.
func TestBlockedFactorNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(33))
	n := blockMin + 9
	pat, vals := denseSPD(rng, n)
	f := NewDense(pat, ones(n))
	if f.bw == nil {
		t.Fatal("Dense of order ≥ blockMin has no blocked workspace")
	}
	if a := testing.AllocsPerRun(3, func() {
		if err := f.Factor(vals); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("Dense.Factor: %v allocations", a)
	}
	x := randVec(rng, n)
	b := make([]float64, n)
	SymMulVec(pat, vals, x, b)
	f.Solve(b)
	if e := relDiff(b, x); e > 1e-12 {
		t.Fatalf("Dense solve error %g", e)
	}
	nq, p, m := blockMin+3, 40, blockMin+20
	patK, valsK, signs, cand := kktDense(rng, nq, p, m, 1e-1)
	fs, err := NewDenseSchur(patK, signs, cand)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(3, func() {
		if err := fs.Factor(valsK); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("DenseSchur.Factor: %v allocations", a)
	}
}

func ExampleSplitPoint() {
	fmt.Println(vec.SplitPoint(200), vec.SplitPoint(33), vec.SplitPoint(9))
	// Output: 104 16 8
}
