package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// denseK0 is the base KKT matrix of an LP vertex, formed densely:
// [0, A_Wᵀ; A_W, −I on the inactive rows] (row-major, n + m).
func denseK0(n, m int, A []float64, active []bool) []float64 {
	N := n + m
	K := make([]float64, N*N)
	for i := 0; i < m; i++ {
		if !active[i] {
			K[(n+i)*N+n+i] = -1
			continue
		}
		for j := 0; j < n; j++ {
			K[(n+i)*N+j] = A[i*n+j]
			K[j*N+n+i] = A[i*n+j]
		}
	}
	return K
}

// gaussSolve solves K z = r by Gaussian elimination with partial pivoting
// (a fresh dense factorization, independent of basisLU).
func gaussSolve(K, r []float64) []float64 {
	N := len(r)
	a := append([]float64(nil), K...)
	z := append([]float64(nil), r...)
	for k := 0; k < N; k++ {
		p := k
		for i := k + 1; i < N; i++ {
			if math.Abs(a[i*N+k]) > math.Abs(a[p*N+k]) {
				p = i
			}
		}
		for c := 0; c < N; c++ {
			a[k*N+c], a[p*N+c] = a[p*N+c], a[k*N+c]
		}
		z[k], z[p] = z[p], z[k]
		for i := k + 1; i < N; i++ {
			f := a[i*N+k] / a[k*N+k]
			for c := k; c < N; c++ {
				a[i*N+c] -= f * a[k*N+c]
			}
			z[i] -= f * z[k]
		}
	}
	for k := N - 1; k >= 0; k-- {
		s := z[k]
		for c := k + 1; c < N; c++ {
			s -= a[k*N+c] * z[c]
		}
		z[k] = s / a[k*N+k]
	}
	return z
}

// basisOf builds the CSC pattern and values of a dense m × n A (row-major
// A) as basisLU.factor reads them.
func basisOf(n, m int, A []float64) (colptr, rowval []int, av []float64) {
	colptr = make([]int, n+1)
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			rowval = append(rowval, i)
			av = append(av, A[i*n+j])
		}
		colptr[j+1] = len(av)
	}
	return colptr, rowval, av
}

// The basis LU solves with K₀ agree with a fresh dense factorization of K₀
// (with and without the refinement step), and it refuses bases that are
// not square or are singular (a repeated row, a scaled copy: a degenerate
// tie).
func TestBasisLUSolvesK0(t *testing.T) {
	cases := []struct {
		n, m  int
		dup   bool // make one active row a multiple of another
		extra bool // one active row too many
		zero  bool // one active row too few
		ok    bool
	}{
		{1, 3, false, false, false, true},
		{5, 9, false, false, false, true},
		{17, 40, false, false, false, true},
		{64, 70, false, false, false, true},
		{8, 20, true, false, false, false},
		{8, 20, false, true, false, false},
		{8, 20, false, false, true, false},
	}
	for ci, tc := range cases {
		for seed := int64(0); seed < 3; seed++ {
			name := fmt.Sprintf("case %d seed %d", ci, seed)
			rng := rand.New(rand.NewSource(31*seed + int64(ci)))
			n, m := tc.n, tc.m
			A := randVec(rng, m*n)
			active := make([]bool, m)
			perm := rng.Perm(m)
			k := n
			if tc.extra {
				k++
			}
			if tc.zero {
				k--
			}
			for _, i := range perm[:k] {
				active[i] = true
			}
			if tc.dup {
				a, b := perm[0], perm[1]
				for j := 0; j < n; j++ {
					A[b*n+j] = -2 * A[a*n+j]
				}
			}
			colptr, rowval, av := basisOf(n, m, A)
			var b basisLU
			if got := b.factor(n, active, colptr, rowval, av, nil); got != tc.ok {
				t.Fatalf("%s: factor = %v, want %v", name, got, tc.ok)
			}
			if !tc.ok {
				continue
			}
			checkSolveK0(t, name, rng, &b, denseK0(n, m, A, active), n, m, 1e-9)
		}
	}
}

