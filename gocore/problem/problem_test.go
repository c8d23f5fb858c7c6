package problem

import (
	"errors"
	"reflect"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/cone"
)

func sp(k cone.Kind, d int) cone.Spec { return cone.Spec{Kind: k, Dim: d} }

func TestNewConeList(t *testing.T) {
	z, l, q := cone.KindZero, cone.KindNonneg, cone.KindSOC
	tests := []struct {
		name   string
		m      int
		cones  []cone.Spec
		field  string
		index  int
		want   []cone.Spec // stored list when valid
		errIs  error
		noErrs bool
	}{
		{name: "any order, empty blocks dropped", m: 6,
			cones: []cone.Spec{sp(q, 3), sp(l, 0), sp(z, 1), sp(l, 1), sp(q, 1)},
			want:  []cone.Spec{sp(q, 3), sp(z, 1), sp(l, 1), sp(q, 1)}, noErrs: true},
		{name: "no cones, no rows", m: 0, cones: nil, want: []cone.Spec{}, noErrs: true},
		{name: "unknown kind", m: 2, cones: []cone.Spec{sp(l, 1), sp(cone.Kind(9), 1)}, field: "cones", index: 1, errIs: ErrCone},
		{name: "empty second-order cone", m: 2, cones: []cone.Spec{sp(l, 2), sp(q, 0)}, field: "cones", index: 1, errIs: ErrCone},
		{name: "negative dimension", m: 1, cones: []cone.Spec{sp(z, -1), sp(l, 2)}, field: "cones", index: 0, errIs: ErrCone},
		{name: "rows do not add up", m: 3, cones: []cone.Spec{sp(z, 1), sp(l, 1)}, field: "cones", index: -1, errIs: ErrCone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := New(2, tc.m, tc.cones, UpperPattern(2), DensePattern(tc.m, 2))
			if tc.noErrs {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(st.Cones, tc.want) {
					t.Fatalf("cones %v, want %v", st.Cones, tc.want)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, tc.errIs) || fe.Field != tc.field || fe.Index != tc.index {
				t.Fatalf("error %v, want %s[%d] wrapping %v", err, tc.field, tc.index, tc.errIs)
			}
		})
	}
}

// NewStructure (fixed counts) is New on Cones.Specs, with errors named after
// the counts.
func TestNewStructureCounts(t *testing.T) {
	st, err := NewStructure(2, 6, Cones{Zero: 1, Nonneg: 2, SOC: []int{3}}, UpperPattern(2), DensePattern(6, 2))
	if err != nil {
		t.Fatal(err)
	}
	want := []cone.Spec{{Kind: cone.KindZero, Dim: 1}, {Kind: cone.KindNonneg, Dim: 2}, {Kind: cone.KindSOC, Dim: 3}}
	if !reflect.DeepEqual(st.Cones, want) || !st.HasKind(cone.KindSOC) {
		t.Fatalf("cones %v, want %v", st.Cones, want)
	}
	for _, tc := range []struct {
		cones Cones
		field string
		index int
	}{
		{Cones{Zero: -1, Nonneg: 1}, "cones.zero", -1},
		{Cones{Nonneg: -1}, "cones.nonneg", -1},
		{Cones{Nonneg: 1, SOC: []int{2, 0}}, "cones.soc", 1},
	} {
		_, err := NewStructure(2, 2, tc.cones, UpperPattern(2), DensePattern(2, 2))
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrCone) || fe.Field != tc.field || fe.Index != tc.index {
			t.Errorf("%+v: error %v, want %s[%d]", tc.cones, err, tc.field, tc.index)
		}
	}
}
