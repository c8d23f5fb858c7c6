package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestActiveKNormInf checks activeKNormInf (four partial column sums, the
// inactive rows masked, P's diagonal only) against the entry-by-entry row
// sums of |K| over P's upper pattern and the active rows of A, to the
// rounding of a reordered sum of nonnegative terms, on the ε-ridge LPs
// (dense P with ±0 off-diagonal values) at sizes with and without a
// remainder of the unrolling, zero values of A and random active sets. A
// sum that dropped a column's diagonal (the maximum sits on one in the
// samples that scale it), an active row's entries or an inactive row's
// decoupling, or added an inactive row's entries, fails it. activeKRowSum
// is checked against the same row sums, exactly; both return NaN (fail
// closed) for an operator whose P is not known to be diagonal.
func TestActiveKNormInf(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, sz := range [][2]int{{40, 8}, {13, 3}, {7, 1}} {
		st, vs := denseBatch(t, func() ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.BPQPLP(rng, sz[0], sz[1])
		})
		_, _, ws, _, _, _ := benchRig(t, st)
		for s, v := range vs {
			for k := range v.P {
				if st.P.Rowval[k] != colOf(st, k) && rng.Intn(7) == 0 {
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
			switch s % 4 {
			case 0: // the maximum on a diagonal entry of P
				j := rng.Intn(st.N)
				v.P[st.P.Colptr[j+1]-1] = 1e3 * float64(s+1)
			case 1: // on an active row of A (entries 10, column sums ~10 + m/2)
				r := st.M - 1
				ws.active[r] = true
				for k, i := range st.A.Rowval {
					if i == r {
						v.A[k] = 10
					}
				}
			case 2: // an inactive row of large entries: it must not count
				r := 0
				ws.active[r] = false
				for k, i := range st.A.Rowval {
					if i == r {
						v.A[k] = 1e6
					}
				}
			}
			if !ws.diagonalP(v) {
				t.Fatalf("size %v sample %d: P not diagonal", sz, s)
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
			tol := float64(st.N+st.M) * 0x1p-52 * want
			// The scratch comes dirty (NaN row sums, a stale mask of all
			// ones): both are overwritten.
			scratch := make([]float64, st.N+st.M)
			mask := make([]uint64, st.M)
			for i := range scratch {
				scratch[i] = math.NaN()
			}
			for i := range mask {
				mask[i] = math.MaxUint64
			}
			op := scaledDual{n: st.N, active: ws.active, st: st, v: v, diagP: true}
			if got := op.activeKNormInf(scratch, mask); math.Abs(got-want) > tol {
				t.Fatalf("size %v sample %d: ‖K‖∞ %v, want %v", sz, s, got, want)
			}
			// activeKRowSum: row j's sum in the same order, the lower
			// bound refineReuse tries first.
			for j := 0; j < st.N; j++ {
				if got := op.activeKRowSum(j); got != rs[j] {
					t.Fatalf("size %v sample %d: row %d sum %v, want %v", sz, s, j, got, rs[j])
				}
			}
			// Without diagP (P not known diagonal) both fail closed: NaN,
			// which no acceptance test passes.
			op.diagP = false
			if a, b := op.activeKNormInf(scratch, mask), op.activeKRowSum(0); !math.IsNaN(a) || !math.IsNaN(b) {
				t.Fatalf("size %v sample %d: non-diagonal P gave ‖K‖∞ %v, row sum %v; want NaN", sz, s, a, b)
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
