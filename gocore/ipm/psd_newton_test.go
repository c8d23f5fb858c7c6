package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// activeSDP builds min ½xᵀPx + cᵀx over x = svec(X) with neq random
// equalities and X ⪰ 0 (rows −x + s = 0) from a strictly complementary
// solution: S = Q diag(σ₁…σ_r, 0…) Qᵀ, Y = Q diag(0…, ψ_{r+1}…ψ_d) Qᵀ for
// a random orthogonal Q, x* = svec(S), P = LLᵀ/nv + I/2 (x* unique). It
// returns the structure, values and the exact (x*, y*).
func activeSDP(t *testing.T, rng *rand.Rand, d, r, neq int) (*problem.Structure, *problem.Values, []float64, []float64) {
	t.Helper()
	nv := d * (d + 1) / 2
	m := neq + nv
	// Q from Gram–Schmidt of a Gaussian matrix.
	q := make([]float64, d*d)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for j := 0; j < d; j++ {
		for k := 0; k < j; k++ {
			var dot float64
			for i := 0; i < d; i++ {
				dot += q[i*d+j] * q[i*d+k]
			}
			for i := 0; i < d; i++ {
				q[i*d+j] -= dot * q[i*d+k]
			}
		}
		var nrm float64
		for i := 0; i < d; i++ {
			nrm += q[i*d+j] * q[i*d+j]
		}
		for i := 0; i < d; i++ {
			q[i*d+j] /= math.Sqrt(nrm)
		}
	}
	mat := func(ev []float64) []float64 {
		x := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for k := 0; k < d; k++ {
					x[i*d+j] += q[i*d+k] * ev[k] * q[j*d+k]
				}
			}
		}
		return x
	}
	se, ye := make([]float64, d), make([]float64, d)
	for k := 0; k < d; k++ {
		if k < r {
			se[k] = 0.5 + rng.Float64()
		} else {
			ye[k] = 0.5 + rng.Float64()
		}
	}
	xs := svecOf(mat(se), d)
	ypsd := svecOf(mat(ye), d)
	A := make([]float64, m*nv)
	b := make([]float64, m)
	y := make([]float64, m)
	for i := 0; i < neq; i++ {
		for j := 0; j < nv; j++ {
			A[i*nv+j] = rng.NormFloat64()
			b[i] += A[i*nv+j] * xs[j]
		}
		y[i] = rng.NormFloat64()
	}
	for k := 0; k < nv; k++ {
		A[(neq+k)*nv+k] = -1
		y[neq+k] = ypsd[k]
	}
	L := make([]float64, nv*nv)
	for i := range L {
		L[i] = rng.NormFloat64()
	}
	P := make([]float64, nv*nv)
	for i := 0; i < nv; i++ {
		for j := 0; j < nv; j++ {
			for k := 0; k < nv; k++ {
				P[i*nv+j] += L[i*nv+k] * L[j*nv+k] / float64(nv)
			}
		}
		P[i*nv+i] += 0.5
	}
	// c = −Px* − Aᵀy*.
	c := make([]float64, nv)
	for j := 0; j < nv; j++ {
		for k := 0; k < nv; k++ {
			c[j] -= P[j*nv+k] * xs[k]
		}
		for i := 0; i < m; i++ {
			c[j] -= A[i*nv+j] * y[i]
		}
	}
	st, err := problem.New(nv, m, []cone.Spec{{Kind: cone.KindZero, Dim: neq}, {Kind: cone.KindPSD, Dim: nv}},
		problem.UpperPattern(nv), problem.DensePattern(m, nv))
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	return st, v, xs, y
}

