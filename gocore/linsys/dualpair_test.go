package linsys

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// sameBits fails unless got and want hold the same bits.
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: entry %d is %v, the reference (one vector at a time, Go loop) %v", what, i, got[i], want[i])
		}
	}
}

// pairVec is a right-hand side with zeros, signed zeros and (nan) a NaN
// among normal entries.
func pairVec(rng *rand.Rand, n int, nan bool) []float64 {
	b := make([]float64, n)
	for i := range b {
		switch rng.Intn(8) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = math.Copysign(0, -1)
		case 2:
			if nan {
				b[i] = math.NaN()
				nan = false
			}
		default:
			b[i] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
		}
	}
	return b
}

// TestPairKernels: the two-vector triangular solves and row products give
// each vector the one-vector kernel's bits, for every order to past
// three blocks (tails of 0–3 rows), strides equal to and above the order,
// and right-hand sides with zeros, signed zeros and NaNs.
func TestPairKernels(t *testing.T) {
	if !pairKernels() {
		t.Log("no assembly pair kernels on this CPU: the one-vector kernels run twice")
	}
	rng := rand.New(rand.NewSource(41))
	clone := func(v []float64) []float64 { return append([]float64(nil), v...) }
	for n := 0; n < 62; n++ {
		for _, ld := range []int{n, n + 3} {
			l := make([]float64, max(1, n*ld))
			d := make([]float64, n)
			for i := 0; i < n; i++ {
				for j := 0; j < i; j++ {
					if rng.Intn(5) > 0 {
						l[i*ld+j] = rng.NormFloat64() * math.Exp(rng.NormFloat64())
					}
				}
				l[i*ld+i] = math.NaN() // not read
				d[i] = 0.5 + rng.Float64()
			}
			for trial := 0; trial < 4; trial++ {
				x, y := pairVec(rng, n, trial == 3), pairVec(rng, n, false)
				wx, wy := clone(x), clone(y)
				lowerSolve(l, ld, n, wx)
				lowerSolve(l, ld, n, wy)
				gx, gy := clone(x), clone(y)
				lowerSolvePair(l, ld, n, gx, gy)
				sameBits(t, "lowerSolvePair x", gx, wx)
				sameBits(t, "lowerSolvePair y", gy, wy)
				wx, wy = clone(x), clone(y)
				lowerTSolve(l, ld, n, wx)
				lowerTSolve(l, ld, n, wy)
				gx, gy = clone(x), clone(y)
				lowerTSolvePair(l, ld, n, gx, gy)
				sameBits(t, "lowerTSolvePair x", gx, wx)
				sameBits(t, "lowerTSolvePair y", gy, wy)
				if ld == n {
					wx, wy = clone(x), clone(y)
					denseSolve4(l, d, n, wx)
					denseSolve4(l, d, n, wy)
					gx, gy = clone(x), clone(y)
					denseSolve4Pair(l, d, n, gx, gy)
					sameBits(t, "denseSolve4Pair x", gx, wx)
					sameBits(t, "denseSolve4Pair y", gy, wy)
				}
			}
		}
	}
	for n := 0; n < 23; n++ {
		for _, lda := range []int{n, n + 3} {
			for ng := 0; ng < 4; ng++ {
				a := make([]float64, max(1, 4*ng*lda))
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				x, y := pairVec(rng, n, n == 9), pairVec(rng, n, false)
				wx, wy := make([]float64, 4*ng), make([]float64, 4*ng)
				vec.Dot4Rows(a, lda, ng, x, n, wx)
				vec.Dot4Rows(a, lda, ng, y, n, wy)
				gx, gy := make([]float64, 4*ng), make([]float64, 4*ng)
				dot4RowsPair(a, lda, ng, x, y, n, gx, gy)
				sameBits(t, "dot4RowsPair x", gx, wx)
				sameBits(t, "dot4RowsPair y", gy, wy)
				cx, cy := pairVec(rng, 4*ng, false), pairVec(rng, 4*ng, n == 11)
				wx, wy = clone(x), clone(y)
				vec.Axpy4Rows(cx, a, lda, ng, wx, n)
				vec.Axpy4Rows(cy, a, lda, ng, wy, n)
				gx, gy = clone(x), clone(y)
				axpy4RowsPair(cx, cy, a, lda, ng, gx, gy, n)
				sameBits(t, "axpy4RowsPair x", gx, wx)
				sameBits(t, "axpy4RowsPair y", gy, wy)
			}
		}
	}
}

