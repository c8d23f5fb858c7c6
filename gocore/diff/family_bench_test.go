package diff

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// BenchmarkQPLayer is the QP layer's work per instance at the Go level:
// a forward solve (default settings, polish on) and the kkt backward for
// an incoming gradient on x, on a worker that shares the solver's KKT
// system (as the capi's workers do); "reuse" with the forward's polish
// factor record passed to the backward (Solution.Factor, as the QP layer
// does), "refactor" without. Per-phase CPU:
//
//	go test ./gocore/diff -run '^$' -bench QPLayer -cpuprofile cpu.out
func BenchmarkQPLayer(b *testing.B) {
	for _, c := range []struct {
		n     int
		reuse bool
	}{{10, true}, {50, true}, {200, true}, {10, false}, {50, false}, {200, false}} {
		n := c.n
		name := fmt.Sprintf("n%d/refactor", n)
		if c.reuse {
			name = fmt.Sprintf("n%d/reuse", n)
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewSource(int64(n)))
			st, vs := denseBatch(b, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
				return testfam.DenseQP(rng, n, n, n/5)
			})
			an, slv, ws, sol, res, g := benchRig(b, st)
			if c.reuse {
				sol.Factor = make([]float64, ipm.PolishFactorLen(an))
				slv.SetFactorSink(sol.Factor)
			}
			in := Incoming{X: make([]float64, n)}
			for i := range in.X {
				in.X[i] = rng.NormFloat64()
			}
			o := DefaultOptions()
			iters, polished, reused := 0, 0, 0
			var bwd time.Duration
			b.ResetTimer()
			t0 := testfam.CPUTime()
			for i := 0; i < b.N; i++ {
				v := vs[i%len(vs)]
				slv.Solve(v, &res)
				if res.Info.Status != ipm.StatusSolved {
					b.Fatalf("status %v", res.Info.Status)
				}
				iters += res.Info.Iter
				if res.Info.Polished {
					polished++
				}
				tb := testfam.CPUTime()
				f, err := ws.Backward(v, sol, in, &o, g)
				bwd += testfam.CPUTime() - tb
				if err != nil {
					b.Fatal(err)
				}
				if f&FlagFactorReused != 0 {
					reused++
				}
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters")
			b.ReportMetric(float64(polished)/float64(b.N), "polished")
			b.ReportMetric(float64(reused)/float64(b.N), "reused")
			b.ReportMetric(float64(bwd)/float64(b.N), "bwd-cpu-ns/op")
			b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCvxpyLayer is BenchmarkQPLayer on cvxpy's canonical form of
// cvxpylayers' dense family (testfam.CvxpyQP, n = 128: x = (z, t), the rows
// Q½z − t = 0 and Gz ≤ h), the problem CvxpyLayer hands to Go:
//
//	go test ./gocore/diff -run '^$' -bench CvxpyLayer -cpuprofile cpu.out
func BenchmarkCvxpyLayer(b *testing.B) {
	const n = 128
	rng := rand.New(rand.NewSource(n))
	var vs []*problem.Values
	var st *problem.Structure
	for k := 0; k < 8; k++ {
		pp, ap, P, c, A, bb, cones := testfam.CvxpyQP(rng, n)
		s, err := problem.NewStructure(2*n, 2*n, cones, pp, ap)
		if err != nil {
			b.Fatal(err)
		}
		st = s
		vs = append(vs, &problem.Values{P: P, C: c, A: A, B: bb})
	}
	_, slv, ws, sol, res, g := benchRig(b, st)
	in := Incoming{X: make([]float64, st.N)}
	for i := 0; i < n; i++ { // the gradient reaches z only, as CvxpyLayer's x.sum()
		in.X[i] = 1
	}
	o := DefaultOptions()
	var fwd, bwd int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := vs[i%len(vs)]
		t0 := testfam.CPUTime()
		slv.Solve(v, &res)
		if res.Info.Status != ipm.StatusSolved {
			b.Fatalf("status %v", res.Info.Status)
		}
		t1 := testfam.CPUTime()
		if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
			b.Fatal(err)
		}
		fwd += int64(t1 - t0)
		bwd += int64(testfam.CPUTime() - t1)
	}
	b.ReportMetric(float64(fwd)/float64(b.N), "fwd-cpu-ns/op")
	b.ReportMetric(float64(bwd)/float64(b.N), "bwd-cpu-ns/op")
}