// TestPSDNewtonPolish: at the default tolerance 1e-8 an interior-point
// solution with an active PSD block is ~√gap (1e-6…1e-4) from the exact
// one in x and y; the polishing Newton refinement brings it to rounding
// level, on both linear-solver paths. Without Settings.Polish the same
// solves stay that far off (the refinement is what closes the distance).
func TestPSDNewtonPolish(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	worstOff := math.Inf(1)
	for trial := 0; trial < 12; trial++ {
		d := 2 + trial%5
		r := 1 + trial%(d-1) // rank of S in 1…d−1: both blocks active
		// 1 or 2 equalities: at most the dimension of the tangent space of
		// the rank-r face, so that y is unique (primal nondegeneracy).
		st, v, xs, ys := activeSDP(t, rng, d, r, 1+trial%2)
		for _, ls := range linearSolvers {
			name := fmt.Sprintf("trial %d (d=%d, rank %d) %s", trial, d, r, ls.name)
			for _, polish := range []bool{true, false} {
				set := DefaultSettings()
				set.LinearSolver = ls.ls
				set.Polish = polish
				res := solve(t, st, v, set)
				if res.Info.Status != StatusSolved {
					t.Fatalf("%s polish=%v: status %v", name, polish, res.Info.Status)
				}
				var dist float64
				for i := range xs {
					dist = math.Max(dist, math.Abs(res.X[i]-xs[i]))
				}
				for i := range ys {
					dist = math.Max(dist, math.Abs(res.Y[i]-ys[i]))
				}
				if polish && dist > 1e-10 {
					t.Errorf("%s: distance to the exact solution %.1e", name, dist)
				}
				if !polish {
					worstOff = math.Min(worstOff, dist)
				}
			}
		}
	}
	if worstOff < 1e-9 {
		t.Errorf("without polish every solve was within %.1e: the test no longer exercises the refinement", worstOff)
	}
}

// A converged PSD solve is polished by the tangent Newton refinement (the
// quasidefinite KKT's LDLᵀ), the dense LU Newton polish only finishing what
// it leaves above rounding level: on activeSDP's strictly complementary
// problems the tangent refinement alone reaches the exact solution (1e-10
// in x and y, the bound TestPSDNewtonPolish holds the LU polish to) in most
// trials, and every trial ends there.
func TestPSDTangentPolish(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	alone, total := 0, 0
	for trial := 0; trial < 12; trial++ {
		d := 2 + trial%5
		r := 1 + trial%(d-1)
		st, v, xs, ys := activeSDP(t, rng, d, r, 1+trial%2)
		for _, ls := range linearSolvers {
			set := DefaultSettings()
			set.LinearSolver = ls.ls
			w, res := solveWith(t, st, v, set)
			if res.Info.Status != StatusSolved {
				t.Fatalf("trial %d %s: status %v", trial, ls.name, res.Info.Status)
			}
			var dist float64
			for i := range xs {
				dist = math.Max(dist, math.Abs(res.X[i]-xs[i]))
			}
			for i := range ys {
				dist = math.Max(dist, math.Abs(res.Y[i]-ys[i]))
			}
			if dist > 1e-10 {
				t.Errorf("trial %d %s: distance to the exact solution %.1e", trial, ls.name, dist)
			}
			total++
			if w.refine != nil && w.newtonTries == 0 {
				alone++
			}
		}
	}
	if 2*alone < total {
		t.Errorf("the tangent refinement finished %d of %d solves alone", alone, total)
	}
	t.Logf("tangent refinement alone: %d of %d", alone, total)
}