// With bound rows in the basis (the box as rows of ±e_j with explicit
// zeros, as the dense layers pass it), the basis LU fixes those variables
// and factors only the remaining rows on the remaining columns: its K₀
// solves agree with a fresh dense factorization of K₀ (and with the full
// LU path, which it is when there are no bound rows), for bases from all
// bound rows to none; both bounds of one variable active (dependent rows)
// and a tiny bound value are refused.
func TestBasisLUBoundRows(t *testing.T) {
	for _, tc := range []struct {
		n, mr, nb int // variables, random rows, bound rows in the basis
		both      bool
		tiny      bool
		ok        bool
	}{
		{1, 2, 1, false, false, true},
		{6, 8, 0, false, false, true},
		{6, 8, 3, false, false, true},
		{6, 8, 6, false, false, true},
		{30, 25, 17, false, false, true},
		{100, 60, 45, false, false, true},
		{8, 10, 4, true, false, false},
		{8, 10, 4, false, true, false},
	} {
		for seed := int64(0); seed < 3; seed++ {
			name := fmt.Sprintf("%+v seed %d", tc, seed)
			rng := rand.New(rand.NewSource(77 + seed))
			n, m := tc.n, tc.mr+2*tc.n
			A := make([]float64, m*n)
			copy(A, randVec(rng, tc.mr*n))
			for j := 0; j < n; j++ {
				A[(tc.mr+j)*n+j] = 1
				A[(tc.mr+n+j)*n+j] = -1
			}
			active := make([]bool, m)
			vars := rng.Perm(n)[:tc.nb]
			for _, j := range vars {
				active[tc.mr+j+n*rng.Intn(2)] = true
			}
			for _, i := range rng.Perm(tc.mr)[:n-tc.nb] {
				active[i] = true
			}
			if tc.both {
				// Swap one random row for the other bound of a fixed variable.
				for i := 0; i < tc.mr; i++ {
					if active[i] {
						active[i] = false
						break
					}
				}
				j := vars[0]
				active[tc.mr+j], active[tc.mr+n+j] = true, true
			}
			if tc.tiny {
				A[(tc.mr+vars[0])*n+vars[0]] = 1e-14
				A[(tc.mr+n+vars[0])*n+vars[0]] = -1e-14
			}
			colptr, rowval, av := basisOf(n, m, A)
			// The basis gathered from the CSC pattern and from the row form.
			st, err := problem.NewDenseStructure(n, m, problem.Cones{Nonneg: m}, false)
			if err != nil {
				t.Fatal(err)
			}
			var rows aRows
			if !rows.Build(st, av) { // basisOf's dense CSC is st's pattern
				t.Fatalf("%s: row form not built", name)
			}
			for _, form := range []*aRows{nil, &rows} {
				var b basisLU
				if got := b.factor(n, active, colptr, rowval, av, form); got != tc.ok {
					t.Fatalf("%s rows=%v: factor = %v, want %v", name, form != nil, got, tc.ok)
				}
				if !tc.ok {
					continue
				}
				if b.nd != n-tc.nb {
					t.Fatalf("%s: factored %d rows, want %d", name, b.nd, n-tc.nb)
				}
				checkSolveK0(t, name, rng, &b, denseK0(n, m, A, active), n, m, 1e-10)
			}
		}
	}
}

