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

// TestDiagonalP checks diagonalP (the diagonal entry taken as its
// column's last) on the full upper pattern of a dense P: diagonal values
// only (−0 off the diagonal counts as zero) and one off-diagonal value
// at the first row of a column, in its middle, just above the diagonal
// and in the last column; and on a sparse pattern whose column lacks its
// diagonal entry, where the last entry is off the diagonal.
func TestDiagonalP(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	st, vs := denseBatch(t, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
		return testfam.BPQPLP(rng, 12, 3)
	})
	_, _, ws, _, _, _ := benchRig(t, st)
	base := vs[0]
	n := st.N
	at := func(i, j int) int { return st.P.Colptr[j] + i } // full upper pattern
	cases := []struct {
		name string
		i, j int
		x    float64
		want bool
	}{
		{"diagonal only", -1, -1, 0, true},
		{"-0 off the diagonal", 2, 7, math.Copysign(0, -1), true},
		{"first row", 0, 5, 1e-300, false},
		{"middle", 3, 8, -2, false},
		{"above the diagonal", 6, 7, 1, false},
		{"last column", n - 2, n - 1, 1, false},
		{"diagonal zero", 4, 4, 0, true},
	}
	for _, c := range cases {
		v := *base
		v.P = append([]float64(nil), base.P...)
		for k := range v.P {
			if v.P[k] != 0 && st.P.Rowval[k] != colOf(st, k) {
				t.Fatalf("BPQPLP P not diagonal at %d", k)
			}
		}
		if c.i >= 0 {
			v.P[at(c.i, c.j)] = c.x
		}
		if got := ws.diagonalP(&v); got != c.want {
			t.Errorf("%s: diagonalP %v, want %v", c.name, got, c.want)
		}
	}
	// A column without its diagonal entry: its last entry is off the
	// diagonal and must be read.
	p := problem.CSC{Rows: 3, Cols: 3, Colptr: []int{0, 1, 2, 4}, Rowval: []int{0, 1, 0, 1}}
	sp, err := problem.NewStructure(3, 0, problem.Cones{}, p, problem.EmptyPattern(0, 3))
	if err != nil {
		t.Fatal(err)
	}
	w := &Workspace{an: ws.an}
	an := *ws.an
	an.St = sp
	w.an = &an
	for _, c := range []struct {
		vals []float64
		want bool
	}{{[]float64{1, 2, 0, 0}, true}, {[]float64{1, 2, 0, 3}, false}, {[]float64{1, 2, 3, 0}, false}} {
		if got := w.diagonalP(&problem.Values{P: c.vals}); got != c.want {
			t.Errorf("column without diagonal %v: diagonalP %v, want %v", c.vals, got, c.want)
		}
	}
}

// colOf returns the column of P's value index k.
func colOf(st *problem.Structure, k int) int {
	for j := 0; j < st.N; j++ {
		if k < st.P.Colptr[j+1] {
			return j
		}
	}
	return -1
}
