package diff

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// The parametric simplex path at LP vertices (warmSimplexSolve) reaches
// the perturbed problems' optima (against an interior-point solve of the
// same problems), gives the capacitance path's x-gradient where both finish
// warm, and its product-form basis (base LU plus etas) solves with Bᵀ and B
// as a fresh LU of the final basis does — on the LPGD benchmark's LPs, a
// degenerate variant (a row doubled: ties in the ratio tests), incoming
// gradients on x only (primal pivots) and on x and y (b moves: dual
// pivots), with the basis refactored every 40 etas or every 3.
func TestWarmSimplexPath(t *testing.T) {
	defer func(k int, b bool) { warmEtaMax, warmSimplex = k, b }(warmEtaMax, warmSimplex)
	var warm, total, changes, dual, dualSamples, dualWarm, refactors, compared, etaCompared int
	for _, etas := range []int{40, 3} {
		warmEtaMax = etas
		for _, tie := range []bool{false, true} {
			for seed := int64(0); seed < 4; seed++ {
				rng := rand.New(rand.NewSource(1300 + seed))
				n, meq := 15, tieBoxEq
				f := tieBoxFixture(t, rng, n, tie)
				m := f.st.M
				for _, withY := range []bool{false, true} {
					in := Incoming{X: randVec(rng, n)}
					if withY {
						in.Y = randVec(rng, m)
						for i := range in.Y {
							in.Y[i] *= 0.01 // b feasible at τ = 10
						}
					}
					for _, side := range []Side{SideRight, SideLeft, SideCentral} {
						for _, tau := range []float64{0.1, 1, 10} {
							name := fmt.Sprintf("etas=%d tie=%v seed=%d y=%v side=%d tau=%g", etas, tie, seed, withY, side, tau)
							o := DefaultOptions()
							o.Method, o.Tau, o.Side = MethodLPGD, tau, side
							warmSimplex = true
							g1 := f.grad(t, in, o)
							st := f.ws.LastStats()
							f.checkPerturbedOptimal(t, name, tau, side, meq)
							ww := f.ws.warm
							if ww == nil || !ww.useBasis {
								continue
							}
							total += st.WarmSolves + st.IPMSolves
							warm += st.WarmSolves
							changes += st.Changes
							refactors += st.Refactors
							dual += ww.sx.dualPivots
							if ww.sx.dualPivots > 0 {
								dualSamples++
								if st.IPMSolves == 0 {
									dualWarm++
								}
							}
							if sx := &ww.sx; st.WarmSolves > 0 && len(sx.etaK) > 0 && !sx.stale {
								checkEtas(t, name, f, ww, rng)
								etaCompared++
							}
							warmSimplex = false
							g2 := f.grad(t, in, o)
							st2 := f.ws.LastStats()
							if st.IPMSolves == 0 && st2.IPMSolves == 0 && !tie {
								for j := range g1.C {
									if d := math.Abs(g1.C[j] - g2.C[j]); d > 1e-7*(1+math.Abs(g2.C[j])) {
										t.Errorf("%s: dc[%d] simplex %g vs capacitance %g", name, j, g1.C[j], g2.C[j])
										break
									}
								}
								compared++
							}
						}
					}
				}
			}
		}
	}
	t.Logf("warm %d of %d perturbed solves, %d changes, %d dual pivots (%d of %d such samples warm), %d refactorizations, %d gradient and %d eta comparisons",
		warm, total, changes, dual, dualWarm, dualSamples, refactors, compared, etaCompared)
	if warm < 3*total/4 || changes == 0 || dual == 0 || dualWarm < 3*dualSamples/4 || refactors == 0 || compared < 50 || etaCompared < 20 {
		t.Errorf("the simplex path was not exercised: warm %d of %d, %d changes, %d dual pivots, %d refactorizations, %d gradient and %d eta comparisons",
			warm, total, changes, dual, refactors, compared, etaCompared)
	}
}

// checkEtas compares the simplex path's last basis (LU plus etas, by
// position) with a fresh LU of the same rows: B⁻¹v and B⁻ᵀv for random v.
func checkEtas(t *testing.T, name string, f *fixture, ww *warmWork, rng *rand.Rand) {
	t.Helper()
	n := f.st.N
	sx := &ww.sx
	act := make([]bool, f.st.M)
	for _, i := range sx.brow {
		act[i] = true
	}
	var fresh basisLU
	if !fresh.factor(n, act, f.st.A.Colptr, f.st.A.Rowval, f.v.A, nil) {
		t.Fatalf("%s: the final basis is singular", name)
	}
	pos := make([]int, f.st.M) // row → fresh position
	for k, i := range fresh.rows {
		pos[i] = k
	}
	for trial := 0; trial < 2; trial++ {
		// B⁻¹: the right-hand side by position (the row at each position).
		v := randVec(rng, n)
		z := append([]float64(nil), v...)
		sx.ftran(z)
		zf := make([]float64, n)
		for k, i := range sx.brow {
			zf[pos[i]] = v[k]
		}
		fresh.solveA(zf)
		if d := maxDiff(z, zf); d > 1e-8*math.Max(1, normInf(zf)) {
			t.Errorf("%s: B⁻¹v with %d etas differs from a fresh LU by %g", name, len(sx.etaK), d)
		}
		// B⁻ᵀ: the result by position.
		u := randVec(rng, n)
		y := append([]float64(nil), u...)
		sx.btran(y)
		yf := append([]float64(nil), u...)
		fresh.solveAT(yf)
		for k, i := range sx.brow {
			if d := math.Abs(y[k] - yf[pos[i]]); d > 1e-8*math.Max(1, normInf(yf)) {
				t.Errorf("%s: B⁻ᵀv with %d etas differs from a fresh LU by %g at position %d", name, len(sx.etaK), d, k)
				break
			}
		}
	}
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}
