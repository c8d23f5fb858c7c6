package ipm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// fusedVec draws a vector of length n with entries of mixed magnitudes
// and signs (so that the order of the additions shows in the rounding),
// an occasional −0, and with special set one ±Inf or NaN.
func fusedVec(rng *rand.Rand, n int, special bool) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(17)-8))
		if rng.Intn(9) == 0 {
			v[i] = math.Copysign(0, -1)
		}
	}
	if special && n > 0 {
		v[rng.Intn(n)] = []float64{math.Inf(1), math.Inf(-1), math.NaN()}[rng.Intn(3)]
	}
	return v
}

// TestDotsMatchDot: dots2, dotsH (with MulH's diagonal product) and dots3
// return, bit for bit, the dot products dot takes one by one, for every
// pair of lengths (equal, either longer, empty), mixed magnitudes, −0 and
// non-finite entries; a version that summed in another order or dropped a
// tail fails.
func TestDotsMatchDot(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	lens := []int{0, 1, 2, 3, 5, 8, 10, 17, 20, 50}
	bits := func(x float64) uint64 { return math.Float64bits(x) }
	for _, na := range lens {
		for _, nb := range lens {
			for rep := 0; rep < 4; rep++ {
				special := rep == 3
				a, b := fusedVec(rng, na, special), fusedVec(rng, na+rng.Intn(3), false)
				c, d := fusedVec(rng, nb, false), fusedVec(rng, nb+rng.Intn(3), special)
				s, u := dots2(a, b, c, d)
				if bits(s) != bits(dot(a, b)) || bits(u) != bits(dot(c, d)) {
					t.Fatalf("dots2 lens %d, %d: %v %v, dot %v %v", na, nb, s, u, dot(a, b), dot(c, d))
				}
				h := fusedVec(rng, na+rng.Intn(3), rep == 2)
				hz := make([]float64, na)
				for i := range hz {
					hz[i] = h[i] * a[i] // Composite.MulH's diagonal product
				}
				if s, u := dotsH(a, h, c, d); bits(s) != bits(dot(a, hz)) || bits(u) != bits(dot(c, d)) {
					t.Fatalf("dotsH lens %d, %d: %v %v, MulH and dot %v %v", na, nb, s, u, dot(a, hz), dot(c, d))
				}
				p := fusedVec(rng, na, false)
				ax, px, bz := dots3(a, p, b, c, d)
				if bits(ax) != bits(dot(a, b)) || bits(px) != bits(dot(p, b)) || bits(bz) != bits(dot(c, d)) {
					t.Fatalf("dots3 lens %d, %d: %v %v %v, dot %v %v %v", na, nb, ax, px, bz, dot(a, b), dot(p, b), dot(c, d))
				}
			}
		}
	}
}

// refRtau is computeResiduals' rτ as it was taken after the loops:
// three separate dot products.
func refRtau(w *Solver) float64 {
	return w.kappa + dot(w.cv, w.x) + dot(w.bv, w.z) + dot(w.x, w.px)/w.tau
}

// refConvergedScaled is converged's scaled-products path as it was before
// convergedScaled fused it: unscale (with FixSlack), the products' mapping,
// the three dot products, and the two residual passes.
func refConvergedScaled(w *Solver, info *Info) bool {
	v := w.orig
	w.unscale(1 / w.tau)
	f, tau := 1/(w.cScale*w.tau), w.tau
	for i, d := range w.dScale {
		w.pxu[i] = w.px[i] * f / d
		w.atz[i] = w.atzS[i] * f / d
	}
	for i, e := range w.eScale {
		w.axu[i] = w.axS[i] / (tau * e)
	}
	xpx := dot(w.xu, w.pxu)
	pobj := 0.5*xpx + dot(v.C, w.xu)
	dobj := -0.5*xpx - dot(v.B, w.zu)
	nb, nc := w.dataNorms()
	var rp, rd, nax, nsu, npx, natz float64
	for i, a := range w.axu {
		rp = nanMax(rp, math.Abs(a+w.su[i]-v.B[i]))
		nax, nsu = absMax(nax, a), absMax(nsu, w.su[i])
	}
	for i, p := range w.pxu {
		rd = nanMax(rd, math.Abs(p+w.atz[i]+v.C[i]))
		npx, natz = absMax(npx, p), absMax(natz, w.atz[i])
	}
	return w.finishConverged(info, pobj, dobj, rp, rd, nb, nc, nax, nsu, npx, natz)
}

