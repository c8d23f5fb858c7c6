package diff

import (
	"math"
	"math/rand"
	"sync/atomic"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// reuseRig is a forward solver with a polish factor sink and a backward
// workspace sharing its KKT system (as the capi's workers do).
type reuseRig struct {
	st  *problem.Structure
	slv *ipm.Solver
	ws  *Workspace
	buf []float64
}

func newReuseRig(t *testing.T, st *problem.Structure) *reuseRig {
	t.Helper()
	an, slv, set := defaultSolver(t, st)
	ws, err := NewWorkspaceOn(slv.KKT(), set)
	if err != nil {
		t.Fatal(err)
	}
	size := ipm.PolishFactorLen(an)
	if size == 0 {
		t.Fatalf("no polish factor record for a dense QP (n %d, m %d)", st.N, st.M)
	}
	r := &reuseRig{st: st, slv: slv, ws: ws, buf: make([]float64, size)}
	slv.SetFactorSink(r.buf)
	return r
}

// denseValues gathers a dense QP's data on st's patterns.
func denseValues(st *problem.Structure, P, c, A, b []float64) *problem.Values {
	v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
	st.GatherDenseP(v.P, P)
	st.GatherDenseA(v.A, A)
	return v
}

// backward runs the kkt backward with the record rec (nil: none) and
// returns its flags and gradients.
func (r *reuseRig) backward(t *testing.T, v *problem.Values, sol Solution, rec []float64, in Incoming) (Flags, *Grad) {
	t.Helper()
	st := r.st
	g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
	sol.Factor = rec
	o := DefaultOptions()
	f, err := r.ws.Backward(v, sol, in, &o, g)
	if err != nil {
		t.Fatal(err)
	}
	return f, g
}

// gradDiff is the largest difference of two gradients relative to the
// largest entry of the reference.
func gradDiff(a, b *Grad) float64 {
	num, den := 0.0, 1e-300
	for k, s := range [][2][]float64{{a.P, b.P}, {a.C, b.C}, {a.A, b.A}, {a.B, b.B}} {
		_ = k
		for i := range s[0] {
			num = math.Max(num, math.Abs(s[0][i]-s[1][i]))
			den = math.Max(den, math.Abs(s[1][i]))
		}
	}
	return num / den
}

// TestKKTReusesPolishFactor: on random dense QPs (the QP layer's family, and
// hardQP's small multipliers and slacks) the kkt backward with the forward
// polish's record gives the gradients of the backward that factors again,
// to 1e-12 relative, and reuses the record on most samples; records of a
// failed forward, of another sample, of another structure, and corrupted
// ones are ignored or refine to the same gradients, never crash.
func TestKKTReusesPolishFactor(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, size := range []struct{ n, m, p int }{{5, 5, 1}, {10, 10, 2}, {50, 50, 10}, {80, 80, 16}} {
		n, m, p := size.n, size.m, size.p
		st, err := problem.NewDenseStructure(n, m+p, problem.Cones{Zero: p, Nonneg: m}, true)
		if err != nil {
			t.Fatal(err)
		}
		r := newReuseRig(t, st)
		reused, total := 0, 0
		var prevRec []float64
		for k := 0; k < 12; k++ {
			var v *problem.Values
			if k%3 == 2 {
				P, c, A, b, _, _, _, _ := hardQP(rng, n, p, m)
				v = denseValues(st, P, c, A, b)
			} else {
				P, c, A, b, _ := testfam.DenseQP(rng, n, m, p)
				v = denseValues(st, P, c, A, b)
			}
			sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
			res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
			r.slv.Solve(v, &res)
			if res.Info.Status != ipm.StatusSolved {
				t.Fatalf("n %d sample %d: status %v", n, k, res.Info.Status)
			}
			rec := append([]float64(nil), r.buf...)
			in := Incoming{X: make([]float64, n), Y: make([]float64, st.M)}
			for i := range in.X {
				in.X[i] = rng.NormFloat64()
			}
			for i := range in.Y {
				in.Y[i] = rng.NormFloat64()
			}
			f0, g0 := r.backward(t, v, sol, nil, in)
			if f0&FlagFactorReused != 0 {
				t.Fatalf("n %d sample %d: reuse flagged without a record", n, k)
			}
			f1, g1 := r.backward(t, v, sol, rec, in)
			total++
			if f1&FlagFactorReused != 0 {
				reused++
				if !res.Info.Polished || f1&FlagWeaklyActive != 0 {
					t.Fatalf("n %d sample %d: reused at polished=%v flags %d", n, k, res.Info.Polished, f1)
				}
			}
			if d := gradDiff(g1, g0); d > 1e-12 {
				t.Errorf("n %d sample %d: reuse vs refactor gradients differ by %.3g relative (flags %d)", n, k, d, f1)
			}
			// Corruptions: every one is rejected or refines to the same
			// gradients.
			bad := [][]float64{
				prevRec, // another sample of the same structure
				rec[:len(rec)/2],
				make([]float64, len(rec)),
			}
			flip := append([]float64(nil), rec...)
			flip[len(flip)-1] += 1e3 // the last pivot of the row block
			bad = append(bad, flip)
			noise := append([]float64(nil), rec...)
			for i := 8; i < len(noise); i += 7 {
				noise[i] = rng.NormFloat64()
			}
			bad = append(bad, noise)
			nan := append([]float64(nil), rec...)
			nan[len(nan)/2] = math.NaN()
			bad = append(bad, nan)
			for bi, b := range bad {
				if b == nil {
					continue
				}
				_, gb := r.backward(t, v, sol, b, in)
				if d := gradDiff(gb, g0); d > 1e-12 {
					t.Errorf("n %d sample %d corruption %d: gradients differ by %.3g relative", n, k, bi, d)
				}
			}
			prevRec = rec
		}
		if reused < total/2 {
			t.Errorf("n %d: the record was reused on %d of %d samples", n, reused, total)
		}
		t.Logf("n %d: reused on %d of %d samples", n, reused, total)
	}
}

// TestKKTReuseRejects: a record of another structure and the record of a
// forward that was not polished (an LP here: its forward keeps the
// interior point; and a QP whose forward stopped at the iteration limit)
// are not valid, and the backward factors as without one.
func TestKKTReuseRejects(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	n, m, p := 12, 12, 3
	st, err := problem.NewDenseStructure(n, m+p, problem.Cones{Zero: p, Nonneg: m}, true)
	if err != nil {
		t.Fatal(err)
	}
	r := newReuseRig(t, st)
	P, c, A, b, _ := testfam.DenseQP(rng, n, m, p)
	v := denseValues(st, P, c, A, b)
	sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
	res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
	r.slv.Solve(v, &res)
	if !res.Info.Polished {
		t.Fatal("fixture not polished")
	}
	if _, ok := ipm.ParsePolishFactor(r.buf, st, ipm.StructureFingerprint(st)); !ok {
		t.Fatal("record of a polished solve does not parse")
	}
	// Another structure of the same sizes (the equality and inequality
	// counts swapped around): rejected by the fingerprint.
	st2, err := problem.NewDenseStructure(n, m+p, problem.Cones{Zero: p + 1, Nonneg: m - 1}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ipm.ParsePolishFactor(r.buf, st2, ipm.StructureFingerprint(st2)); ok {
		t.Error("a record parsed for another structure")
	}
	// A forward that fails (cancelled before it starts: no polish, no
	// dual active-set start) leaves an invalid record.
	var cancel atomic.Bool
	cancel.Store(true)
	r.slv.SetInterrupt(ipm.Interrupt{Cancel: &cancel})
	r.slv.Solve(v, &res)
	r.slv.SetInterrupt(ipm.Interrupt{})
	if res.Info.Status == ipm.StatusSolved {
		t.Fatal("a cancelled forward solved the fixture")
	}
	if _, ok := ipm.ParsePolishFactor(r.buf, st, ipm.StructureFingerprint(st)); ok {
		t.Error("the record of an unpolished forward parses")
	}
}

// TestKKTReuseAllocs: the backward that reuses a record allocates nothing
// once warm (as the refactoring one), kkt and bpqp: on a dense QP with P
// dense (the record's full solve, mulK's MulP) and on the ε-ridge LP
// (P = εI given dense: diagonalP, the diagonal mulK, SolveDiagonalX and the
// backward-error acceptance with its row-sum bound).
func TestKKTReuseAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		lp   bool
	}{{"qp", false}, {"lp", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(2))
			n, m, p := 20, 20, 4
			var st *problem.Structure
			var v *problem.Values
			var err error
			if tc.lp {
				n, m, p = 40, 8, 8
				st, err = problem.NewDenseStructure(n, m+p, problem.Cones{Zero: p, Nonneg: m}, true)
				if err != nil {
					t.Fatal(err)
				}
				P, c, A, b, _ := testfam.BPQPLP(rng, n, m)
				v = denseValues(st, P, c, A, b)
			} else {
				st, err = problem.NewDenseStructure(n, m+p, problem.Cones{Zero: p, Nonneg: m}, true)
				if err != nil {
					t.Fatal(err)
				}
				P, c, A, b, _ := testfam.DenseQP(rng, n, m, p)
				v = denseValues(st, P, c, A, b)
			}
			r := newReuseRig(t, st)
			sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
			res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
			r.slv.Solve(v, &res)
			sol.Factor = r.buf
			in := Incoming{X: make([]float64, n)}
			in.X[0] = 1
			g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, n), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
			for _, method := range []Method{MethodKKT, MethodBPQP} {
				o := DefaultOptions()
				o.Method = method
				f, err := r.ws.Backward(v, sol, in, &o, g)
				if err != nil || f&FlagFactorReused == 0 {
					t.Fatalf("method %d warm-up: flags %d, %v", method, f, err)
				}
				if pre := &r.ws.reuse; pre.diagP != tc.lp || pre.diagX != tc.lp {
					t.Fatalf("method %d: diagP %v diagX %v, want %v", method, pre.diagP, pre.diagX, tc.lp)
				}
				if a := testing.AllocsPerRun(20, func() {
					if f, err := r.ws.Backward(v, sol, in, &o, g); err != nil || f&FlagFactorReused == 0 {
						t.Fatalf("flags %d, %v", f, err)
					}
				}); a != 0 {
					t.Errorf("method %d: %v allocations per reusing backward", method, a)
				}
			}
		})
	}
}

