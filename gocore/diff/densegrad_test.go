package diff

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// denseGrad is a Grad with dense ∂P and ∂A (A's rows in blocks of the
// given sizes), every output prefilled with NaN so that an entry left
// unwritten shows.
func denseGrad(st *problem.Structure, blocks []int) *Grad {
	n, m := st.N, st.M
	nan := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = math.NaN()
		}
		return v
	}
	g := &Grad{C: nan(n), B: nan(m), DenseP: nan(n * n)}
	for _, r := range blocks {
		g.DenseA = append(g.DenseA, nan(r*n))
	}
	return g
}

// The dense outputs (DenseP, DenseA in row blocks) are, to the bit, what
// ScatterDenseP and ScatterDenseA make of the pattern form, for every
// method and writer: the adjoint (kkt, BPQP), the Lagrangian difference
// (LPGD central and one-sided), the slack term (incoming s), the zero
// incoming gradient; with one block, several, and empty ones. Every entry
// is written (the outputs start as NaN).
func TestDenseGradMatchesPattern(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	P, c, A, b, cones := randomQP(rng, 6, 2, 6)
	f := newFixture(t, 6, P, c, A, b, cones)
	n, m := f.st.N, f.st.M
	lpgd := func(side Side) Options {
		o := DefaultOptions()
		o.Method, o.Tau, o.Side = MethodLPGD, 0.1, side
		return o
	}
	kkt, bpqp := DefaultOptions(), DefaultOptions()
	kkt.Method, bpqp.Method = MethodKKT, MethodBPQP
	methods := []struct {
		name string
		opt  Options
	}{{"kkt", kkt}, {"bpqp", bpqp}, {"lpgd-central", lpgd(SideCentral)}, {"lpgd-right", lpgd(SideRight)}}
	incomings := []struct {
		name string
		in   Incoming
	}{
		{"x", Incoming{X: randVec(rng, n)}},
		{"xys", Incoming{X: randVec(rng, n), Y: randVec(rng, m), S: randVec(rng, m)}},
		{"zero+s", Incoming{X: make([]float64, n), S: randVec(rng, m)}},
	}
	for _, meth := range methods {
		for _, inc := range incomings {
			for _, blocks := range [][]int{{m}, {2, m - 2}, {0, 3, 0, m - 3}} {
				t.Run(fmt.Sprintf("%s/%s/%v", meth.name, inc.name, blocks), func(t *testing.T) {
					opt := meth.opt
					ref := f.grad(t, inc.in, opt)
					g := denseGrad(f.st, blocks)
					if _, err := f.ws.Backward(f.v, f.sol, inc.in, &opt, g); err != nil {
						t.Fatal(err)
					}
					wantP, wantA := make([]float64, n*n), make([]float64, m*n)
					f.st.ScatterDenseP(wantP, ref.P)
					f.st.ScatterDenseA(wantA, ref.A)
					var gotA []float64
					for _, blk := range g.DenseA {
						gotA = append(gotA, blk...)
					}
					for _, chk := range []struct {
						name      string
						got, want []float64
					}{{"P", g.DenseP, wantP}, {"A", gotA, wantA}, {"c", g.C, ref.C}, {"b", g.B, ref.B}} {
						if err := sameBits(chk.got, chk.want); err != nil {
							t.Fatalf("∂%s: %v", chk.name, err)
						}
					}
				})
			}
		}
	}
}

// Dense outputs that do not fit the structure are ErrUnsupported, and a
// failed backward zeroes them.
func TestDenseGradErrors(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	P, c, A, b, cones := randomQP(rng, 4, 1, 4)
	f := newFixture(t, 4, P, c, A, b, cones)
	n, m := f.st.N, f.st.M
	in := Incoming{X: randVec(rng, n)}
	opt := DefaultOptions()
	for _, tc := range []struct {
		name string
		g    *Grad
	}{
		{"P short", &Grad{DenseP: make([]float64, n*n-1)}},
		{"A rows not whole", &Grad{DenseA: [][]float64{make([]float64, n+1), make([]float64, (m-1)*n-1)}}},
		{"A rows missing", &Grad{DenseA: [][]float64{make([]float64, (m-1)*n)}}},
		{"A rows extra", &Grad{DenseA: [][]float64{make([]float64, (m+1)*n)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.ws.Backward(f.v, f.sol, in, &opt, tc.g); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("want ErrUnsupported, got %v", err)
			}
		})
	}
	// An LPGD step whose perturbed problem is infeasible fails (see
	// TestLPGDInfeasiblePerturbation): the dense outputs are zeroed.
	lp := newFixture(t, 1, nil, []float64{-1}, []float64{1, -1}, []float64{0.05, 0}, problem.Cones{Nonneg: 2})
	o := DefaultOptions()
	o.Method, o.Tau, o.Side = MethodLPGD, 0.1, SideRight
	g := denseGrad(lp.st, []int{1, 1})
	g.DenseP = nil // an LP: no P pattern
	if _, err := lp.ws.Backward(lp.v, lp.sol, Incoming{X: []float64{0}, Y: []float64{1, 0}}, &o, g); !errors.Is(err, ErrBackward) {
		t.Fatalf("want ErrBackward, got %v", err)
	}
	for _, blk := range g.DenseA {
		for _, v := range blk { // entry by entry: normInf skips NaN
			if v != 0 || math.IsNaN(v) {
				t.Fatalf("∂A not zeroed after a failure: %v", g.DenseA)
			}
		}
	}
}
