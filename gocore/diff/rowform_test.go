package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// The row form's products and rows equal the column products of A, on a
// full pattern with bound rows and an all-zero row (the LPGD benchmark's
// box LP) and on a partial pattern; a pattern whose general rows are
// sparse (dense storage larger than the pattern) is not used.
func TestRowFormProducts(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	const n = 9
	_, _, Ad, _, cones := boxProblem(rng, n, 4, 2, false)
	m := cones.Zero + cones.Nonneg
	for j := 0; j < n; j++ {
		Ad[3*n+j] = 0 // an empty row
	}
	full, err := problem.NewDenseStructure(n, m, cones, false)
	if err != nil {
		t.Fatal(err)
	}
	avFull := make([]float64, full.A.Nnz())
	full.GatherDenseA(avFull, Ad)
	// The nonzeros only, as a sparse pattern.
	cp, rv := []int{0}, []int{}
	var avSparse []float64
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			if v := Ad[i*n+j]; v != 0 {
				rv, avSparse = append(rv, i), append(avSparse, v)
			}
		}
		cp = append(cp, len(rv))
	}
	sparse, err := problem.NewStructure(n, m, cones, problem.EmptyPattern(n, n), problem.CSC{Rows: m, Cols: n, Colptr: cp, Rowval: rv})
	if err != nil {
		t.Fatal(err)
	}
	// An identity-like sparse A: its general rows (two nonzeros each)
	// would be stored densely at n values per row.
	idCP, idRV, idAV := []int{0}, []int{}, []float64{}
	for j := 0; j < n; j++ {
		idRV, idAV = append(idRV, j/2), append(idAV, 1+float64(j))
		idCP = append(idCP, len(idRV))
	}
	thin, err := problem.NewStructure(n, n, problem.Cones{Nonneg: n}, problem.EmptyPattern(n, n), problem.CSC{Rows: n, Cols: n, Colptr: idCP, Rowval: idRV})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		st   *problem.Structure
		av   []float64
		ok   bool
	}{{"full", full, avFull, true}, {"sparse", sparse, avSparse, true}, {"thin", thin, idAV, false}} {
		var r aRows
		if got := r.Build(tc.st, tc.av); got != tc.ok {
			t.Fatalf("%s: build = %v, want %v", tc.name, got, tc.ok)
		}
		if !tc.ok {
			continue
		}
		mm := tc.st.M
		x, y := randVec(rng, n), randVec(rng, mm)
		for _, alpha := range []float64{-1, 0.5} {
			got, want := randVec(rng, mm), make([]float64, mm)
			copy(want, got)
			r.MulA(got, x, alpha)
			tc.st.MulA(want, tc.av, x, alpha)
			if e := relErr(got, want); e > 1e-14 {
				t.Errorf("%s: mulA alpha=%g: rel err %g", tc.name, alpha, e)
			}
			gotT, wantT := randVec(rng, n), make([]float64, n)
			copy(wantT, gotT)
			r.MulAT(gotT, y, alpha)
			tc.st.MulAT(wantT, tc.av, y, alpha)
			if e := relErr(gotT, wantT); e > 1e-14 {
				t.Errorf("%s: mulAT alpha=%g: rel err %g", tc.name, alpha, e)
			}
		}
		row := make([]float64, n)
		for i := 0; i < mm; i++ {
			r.Row(i, row)
			for j := 0; j < n; j++ {
				if row[j] != Ad[i*n+j] {
					t.Fatalf("%s: row %d col %d = %v, want %v", tc.name, i, j, row[j], Ad[i*n+j])
				}
			}
		}
	}
}

// The warm-started LPGD backward with the row form of A (gathered once per
// sample, shared by both sides) gives the gradients and the active-set
// paths of the column products: LPs and QPs of the benchmark's box family,
// every side, two step sizes.
func TestLPGDRowFormMatchesColumns(t *testing.T) {
	defer func(old bool) { warmRowForm = old }(warmRowForm)
	for _, quadratic := range []bool{false, true} {
		for seed := int64(0); seed < 3; seed++ {
			rng := rand.New(rand.NewSource(300 + seed))
			n := 20
			P, c, A, b, cones := boxProblem(rng, n, 10, 3, quadratic)
			f := newFixture(t, n, P, c, A, b, cones)
			in := Incoming{X: randVec(rng, n)}
			for _, side := range []Side{SideCentral, SideRight, SideLeft} {
				for _, tau := range []float64{0.1, 1} {
					name := fmt.Sprintf("qp=%v seed=%d side=%d tau=%g", quadratic, seed, side, tau)
					o := DefaultOptions()
					o.Method, o.Tau, o.Side = MethodLPGD, tau, side
					warmRowForm = true
					g1 := f.grad(t, in, o)
					s1 := f.ws.LastStats()
					if !f.ws.warm.rowsA.OK {
						t.Fatalf("%s: row form not used", name)
					}
					warmRowForm = false
					g2 := f.grad(t, in, o)
					s2 := f.ws.LastStats()
					if s1.Changes != s2.Changes || s1.WarmSolves != s2.WarmSolves || s1.IPMSolves != s2.IPMSolves {
						t.Errorf("%s: stats %+v with the row form, %+v without", name, s1, s2)
					}
					if e := gradErr(g1, g2); !(e <= 1e-10) || math.IsNaN(e) {
						t.Errorf("%s: row form vs columns: rel err %g", name, e)
					}
				}
			}
		}
	}
}
