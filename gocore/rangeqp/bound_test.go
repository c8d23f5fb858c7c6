package rangeqp

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// boundFixture is a dense QP of n variables whose A has g general rows
// and the upper bounds x_j ≤ 1 of the first nb columns as bound rows, with
// its dense P (row-major) and A (row-major) for the reference products.
type boundFixture struct {
	st    *problem.Structure
	pv    []float64
	av    []float64
	P, A  []float64
	n, m  int
	bound int // first bound row
}

func newBoundFixture(t *testing.T, rng *rand.Rand, n, g, nb int) boundFixture {
	t.Helper()
	m := g + nb
	st, err := problem.NewDenseStructure(n, m, problem.Cones{Nonneg: m}, true)
	if err != nil {
		t.Fatal(err)
	}
	P := testfam.GramP(rng, n)
	A := make([]float64, m*n)
	for i := 0; i < g; i++ {
		for j := 0; j < n; j++ {
			A[i*n+j] = rng.NormFloat64()
		}
	}
	for j := 0; j < nb; j++ {
		A[(g+j)*n+j] = 1
	}
	f := boundFixture{st: st, pv: make([]float64, st.P.Nnz()), av: make([]float64, st.A.Nnz()), P: P, A: A, n: n, m: m, bound: g}
	st.GatherDenseP(f.pv, P)
	st.GatherDenseA(f.av, A)
	return f
}

// residual is ‖r − K₀z‖∞ with K₀ = [P + ρI + D, A_Wᵀ; A_W, 0] (−1 on the
// inactive rows) built from the fixture's dense matrices.
func (f boundFixture) residual(rho float64, dx []float64, active []bool, r, z []float64) float64 {
	n, m := f.n, f.m
	d := append([]float64(nil), r...)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d[i] -= f.P[i*n+j] * z[j]
		}
		d[i] -= rho * z[i]
		if dx != nil {
			d[i] -= dx[i] * z[i]
		}
	}
	for k := 0; k < m; k++ {
		if !active[k] {
			d[n+k] += z[n+k]
			continue
		}
		for j := 0; j < n; j++ {
			d[n+k] -= f.A[k*n+j] * z[j]
			d[j] -= f.A[k*n+j] * z[n+k]
		}
	}
	e := 0.0
	for _, v := range d {
		e = math.Max(e, math.Abs(v))
	}
	return e
}

// TestBoundDiagonalAndMinFixed: Bound's solve with the diagonal D (the
// polish's proximal term) solves K₀ with P + D to 1e-12 against the dense
// product and equals the solve with ρI for D = ρ·1; MinFixed refuses
// active sets with fewer active bound rows and accepts the others.
func TestBoundDiagonalAndMinFixed(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for trial := 0; trial < 5; trial++ {
		f := newBoundFixture(t, rng, 12, 4, 6)
		var rows Rows
		if !rows.Build(f.st, f.av) {
			t.Fatal("row form refused for a dense A")
		}
		active := make([]bool, f.m)
		active[0], active[2] = true, true // two general rows
		nf := 0
		for j := 0; j < 6; j++ {
			if rng.Intn(2) == 0 {
				active[f.bound+j] = true
				nf++
			}
		}
		dx := make([]float64, f.n)
		for j := range dx {
			dx[j] = rng.Float64()
		}
		r := make([]float64, f.n+f.m)
		for i := range r {
			r[i] = rng.NormFloat64()
		}
		z := make([]float64, f.n+f.m)
		var q Bound
		if !q.Factor(f.st, f.pv, 0, dx, active, &rows) {
			t.Fatalf("trial %d: refused", trial)
		}
		q.Solve(r, z, true)
		if e := f.residual(0, dx, active, r, z); e > 1e-12*math.Max(1, maxAbs(r)) {
			t.Errorf("trial %d: residual %g with the diagonal", trial, e)
		}
		const rho = 0.7
		for j := range dx {
			dx[j] = rho
		}
		z2 := make([]float64, len(z))
		q.Factor(f.st, f.pv, 0, dx, active, &rows)
		q.Apply(r, z)
		q.Factor(f.st, f.pv, rho, nil, active, &rows)
		q.Apply(r, z2)
		for i := range z {
			if z[i] != z2[i] {
				t.Fatalf("trial %d: D = ρ·1 and ρI differ at %d: %g vs %g", trial, i, z[i], z2[i])
			}
		}
		q.MinFixed = nf + 1
		if q.Factor(f.st, f.pv, 0, nil, active, &rows) {
			t.Errorf("trial %d: %d fixed columns accepted with MinFixed %d", trial, nf, nf+1)
		}
		q.MinFixed = nf
		if !q.Factor(f.st, f.pv, 0, nil, active, &rows) {
			t.Errorf("trial %d: %d fixed columns refused with MinFixed %d", trial, nf, nf)
		}
	}
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}
