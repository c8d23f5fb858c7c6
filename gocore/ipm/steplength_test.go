package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/gocore/vec"
)

// TestMinMaxExact: vec.Min, which the step length takes inlined, is
// math.Min bit for bit, signed zeros and NaNs included (as package vec
// tests it too); nanMax is math.Max for a first operand that is not −0.
func TestMinMaxExact(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300}
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	for _, a := range vals {
		for _, v := range vals {
			if got, want := vec.Min(a, v), math.Min(a, v); !same(got, want) {
				t.Fatalf("vec.Min(%v, %v) = %v, math.Min %v", a, v, got, want)
			}
			if got, want := nanMax(a, v), math.Max(a, v); !same(got, want) && !(a == 0 && math.Signbit(a)) {
				t.Fatalf("nanMax(%v, %v) = %v, math.Max %v", a, v, got, want)
			}
		}
	}
}

// TestNonnegStepLengthMatchesCones: with zero and nonnegative cones only,
// the step length's direct loop returns what the cones' StepLength
// returns, bit for bit (NaN for NaN), on random iterates and directions
// with zero and NaN entries; a second-order cone leaves it to the cones.
func TestNonnegStepLengthMatchesCones(t *testing.T) {
	specs := []cone.Spec{{Kind: cone.KindZero, Dim: 2}, {Kind: cone.KindNonneg, Dim: 5}, {Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindNonneg, Dim: 3}}
	n, m := 3, 11
	st, err := problem.New(n, m, specs, problem.EmptyPattern(n, n), problem.DensePattern(m, n))
	if err != nil {
		t.Fatal(err)
	}
	an, err := kkt.Analyse(st, LinearAuto)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if w.nnRows == nil {
		t.Fatal("no nonnegative row ranges for zero and nonnegative cones")
	}
	rng := rand.New(rand.NewSource(5))
	draw := func(v []float64, pos bool) {
		for i := range v {
			x := rng.NormFloat64()
			if pos {
				x = math.Abs(x)
			}
			switch rng.Intn(12) {
			case 0:
				x = 0
			case 1:
				x = math.Copysign(0, -1)
			case 2:
				if rng.Intn(4) == 0 {
					x = math.NaN()
				}
			}
			v[i] = x
		}
	}
	for trial := 0; trial < 2000; trial++ {
		draw(w.z, true)
		draw(w.s, true)
		draw(w.dz, false)
		draw(w.ds, false)
		amax := []float64{1, 0.5, 0, math.NaN()}[rng.Intn(4)]
		got := w.nonnegStepLength(amax)
		want := w.cones.StepLength(w.dz, w.ds, w.z, w.s, amax)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("trial %d: %v, cones %v", trial, got, want)
		}
	}
	if nonnegRowRanges([]cone.Spec{{Kind: cone.KindNonneg, Dim: 2}, {Kind: cone.KindSOC, Dim: 3}}) != nil {
		t.Error("row ranges for a second-order cone")
	}
}