// TestBPQPReusesPolishFactor: bpqp's direct backward at a polished
// solution solves with the forward's record as kkt does (the same
// active-set system): gradients equal the refactoring bpqp's, reuse
// flagged on most samples; the ADMM solver never reuses. Dense P (the
// dense QP family, fewer and more rows than variables) and the BPQP
// study's ε-ridge LPs (diagonal P given dense, accepted at the normwise
// backward error reuseBackwardTol).
func TestBPQPReusesPolishFactor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, m, p int
		lp      bool
		tol     float64
	}{
		{"qp m<n", 40, 10, 4, false, 1e-12},
		{"qp m>n", 12, 20, 3, false, 1e-12},
		{"lp m<n", 60, 12, 12, true, 1e-10},
		{"lp wide", 120, 10, 10, true, 1e-10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(tc.n + tc.m)))
			st, err := problem.NewDenseStructure(tc.n, tc.m+tc.p, problem.Cones{Zero: tc.p, Nonneg: tc.m}, true)
			if err != nil {
				t.Fatal(err)
			}
			r := newReuseRig(t, st)
			reused := 0
			const samples = 8
			for k := 0; k < samples; k++ {
				var P, c, A, b []float64
				if tc.lp {
					P, c, A, b, _ = testfam.BPQPLP(rng, tc.n, tc.m)
				} else {
					P, c, A, b, _ = testfam.DenseQP(rng, tc.n, tc.m, tc.p)
				}
				v := denseValues(st, P, c, A, b)
				sol := Solution{X: make([]float64, tc.n), Y: make([]float64, st.M), S: make([]float64, st.M)}
				res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
				r.slv.Solve(v, &res)
				if res.Info.Status != ipm.StatusSolved {
					t.Fatalf("sample %d: status %v", k, res.Info.Status)
				}
				rec := append([]float64(nil), r.buf...)
				in := Incoming{X: make([]float64, tc.n)}
				for i := range in.X {
					in.X[i] = 1
				}
				run := func(rec []float64, solver BPQPSolver) (Flags, *Grad) {
					g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
					s := sol
					s.Factor = rec
					o := DefaultOptions()
					o.Method, o.BPQPSolver = MethodBPQP, solver
					f, err := r.ws.Backward(v, s, in, &o, g)
					if err != nil {
						t.Fatal(err)
					}
					return f, g
				}
				f0, g0 := run(nil, BPQPDirect)
				f1, g1 := run(rec, BPQPDirect)
				if f0&FlagFactorReused != 0 {
					t.Fatalf("sample %d: reuse flagged without a record", k)
				}
				if f1&FlagFactorReused != 0 {
					reused++
				}
				if d := gradDiff(g1, g0); d > tc.tol {
					t.Errorf("sample %d: reuse vs refactor gradients differ by %.3g relative (flags %d)", k, d, f1)
				}
				if f2, _ := run(rec, BPQPADMM); f2&FlagFactorReused != 0 {
					t.Errorf("sample %d: ADMM reused the record", k)
				}
			}
			if reused < samples/2 {
				t.Errorf("the record was reused on %d of %d samples", reused, samples)
			}
		})
	}
}

