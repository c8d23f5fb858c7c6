package cone

import "fmt"

// Kind identifies a cone family. The integer values are frozen: they cross
// the C ABI as the kind of a cone spec. Append only.
type Kind int32

// Cone kinds.
const (
	// KindZero is the zero cone {0}ᵈ (equality rows).
	KindZero Kind = 0
	// KindNonneg is the nonnegative orthant Rᵈ₊.
	KindNonneg Kind = 1
	// KindSOC is the second-order cone {(t, x) : ‖x‖ ≤ t} of dimension d ≥ 1.
	KindSOC Kind = 2
)

// kindInfo describes one kind: its name, the smallest dimension a block of
// it may have, and its constructor. Adding a cone adds one entry here (and
// the file that implements it).
type kindInfo struct {
	name   string
	minDim int
	build  func(d int) Cone
}

var kinds = map[Kind]kindInfo{
	KindZero:   {"zero", 0, func(d int) Cone { return NewZero(d) }},
	KindNonneg: {"nonneg", 0, func(d int) Cone { return NewNonneg(d) }},
	KindSOC:    {"soc", 1, func(d int) Cone { return NewSOC(d) }},
}

// String returns the kind's name ("zero", "nonneg", "soc").
func (k Kind) String() string {
	if ki, ok := kinds[k]; ok {
		return ki.name
	}
	return fmt.Sprintf("kind(%d)", int32(k))
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	_, ok := kinds[k]
	return ok
}

// MinDim returns the smallest dimension a block of kind k may have (0 for
// the zero and nonnegative cones, whose empty blocks are dropped; 1 for a
// second-order cone). It returns -1 for an unknown kind.
func (k Kind) MinDim() int {
	if ki, ok := kinds[k]; ok {
		return ki.minDim
	}
	return -1
}

// Spec is one block of the product cone K: a kind and a dimension (the
// number of rows of A it covers).
type Spec struct {
	Kind Kind
	Dim  int
}

// Check reports whether the spec is valid: a known kind and a dimension of
// at least Kind.MinDim().
func (s Spec) Check() error {
	if !s.Kind.Valid() {
		return fmt.Errorf("unknown cone kind %d", int32(s.Kind))
	}
	if s.Dim < s.Kind.MinDim() {
		return fmt.Errorf("%s cone dimension %d < %d", s.Kind, s.Dim, s.Kind.MinDim())
	}
	return nil
}

// New returns the cone block for a valid spec (see Spec.Check); it panics
// on an invalid one.
func New(s Spec) Cone {
	if err := s.Check(); err != nil {
		panic("cone: " + err.Error())
	}
	return kinds[s.Kind].build(s.Dim)
}