// fusedCase is a problem whose iterates the fused-pass tests stop at.
type fusedCase struct {
	name string
	st   *problem.Structure
	v    *problem.Values
	rho  float64
}

// coneFusedCases are the test families with second-order, PSD and
// exponential rows (activeSOCP, lmiFamily, expFixtures) and unbounded LPs
// with equality, nonnegative and second-order rows (unboundedEqSOCP): the
// rows whose unscaled slacks the fused passes must not zero, and the
// equality rows' slacks they must.
func coneFusedCases(t *testing.T, rng *rand.Rand) []fusedCase {
	var cases []fusedCase
	for _, n := range []int{4, 7} {
		P, c, A, b, _, cones := activeSOCP(rng, n)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		cases = append(cases, fusedCase{fmt.Sprintf("activeSOCP n=%d", n), st, v, 0})
	}
	for _, d := range []int{3, 5} {
		st, vs := lmiFamily(t, rng, d, 1)
		cases = append(cases, fusedCase{fmt.Sprintf("lmi d=%d", d), st, vs[0], 0})
	}
	for _, f := range expFixtures() {
		st, v := expProblem(t, f.n, f.cones, nil, f.c, f.A, f.b)
		cases = append(cases, fusedCase{"exp " + f.name, st, v, 0})
	}
	for k, n := range []int{4, 9} {
		A, b, c, cones := unboundedEqSOCP(rng, n, 2*n, 2+k, 3+k)
		st, v := denseProblem(t, n, nil, c, A, b, cones)
		cases = append(cases, fusedCase{fmt.Sprintf("unbounded eq+SOC LP n=%d", n), st, v, 0})
	}
	return cases
}

// unboundedEqSOCP is a feasible LP, unbounded along a random direction d
// (c = −d), on p equality rows (orthogonal to d, through a random x₀),
// mr nonnegative rows (made to hold along d as certFamily's) and one
// second-order cone of dimension q whose rows' −Ãd lies inside it: its
// dual infeasibility certificate takes A x̄ + s̄ with every kind of slack.
func unboundedEqSOCP(rng *rand.Rand, n, mr, p, q int) (A, b, c []float64, cones problem.Cones) {
	x0, d := make([]float64, n), make([]float64, n)
	for j := range x0 {
		x0[j], d[j] = rng.NormFloat64(), rng.NormFloat64()
	}
	dd := dot(d, d)
	row := func() []float64 {
		g := make([]float64, n)
		for j := range g {
			g[j] = rng.NormFloat64()
		}
		return g
	}
	shift := func(g []float64, by float64) { // g ← g − by·d/‖d‖²
		for j := range g {
			g[j] -= by / dd * d[j]
		}
	}
	add := func(g []float64, rhs float64) {
		A = append(A, g...)
		b = append(b, rhs)
	}
	for i := 0; i < p; i++ {
		g := row()
		shift(g, dot(g, d)) // g·d = 0
		add(g, dot(g, x0))
	}
	for i := 0; i < mr; i++ {
		g := row()
		if gd := dot(g, d); gd > 0 {
			shift(g, 1.5*gd) // g·d < 0
		}
		add(g, dot(g, x0)+rng.Float64())
	}
	tail := make([][]float64, q-1)
	var nt float64
	for i := range tail {
		tail[i] = row()
		nt = math.Hypot(nt, dot(tail[i], d))
	}
	g0 := row()
	shift(g0, dot(g0, d)+nt+1) // −g₀·d = ‖(gᵢ·d)‖ + 1: −Ãd inside the cone
	add(g0, dot(g0, x0)+2)
	for _, g := range tail {
		add(g, dot(g, x0))
	}
	c = make([]float64, n)
	for j := range c {
		c[j] = -d[j]
	}
	return A, b, c, problem.Cones{Zero: p, Nonneg: mr, SOC: []int{q}}
}

