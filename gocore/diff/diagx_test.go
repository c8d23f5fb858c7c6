package diff

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/ipm"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestBackwardDiagonalX: the active-set backward systems (bpqp, kkt at a
// polished solution) of a problem whose P values are diagonal are served
// by the x-eliminated form (kkt.System.SetActiveRowsDiagonalX) without
// falling back to the accurate form, and their gradients agree with the
// accurate form's (SetActiveRows) to 1e-10 relative (+1e-15) — the BPQP study's
// ε-ridge LPs (P = εI given dense) with fewer rows than variables (no
// fallback) and more (dependent active rows may fall back); a dense P
// keeps SetActiveRows (same gradients bit for bit).
func TestBackwardDiagonalX(t *testing.T) {
	for _, tc := range []struct {
		name string
		n, k int
		lp   bool
	}{
		{"lp m<n", 60, 12, true},
		{"lp m<n wide", 150, 10, true},
		{"lp m>=n", 20, 15, true},
		{"qp dense P m<n", 60, 12, false},
		{"qp dense P m>=n", 20, 15, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(tc.n*100 + tc.k)))
			gen := testfam.BPQPQP
			if tc.lp {
				gen = testfam.BPQPLP
			}
			for inst := 0; inst < 4; inst++ {
				P, c, A, bb, cones := gen(rng, tc.n, tc.k)
				st, err := problem.NewDenseStructure(tc.n, 2*tc.k, cones, true)
				if err != nil {
					t.Fatal(err)
				}
				v := denseValues(st, P, c, A, bb)
				slv, set, sol := solveDiagX(t, st, v)
				in := Incoming{X: make([]float64, tc.n)}
				for i := range in.X {
					in.X[i] = 1
				}
				for _, m := range []Method{MethodBPQP, MethodKKT} {
					grads := [2]*Grad{}
					var esc [2]int
					for path, off := range []bool{false, true} {
						ws, err := NewWorkspaceOn(slv.KKT(), set)
						if err != nil {
							t.Fatal(err)
						}
						ws.noDiagX = off
						g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
						o := DefaultOptions()
						o.Method = m
						before := ws.kkt.TierStats().Escalations
						if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
							t.Fatalf("instance %d method %d noDiagX %v: %v", inst, m, off, err)
						}
						esc[path] = ws.kkt.TierStats().Escalations - before
						grads[path] = g
					}
					// With more rows than variables the active rows may be
					// dependent: regularized pivots then move the system
					// to the accurate form, as intended.
					if tc.lp && 2*tc.k < tc.n && esc[0] != 0 {
						t.Fatalf("instance %d method %d: the diagonal-x system fell back to the accurate form", inst, m)
					}
					for name, pair := range map[string][2][]float64{
						"c": {grads[0].C, grads[1].C}, "A": {grads[0].A, grads[1].A}, "b": {grads[0].B, grads[1].B},
					} {
						d, s := 0.0, 0.0
						for i := range pair[0] {
							d = math.Max(d, math.Abs(pair[0][i]-pair[1][i]))
							s = math.Max(s, math.Abs(pair[1][i]))
						}
						if !tc.lp && d != 0 {
							t.Fatalf("instance %d method %d: dense P gradient of %s changed by %g", inst, m, name, d)
						}
						// Relative to the gradient's size, plus 1e-15 for a
						// gradient that is zero up to rounding (~1e-20 on
						// some instances: each path's rounding noise differs
						// by architecture).
						if d > 1e-10*s+1e-15 {
							t.Fatalf("instance %d method %d: gradient of %s differs by %g (max %g)", inst, m, name, d, s)
						}
					}
				}
			}
		})
	}
}

// TestBackwardNoPNotDiagonalX: a structure without P (an LP) is not a
// diagonal P for the backward (diagonalP false): its active-set systems go
// straight to SetActiveRows instead of first trying the x-eliminated form,
// which refuses a zero x block (an escalation per system) after scanning it.
func TestBackwardNoPNotDiagonalX(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const n, k = 30, 8
	_, c, A, bb, cones := testfam.BPQPLP(rng, n, k)
	st, err := problem.NewDenseStructure(n, 2*k, cones, false)
	if err != nil {
		t.Fatal(err)
	}
	v := &problem.Values{C: c, A: make([]float64, st.A.Nnz()), B: bb}
	st.GatherDenseA(v.A, A)
	slv, set, sol := solveDiagX(t, st, v)
	in := Incoming{X: make([]float64, n)}
	for i := range in.X {
		in.X[i] = 1
	}
	for _, m := range []Method{MethodBPQP, MethodKKT} {
		ws, err := NewWorkspaceOn(slv.KKT(), set)
		if err != nil {
			t.Fatal(err)
		}
		if ws.diagonalP(v) {
			t.Fatal("a structure without P reported as a diagonal P")
		}
		g := &Grad{C: make([]float64, st.N), A: make([]float64, st.A.Nnz()), B: make([]float64, st.M)}
		o := DefaultOptions()
		o.Method = m
		before := ws.kkt.TierStats().Escalations
		if _, err := ws.Backward(v, sol, in, &o, g); err != nil {
			t.Fatalf("method %d: %v", m, err)
		}
		if e := ws.kkt.TierStats().Escalations - before; e != 0 {
			t.Fatalf("method %d: %d escalations (an x-eliminated attempt on a zero x block?)", m, e)
		}
	}
}

