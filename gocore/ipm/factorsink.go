package ipm

import (
	"math"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/linsys"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
)

// The polish factor record (SetFactorSink, ParsePolishFactor): a header
//
//	magic, version, n, m, structure fingerprint, valid, cost scale k, payload length
//
// then D (n), E (m), the active set (m words, 1 or 0) and the payload of
// linsys.DenseDual.ExportFactor for the scaled active-set system.
const (
	polishFactorMagic   = 1280329547 // "LPGK"
	polishFactorVersion = 1
	polishFactorHeader  = 8
)

// PolishFactorLen is the length of the buffer SetFactorSink needs for a
// structure analysed as an (its largest record), or 0 when its solves never
// export one: cones that are not all zero or nonnegative (no polish), or
// a KKT form other than the x-eliminated dense one (kkt.Analysis.DualFactorMaxLen).
func PolishFactorLen(an *kkt.Analysis) int {
	st := an.St
	if !an.Polyhedral() {
		return 0
	}
	pay := an.DualFactorMaxLen()
	if pay == 0 {
		return 0
	}
	return polishFactorHeader + st.N + 2*st.M + pay
}

// StructureFingerprint is a hash of a structure's sizes, patterns and cones
// (an exact float64: 52 bits), recorded in a polish factor record so that
// a record made for another structure is rejected. It reads every pattern
// entry once (FNV-1a over 64-bit words): compute it once per structure.
func StructureFingerprint(st *problem.Structure) float64 {
	h := uint64(14695981039346656037)
	put := func(v uint64) {
		h ^= v
		h *= 1099511628211
	}
	put(uint64(st.N))
	put(uint64(st.M))
	for _, m := range []*problem.CSC{&st.P, &st.A} {
		put(uint64(len(m.Colptr)))
		for _, v := range m.Colptr {
			put(uint64(v))
		}
		for _, v := range m.Rowval {
			put(uint64(v))
		}
	}
	for _, c := range st.Cones {
		put(uint64(c.Kind))
		put(uint64(c.Dim))
		put(math.Float64bits(c.Param))
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return float64(h >> 12)
}

// SetFactorSink gives the solver a buffer (PolishFactorLen words, or nil
// for none) into which each Solve writes a polish factor record: valid
// when the returned point is an accepted active-set polish whose system
// was factored by the x-eliminated dense form without regularized pivots
// and without a proximal term, otherwise marked invalid. The kkt backward
// reads it (ParsePolishFactor) to solve with the forward's factorization
// instead of factoring the active-set system again.
func (w *Solver) SetFactorSink(buf []float64) {
	if len(buf) < polishFactorHeader {
		buf = nil
	}
	w.sink = buf
	if buf != nil && !w.sinkFPSet {
		// Once per solver: the hash reads every pattern entry.
		w.sinkFP, w.sinkFPSet = StructureFingerprint(w.an.St), true
	}
}

// markSink writes an invalid record header.
func (w *Solver) markSink() {
	if w.sink == nil {
		return
	}
	st := w.an.St
	copy(w.sink, []float64{polishFactorMagic, polishFactorVersion, float64(st.N), float64(st.M), w.sinkFP, 0, 0, 0})
}

// exportPolish writes the record of an accepted polish: the KKT system
// holds its factorization (polishSolve's last Factor).
func (w *Solver) exportPolish() {
	if w.sink == nil || w.prox != 0 {
		return
	}
	st := w.an.St
	n, m := st.N, st.M
	body := w.sink[polishFactorHeader:]
	if len(body) < n+2*m {
		return
	}
	copy(body, w.dScale)
	copy(body[n:], w.eScale)
	for i, a := range w.pol.active {
		body[n+m+i] = 0
		if a {
			body[n+m+i] = 1
		}
	}
	k := w.kkt.ExportDualFactor(body[n+2*m:])
	if k == 0 {
		return
	}
	w.sink[5], w.sink[6], w.sink[7] = 1, w.cScale, float64(k)
}

// PolishFactor is a parsed polish factor record (ParsePolishFactor).
type PolishFactor struct {
	D, E   []float64 // the equilibration: x = D x̃, Ã = E A D
	K      float64   // the cost scale: P̃ = k·DPD
	Active []float64 // 1 on the active rows of the factored system, 0 elsewhere
	Factor *linsys.DualFactor
}

// ParsePolishFactor checks buf as a valid polish factor record for st
// (magic, version, sizes, fingerprint fp = StructureFingerprint(st), the
// valid mark, finite positive scalings, a 0/1 active set and a well-formed
// factorization) and returns it; false for anything else, including
// arbitrary bytes. The record's numbers are trusted only as far as a
// caller that refines against its own matrix needs: a factorization of
// other data makes the refinement fail, and the caller refactors.
func ParsePolishFactor(buf []float64, st *problem.Structure, fp float64) (PolishFactor, bool) {
	pf := PolishFactor{Factor: new(linsys.DualFactor)}
	ok := pf.Parse(buf, st, fp)
	return pf, ok
}

// Parse is ParsePolishFactor into pf, reusing pf.Factor's scratch when
// pf.Factor is not nil (no allocation once it has parsed a record of this
// structure).
func (pf *PolishFactor) Parse(buf []float64, st *problem.Structure, fp float64) bool {
	n, m := st.N, st.M
	h := polishFactorHeader
	if len(buf) < h+n+2*m || buf[0] != polishFactorMagic || buf[1] != polishFactorVersion ||
		buf[2] != float64(n) || buf[3] != float64(m) || buf[4] != fp || buf[5] != 1 {
		return false
	}
	k, plen := buf[6], buf[7]
	if !(k > 0) || math.IsInf(k, 0) || !(plen > 0) || plen != math.Trunc(plen) || plen > float64(len(buf)-h-n-2*m) {
		return false
	}
	body := buf[h:]
	pf.D, pf.E, pf.K, pf.Active = body[:n:n], body[n:n+m:n+m], k, body[n+m:n+2*m:n+2*m]
	for _, s := range [][]float64{pf.D, pf.E} {
		for _, v := range s {
			if !(v > 0) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	for _, v := range pf.Active {
		if v != 0 && v != 1 {
			return false
		}
	}
	if pf.Factor == nil {
		pf.Factor = new(linsys.DualFactor)
	}
	return pf.Factor.Parse(body[n+2*m:n+2*m+int(plen)], n, m)
}