// TestDenseDualSolvePair: SolvePair and MulVecPair give each vector the
// bits of Solve and MulVec called one vector at a time, and leave the
// factorization as those calls do (the solves after them agree too, the
// row-block correction's state included), on the BPQP study's dense QP
// and ε-ridge LP systems (diagonal x block) of odd and even orders, with
// a zero A row (the one-vector fallback), on sparse random systems, and
// on active-set systems with masked rows (fallback); PairPathSolves counts
// the calls that took the two-vector path.
func TestDenseDualSolvePair(t *testing.T) {
	rng := rand.New(rand.NewSource(43))
	type system struct {
		name string
		pat  *Pattern
		vals []float64
		nx   int
		pair bool      // the two-vector path is expected
		full []float64 // masked: the full system factored first (round 0)
	}
	var systems []system
	for _, sz := range []struct{ nx, m int }{{10, 10}, {13, 7}, {50, 20}, {51, 21}, {37, 45}} {
		for _, lp := range []bool{false, true} {
			pat, vals := bpqpKKT(rng, sz.nx, sz.m, lp, -1)
			systems = append(systems, system{"bpqp", pat, vals, sz.nx, true, nil})
		}
		pat, vals := bpqpKKT(rng, sz.nx, sz.m, false, sz.m/2)
		systems = append(systems, system{"zero row", pat, vals, sz.nx, false, nil})
		pat, vals, _ = randomKKT(rng, sz.nx, sz.m, 0.3, 1e-1)
		systems = append(systems, system{"sparse", pat, vals, sz.nx, true, nil})
		masked := append([]float64(nil), vals...)
		for j := sz.nx; j < pat.N; j++ {
			for k := pat.Colptr[j]; k < pat.Colptr[j+1]; k++ {
				if (j-sz.nx)%3 == 1 {
					if i := pat.Rowval[k]; i == j {
						masked[k] = -1
					} else if i < sz.nx {
						masked[k] = 0
					}
				}
			}
		}
		systems = append(systems, system{"masked", pat, masked, sz.nx, false, vals})
	}
	for _, s := range systems {
		one, err := NewDenseDual(s.pat, s.nx)
		if err != nil {
			t.Fatal(err)
		}
		two, err := NewDenseDual(s.pat, s.nx)
		if err != nil {
			t.Fatal(err)
		}
		n := s.pat.N
		for round := 0; round < 4; round++ {
			vals := append([]float64(nil), s.vals...)
			if s.full != nil && round == 0 {
				vals = append([]float64(nil), s.full...)
			}
			if round > 0 {
				// Another H (the row diagonal), as the iterations change it.
				for j := s.nx; j < n; j++ {
					k := s.pat.Colptr[j+1] - 1
					if vals[k] != 0 {
						vals[k] *= math.Pow(10, 4*rng.Float64()-2)
					}
				}
			}
			if err := one.Factor(vals); err != nil {
				t.Fatalf("%s %d×%d: %v", s.name, s.nx, n-s.nx, err)
			}
			if err := two.Factor(vals); err != nil {
				t.Fatal(err)
			}
			if s.full != nil && round > 0 && (!two.masked || two.pairPath()) {
				t.Fatalf("%s %d×%d: masked %v, pair path %v", s.name, s.nx, n-s.nx, two.masked, two.pairPath())
			}
			if (s.pair || s.full != nil && round == 0) && !two.pairPath() {
				t.Fatalf("%s %d×%d: the two-vector path is not taken", s.name, s.nx, n-s.nx)
			}
			b1, b2 := pairVec(rng, n, false), pairVec(rng, n, false)
			w1, w2 := append([]float64(nil), b1...), append([]float64(nil), b2...)
			one.Solve(w1)
			one.Solve(w2)
			g1, g2 := append([]float64(nil), b1...), append([]float64(nil), b2...)
			before, path := two.PairPathSolves(), two.pairPath()
			two.SolvePair(g1, g2)
			if want := before + b2i(path); two.PairPathSolves() != want || one.PairPathSolves() != 0 {
				t.Fatalf("%s: PairPathSolves %d after %d (pair path %v), one at a time %d", s.name, two.PairPathSolves(), before, path, one.PairPathSolves())
			}
			sameBits(t, s.name+" SolvePair first", g1, w1)
			sameBits(t, s.name+" SolvePair second", g2, w2)
			if one.corrNeed != two.corrNeed || one.corrSolved != two.corrSolved {
				t.Fatalf("%s: correction state %v %v, one at a time %v %v", s.name, two.corrNeed, two.corrSolved, one.corrNeed, one.corrSolved)
			}
			// The next solves (a refinement's) agree too.
			b3 := pairVec(rng, n, false)
			w3, g3 := append([]float64(nil), b3...), append([]float64(nil), b3...)
			one.Solve(w3)
			two.Solve(g3)
			sameBits(t, s.name+" solve after the pair", g3, w3)
			y1, y2 := make([]float64, n), make([]float64, n)
			one.MulVec(w1, y1)
			one.MulVec(w2, y2)
			p1, p2 := make([]float64, n), make([]float64, n)
			two.MulVecPair(w1, p1, w2, p2)
			sameBits(t, s.name+" MulVecPair first", p1, y1)
			sameBits(t, s.name+" MulVecPair second", p2, y2)
			if r := relResidual(s.pat, vals, g2, b2); !(r < 1e-6) {
				t.Fatalf("%s: second solution's relative residual %g", s.name, r)
			}
		}
	}
}

