package diff

import (
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
)

// TestWorkspaceSharesSolverKKT: a workspace on the forward solver's KKT
// system (NewWorkspaceOn, as the C ABI's batch workers use it) gives the
// same gradients, bit for bit, as one with a system of its own, and the
// forward solves between the backward passes are unchanged too.
func TestWorkspaceSharesSolverKKT(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	P, c, A, b, cones := randomQP(rng, 7, 2, 8)
	f := newFixture(t, 7, P, c, A, b, cones)
	shared, err := NewWorkspaceOn(f.slv.KKT(), tightSettings())
	if err != nil {
		t.Fatal(err)
	}
	own := f.ws
	methods := []func(*Options){
		func(o *Options) {},
		func(o *Options) { o.Method = MethodBPQP },
		func(o *Options) { o.Method = MethodLPGD },
		func(o *Options) { o.Method, o.FastPath = MethodLPGD, false },
	}
	newGrad := func() *Grad {
		return &Grad{P: make([]float64, f.st.P.Nnz()), C: make([]float64, 7), A: make([]float64, f.st.A.Nnz()), B: make([]float64, f.st.M)}
	}
	ref := f.solve(f.v)
	for round := 0; round < 3; round++ {
		v := cloneValues(f.v)
		for i := range v.C {
			v.C[i] += 0.1 * rng.NormFloat64()
		}
		for mi, set := range methods {
			opt := DefaultOptions()
			set(&opt)
			sol := f.solve(v)
			in := Incoming{X: randVec(rng, 7), Y: randVec(rng, f.st.M)}
			gOwn, gShared := newGrad(), newGrad()
			if _, err := own.Backward(v, sol, in, &opt, gOwn); err != nil {
				t.Fatal(err)
			}
			if _, err := shared.Backward(v, sol, in, &opt, gShared); err != nil {
				t.Fatal(err)
			}
			if e := gradErr(gShared, gOwn); e != 0 {
				t.Errorf("round %d method %d: shared-system gradient differs by %g", round, mi, e)
			}
			if v.P == nil || shared.pert.P != nil {
				t.Errorf("round %d method %d: the perturbed problem still aliases the values", round, mi)
			}
		}
	}
	// The forward after all those backward passes on its system is unchanged.
	if got := f.solve(f.v); relErr(got.X, ref.X) != 0 || relErr(got.Y, ref.Y) != 0 {
		t.Errorf("forward solve changed after backward passes on its system")
	}
	if err := shared.SetSettings(ipm.DefaultSettings()); err != nil || shared.kkt != f.slv.KKT() {
		t.Errorf("SetSettings replaced the shared system (err %v)", err)
	}
}