// solveDiagX solves one instance at default settings (LinearAuto) and
// returns the solver (its KKT system for the backward workspaces), the
// settings and the solution; it fails the test unless the solve is SOLVED.
func solveDiagX(t *testing.T, st *problem.Structure, v *problem.Values) (*ipm.Solver, ipm.Settings, Solution) {
	t.Helper()
	_, slv, set := defaultSolver(t, st)
	sol := Solution{X: make([]float64, st.N), Y: make([]float64, st.M), S: make([]float64, st.M)}
	res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
	slv.Solve(v, &res)
	if res.Info.Status != ipm.StatusSolved {
		t.Fatalf("status %v", res.Info.Status)
	}
	return slv, set, sol
}

// TestSetPDiagonal: a backward told that P is diagonal (SetPDiagonal, as
// the C ABI's diagonal gather declares it) gives the scanning backward's
// gradients and flags bit for bit, for BPQP and kkt with and without the
// forward's factor record, on the ε-ridge LPs; the declaration lasts
// until withdrawn, and a withdrawn one scans again (a QP's dense P is not
// diagonal).
func TestSetPDiagonal(t *testing.T) {
	rng := rand.New(rand.NewSource(61))
	const n, k = 40, 8
	reused := 0
	defer func() {
		if reused == 0 {
			t.Error("no backward reused the record: the declared path untested")
		}
	}()
	for inst := 0; inst < 3; inst++ {
		P, c, A, bb, cones := testfam.BPQPLP(rng, n, k)
		st, err := problem.NewDenseStructure(n, 2*k, cones, true)
		if err != nil {
			t.Fatal(err)
		}
		v := denseValues(st, P, c, A, bb)
		an, slv, set := defaultSolver(t, st)
		rec := make([]float64, ipm.PolishFactorLen(an))
		slv.SetFactorSink(rec)
		sol := Solution{X: make([]float64, n), Y: make([]float64, 2*k), S: make([]float64, 2*k)}
		res := ipm.Result{X: sol.X, Y: sol.Y, S: sol.S}
		slv.Solve(v, &res)
		if res.Info.Status != ipm.StatusSolved {
			t.Fatalf("instance %d: status %v", inst, res.Info.Status)
		}
		in := Incoming{X: make([]float64, n), Y: make([]float64, 2*k)}
		for i := range in.X {
			in.X[i] = rng.NormFloat64()
		}
		for i := range in.Y {
			in.Y[i] = rng.NormFloat64()
		}
		for _, m := range []Method{MethodBPQP, MethodKKT} {
			for _, factor := range [][]float64{nil, rec} {
				s := sol
				s.Factor = factor
				var grads [2]*Grad
				var flags [2]Flags
				for path, diag := range []bool{false, true} {
					ws, err := NewWorkspaceOn(slv.KKT(), set)
					if err != nil {
						t.Fatal(err)
					}
					if ws.PDiagonal() {
						t.Fatal("a new workspace declares P diagonal")
					}
					ws.SetPDiagonal(diag)
					if ws.PDiagonal() != diag {
						t.Fatalf("PDiagonal %v after SetPDiagonal(%v)", ws.PDiagonal(), diag)
					}
					g := &Grad{P: make([]float64, st.P.Nnz()), C: make([]float64, n), A: make([]float64, st.A.Nnz()), B: make([]float64, 2*k)}
					o := DefaultOptions()
					o.Method = m
					if flags[path], err = ws.Backward(v, s, in, &o, g); err != nil {
						t.Fatalf("instance %d method %d: %v", inst, m, err)
					}
					grads[path] = g
					ws.SetPDiagonal(false)
					if ws.PDiagonal() {
						t.Fatal("PDiagonal true after SetPDiagonal(false)")
					}
					if diag && ws.diagonalP(&problem.Values{P: make([]float64, st.P.Nnz())}) != true {
						t.Fatal("a zero P not diagonal")
					}
					if ws.diagonalP(&problem.Values{P: onesP(st.P.Nnz())}) {
						t.Fatal("a withdrawn declaration still skips the scan")
					}
				}
				if flags[0] != flags[1] {
					t.Fatalf("instance %d method %d record %v: flags %d scanned, %d declared", inst, m, factor != nil, flags[0], flags[1])
				}
				if factor != nil {
					reused += int(flags[1]&FlagFactorReused) / int(FlagFactorReused)
				}
				for name, pair := range map[string][2][]float64{
					"P": {grads[0].P, grads[1].P}, "c": {grads[0].C, grads[1].C}, "A": {grads[0].A, grads[1].A}, "b": {grads[0].B, grads[1].B},
				} {
					for i := range pair[0] {
						if math.Float64bits(pair[0][i]) != math.Float64bits(pair[1][i]) {
							t.Fatalf("instance %d method %d record %v: ∂%s[%d] %v scanned, %v declared", inst, m, factor != nil, name, i, pair[0][i], pair[1][i])
						}
					}
				}
			}
		}
	}
}

// onesP is a P of ones (not diagonal).
func onesP(nnz int) []float64 {
	p := make([]float64, nnz)
	for i := range p {
		p[i] = 1
	}
	return p
}