// TestLDLLeftAsm: denseLDLRows with the columns left of its four-row
// blocks (ldlLeft4AVX) and the blocks from row 8 on (ldlBlock4AVX) in
// assembly, and its last block of 1–3 rows by vec.ForwardRows4 (ldlTail;
// also with ldlTail's Go columns, noTriAsm), gives its Go loop's factor,
// pivots, regularization count and error bit for bit, for every order to
// past the x block of the BPQP study's QP 50×10 (tails of 0–3 rows),
// strides equal to and above the order, quasi-definite matrices (both
// pivot signs), ones with a regularized pivot and ones with a NaN
// (ErrSingular at a late pivot).
func TestLDLLeftAsm(t *testing.T) {
	defer func(v, w bool) { noLDLAsm, noTriAsm = v, w }(noLDLAsm, noTriAsm)
	rng := rand.New(rand.NewSource(47))
	factored, regularized := 0, 0
	for n := 1; n < 56; n++ {
		for _, ld := range []int{n, n + 3} {
			for trial := 0; trial < 4; trial++ {
				a := make([]float64, n*ld)
				signs := make([]float64, n)
				for i := 0; i < n; i++ {
					signs[i] = 1
					if trial == 1 && i%3 == 2 {
						signs[i] = -1
					}
					for j := 0; j < i; j++ {
						a[i*ld+j] = rng.NormFloat64()
					}
					a[i*ld+i] = signs[i] * (float64(n) + rng.Float64())
				}
				if trial == 2 {
					// A dependent row: a regularized pivot.
					k := n / 2
					for j := 0; j < k; j++ {
						a[k*ld+j] = 0
					}
					a[k*ld+k] = 0
				}
				if trial == 3 {
					// A NaN in a late row: ErrSingular at its pivot, the
					// factor written up to there alike.
					a[(n-1)*ld+n/3] = math.NaN()
				}
				var got, want []float64
				var gotReg, wantReg int
				var gotErr, wantErr error
				for _, asm := range []bool{false, true} {
					noLDLAsm = !asm
					l := append([]float64(nil), a...)
					d := make([]float64, n)
					nreg, err := denseLDLRows(l, ld, n, signs, d, make([]float64, 4*n))
					if asm {
						got, gotReg, gotErr = append(l, d...), nreg, err
					} else {
						want, wantReg, wantErr = append(l, d...), nreg, err
					}
				}
				if trial == 3 && n > 8 && wantErr == nil {
					t.Fatalf("n %d: a NaN factored", n)
				}
				sameBits(t, "denseLDLRows", got, want)
				// The assembly blocks with ldlTail's Go columns.
				noLDLAsm, noTriAsm = false, true
				l, d := append([]float64(nil), a...), make([]float64, n)
				nreg, err := denseLDLRows(l, ld, n, signs, d, make([]float64, 4*n))
				noTriAsm = false
				sameBits(t, "denseLDLRows (ldlTail's loop)", append(l, d...), want)
				if nreg != wantReg || err != wantErr {
					t.Fatalf("n %d: ldlTail's loop: %d regularized pivots (%v), Go loop %d (%v)", n, nreg, err, wantReg, wantErr)
				}
				if gotReg != wantReg || gotErr != wantErr {
					t.Fatalf("n %d: %d regularized pivots (%v), Go loop %d (%v)", n, gotReg, gotErr, wantReg, wantErr)
				}
				if wantErr == nil {
					factored++
					regularized += wantReg
				}
			}
		}
	}
	if factored < 200 || regularized == 0 {
		t.Fatalf("%d factorizations, %d regularized pivots: the cases do not exercise the kernel", factored, regularized)
	}
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