// BenchmarkLPGDBox is the LPGD benchmark's problems at the Go level
// (benchmarks/bench_lpgd.py: n = 100, 50 random inequality rows, the box
// −1 ≤ x ≤ 1 as 200 rows of a dense G, 10 equalities; lp without P, qp
// with P = LLᵀ/n + 0.1I): a forward solve and a central LPGD backward
// (τ = 0.1, fast path) for a random incoming gradient on x, per instance,
// with the CPU time of each phase:
//
//	go test ./gocore/diff -run '^$' -bench LPGDBox -cpuprofile cpu.out
func BenchmarkLPGDBox(b *testing.B) {
	for _, kind := range []string{"lp", "qp"} {
		b.Run(kind, func(b *testing.B) {
			const n, m, p = 100, 50, 10
			rng := rand.New(rand.NewSource(3))
			st, vs := denseBatch(b, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
				if kind == "qp" {
					return testfam.BoxQP(rng, n, m, p)
				}
				c, A, bb, cones := testfam.BoxLP(rng, n, m, p)
				return nil, c, A, bb, cones
			})
			_, slv, ws, sol, res, g := benchRig(b, st)
			in := Incoming{X: make([]float64, n)}
			for i := range in.X {
				in.X[i] = rng.NormFloat64()
			}
			o := DefaultOptions()
			o.Method = MethodLPGD
			var fwd, bwd time.Duration
			iters := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v := vs[i%len(vs)]
				t0 := testfam.CPUTime()
				slv.Solve(v, &res)
				t1 := testfam.CPUTime()
				if res.Info.Status != ipm.StatusSolved {
					b.Fatalf("status %v", res.Info.Status)
				}
				iters += res.Info.Iter
				if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
					b.Fatal(err)
				}
				fwd += t1 - t0
				bwd += testfam.CPUTime() - t1
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters")
			b.ReportMetric(float64(fwd)/float64(b.N), "fwd-cpu-ns/op")
			b.ReportMetric(float64(bwd)/float64(b.N), "bwd-cpu-ns/op")
		})
	}
}

// denseBatch makes eight instances of a dense family (P nil: no quadratic
// term) on one dense structure, values gathered into its patterns.
func denseBatch(b testing.TB, gen func() (P, c, A, bb []float64, cones problem.Cones)) (*problem.Structure, []*problem.Values) {
	var vs []*problem.Values
	var st *problem.Structure
	for k := 0; k < 8; k++ {
		P, c, A, bb, cones := gen()
		s, err := problem.NewDenseStructure(len(c), len(bb), cones, P != nil)
		if err != nil {
			b.Fatal(err)
		}
		st = s
		v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: bb}
		if P != nil {
			st.GatherDenseP(v.P, P)
		}
		st.GatherDenseA(v.A, A)
		vs = append(vs, v)
	}
	return st, vs
}

// defaultSolver analyses st (LinearAuto) and makes a forward solver at
// default settings (the tests' and benchmarks' common setup).
func defaultSolver(tb testing.TB, st *problem.Structure) (*kkt.Analysis, *ipm.Solver, ipm.Settings) {
	tb.Helper()
	an, err := kkt.Analyse(st, ipm.LinearAuto)
	if err != nil {
		tb.Fatal(err)
	}
	set := ipm.DefaultSettings()
	slv, err := ipm.NewSolver(an, set)
	if err != nil {
		tb.Fatal(err)
	}
	return an, slv, set
}

// benchRig is the worker of the family benchmarks: a forward solver at
// default settings and a backward workspace sharing its KKT system (as the
// capi's workers do), with one instance's solution, result and gradient.
func benchRig(b testing.TB, st *problem.Structure) (*kkt.Analysis, *ipm.Solver, *Workspace, Solution, ipm.Result, *Grad) {
	an, slv, set := defaultSolver(b, st)
	ws, err := NewWorkspaceOn(slv.KKT(), set)
	if err != nil {
		b.Fatal(err)
	}
	sol := Solution{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
	g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
	return an, slv, ws, sol, res, g
}

// bpqpStudyCases runs body as a sub-benchmark for each of the BPQP study's
// cases (benchmarks/bench_bpqp.py: testfam.BPQPQP and the ε-ridge BPQPLP
// at 10×5 … 500×100, k equality and k inequality rows, P dense as the
// Python layer passes it; kkt and bpqp) with the case's eight instances,
// the incoming gradient of the loss 1ᵀx and the method's options.
func bpqpStudyCases(b *testing.B, body func(b *testing.B, n int, st *problem.Structure, vs []*problem.Values, in Incoming, o *Options)) {
	for _, kind := range []string{"qp", "lp"} {
		for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}, {500, 100}} {
			for _, method := range []Method{MethodKKT, MethodBPQP} {
				n, k := sz[0], sz[1]
				mname := map[Method]string{MethodKKT: "kkt", MethodBPQP: "bpqp"}[method]
				b.Run(fmt.Sprintf("%s/%dx%d/%s", kind, n, k, mname), func(b *testing.B) {
					rng := rand.New(rand.NewSource(int64(n + k)))
					st, vs := denseBatch(b, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
						if kind == "qp" {
							return testfam.BPQPQP(rng, n, k)
						}
						return testfam.BPQPLP(rng, n, k)
					})
					in := Incoming{X: make([]float64, n)}
					for i := range in.X {
						in.X[i] = 1
					}
					o := DefaultOptions()
					o.Method = method
					body(b, n, st, vs, in, &o)
				})
			}
		}
	}
}