// TestConvergedScaledFused: at the iterates of seeded box QPs (equality
// rows, whose unscaled slacks FixSlack zeroes, box and general rows; some
// infeasible; some with a proximal term) and of the second-order, PSD and
// exponential families and unbounded LPs (coneFusedCases), stopped after
// 1 … 7 iterations, computeResiduals' rτ and convergedScaled's decision,
// Info and unscaled iterate and products are bit for bit those of the
// passes one after the other (refRtau, refConvergedScaled). A fused loop
// that missed the equality rows' slacks, zeroed the slacks of other rows
// (second-order, PSD, exponential), mapped a product differently or
// summed a dot product in another order fails.
func TestConvergedScaledFused(t *testing.T) {
	rng := rand.New(rand.NewSource(29))
	var cases []fusedCase
	for k := 0; k < 12; k++ {
		n := []int{3, 10, 25}[k%3]
		p := rng.Intn(n/3+1) + k%2 // some with equality rows
		P, c, A, b, cones := boxQP(rng, n, p, rng.Intn(n+1)+1, k%4 == 3)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		rho := 0.0
		if k%5 == 2 {
			rho = 0.3
		}
		cases = append(cases, fusedCase{fmt.Sprintf("boxqp#%d n=%d", k, n), st, v, rho})
	}
	coneCases := coneFusedCases(t, rng)
	cases = append(cases, coneCases...)
	checked, withEq, withCone := 0, 0, 0
	perCase := map[string]int{}
	for _, tc := range cases {
		st, v, rho := tc.st, tc.v, tc.rho
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		for iters := 1; iters <= 7; iters++ {
			set := DefaultSettings()
			set.MaxIter = iters
			set.Polish = false
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			w.SetProx(rho)
			res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
			w.Solve(v, res)
			if !(w.tau > 0) {
				continue
			}
			name := fmt.Sprintf("%s rho=%g after ≤%d iterations", tc.name, rho, iters)
			w.computeResiduals()
			if got, want := w.rtau, refRtau(w); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("%s: rτ %v, separate dots %v", name, got, want)
			}
			if !testfam.SameBits(w.prodX, w.x) || !testfam.SameBits(w.prodZ, w.z) {
				t.Fatalf("%s: products' x, z not the iterate's", name)
			}
			if !w.scaledProducts() {
				t.Fatalf("%s: products of this iterate not recognized", name)
			}
			// Equality rows' slacks are 0 along the iteration; set some
			// nonzero so that their unscaled slacks' zeroing (FixSlack)
			// shows (both ways take s as it is now).
			class := make([]cone.RowClass, st.M)
			w.cones.RowClasses(class)
			eqRows, coneRows := 0, 0
			for i, cl := range class {
				switch {
				case cl == cone.RowsEquality:
					w.s[i] = 0.25 * float64(i+1)
					eqRows++
				case cl == cone.RowsNonPolyhedral && w.s[i] != 0:
					coneRows++
				}
			}
			if eqRows > 0 {
				withEq++
			}
			if coneRows > 0 {
				withCone++
			}
			var got, want Info
			okGot := w.convergedScaled(&got)
			out := [][]float64{w.xu, w.zu, w.su, w.pxu, w.axu, w.atz}
			saved := make([][]float64, len(out))
			for i, o := range out {
				saved[i] = append([]float64(nil), o...)
				for j := range o {
					o[j] = math.NaN() // rewritten by both
				}
			}
			okWant := refConvergedScaled(w, &want)
			if okGot != okWant || got != want {
				t.Fatalf("%s: fused %v %+v, passes %v %+v", name, okGot, got, okWant, want)
			}
			for i, o := range out {
				if !testfam.SameBits(saved[i], o) {
					t.Fatalf("%s: unscaled vector %d fused %v, passes %v", name, i, saved[i], o)
				}
			}
			for i, cl := range class {
				if cl == cone.RowsEquality && math.Float64bits(w.su[i]) != 0 {
					t.Fatalf("%s: equality row %d unscaled slack %v", name, i, w.su[i])
				}
			}
			checked++
			perCase[tc.name]++
		}
	}
	for _, tc := range coneCases {
		if perCase[tc.name] == 0 {
			t.Errorf("%s: no iterate checked", tc.name)
		}
	}
	if checked < 50 || withEq < 20 || withCone < 25 {
		t.Fatalf("only %d iterates checked, %d with equality rows, %d with nonzero cone slacks", checked, withEq, withCone)
	}
}