// TestPSDPolishRounds counts the work of the PSD polish on the two
// benchmark families (bench_cone.py --only psd) in their Go form: the
// largest-eigenvalue LMI min t s.t. tI − A ⪰ 0 (d = 12, no P) and the
// nearest correlation matrix (d = 10, P = 2I). The tangent Newton
// refinement alone must finish every solve, in at most four steps (one
// quasidefinite LDLᵀ each; two to four when the early refinement,
// earlyRefine, finishes the solve from an iterate at ~1e-3, one or two
// after convergence), with the LU Newton polish never called: on the
// LMI the complementary pair's ŷ, formed as ŝ − (s − y), carried ŝ's
// rounding (ŝᵀŷ ≈ 3e-12), the refinement stopped at a measure of 3e-13
// above psdTangentDone and every solve paid the LU polish as well (the
// layer 3.7× → 2.4× cvxpylayers). The points must be exact: t = λmax(A)
// to 1e-12, residuals, gap and complementarity at rounding level.
func TestPSDPolishRounds(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	check := func(t *testing.T, name string, w *Solver, res *Result, off, d int) {
		t.Helper()
		if res.Info.Status != StatusSolved {
			t.Fatalf("%s: status %v", name, res.Info.Status)
		}
		if w.newtonTries != 0 {
			t.Errorf("%s: the LU Newton polish ran (%d) after the tangent refinement", name, w.newtonTries)
		}
		if w.refineSteps < 1 || w.refineSteps > 4 {
			t.Errorf("%s: %d tangent refinement steps, want 1 to 4", name, w.refineSteps)
		}
		in := res.Info
		if m := math.Max(math.Max(in.ResPrimal, in.ResDual), math.Min(in.GapAbs, in.GapRel)); m > 1e-13 {
			t.Errorf("%s: residuals/gap %.1e (rp %.1e rd %.1e gap %.1e/%.1e)", name, m, in.ResPrimal, in.ResDual, in.GapAbs, in.GapRel)
		}
		nv := d * (d + 1) / 2
		var sy, ns, ny float64
		for k := off; k < off+nv; k++ {
			sy += res.S[k] * res.Y[k]
			ns = math.Max(ns, math.Abs(res.S[k]))
			ny = math.Max(ny, math.Abs(res.Y[k]))
		}
		if math.Abs(sy) > 1e-13*math.Max(1, ns*ny)*float64(nv) {
			t.Errorf("%s: sᵀy = %.1e", name, sy)
		}
	}
	newSolver := func(t *testing.T, st *problem.Structure, ls LinearSolver) *Solver {
		an, err := kkt.Analyse(st, ls)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	t.Run("lmi", func(t *testing.T) {
		const d = 12
		nv := d * (d + 1) / 2
		// s = tI − A = b − a t with b = −svec(A), a = −svec(I): A's pattern
		// is the diagonal entries only, as cvxpy gives it (lmiFamily).
		st, vs := lmiFamily(t, rng, d, 8)
		for _, ls := range linearSolvers {
			w := newSolver(t, st, ls.ls)
			for trial, v := range vs {
				lmax := -minEigOf(smatOf(v.B, d), d) // smat(b) = −A
				res := &Result{X: make([]float64, 1), Y: make([]float64, nv), S: make([]float64, nv)}
				w.Solve(v, res)
				name := fmt.Sprintf("%s trial %d", ls.name, trial)
				check(t, name, w, res, 0, d)
				if e := math.Abs(res.X[0] - lmax); e > 1e-12*math.Max(1, math.Abs(lmax)) {
					t.Errorf("%s: t = %.17g, λmax = %.17g (off %.1e)", name, res.X[0], lmax, e)
				}
			}
		}
	})
	t.Run("nearest correlation", func(t *testing.T) {
		const d = 10
		nv := d * (d + 1) / 2
		m := d + nv
		st, vs := ncmFamily(t, rng, d, 8)
		for _, ls := range linearSolvers {
			w := newSolver(t, st, ls.ls)
			for trial, v := range vs {
				res := &Result{X: make([]float64, nv), Y: make([]float64, m), S: make([]float64, m)}
				w.Solve(v, res)
				name := fmt.Sprintf("%s trial %d", ls.name, trial)
				check(t, name, w, res, d, d)
				x := smatOf(res.X, d)
				if e := minEigOf(x, d); e < -1e-13 {
					t.Errorf("%s: X has eigenvalue %.1e", name, e)
				}
			}
		}
	})
}