// The warm start's updated factorization (the basis LU of the forward's
// active set plus the capacitance update of the rows the path changed)
// solves with the KKT matrix of the path's last active set exactly as a
// fresh basis LU of that active set does, on the LPGD benchmark's LPs, a
// degenerate variant (an inequality row doubled by another: the two reach
// their bound at the same t, a tie) and step sizes that change the active
// set a few times or many (past warmRefactorFlips, also lowered to 3:
// the basis is then refactored mid-path); the perturbed points stay optimal.
// (The capacitance path; LP vertices take the simplex path by default.)
func TestWarmBasisUpdateMatchesFresh(t *testing.T) {
	compared, withFlips, changes, refactors := 0, 0, 0, 0
	defer func(b bool) { warmSimplex = b }(warmSimplex)
	warmSimplex = false
	defer func(k int) { warmRefactorFlips = k }(warmRefactorFlips)
	for _, every := range []int{warmRefactorFlips, 3} {
		warmRefactorFlips = every
		for _, tie := range []bool{false, true} {
			for seed := int64(0); seed < 4; seed++ {
				rng := rand.New(rand.NewSource(900 + seed))
				n, meq := 15, tieBoxEq
				f := tieBoxFixture(t, rng, n, tie)
				m := f.st.M
				for _, side := range []Side{SideRight, SideLeft, SideCentral} {
					for _, tau := range []float64{0.1, 1, 10, 100} {
						name := fmt.Sprintf("refactor=%d tie=%v seed=%d side=%d tau=%g", every, tie, seed, side, tau)
						in := Incoming{X: randVec(rng, n)}
						o := DefaultOptions()
						o.Method, o.Tau, o.Side = MethodLPGD, tau, side
						f.grad(t, in, o)
						f.checkPerturbedOptimal(t, name, tau, side, meq)
						ww := f.ws.warm
						st := f.ws.LastStats()
						changes += st.Changes
						refactors += st.Refactors
						if ww == nil || !ww.useBasis || st.WarmSolves == 0 {
							continue
						}
						// The last side's final active set, against a fresh LU.
						var fresh basisLU
						if !fresh.factor(n, ww.act, f.st.A.Colptr, f.st.A.Rowval, f.v.A, nil) {
							continue
						}
						for k := 0; k < 2; k++ {
							r := randVec(rng, n+m)
							z := make([]float64, n+m)
							fresh.solveK0(r, z, m, true)
							copy(ww.r, r)
							if !f.ws.warmKSolve(f.v) {
								t.Fatalf("%s: updated solve failed", name)
							}
							var d, s float64
							for q := range z {
								d = math.Max(d, math.Abs(ww.z[q]-z[q]))
								s = math.Max(s, math.Abs(z[q]))
							}
							if d > 1e-8*math.Max(1, s) {
								t.Errorf("%s: updated vs fresh %g (scale %g, %d flips)", name, d, s, len(ww.flips))
							}
						}
						compared++
						if len(ww.flips) > 0 {
							withFlips++
						}
					}
				}
			}
		}
	}
	if compared < 20 || withFlips < compared/2 || changes == 0 || refactors == 0 {
		t.Errorf("only %d comparisons (%d with updated rows), %d active-set changes, %d refactorizations: the update path was not exercised", compared, withFlips, changes, refactors)
	}
	t.Logf("%d comparisons (%d with updated rows), %d active-set changes, %d refactorizations", compared, withFlips, changes, refactors)
}

// warmFactorC's bordered update (rows and columns appended to factored
// ones) solves with C as a factorization from scratch does, on random
// indefinite matrices grown two or four rows at a time, and refuses a
// bordered multiplier past warmGrowthMax (the caller then refactors).
func TestWarmFactorCBordered(t *testing.T) {
	const F = 16
	rng := rand.New(rand.NewSource(7))
	newWW := func() *warmWork {
		return &warmWork{c: make([]float64, F*F), lu: make([]float64, F*F), perm: make([]int, F),
			flips: make([]int, 0, F/2), cols: make([][]float64, 0, F), g2: make([]float64, F)}
	}
	for trial := 0; trial < 20; trial++ {
		ww, ref := newWW(), newWW()
		for a := 0; a < F; a++ {
			for b := 0; b <= a; b++ {
				v := rng.NormFloat64()
				ww.c[a*F+b], ww.c[b*F+a] = v, v
			}
		}
		copy(ref.c, ww.c)
		step := 2 + 2*(trial%2)
		for q := step; q <= F; q += step {
			ww.flips, ref.flips = ww.flips[:q/2], ref.flips[:q/2]
			p := ww.facQ
			if !ww.factorCFrom(p) && !ww.factorCFrom(0) {
				t.Fatalf("trial %d q=%d: factorization failed", trial, q)
			}
			if !ref.factorCFrom(0) {
				t.Fatalf("trial %d q=%d: reference factorization failed", trial, q)
			}
			g := randVec(rng, q)
			h, href := make([]float64, q), make([]float64, q)
			ww.solveC(g, h)
			ref.solveC(g, href)
			for a := 0; a < q; a++ {
				// The residual of the bordered solution against C itself.
				r := g[a]
				for b := 0; b < q; b++ {
					r -= ww.c[a*F+b] * h[b]
				}
				if math.Abs(r) > 1e-9*(1+normInf(h)) || math.Abs(h[a]-href[a]) > 1e-8*(1+normInf(href)) {
					t.Fatalf("trial %d q=%d (from %d): residual %g, h %g vs %g", trial, q, p, r, h[a], href[a])
				}
			}
		}
	}
	// A factored block that is nearly singular along a new row: the
	// bordered multiplier is huge and refused; from scratch it pivots.
	ww := newWW()
	ww.c[0*F+0], ww.c[1*F+1] = 1, 1e-6
	ww.flips = ww.flips[:1]
	if !ww.factorCFrom(0) {
		t.Fatal("2×2 factorization failed")
	}
	ww.c[2*F+1], ww.c[1*F+2], ww.c[2*F+2], ww.c[3*F+3] = 1, 1, 1, 1
	ww.flips = ww.flips[:2]
	if ww.factorCFrom(2) {
		t.Error("bordered update accepted a multiplier past warmGrowthMax")
	}
	if !ww.factorCFrom(0) || ww.facQ != 4 {
		t.Error("the refactorization from scratch failed")
	}
}

