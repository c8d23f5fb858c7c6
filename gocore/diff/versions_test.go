package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestValuesVersions checks that announcing value versions to the dense
// factorizations (kkt.System → linsys.ValuesVersioned), which then skip
// comparing the values outside H between interior-point iterations,
// changes no result bit: forward solutions, iteration counts and the
// kkt and bpqp gradients of the BPQP study's ε-ridge LPs (dense P) and
// dense QPs equal those with versions off, and the comparisons were
// skipped (VersionSkips).
func TestValuesVersions(t *testing.T) {
	cases := []struct {
		name string
		gen  func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, problem.Cones)
	}{
		{"bpqp-lp-80x16", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.BPQPLP(rng, 80, 16)
		}},
		{"bpqp-lp-200x40", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.BPQPLP(rng, 200, 40)
		}},
		{"bpqp-qp-80x16", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.BPQPQP(rng, 80, 16)
		}},
		{"dense-qp-60x40x10", func(rng *rand.Rand) ([]float64, []float64, []float64, []float64, problem.Cones) {
			return testfam.DenseQP(rng, 60, 40, 10)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(7))
			st, vs := denseBatch(t, func() ([]float64, []float64, []float64, []float64, problem.Cones) { return tc.gen(rng) })
			type run struct {
				x, y, s []float64
				iters   int
				grads   [][]float64
			}
			do := func(on bool) ([]run, int) {
				_, slv, ws, sol, res, g := benchRig(t, st)
				slv.KKT().SetValuesVersions(on)
				in := Incoming{X: make([]float64, st.N)}
				for i := range in.X {
					in.X[i] = 1 + float64(i%3)
				}
				var out []run
				for _, v := range vs {
					slv.Solve(v, &res)
					if res.Info.Status != ipm.StatusSolved {
						t.Fatalf("status %v", res.Info.Status)
					}
					r := run{x: append([]float64(nil), sol.X...), y: append([]float64(nil), sol.Y...),
						s: append([]float64(nil), sol.S...), iters: res.Info.Iter}
					for _, m := range []Method{MethodKKT, MethodBPQP} {
						o := DefaultOptions()
						o.Method = m
						if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
							t.Fatal(err)
						}
						for _, a := range [][]float64{g.P, g.C, g.A, g.B} {
							r.grads = append(r.grads, append([]float64(nil), a...))
						}
					}
					out = append(out, r)
				}
				return out, slv.KKT().VersionSkips()
			}
			off, skipsOff := do(false)
			on, skipsOn := do(true)
			if skipsOff != 0 {
				t.Errorf("versions off: %d comparisons skipped, want 0", skipsOff)
			}
			if skipsOn == 0 {
				t.Errorf("versions on: no comparison skipped")
			}
			t.Logf("%d comparisons skipped over %d solves", skipsOn, len(vs))
			for k := range on {
				a, b := on[k], off[k]
				if a.iters != b.iters {
					t.Errorf("sample %d: %d iterations, %d without versions", k, a.iters, b.iters)
				}
				for j, pair := range [][2][]float64{{a.x, b.x}, {a.y, b.y}, {a.s, b.s}} {
					if err := sameBits(pair[0], pair[1]); err != nil {
						t.Errorf("sample %d: solution part %d: %v", k, j, err)
					}
				}
				for j := range a.grads {
					if err := sameBits(a.grads[j], b.grads[j]); err != nil {
						t.Errorf("sample %d: gradient %d: %v", k, j, err)
					}
				}
			}
		})
	}
}

// sameBits reports the first index where a and b differ bit for bit.
func sameBits(a, b []float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return fmt.Errorf("index %d: %v vs %v", i, a[i], b[i])
		}
	}
	return nil
}