// TestReuseRefinesLPs: on the BPQP study's ε-ridge LPs (diagonal P given
// dense, solutions ~1/ε) the backward with the forward's record, kkt and
// bpqp, gives the refactoring backward's gradients to 1e-13 relative
// (both are ~1e-15 apart), reusing the record on most samples. With the
// record's scaling D perturbed by 1e-9 relative the first solve is 1e-9
// off while its normwise backward error is still ~1e-17 (far below
// reuseBackwardTol): only the refinement steps against K bring the
// gradients back, which a stop on the backward error alone (tried:
// gradients 2e-9 off) misses.
func TestReuseRefinesLPs(t *testing.T) {
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}} {
		n, k := sz[0], sz[1]
		rng := rand.New(rand.NewSource(int64(n + k)))
		st, err := problem.NewDenseStructure(n, 2*k, problem.Cones{Zero: k, Nonneg: k}, true)
		if err != nil {
			t.Fatal(err)
		}
		r := newReuseRig(t, st)
		reused := 0
		for s := 0; s < 4; s++ {
			P, c, A, b, _ := testfam.BPQPLP(rng, n, k)
			v := denseValues(st, P, c, A, b)
			sol := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M)}
			res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
			r.slv.Solve(v, &res)
			if res.Info.Status != ipm.StatusSolved {
				t.Fatalf("%dx%d sample %d: status %v", n, k, s, res.Info.Status)
			}
			if !r.ws.diagonalP(v) {
				t.Fatalf("%dx%d sample %d: P not diagonal", n, k, s)
			}
			rec := append([]float64(nil), r.buf...)
			pert := append([]float64(nil), rec...)
			for j := 0; j < n; j++ {
				pert[8+j] *= 1 + 1e-9 // D follows the 8-word header
			}
			in := Incoming{X: make([]float64, n)}
			for i := range in.X {
				in.X[i] = 1
			}
			for _, m := range []Method{MethodKKT, MethodBPQP} {
				run := func(rec []float64) (Flags, *Grad) { return backwardWithRecord(t, r.ws, st, v, sol, in, m, rec) }
				_, g0 := run(nil)
				for ri, rc := range [][]float64{rec, pert} {
					f, g := run(rc)
					if ri == 0 && f&FlagFactorReused != 0 {
						reused++
					}
					if d := gradDiff(g, g0); d > 1e-13 {
						t.Errorf("%dx%d sample %d method %d record %d: gradients differ from the refactoring backward's by %.3g (flags %d)", n, k, s, m, ri, d, f)
					}
				}
			}
		}
		if reused < 6 {
			t.Errorf("%dx%d: the record was reused on %d of 8 backwards", n, k, reused)
		}
	}
}

