package diff

import (
	"fmt"
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// admmSigma is the proximal term σ of the OSQP iteration (OSQP's default).
const admmSigma = 1e-6

// admmAlpha is the over-relaxation parameter (OSQP's default 1.6).
const admmAlpha = 1.6

type admmWork struct {
	u, y, r, q, tmpN, tmpM, rhs, sol []float64
}

// admmSolve solves the BPQP backward QP
//
//	min ½uᵀPu − gxᵀu  s.t.  A_act u = gy_act
//
// with the OSQP iteration (equality constraints only, so the z-projection is
// the constant right-hand side r) and writes u into w.sol[:n] and the
// multiplier v into w.sol[n:], so that P u + A_actᵀ v = gx. It expects
// w.rhs = [gx; gy_act] and w.active set. One factorization of
// [P + σI, A_actᵀ; A_act, −I/ρ] serves all iterations.
func (w *Workspace) admmSolve(v *problem.Values, opt *Options) error {
	st := w.an.St
	n, m := st.N, st.M
	if w.admm == nil {
		vec := func(k int) []float64 { return make([]float64, k) }
		w.admm = &admmWork{u: vec(n), y: vec(m), r: vec(m), q: vec(n), tmpN: vec(n), tmpM: vec(m), rhs: vec(n + m), sol: vec(n + m)}
	}
	a := w.admm
	rho := opt.ADMMRho
	for i := 0; i < n; i++ {
		a.q[i] = -w.rhs[i]
		a.u[i] = 0
	}
	for i := 0; i < m; i++ {
		a.r[i] = w.rhs[n+i]
		a.y[i] = 0
	}
	// Factor [P + σI, A_actᵀ; A_act, −I/ρ] (inactive rows decoupled).
	w.kkt.SetData(v.P, v.A, admmSigma)
	for i, act := range w.active {
		if act {
			w.h[i] = 1 / rho
		} else {
			w.h[i] = 1
			w.kkt.SetARow(i, v.A, 0, w.rowEntries[i])
		}
	}
	w.kkt.SetDiagH(w.h)
	if err := w.kkt.Factor(); err != nil {
		return &BackwardError{"bpqp admm: factorization failed"}
	}
	scale := math.Max(1, math.Max(normInf(a.q), normInf(a.r)))
	for it := 0; it < opt.ADMMMaxIter; it++ {
		if err := w.stopped(); err != nil {
			return err
		}
		// z^k = r for every active row; inactive rows stay zero.
		for i := 0; i < n; i++ {
			a.rhs[i] = admmSigma*a.u[i] - a.q[i]
		}
		for i := 0; i < m; i++ {
			if w.active[i] {
				a.rhs[n+i] = a.r[i] - a.y[i]/rho
			} else {
				a.rhs[n+i] = 0
			}
		}
		if !w.kkt.Solve(a.rhs, a.sol) {
			return &BackwardError{"bpqp admm: non-finite iterate"}
		}
		for i := 0; i < n; i++ {
			a.u[i] = admmAlpha*a.sol[i] + (1-admmAlpha)*a.u[i]
		}
		for i := 0; i < m; i++ {
			if !w.active[i] {
				continue
			}
			// z̃ = z + (ν − y)/ρ; y ← y + ρ(α z̃ + (1−α) z − z) = y + α(ν − y).
			a.y[i] += admmAlpha * (a.sol[n+i] - a.y[i])
		}
		if it%5 != 4 {
			continue
		}
		// Residuals: ‖A_act u − r‖∞ and ‖P u + q + A_actᵀ y‖∞.
		for i := range a.tmpM {
			a.tmpM[i] = 0
		}
		st.MulA(a.tmpM, v.A, a.u, 1)
		var rp float64
		for i := 0; i < m; i++ {
			if w.active[i] {
				rp = math.Max(rp, math.Abs(a.tmpM[i]-a.r[i]))
			}
		}
		copy(a.tmpN, a.q)
		st.MulP(a.tmpN, v.P, a.u, 1)
		st.MulAT(a.tmpN, v.A, a.y, 1)
		rd := normInf(a.tmpN)
		if rp <= opt.ADMMEps*scale && rd <= opt.ADMMEps*scale {
			copy(w.sol[:n], a.u)
			copy(w.sol[n:], a.y)
			return nil
		}
	}
	return &BackwardError{fmt.Sprintf("bpqp admm: no convergence to admm_eps=%g in %d iterations", opt.ADMMEps, opt.ADMMMaxIter)}
}
