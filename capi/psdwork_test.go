package main

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestCheckPSDPooledWork: checkPSD takes its factorization workspace from
// psdWork, which holds what earlier calls (of other sizes) left there. On
// seeded batches of PSD, shifted indefinite and borderline matrices, of
// orders below and above the blocked path's (192), with the pool first
// holding a NaN-filled buffer, the decisions are those of a fresh zeroed
// workspace; a pooled call of a size already seen does not allocate.
func TestCheckPSDPooledWork(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	const shift = 1e-8
	for _, n := range []int{1, 3, 10, 50, 191, 192, 230} {
		var batch []float64
		var want []int32
		for k := 0; k < 6; k++ {
			P := testfam.GramP(rng, n)
			switch k % 3 {
			case 1: // indefinite: shifted by more than its smallest eigenvalue can be
				for i := 0; i < n; i++ {
					P[i*n+i] -= 3 * float64(n)
				}
			case 2: // rank-deficient PSD: one row and column zero
				j := rng.Intn(n)
				for i := 0; i < n; i++ {
					P[i*n+j], P[j*n+i] = 0, 0
				}
			}
			w := make([]float64, n*n)
			ok := linsys.ShiftedCholeskyOK(P, n, shift, w)
			want = append(want, map[bool]int32{true: 0, false: 1}[ok])
			batch = append(batch, P...)
		}
		// Poison the pool: a larger buffer full of NaN.
		poison := make([]float64, 2*n*n+7)
		for i := range poison {
			poison[i] = math.NaN()
		}
		psdWork.Put(&poison)
		arr := operand{name: "P", data: batch, size: n * n, stride: n * n}
		infos := make([]int32, len(want))
		if bad, _ := checkPSD(arr, n, len(want), 1e3*2.220446049250313e-16, shift, infos); bad >= 0 {
			t.Fatalf("n=%d: element %d reported asymmetric", n, bad)
		}
		for k := range want {
			if infos[k] != want[k] {
				t.Errorf("n=%d element %d: info %d with the pooled workspace, %d with a fresh one", n, k, infos[k], want[k])
			}
		}
		if want[0] != 0 || want[1] != 1 {
			t.Fatalf("n=%d: the cases do not test both outcomes (%v)", n, want)
		}
	}
	// Steady state at B = 1, n = 10 (the QP layer's call): no n×n buffer.
	n := 10
	arr := operand{name: "P", data: testfam.GramP(rng, n), size: n * n}
	infos := make([]int32, 1)
	checkPSD(arr, n, 1, 1e-12, shift, infos)
	if raceEnabled {
		return // sync.Pool drops a random share of its items under -race
	}
	if a := testing.AllocsPerRun(100, func() { checkPSD(arr, n, 1, 1e-12, shift, infos) }); a != 0 {
		t.Errorf("checkPSD allocates %v times per call at n = 10 (the workspace is pooled)", a)
	}
}
