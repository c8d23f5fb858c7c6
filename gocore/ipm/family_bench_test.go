package ipm

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

type familyData struct {
	name string
	st   *problem.Structure
	vs   []*problem.Values
}

// benchFamilyNames are the families of benchFamily.
var benchFamilyNames = []string{"qp10", "qp50", "qp200", "boxlp100", "boxqp100", "cvxqp128"}

// benchConeFamilyNames are the non-polyhedral families of benchFamily
// (not run in the normal-equations form).
var benchConeFamilyNames = []string{"pow100", "lmi12", "ncm10"}

// benchFamily draws count problems of a family: the dense QPs qp<n>
// (m = n inequalities, p = n/5 equalities), boxlp100 (the LPGD
// benchmark's LP: n = 100, 50 random inequality rows, the box as 200 rows,
// 10 equalities), boxqp100 (the same with P = LLᵀ/n + 0.1I: the LPGD
// benchmark's QP), cvxqp<n> (cvxpy's canonical form of cvxpylayers'
// dense family as CvxpyLayer solves it, testfam.CvxpyQP: DenseDual's
// extended x block) and pow<k> (bench_cone.py's power-cone projection, k
// cones, in cvxpy's canonical form), lmi<d> (bench_cone.py's largest
// eigenvalue LMI, lmiFamily) and ncm<d> (the nearest correlation matrix,
// ncmFamily).
func benchFamily(tb testing.TB, name string, count int) familyData {
	f := familyData{name: name}
	var n int
	if _, err := fmt.Sscanf(name, "lmi%d", &n); err == nil {
		f.st, f.vs = lmiFamily(tb, rand.New(rand.NewSource(int64(n))), n, count)
		return f
	}
	if _, err := fmt.Sscanf(name, "ncm%d", &n); err == nil {
		f.st, f.vs = ncmFamily(tb, rand.New(rand.NewSource(int64(n))), n, count)
		return f
	}
	if _, err := fmt.Sscanf(name, "pow%d", &n); err == nil {
		rng := rand.New(rand.NewSource(int64(n)))
		for k := 0; k < count; k++ {
			st, v, err := testfam.PowProjection(rng, n)
			if err != nil {
				tb.Fatal(err)
			}
			f.st = st
			f.vs = append(f.vs, v)
		}
		return f
	}
	if _, err := fmt.Sscanf(name, "cvxqp%d", &n); err == nil {
		rng := rand.New(rand.NewSource(int64(n)))
		for k := 0; k < count; k++ {
			pp, ap, P, c, A, b, cones := testfam.CvxpyQP(rng, n)
			st, err := problem.NewStructure(2*n, 2*n, cones, pp, ap)
			if err != nil {
				tb.Fatal(err)
			}
			f.st = st
			f.vs = append(f.vs, &problem.Values{P: P, C: c, A: A, B: b})
		}
		return f
	}
	if _, err := fmt.Sscanf(name, "qp%d", &n); err == nil {
		rng := rand.New(rand.NewSource(int64(n)))
		for k := 0; k < count; k++ {
			P, c, A, b, cones := testfam.DenseQP(rng, n, n, n/5)
			st, v := denseProblem(tb, n, P, c, A, b, cones)
			f.st = st
			f.vs = append(f.vs, v)
		}
		return f
	}
	rng := rand.New(rand.NewSource(100))
	for k := 0; k < count; k++ {
		var P []float64
		c, A, b, cones := testfam.BoxLP(rng, 100, 50, 10)
		if name == "boxqp100" {
			P, c, A, b, cones = testfam.BoxQP(rng, 100, 50, 10)
		}
		st, v := denseProblem(tb, 100, P, c, A, b, cones)
		f.st = st
		f.vs = append(f.vs, v)
	}
	return f
}

// BenchmarkFamilies solves the benchmarks' problem families (forward only,
// one thread): go test ./gocore/ipm -run '^$' -bench Families -cpuprofile cpu.out
func BenchmarkFamilies(b *testing.B) {
	for _, name := range append(benchFamilyNames, benchConeFamilyNames...) {
		b.Run(name, func(b *testing.B) {
			f := benchFamily(b, name, 8)
			an, err := kkt.Analyse(f.st, LinearAuto)
			if err != nil {
				b.Fatal(err)
			}
			w, err := NewSolver(an, DefaultSettings())
			if err != nil {
				b.Fatal(err)
			}
			benchSolves(b, w, &f)
		})
	}
}