// TestMulK: mulK is the product with the active-set system, [P Aᵀ; A 0]
// with the inactive rows decoupled (−x_i), against Structure's MulP, MulAT
// and MulA to rounding (relative to |K||x|), on the ε-ridge LPs' full
// pattern of A (mulADense, 23 columns: a remainder of its four) with P's
// diagonal only (diagP) and the whole of P giving the same product entry
// for entry (±0 off the diagonal), and on a QP with P dense.
func TestMulK(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, lp := range []bool{true, false} {
		st, vs := denseBatch(t, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
			if lp {
				return testfam.BPQPLP(rng, 23, 6)
			}
			return testfam.BPQPQP(rng, 23, 6)
		})
		_, _, ws, _, _, _ := benchRig(t, st)
		n, d := st.N, st.N+st.M
		x, y0, y1 := make([]float64, d), make([]float64, d), make([]float64, d)
		want, mag := make([]float64, d), make([]float64, d)
		absV := func(s []float64) []float64 {
			o := make([]float64, len(s))
			for i, v := range s {
				o[i] = math.Abs(v)
			}
			return o
		}
		for _, v := range vs {
			if lp {
				for k := range v.P {
					if st.P.Rowval[k] != colOf(st, k) && rng.Intn(3) == 0 {
						v.P[k] = math.Copysign(0, -1)
					}
				}
			}
			for i := range ws.active {
				ws.active[i] = rng.Intn(3) != 0
			}
			for i := range x {
				x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(7)))
			}
			for i, a := range ws.active {
				if !a {
					x[n+i] = 0 // as every solve leaves it
				}
			}
			clear(want)
			clear(mag)
			st.MulP(want[:n], v.P, x[:n], 1)
			st.MulAT(want[:n], v.A, x[n:], 1)
			st.MulA(want[n:], v.A, x[:n], 1)
			ax := absV(x)
			pa, aa := absV(v.P), absV(v.A)
			st.MulP(mag[:n], pa, ax[:n], 1)
			st.MulAT(mag[:n], aa, ax[n:], 1)
			st.MulA(mag[n:], aa, ax[:n], 1)
			for i, a := range ws.active {
				if !a {
					want[n+i], mag[n+i] = -x[n+i], math.Abs(x[n+i])
				}
			}
			s := scaledDual{n: n, active: ws.active, st: st, v: v}
			s.mulK(x, y0)
			for i := range y0 {
				if math.Abs(y0[i]-want[i]) > 1e-14*mag[i] {
					t.Fatalf("lp %v entry %d: mulK %v, want %v", lp, i, y0[i], want[i])
				}
			}
			if !lp {
				continue
			}
			s.diagP = true
			s.mulK(x, y1)
			for i := range y0 {
				if y0[i] != y1[i] {
					t.Fatalf("entry %d: diagonal mulK %v, full %v", i, y1[i], y0[i])
				}
			}
		}
	}
}

