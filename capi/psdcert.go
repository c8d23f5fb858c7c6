package main

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// psdCertMin and psdCertMax bound the orders n at which lpgd_solve (B = 1)
// takes the PSD test of P from the solver's own factorization
// (psdCertified) before factoring P again: below psdCertMin the explicit
// factorization costs about as much as the certificate's pass over P
// (~0.2 µs at n = 10); from psdCertMax linsys.ShiftedCholeskyOK decides by
// the blocked LDLᵀ's pivot threshold, which the argument below does not
// cover (its row and 4×4-tiled forms are plain Cholesky factorizations).
const (
	psdCertMin = 16
	psdCertMax = 192
)

// psdCertified reports whether x, an x block whose floating-point LDLᵀ
// succeeded with every pivot positive and none regularized
// (ipm.Solver.FactoredXBlock: x ≈ k·D P D + δI for the solve's Ruiz
// scaling D = dScale and cost scale k), proves that the explicit test
// linsys.ShiftedCholeskyOKScan(p, n, shift, sc) accepts p; false when it
// cannot (then the caller runs that test: the verdicts never differ).
// p is the caller's row-major n×n P (its lower triangle P_L, symmetric, is
// what the explicit test reads), sc its ScanSquare, n below psdCertMax.
// The argument, u = 2⁻⁵³ (every bound below is inflated past its own
// rounding, and by absolute terms that cover underflow, so that the
// contract holds for every input):
//
//  1. LDLᵀ with D > 0 computed in floating point is the exact LDLᵀ of
//     x + E with |E| ≤ γ|L|D|Lᵀ|, γ ≤ 16(n+4)u (any summation order and
//     the products L·D included), so λ_min(x) ≥ −‖E‖₂ ≥ −γ·trace(|L|D|Lᵀ|)
//     ≥ −2γ·Σ|x_ii| (the trace of L D Lᵀ is Σ(x_ii + E_ii)).
//  2. With Y = k·D P_L D and F = x − Y, λ_min(Y) ≥ λ_min(x) − max_i F_ii⁺
//     − ‖F_off‖_F; F's entries are bounded from their computed values
//     (each |F_ij| ≤ (1+2u)|f̂_ij| + 4u|ŷ_ij|, and ‖ŷ‖_F from ‖P‖_F and
//     max D). So λ_min(Y) ≥ −ν.
//  3. λ_min(P_L) ≥ −ν/(k·min D²) (P_L = K⁻¹YK⁻¹, K = √k·D).
//  4. The explicit test factors M = P_L + d·I, d = shift·max(1, ‖P‖_F) as
//     it computes it, by Cholesky (row or 4×4-tiled form; a P with zero
//     lower triangle by its pivot signs, decided by λ_min(M) > 0 alone).
//     Floating-point Cholesky runs to completion when λ_min(M) exceeds
//     nγ_{n+1}/(1 − γ_{n+1})·max_i M_ii (Demmel; Higham, Accuracy and
//     Stability, Thm 10.7); τ = 8n(n+4)u·(max|P| + d) is a multiple of
//     that, covering the reciprocal products and the rounding of a_ii + d.
//
// It certifies when d − ν/(k·min D²) − τ > 10⁻⁶·d. A P at the threshold
// (λ_min within about δ/(k·min D²) of −d; the BPQP study's P:
// 0.016–0.16 of d) is left to the explicit test.
func psdCertified(p []float64, n int, shift float64, sc linsys.SquareScan, x, dScale []float64, k float64) bool {
	const u = 0x1p-53
	if n < 1 || n >= psdCertMax || len(p) < n*n || len(x) < n*n || len(dScale) < n {
		return false
	}
	// The explicit test's shift, the same expression on the same values.
	d := shift * math.Max(1, math.Sqrt(sc.Fro2))
	// Away from overflow and underflow (the theorem bars underflow).
	if !(d >= 1e-150 && d <= 1e150) || !(sc.Scale <= 1e150) || !(k >= 1e-150 && k <= 1e150) {
		return false
	}
	dmin, dmax := math.Inf(1), 0.0
	var trace, fdiag float64 // Σ|x_ii|, max of the bounds on F_ii
	// Σ f̂² over the strictly lower triangle in four partial sums
	// (independent chains; any order: the bounds are inflated far past the
	// sums' rounding).
	var s0, s1, s2, s3 float64
	for i := 0; i < n; i++ {
		di := dScale[i]
		if !(di >= 1e-100 && di <= 1e100) {
			return false
		}
		dmin, dmax = math.Min(dmin, di), math.Max(dmax, di)
		kdi := k * di
		xi := x[i*n : i*n+i+1]
		pi := p[i*n : i*n+i+1]
		dj := dScale[:i]
		pj, xj := pi[:len(dj)], xi[:len(dj)]
		j := 0
		for ; j+4 <= len(dj); j += 4 {
			d4, p4, x4 := dj[j:j+4:j+4], pj[j:j+4:j+4], xj[j:j+4:j+4]
			y0, y1 := kdi*d4[0]*p4[0], kdi*d4[1]*p4[1]
			y2, y3 := kdi*d4[2]*p4[2], kdi*d4[3]*p4[3]
			f0, f1, f2, f3 := x4[0]-y0, x4[1]-y1, x4[2]-y2, x4[3]-y3
			s0 += f0 * f0
			s1 += f1 * f1
			s2 += f2 * f2
			s3 += f3 * f3
		}
		for ; j < len(dj); j++ {
			y := kdi * dj[j] * pj[j]
			f := xj[j] - y
			s0 += f * f
		}
		y := kdi * di * pi[i]
		f := xi[i] - y
		trace += math.Abs(xi[i])
		fdiag = math.Max(fdiag, f+2*u*math.Abs(f)+4*u*math.Abs(y))
	}
	// Underflow (gradual: each rounding to a subnormal is off by at most
	// 2⁻¹⁰⁷⁵ absolutely): a square f̂² that underflows, up to n² of them
	// in s; a product k·D_i·D_j that underflows, its error then scaled by
	// |p_ij| ≤ Scale, in each of F's n² entries (≤ η each, η below); and
	// the LDLᵀ of x, whose backward error gains at most (n+2)·2⁻¹⁰⁷⁴ per
	// operation's pivot-scaled result (≤ trace), ‖·‖₂ ≤ n times that.
	// Zero against the bounds at any scale lpgd_solve meets; they make
	// the contract hold for every input.
	nf := float64(n)
	s := (s0 + s1) + (s2 + s3) + nf*nf*0x1p-1074
	eta := (sc.Scale + 1) * 0x1p-1072
	under := nf*eta + nf*(nf+2)*(1+trace)*0x1p-1072
	gamma := 16 * float64(n+4) * u
	// ‖ŷ‖ over the lower triangle ≤ (1+4u)·k·max D²·‖P‖_F (the scan's
	// Σ P² takes every entry): 2 covers the roundings.
	off := math.Sqrt2 * ((1+2*u)*math.Sqrt(s) + 8*u*k*dmax*dmax*math.Sqrt(sc.Fro2))
	nu := (2*gamma*trace + fdiag + eta + off + under) * (1 + 1e-6)
	// k·min D² is a normal number far from underflow: its rounding is
	// relative, and ν/(k·min D²) is not an underflow artefact.
	kd2 := k * dmin * dmin
	if !(kd2 >= 1e-290) {
		return false
	}
	lower := nu / kd2 * (1 + 1e-6)
	tau := 8 * float64(n) * float64(n+4) * u * (sc.Scale + d)
	margin := d - lower - tau
	// NaN (an overflowing sum) fails the comparison.
	return margin > 1e-6*d
}

// diagShiftPositive reports whether every diagonal entry of P + d·I is
// positive, d the explicit test's shift: a P failing this is rejected by
// that test (its pivot for the entry is at most the entry), which then
// runs before the solve rather than after a solve of a non-convex problem.
func diagShiftPositive(p []float64, n int, shift float64, sc linsys.SquareScan) bool {
	d := shift * math.Max(1, math.Sqrt(sc.Fro2))
	for i := 0; i < n; i++ {
		if !(p[i*n+i]+d > 0) {
			return false
		}
	}
	return true
}