// TestCertificatesFused: at the iterates of seeded LPs with a primal or a
// dual infeasibility certificate or none (certFamily, b or c scaled by
// 1e6), of box QPs and of coneFusedCases (second-order, PSD and
// exponential rows; unbounded LPs with equality, nonnegative and
// second-order rows, whose dual test writes s̄ through unscaleSlack), the
// equality rows' slacks set nonzero, stopped after 1 … 12 iterations,
// certificates (the
// loop's fused test) decides as unscale(1), primalCertificate and
// dualCertificate one after the other, and leaves the same bits in the
// vectors the tests wrote (z̄, and x̄ when the dual test ran; Aᵀz̄, P x̄,
// A x̄ + s̄ and s̄ where they were taken). A fused loop that took a norm or
// a dot product otherwise, an s̄ missing where the dual test needs it, or
// one that kept the equality rows' slacks or zeroed other rows' fails.
func TestCertificatesFused(t *testing.T) {
	rng := rand.New(rand.NewSource(53))
	var cases []fusedCase
	for _, kind := range []string{"unbounded", "infeasible", "bounded"} {
		for _, sc := range [][2]float64{{1, 1}, {1e6, 1}, {1, 1e6}} {
			n := 4 + rng.Intn(8)
			G, h, c, rows := certFamily(rng, kind, n, 2*n, sc[0], sc[1])
			st, v := denseProblem(t, n, nil, c, G, h, problem.Cones{Nonneg: rows})
			cases = append(cases, fusedCase{fmt.Sprintf("%s scale %v", kind, sc), st, v, 0})
		}
	}
	for k := 0; k < 6; k++ {
		n := []int{3, 10, 25}[k%3]
		P, c, A, b, cones := boxQP(rng, n, rng.Intn(n/3+1)+1, rng.Intn(n+1)+1, k%2 == 1)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		cases = append(cases, fusedCase{fmt.Sprintf("boxqp#%d", k), st, v, 0})
	}
	cases = append(cases, coneFusedCases(t, rng)...)
	slackMixed := 0 // s̄ written with equality and second-order rows
	seen := map[Status]int{}
	for _, tc := range cases {
		an, err := kkt.Analyse(tc.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		for iters := 1; iters <= 12; iters++ {
			set := DefaultSettings()
			set.MaxIter = iters
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			res := &Result{X: make([]float64, tc.st.N), Y: make([]float64, tc.st.M), S: make([]float64, tc.st.M)}
			w.Solve(tc.v, res)
			name := fmt.Sprintf("%s after ≤%d iterations", tc.name, iters)
			class := make([]cone.RowClass, tc.st.M)
			w.cones.RowClasses(class)
			var eqRows, coneRows []int
			for i, cl := range class {
				switch cl {
				case cone.RowsEquality:
					w.s[i] = 0.25 * float64(i+1) // zero along the iteration
					eqRows = append(eqRows, i)
				case cone.RowsNonPolyhedral:
					coneRows = append(coneRows, i)
				}
			}
			for _, fresh := range []bool{true, false} {
				w.prodOK = false
				if fresh {
					w.computeResiduals() // the products' path (scaledProducts)
				}
				out := []*[]float64{&w.xu, &w.zu, &w.su, &w.atz, &w.pxu, &w.axu}
				fill := func() {
					for _, o := range out {
						for j := range *o {
							(*o)[j] = math.NaN()
						}
					}
				}
				fill()
				got := w.certificates()
				gotV := make([][]float64, len(out))
				for i, o := range out {
					gotV[i] = append([]float64(nil), (*o)...)
				}
				fill()
				w.unscale(1)
				want := StatusUnsolved
				if w.primalCertificate() {
					want = StatusPrimalInfeasible
				} else if w.dualCertificate() {
					want = StatusDualInfeasible
				}
				if got != want {
					t.Fatalf("%s (products %v): certificates %v, the tests %v", name, fresh, got, want)
				}
				seen[got]++
				if len(gotV[2]) > 0 && !math.IsNaN(gotV[2][0]) {
					// s̄ written: E⁻¹s on every row, zero on the equality
					// rows (checked apart from unscale, which the
					// reference above shares with certificates).
					for i, cl := range class {
						want := w.s[i] / w.eScale[i]
						if cl == cone.RowsEquality {
							want = 0
						}
						if math.Float64bits(gotV[2][i]) != math.Float64bits(want) {
							t.Fatalf("%s (products %v): s̄[%d] %v, want %v (row class %v)", name, fresh, i, gotV[2][i], want, cl)
						}
					}
					if len(eqRows) > 0 && len(coneRows) > 0 {
						slackMixed++
					}
				}
				for i, o := range out {
					switch {
					case i == 0 && want == StatusPrimalInfeasible: // x̄ not needed
					case i == 2 && len(gotV[2]) > 0 && math.IsNaN(gotV[2][0]):
						// s̄ not written: the dual test did not get to
						// A x̄ + s̄ (which a missing s̄ would make NaN).
					default:
						if !testfam.SameBits(gotV[i], *o) {
							t.Fatalf("%s (products %v): vector %d fused %v, the tests %v", name, fresh, i, gotV[i], *o)
						}
					}
				}
			}
		}
	}
	if slackMixed == 0 {
		t.Fatalf("no dual test wrote s̄ on a problem with equality and second-order rows")
	}
	if seen[StatusPrimalInfeasible] == 0 || seen[StatusDualInfeasible] == 0 || seen[StatusUnsolved] == 0 {
		t.Fatalf("decisions seen %v: every outcome must occur", seen)
	}
}

// TestResidualsConvergedNaN: residualsConverged takes the scaled products
// without comparing x and z with their copies only when computeResiduals
// reports its sums free of NaN, and that report must make the products
// usable: whenever computeResiduals returns true, scaledProducts (the
// comparison it skips) holds. With a NaN in x or in z it reports false,
// and residualsConverged decides and fills Info as converged does (their
// direct products); with ±Inf in x (x and z hold no NaN, but Inf − Inf
// makes xᵀP̃x NaN) the report is false as well (conservative: the products
// would have been usable), and converged's comparison finds them.
func TestResidualsConvergedNaN(t *testing.T) {
	rng := rand.New(rand.NewSource(67))
	P, c, A, b, cones := boxQP(rng, 10, 2, 6, false)
	st, v := denseProblem(t, 10, P, c, A, b, cones)
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	hasNaN := func(v []float64) bool {
		for _, x := range v {
			if math.IsNaN(x) {
				return true
			}
		}
		return false
	}
	for _, where := range []string{"none", "x", "z", "x±Inf"} {
		set := DefaultSettings()
		set.MaxIter = 3
		w, err := NewSolver(an, set)
		if err != nil {
			t.Fatal(err)
		}
		res := &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
		w.Solve(v, res)
		switch where {
		case "x":
			w.x[3] = math.NaN()
		case "z":
			w.z[1] = math.NaN()
		case "x±Inf":
			w.x[3], w.x[4] = math.Inf(1), math.Inf(-1)
			if hasNaN(w.x) || hasNaN(w.z) {
				t.Fatal("x±Inf: x or z holds a NaN")
			}
		}
		var got, want Info
		okGot := w.residualsConverged(&got)
		noNaN := w.computeResiduals()
		if noNaN && !w.scaledProducts() {
			t.Fatalf("%s: computeResiduals reports its sums free of NaN, but the products are not this iterate's", where)
		}
		if noNaN != (where == "none") {
			t.Fatalf("%s: computeResiduals reports no NaN %v", where, noNaN)
		}
		if where == "x±Inf" && !w.scaledProducts() {
			t.Fatalf("%s: x and z hold no NaN, yet the products are not recognized", where)
		}
		okWant := w.converged(&want)
		if okGot != okWant || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: residualsConverged %v %+v, converged %v %+v", where, okGot, got, okWant, want)
		}
	}
}