// backwardWithRecord runs ws's backward of method m for sol with the
// factor record rec (nil: none), every gradient asked for.
func backwardWithRecord(t *testing.T, ws *Workspace, st *problem.Structure, v *problem.Values, sol Solution, in Incoming, m Method, rec []float64) (Flags, *Grad) {
	t.Helper()
	g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
	sol.Factor = rec
	o := DefaultOptions()
	o.Method = m
	f, err := ws.Backward(v, sol, in, &o, g)
	if err != nil {
		t.Fatal(err)
	}
	return f, g
}

// mulADenseRef is mulADense's definition: the column loop, one Dot4 and
// one Axpy4 per group of four columns, Dot and Axpy for the rest.
func mulADenseRef(yx, yz, av, ux, vz []float64, m int) {
	n := len(yx)
	var out [4]float64
	j := 0
	for ; j+4 <= n; j += 4 {
		c := av[j*m : (j+4)*m]
		c0, c1, c2, c3 := c[:m], c[m:2*m], c[2*m:3*m], c[3*m:]
		vec.Dot4(c0, c1, c2, c3, vz, m, &out)
		for r := range out {
			yx[j+r] += out[r]
		}
		a := [4]float64{ux[j], ux[j+1], ux[j+2], ux[j+3]}
		vec.Axpy4(&a, c0, c1, c2, c3, yz[:m], m)
	}
	for ; j < n; j++ {
		col := av[j*m : (j+1)*m]
		yx[j] += vec.Dot(col, vz[:m])
		vec.Axpy(ux[j], col, yz[:m])
	}
}