// The benchmark families run every interior-point factorization in the
// normal-equations form: no fallback to the accurate form, the same
// iteration counts (11.4, 9.9, 11.4 and 12.5 on average before it existed).
// cvxqp128 runs in DenseDual's extended form (before it, the normal
// equations of DenseSchur's two levels fell back 4 times in 2 solves).
func TestBenchmarkFamiliesNormalEquations(t *testing.T) {
	for _, name := range benchFamilyNames {
		f := benchFamily(t, name, 2)
		an, err := kkt.Analyse(f.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		w, err := NewSolver(an, DefaultSettings())
		if err != nil {
			t.Fatal(err)
		}
		res := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
		iters := 0
		for _, v := range f.vs {
			w.Solve(v, res)
			if res.Info.Status != StatusSolved {
				t.Fatalf("%s: status %v", f.name, res.Info.Status)
			}
			iters += res.Info.Iter
		}
		ts := w.kkt.TierStats()
		if ts.Escalations != 0 || ts.Fast < iters {
			t.Errorf("%s: %d normal-equations factorizations for %d iterations, %d fallbacks", f.name, ts.Fast, iters, ts.Escalations)
		}
		if iters > 16*len(f.vs) {
			t.Errorf("%s: %d iterations for %d problems", f.name, iters, len(f.vs))
		}
	}
}

// BenchmarkSparseQP solves cvxpylayers' sparse QP family
// (benchmarks/bench_cone.py, sparse_qp: n = 1024, A and G 1 % dense + I,
// 4 value sets on one structure), forward only, one thread:
// go test ./gocore/ipm -run '^$' -bench SparseQP -cpuprofile cpu.out
// It reports iterations, polished solves and the dense trailing block of
// the sparse factorization.
func BenchmarkSparseQP(b *testing.B) {
	st, vs := testfam.SparseQP(rand.New(rand.NewSource(1)), 1024, 0.01, 4)
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		b.Fatal(err)
	}
	res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	iters, polished := 0, 0
	b.ResetTimer()
	t0 := testfam.CPUTime()
	for i := 0; i < b.N; i++ {
		w.Solve(vs[i%len(vs)], res)
		if res.Info.Status != StatusSolved {
			b.Fatalf("status %v", res.Info.Status)
		}
		iters += res.Info.Iter
		if res.Info.Polished {
			polished++
		}
	}
	b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(iters)/float64(b.N), "iters")
	b.ReportMetric(float64(polished)/float64(b.N), "polished")
	if f, err := an.NewFactorizer(); err == nil {
		if s, ok := f.(*linsys.SparseLDL); ok {
			b.ReportMetric(float64(s.DenseTail()), "tail")
		}
	}
}

// randSym is a random symmetric d×d matrix (row-major), entries the sum of
// two standard normals, plus diag on the diagonal.
func randSym(rng *rand.Rand, d int, diag float64) []float64 {
	a := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			g := rng.NormFloat64() + rng.NormFloat64()
			a[i*d+j], a[j*d+i] = g, g
		}
		a[i*d+i] += diag
	}
	return a
}

// lmiFamily is bench_cone.py's largest-eigenvalue LMI as cvxpy gives it:
// min t s.t. tI − A ⪰ 0 (n = 1, one PSD block of side d, A's pattern the
// diagonal rows), count random symmetric A.
func lmiFamily(tb testing.TB, rng *rand.Rand, d, count int) (*problem.Structure, []*problem.Values) {
	nv := d * (d + 1) / 2
	var rows []int
	for k, ij := range svecIdx(d) {
		if ij[0] == ij[1] {
			rows = append(rows, k)
		}
	}
	st, err := problem.New(1, nv, []cone.Spec{{Kind: cone.KindPSD, Dim: nv}}, problem.EmptyPattern(1, 1),
		problem.CSC{Rows: nv, Cols: 1, Colptr: []int{0, d}, Rowval: rows})
	if err != nil {
		tb.Fatal(err)
	}
	av := make([]float64, d)
	for i := range av {
		av[i] = -1
	}
	var vs []*problem.Values
	for k := 0; k < count; k++ {
		b := svecOf(randSym(rng, d, 0), d)
		for i := range b {
			b[i] = -b[i]
		}
		vs = append(vs, &problem.Values{C: []float64{1}, A: av, B: b})
	}
	return st, vs
}

// ncmFamily is the nearest correlation matrix min ‖X − C‖²_F s.t.
// diag X = 1, X ⪰ 0 on x = svec(X) (P = 2I, d zero rows, one PSD block of
// side d), count random C = 0.3·sym + I.
func ncmFamily(tb testing.TB, rng *rand.Rand, d, count int) (*problem.Structure, []*problem.Values) {
	nv := d * (d + 1) / 2
	m := d + nv
	A := make([]float64, m*nv)
	b := make([]float64, m)
	r := 0
	for k, ij := range svecIdx(d) {
		if ij[0] == ij[1] {
			A[r*nv+k], b[r] = 1, 1
			r++
		}
	}
	for k := 0; k < nv; k++ {
		A[(d+k)*nv+k] = -1
	}
	P := make([]float64, nv*nv)
	for k := 0; k < nv; k++ {
		P[k*nv+k] = 2
	}
	st, err := problem.New(nv, m, []cone.Spec{{Kind: cone.KindZero, Dim: d}, {Kind: cone.KindPSD, Dim: nv}},
		problem.UpperPattern(nv), problem.DensePattern(m, nv))
	if err != nil {
		tb.Fatal(err)
	}
	var vs []*problem.Values
	for k := 0; k < count; k++ {
		cm := randSym(rng, d, 0)
		for i := range cm {
			cm[i] *= 0.3
		}
		for i := 0; i < d; i++ {
			cm[i*d+i]++
		}
		sc := svecOf(cm, d)
		c := make([]float64, nv)
		for i := range c {
			c[i] = -2 * sc[i]
		}
		v := &problem.Values{P: make([]float64, st.P.Nnz()), C: c, A: make([]float64, st.A.Nnz()), B: b}
		st.GatherDenseP(v.P, P)
		st.GatherDenseA(v.A, A)
		vs = append(vs, v)
	}
	return st, vs
}

// benchSolves times w's solves of f's instances in turn (each must end
// Solved), reporting iterations and CPU time per solve.
func benchSolves(b *testing.B, w *Solver, f *familyData) {
	res := &Result{X: make([]float64, f.st.N), Y: make([]float64, f.st.M), S: make([]float64, f.st.M)}
	iters := 0
	b.ResetTimer()
	t0 := testfam.CPUTime()
	for i := 0; i < b.N; i++ {
		w.Solve(f.vs[i%len(f.vs)], res)
		if res.Info.Status != StatusSolved {
			b.Fatalf("status %v", res.Info.Status)
		}
		iters += res.Info.Iter
	}
	b.ReportMetric(float64(iters)/float64(b.N), "iters")
	b.ReportMetric(float64(testfam.CPUTime()-t0)/float64(b.N), "cpu-ns/op")
}