// TestFinishStepFusedDs: finishStep's one loop for Δz and Δs with a
// diagonal H (kkt.System.HDiagonal) leaves Δx, Δz, Δs, Δτ and Δκ bit for
// bit as Δz's loop, MulH and Δs's loop one after the other (noFusedDs),
// at the iterates of seeded box QPs (zero and nonnegative rows) after 1 …
// 6 iterations, from random solutions and dsh with −0 and non-finite
// entries; with second-order rows (coneFusedCases) H is not diagonal and
// both take the unfused loops. A fused loop that dropped dsh, took
// H·Δz with the wrong sign or read z2 for Δz fails.
func TestFinishStepFusedDs(t *testing.T) {
	rng := rand.New(rand.NewSource(43))
	var cases []fusedCase
	for k := 0; k < 6; k++ {
		n := []int{3, 10, 25}[k%3]
		P, c, A, b, cones := boxQP(rng, n, rng.Intn(n/3+1)+k%2, rng.Intn(n+1)+1, false)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		cases = append(cases, fusedCase{fmt.Sprintf("boxqp#%d n=%d", k, n), st, v, 0})
	}
	cases = append(cases, coneFusedCases(t, rng)...)
	diag := 0
	for _, tc := range cases {
		an, err := kkt.Analyse(tc.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		for iters := 1; iters <= 6; iters++ {
			set := DefaultSettings()
			set.MaxIter = iters
			set.Polish = false
			w, err := NewSolver(an, set)
			if err != nil {
				t.Fatal(err)
			}
			res := &Result{X: make([]float64, tc.st.N), Y: make([]float64, tc.st.M), S: make([]float64, tc.st.M)}
			w.Solve(tc.v, res)
			if w.kkt.HDiagonal() != nil {
				diag++
			}
			n, m := tc.st.N, tc.st.M
			for rep := 0; rep < 3; rep++ {
				sol := fusedVec(rng, n+m, rep == 2)
				copy(w.dsh, fusedVec(rng, m, rep == 1))
				w.denConst = -0.5 - rng.Float64()
				f, dk := rng.Float64(), rng.NormFloat64()
				run := func(plain bool) [][]float64 {
					noFusedDs = plain
					defer func() { noFusedDs = false }()
					w.finishStep(f, dk, sol)
					return [][]float64{append([]float64(nil), w.dx...), append([]float64(nil), w.dz...),
						append([]float64(nil), w.ds...), {w.dtau, w.dkappa}}
				}
				got, want := run(false), run(true)
				for i := range got {
					if !testfam.SameBits(got[i], want[i]) {
						t.Fatalf("%s after ≤%d iterations: output %d fused %v, unfused %v", tc.name, iters, i, got[i], want[i])
					}
				}
			}
		}
	}
	if diag < 30 {
		t.Fatalf("only %d iterates with a diagonal H", diag)
	}
}

// TestSolveFusedDiagonalH: whole solves (interior-point iterations,
// polish) of seeded box QPs, BPQP study QPs and LPs (zero and
// nonnegative rows: a diagonal H) return bit for bit the same x, y, s and
// Info with step's and finishStep's diagonal-H loops (dotsH, the fused
// Δz/Δs loop) as with MulH and separate loops (noFusedDs).
func TestSolveFusedDiagonalH(t *testing.T) {
	// The interior-point steps are what this compares: without the dual
	// active-set start, which would end the small solves before them.
	defer func(v int) { dualActiveMaxN = v }(dualActiveMaxN)
	dualActiveMaxN = 0
	rng := rand.New(rand.NewSource(53))
	type tcase struct {
		name string
		st   *problem.Structure
		v    *problem.Values
	}
	var cases []tcase
	for k := 0; k < 6; k++ {
		n := []int{4, 10, 30}[k%3]
		P, c, A, b, cones := boxQP(rng, n, rng.Intn(n/3+1)+k%2, rng.Intn(n+1)+1, k == 5)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		cases = append(cases, tcase{fmt.Sprintf("boxqp#%d", k), st, v})
	}
	for _, sz := range [][2]int{{10, 5}, {50, 10}} {
		for _, lp := range []bool{false, true} {
			gen := testfam.BPQPQP
			if lp {
				gen = testfam.BPQPLP
			}
			P, c, A, b, cones := gen(rng, sz[0], sz[1])
			st, v := denseProblem(t, sz[0], P, c, A, b, cones)
			cases = append(cases, tcase{fmt.Sprintf("bpqp %v lp=%v", sz, lp), st, v})
		}
	}
	for _, tc := range cases {
		an, err := kkt.Analyse(tc.st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		var res [2]*Result
		for i, plain := range []bool{false, true} {
			w, err := NewSolver(an, DefaultSettings())
			if err != nil {
				t.Fatal(err)
			}
			res[i] = &Result{X: make([]float64, tc.st.N), Y: make([]float64, tc.st.M), S: make([]float64, tc.st.M)}
			noFusedDs = plain
			w.Solve(tc.v, res[i])
			noFusedDs = false
		}
		a, b := res[0], res[1]
		if !testfam.SameBits(a.X, b.X) || !testfam.SameBits(a.Y, b.Y) || !testfam.SameBits(a.S, b.S) || a.Info != b.Info {
			t.Fatalf("%s: fused %+v x %v, unfused %+v x %v", tc.name, a.Info, a.X, b.Info, b.X)
		}
		if a.Info.Iter == 0 {
			t.Fatalf("%s: no iteration", tc.name)
		}
	}
}

// TestStepRHSLoops: stepRHS writes dsh = DsHat(ds) and the right-hand
// side [−f·rx; −f·rz + dsh] bit for bit as the entry-by-entry loops, at
// box-QP iterates of orders 1 … 9 and 25 (every length mod 4 of both
// blocks), from random rx, rz, ds with −0 and non-finite entries.
func TestStepRHSLoops(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 25} {
		P, c, A, b, cones := boxQP(rng, n, rng.Intn(n/2+1), rng.Intn(n+1)+1, false)
		st, v := denseProblem(t, n, P, c, A, b, cones)
		an, err := kkt.Analyse(st, LinearAuto)
		if err != nil {
			t.Fatal(err)
		}
		set := DefaultSettings()
		set.MaxIter = 2
		set.Polish = false
		w, err := NewSolver(an, set)
		if err != nil {
			t.Fatal(err)
		}
		w.Solve(v, &Result{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)})
		m := st.M
		for rep := 0; rep < 4; rep++ {
			copy(w.rx, fusedVec(rng, n, rep == 1))
			copy(w.rz, fusedVec(rng, m, rep == 2))
			ds := fusedVec(rng, m, rep == 3)
			f := rng.NormFloat64()
			rhs := fusedVec(rng, n+m, false)
			w.stepRHS(f, ds, rhs)
			dsh := make([]float64, m)
			w.cones.DsHat(dsh, ds)
			want := make([]float64, n+m)
			for i := 0; i < n; i++ {
				want[i] = -f * w.rx[i]
			}
			for i := 0; i < m; i++ {
				want[n+i] = -f*w.rz[i] + dsh[i]
			}
			if !testfam.SameBits(rhs, want) || !testfam.SameBits(w.dsh[:m], dsh) {
				t.Fatalf("n=%d m=%d: rhs %v, want %v", n, m, rhs, want)
			}
		}
	}
}