// TestMulADenseBits: mulADense's whole-block kernel calls give the column
// loop's sums and updates bit for bit (the sign of zeros included), over
// row counts below, at and above the kernels' vector widths and column
// counts with every remainder of four, across its 64-column runs, with
// zero coefficients and outputs of ±0.
func TestMulADenseBits(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 20, 40, 64, 129, 1031} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 23, 50, 63, 64, 65, 67, 100, 133} {
			av := make([]float64, m*n)
			for k := range av {
				av[k] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(9)-4))
			}
			ux, vz := make([]float64, n), make([]float64, m)
			for j := range ux {
				if rng.Intn(4) != 0 {
					ux[j] = rng.NormFloat64()
				}
			}
			for i := range vz {
				if rng.Intn(4) != 0 {
					vz[i] = rng.NormFloat64()
				}
			}
			yx0, yz0 := make([]float64, n), make([]float64, m)
			for j := range yx0 {
				yx0[j] = []float64{0, math.Copysign(0, -1), rng.NormFloat64()}[rng.Intn(3)]
			}
			for i := range yz0 {
				yz0[i] = []float64{0, math.Copysign(0, -1), rng.NormFloat64()}[rng.Intn(3)]
			}
			yx, yz := append([]float64(nil), yx0...), append([]float64(nil), yz0...)
			wx, wz := append([]float64(nil), yx0...), append([]float64(nil), yz0...)
			mulADense(yx, yz, av, ux, vz, m)
			mulADenseRef(wx, wz, av, ux, vz, m)
			for j := range yx {
				if math.Float64bits(yx[j]) != math.Float64bits(wx[j]) {
					t.Fatalf("%dx%d: yx[%d] = %v, want %v", m, n, j, yx[j], wx[j])
				}
			}
			for i := range yz {
				if math.Float64bits(yz[i]) != math.Float64bits(wz[i]) {
					t.Fatalf("%dx%d: yz[%d] = %v, want %v", m, n, i, yz[i], wz[i])
				}
			}
		}
	}
}

// TestMulKDiagonalPositions: the diagonal positions mulK reads for a
// diagonal P (diagPositions) are each column's last entry when it is the
// diagonal and −1 otherwise, on upper patterns with diagonal entries
// missing and empty columns, and mulK's diagonal product through them
// equals the full product (st.MulP) over the ±0 off-diagonal values.
func TestMulKDiagonalPositions(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for trial := 0; trial < 20; trial++ {
		n, m := 1+rng.Intn(12), 1+rng.Intn(6)
		p := problem.CSC{Rows: n, Cols: n, Colptr: make([]int, n+1)}
		want := make([]int, n)
		for j := 0; j < n; j++ {
			for i := 0; i < j; i++ {
				if rng.Intn(3) == 0 {
					p.Rowval = append(p.Rowval, i)
				}
			}
			want[j] = -1
			if rng.Intn(3) != 0 {
				want[j] = len(p.Rowval)
				p.Rowval = append(p.Rowval, j)
			}
			p.Colptr[j+1] = len(p.Rowval)
		}
		st, err := problem.New(n, m, []cone.Spec{{Kind: cone.KindNonneg, Dim: m}}, p, problem.DensePattern(m, n))
		if err != nil {
			t.Fatal(err)
		}
		got := diagPositions(st)
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("trial %d column %d: position %d, want %d", trial, j, got[j], want[j])
			}
		}
		v := &problem.Values{P: make([]float64, p.Nnz()), C: make([]float64, n), A: randVecs(rng, n*m), B: make([]float64, m)}
		for k := range v.P {
			v.P[k] = math.Copysign(0, float64(rng.Intn(2))-0.5)
		}
		for _, k := range want {
			if k >= 0 {
				v.P[k] = rng.NormFloat64()
			}
		}
		active := make([]bool, m)
		for i := range active {
			active[i] = rng.Intn(2) == 0
		}
		x := randVecs(rng, n+m)
		y0, y1 := make([]float64, n+m), make([]float64, n+m)
		full := scaledDual{n: n, active: active, st: st, v: v}
		full.mulK(x, y0)
		diag := scaledDual{n: n, active: active, st: st, v: v, diagP: true}
		diag.mulK(x, y1)
		for i := range y0 {
			if y0[i] != y1[i] {
				t.Fatalf("trial %d entry %d: diagonal mulK %v, full %v", trial, i, y1[i], y0[i])
			}
		}
	}
}