// The LP central backward with warmFactorC's bordered updates gives the
// gradients of refactoring C at every change (to rounding), and the
// bordered path is taken.
func TestWarmBorderedGradients(t *testing.T) {
	defer func(b bool) { warmBorderC = b }(warmBorderC)
	defer func(b bool) { warmSimplex = b }(warmSimplex)
	warmSimplex = false // the capacitance path at LP vertices
	bordered := 0
	for seed := int64(0); seed < 3; seed++ {
		rng := rand.New(rand.NewSource(40 + seed))
		P, c, A, b, cones := boxProblem(rng, 30, 15, 3, false)
		f := newFixture(t, 30, P, c, A, b, cones)
		in := Incoming{X: randVec(rng, 30)}
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, 0.5, SideCentral
		warmBorderC = true
		g1 := f.grad(t, in, o)
		bordered += f.ws.warm.bordered
		warmBorderC = false
		g2 := f.grad(t, in, o)
		for _, pair := range [][2][]float64{{g1.C, g2.C}, {g1.A, g2.A}, {g1.B, g2.B}} {
			for k := range pair[0] {
				if d := math.Abs(pair[0][k] - pair[1][k]); d > 1e-9*(1+math.Abs(pair[1][k])) {
					t.Fatalf("seed %d: entry %d %g bordered vs %g refactored", seed, k, pair[0][k], pair[1][k])
				}
			}
		}
	}
	if bordered == 0 {
		t.Error("no bordered update of C: the path was not exercised")
	}
}

// checkSolveK0 compares b.solveK0, unrefined and refined, with a dense
// Gaussian elimination of K on a random right-hand side: within tol of
// the scale, and a refined residual of at most 1e-12.
func checkSolveK0(t *testing.T, name string, rng *rand.Rand, b *basisLU, K []float64, n, m int, tol float64) {
	t.Helper()
	for _, refine := range []bool{false, true} {
		r := randVec(rng, n+m)
		z := make([]float64, n+m)
		res := b.solveK0(r, z, m, refine)
		ref := gaussSolve(K, r)
		var d, s float64
		for q := range z {
			d = math.Max(d, math.Abs(z[q]-ref[q]))
			s = math.Max(s, math.Abs(ref[q]))
		}
		if d > tol*math.Max(1, s) {
			t.Errorf("%s refine=%v: |z − fresh| = %g (scale %g)", name, refine, d, s)
		}
		if refine && !(res <= 1e-12) {
			t.Errorf("%s: refined residual %g", name, res)
		}
	}
}

// tieBoxEq is the number of equality rows of tieBoxFixture's LP.
const tieBoxEq = 2

// tieBoxFixture is boxProblem's LP (n variables, 8 inequality and 2
// equality rows) with, when tie is set, its second inequality row twice
// the first (ties in the ratio tests).
func tieBoxFixture(t *testing.T, rng *rand.Rand, n int, tie bool) *fixture {
	t.Helper()
	mi, meq := 8, tieBoxEq
	P, c, A, b, cones := boxProblem(rng, n, mi, meq, false)
	if tie {
		for j := 0; j < n; j++ {
			A[(meq+1)*n+j] = 2 * A[meq*n+j]
		}
		b[meq+1] = 2 * b[meq]
	}
	return newFixture(t, n, P, c, A, b, cones)
}
