package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestActiveKNormInf checks activeKNormInf (its column sums in a local,
// zeros skipped) against the entry-by-entry row sums of |K| over P's
// upper pattern and the active rows of A, bit for bit, on the ε-ridge LPs
// (dense P with zero off-diagonal values), dense QPs and values with −0,
// random active sets. A sum that dropped a column's diagonal, an
// off-diagonal mirror or an active row's entries fails it.
func TestActiveKNormInf(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	gens := []func() ([]float64, []float64, []float64, []float64, problem.Cones){
		func() ([]float64, []float64, []float64, []float64, problem.Cones) { return testfam.BPQPLP(rng, 40, 8) },
		func() ([]float64, []float64, []float64, []float64, problem.Cones) { return testfam.BPQPQP(rng, 30, 6) },
		func() ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.DenseQP(rng, 25, 20, 5)
		},
	}
	for g, gen := range gens {
		st, vs := denseBatch(t, gen)
		_, _, ws, _, _, _ := benchRig(t, st)
		for s, v := range vs {
			// Some −0 and zero entries, one large off-diagonal value so
			// that the maximum can sit on a mirrored row.
			for k := range v.P {
				if rng.Intn(7) == 0 {
					v.P[k] = math.Copysign(0, -1)
				}
			}
			for k := range v.A {
				if rng.Intn(9) == 0 {
					v.A[k] = 0
				}
			}
			for i := range ws.active {
				ws.active[i] = rng.Intn(3) != 0
			}
			// Even samples: the maximum on a mirrored P row; odd: on an
			// active A row (its entries 10, the column sums ~10 + m/2).
			if s%2 == 0 {
				v.P[len(v.P)/2] = 1e3 * float64(s+1)
			} else {
				r := st.M - 1
				ws.active[r] = true
				for k, i := range st.A.Rowval {
					if i == r {
						v.A[k] = 10
					}
				}
			}
			rs := make([]float64, st.N+st.M)
			for j := 0; j < st.N; j++ {
				for k := st.P.Colptr[j]; k < st.P.Colptr[j+1]; k++ {
					a := math.Abs(v.P[k])
					rs[j] += a
					if i := st.P.Rowval[k]; i != j {
						rs[i] += a
					}
				}
				for k := st.A.Colptr[j]; k < st.A.Colptr[j+1]; k++ {
					if i := st.A.Rowval[k]; ws.active[i] {
						a := math.Abs(v.A[k])
						rs[j] += a
						rs[st.N+i] += a
					}
				}
			}
			want := 0.0
			for i, a := range ws.active {
				if !a {
					rs[st.N+i] = 1
				}
			}
			for _, x := range rs {
				want = math.Max(want, x)
			}
			if got := ws.activeKNormInf(v); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("family %d sample %d: ‖K‖∞ %v, want %v", g, s, got, want)
			}
		}
	}
}