// randVecs is n standard normal values.
func randVecs(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// scaledDualSolveRef is scaledDual.Solve's definition: b_z scaled by E on
// the active rows, b_x by k·D, the record's factor solve (SolveDiagonalX
// for a diagonal x block), b_x scaled back by D and b_z by E/k.
func scaledDualSolveRef(s *scaledDual, b []float64) {
	pf := &s.pf
	bx, bz := b[:s.n], b[s.n:]
	for i, e := range pf.E {
		if s.active[i] {
			bz[i] *= e
		}
	}
	for j, d := range pf.D {
		bx[j] *= pf.K * d
	}
	if s.diagX {
		pf.Factor.SolveDiagonalX(b)
	} else {
		pf.Factor.Solve(b)
	}
	for j, d := range pf.D {
		bx[j] *= d
	}
	for i, e := range pf.E {
		if s.active[i] {
			bz[i] *= e / pf.K
		}
	}
}

// TestScaledDualSolveBits: scaledDual.Solve equals its definition
// (scaledDualSolveRef) bit for bit with the forward's polish factor
// records of ε-ridge LPs (a diagonal x block: SolveDiagonalXScaled) and
// dense QPs (Solve), on right-hand sides with zero entries.
func TestScaledDualSolveBits(t *testing.T) {
	rng := rand.New(rand.NewSource(53))
	seen := [2]int{} // records with a dense, a diagonal x block
	for _, c := range []struct {
		n, k int
		lp   bool
	}{{10, 5, true}, {23, 7, true}, {50, 10, true}, {10, 5, false}, {23, 7, false}} {
		st, err := problem.NewDenseStructure(c.n, 2*c.k, problem.Cones{Zero: c.k, Nonneg: c.k}, true)
		if err != nil {
			t.Fatal(err)
		}
		r := newReuseRig(t, st)
		fp := ipm.StructureFingerprint(st)
		for s := 0; s < 4; s++ {
			var v *problem.Values
			if c.lp {
				P, cc, A, b, _ := testfam.BPQPLP(rng, c.n, c.k)
				v = denseValues(st, P, cc, A, b)
			} else {
				P, cc, A, b, _ := testfam.DenseQP(rng, c.n, c.k, c.k)
				v = denseValues(st, P, cc, A, b)
			}
			res := ipm.Result{X: make([]float64, c.n), Y: make([]float64, st.M), S: make([]float64, st.M)}
			r.slv.Solve(v, &res)
			pf, ok := ipm.ParsePolishFactor(r.buf, st, fp)
			if !ok {
				continue
			}
			active := make([]bool, st.M)
			for i, a := range pf.Active {
				active[i] = a == 1
			}
			sd := scaledDual{pf: pf, n: c.n, active: active, st: st, v: v, diagX: c.lp && pf.Factor.DiagonalX()}
			if c.lp && !sd.diagX {
				t.Fatalf("%+v sample %d: an ε-ridge LP's record has no diagonal x block", c, s)
			}
			if sd.diagX {
				seen[1]++
			} else {
				seen[0]++
			}
			for trial := 0; trial < 3; trial++ {
				b := randVecs(rng, c.n+st.M)
				for i := range b {
					if trial == 1 && rng.Intn(3) == 0 {
						b[i] = 0
					}
				}
				for i, a := range active {
					if !a && trial != 2 {
						b[c.n+i] = 0 // as the backward's right-hand sides leave them
					}
				}
				got, want := append([]float64(nil), b...), append([]float64(nil), b...)
				sd.Solve(got)
				scaledDualSolveRef(&sd, want)
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%+v sample %d trial %d: entry %d is %v, the definition gives %v", c, s, trial, i, got[i], want[i])
					}
				}
			}
		}
	}
	if seen[0] < 4 || seen[1] < 6 {
		t.Fatalf("records with a dense, a diagonal x block tested: %v", seen)
	}
}