// BenchmarkBPQPStudy is the BPQP study's instances one by one at the Go
// level (bpqpStudyCases): a forward solve at default settings and the
// backward for the loss 1ᵀx (kkt or bpqp, with the forward's factor
// record as the Python layer passes it), with the CPU time of each phase:
//
//	go test ./gocore/diff -run '^$' -bench BPQPStudy -cpuprofile cpu.out
func BenchmarkBPQPStudy(b *testing.B) {
	bpqpStudyCases(b, func(b *testing.B, n int, st *problem.Structure, vs []*problem.Values, in Incoming, o *Options) {
		an, slv, ws, sol, res, g := benchRig(b, st)
		{ // as the Python layer, for kkt and direct bpqp
			sol.Factor = make([]float64, ipm.PolishFactorLen(an))
			slv.SetFactorSink(sol.Factor)
		}
		var fwd, bwd time.Duration
		iters, polished, reused := 0, 0, 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			v := vs[i%len(vs)]
			t0 := testfam.CPUTime()
			slv.Solve(v, &res)
			t1 := testfam.CPUTime()
			if res.Info.Status != ipm.StatusSolved {
				b.Fatalf("status %v", res.Info.Status)
			}
			iters += res.Info.Iter
			if res.Info.Polished {
				polished++
			}
			f, err := ws.Backward(v, sol, in, o, g)
			if err != nil {
				b.Fatal(err)
			}
			if f&FlagFactorReused != 0 {
				reused++
			}
			fwd += t1 - t0
			bwd += testfam.CPUTime() - t1
		}
		ts := slv.KKT().TierStats()
		b.ReportMetric(float64(iters)/float64(b.N), "iters")
		b.ReportMetric(float64(polished)/float64(b.N), "polished")
		b.ReportMetric(float64(reused)/float64(b.N), "reused")
		b.ReportMetric(float64(ts.Fast)/float64(b.N), "fastfac/op")
		b.ReportMetric(float64(ts.Escalations)/float64(b.N), "escal/op")
		b.ReportMetric(float64(fwd)/float64(b.N), "fwd-cpu-ns/op")
		b.ReportMetric(float64(bwd)/float64(b.N), "bwd-cpu-ns/op")
	})
}

// BenchmarkBPQPStudyBackward is BenchmarkBPQPStudy's backward alone: the
// study's instances are solved once (each keeping its own factor record)
// and the loop runs only the backward for the loss 1ᵀx, cycling through
// them, with ∂c the only gradient asked for (the study's ∂ℓ/∂q) — a
// profile or instruction count of it is the backward's, without the
// forward's share:
//
//	go test ./gocore/diff -run '^$' -bench BPQPStudyBackward -cpuprofile cpu.out
func BenchmarkBPQPStudyBackward(b *testing.B) {
	bpqpStudyCases(b, func(b *testing.B, n int, st *problem.Structure, vs []*problem.Values, in Incoming, o *Options) {
		an, slv, ws, _, _, _ := benchRig(b, st)
		g := &Grad{C: make([]float64, n)}
		sols := make([]Solution, len(vs))
		for i, v := range vs {
			s := Solution{X: make([]float64, n), Y: make([]float64, st.M), S: make([]float64, st.M),
				Factor: make([]float64, ipm.PolishFactorLen(an))}
			slv.SetFactorSink(s.Factor)
			res := ipm.Result{X: s.X, Y: s.Y, S: s.S}
			slv.Solve(v, &res)
			if res.Info.Status != ipm.StatusSolved {
				b.Fatalf("status %v", res.Info.Status)
			}
			sols[i] = s
		}
		reused := 0
		b.ResetTimer()
		t0 := testfam.CPUTime()
		for i := 0; i < b.N; i++ {
			f, err := ws.Backward(vs[i%len(vs)], sols[i%len(vs)], in, o, g)
			if err != nil {
				b.Fatal(err)
			}
			if f&FlagFactorReused != 0 {
				reused++
			}
		}
		b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(reused)/float64(b.N), "reused")
	})
}
