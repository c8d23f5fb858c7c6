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
	// KindPSD is the cone of positive semidefinite d×d matrices in svec
	// form (see PSD): Dim = d(d+1)/2 rows, a triangular number ≥ 1.
	KindPSD Kind = 3
	// KindExp is the exponential cone closure{(x, y, z) : y > 0,
	// y·exp(x/y) ≤ z} on three consecutive rows (x, y, z), cvxpy's and
	// SCS's order; Dim must be 3 (one block per cone).
	KindExp Kind = 4
	// KindPow is the 3-d power cone {(x, y, z) : x^α·y^(1−α) ≥ |z|,
	// x, y ≥ 0} on three consecutive rows (x, y, z), cvxpy's PowCone3D and
	// SCS's and Clarabel's order; Dim must be 3 and Spec.Param is α ∈ (0, 1).
	KindPow Kind = 5
)

// kindInfo describes one kind: its name, the smallest dimension a block of
// it may have, and its constructor. Adding a cone adds one entry here (and
// the file that implements it).
type kindInfo struct {
	name   string
	minDim int
	build  func(d int, param float64) Cone
	// checkDim, when set, rejects dimensions ≥ minDim that the kind does
	// not accept (a PSD block needs a triangular number).
	checkDim func(d int) error
	// checkParam, when set, validates Spec.Param; kinds without it take no
	// parameter and require Param = 0.
	checkParam func(p float64) error
}

var kinds = map[Kind]kindInfo{
	KindZero:   {"zero", 0, func(d int, _ float64) Cone { return NewZero(d) }, nil, nil},
	KindNonneg: {"nonneg", 0, func(d int, _ float64) Cone { return NewNonneg(d) }, nil, nil},
	KindSOC:    {"soc", 1, func(d int, _ float64) Cone { return NewSOC(d) }, nil, nil},
	KindPSD:    {"psd", 1, func(d int, _ float64) Cone { return NewPSD(d) }, checkPSDDim, nil},
	KindExp:    {"exp", 3, func(int, float64) Cone { return NewExp() }, checkExpDim, nil},
	KindPow:    {"pow", 3, func(_ int, a float64) Cone { return NewPow(a) }, checkPowDim, checkPowAlpha},
}

// checkPowDim accepts 3, the dimension of one 3-d power cone.
func checkPowDim(n int) error {
	if n != 3 {
		return fmt.Errorf("pow cone dimension %d is not 3 (one block per 3-d power cone)", n)
	}
	return nil
}

// checkPowAlpha accepts exponents α strictly between 0 and 1.
func checkPowAlpha(a float64) error {
	if !(a > 0 && a < 1) {
		return fmt.Errorf("pow cone alpha %v is not in the open interval (0, 1)", a)
	}
	return nil
}

// checkExpDim accepts 3, the dimension of one exponential cone.
func checkExpDim(n int) error {
	if n != 3 {
		return fmt.Errorf("exp cone dimension %d is not 3 (one block per exponential cone)", n)
	}
	return nil
}

// checkPSDDim accepts the triangular numbers n = d(d+1)/2.
func checkPSDDim(n int) error {
	if psdSide(n) < 1 {
		return fmt.Errorf("psd cone dimension %d is not d(d+1)/2 for an integer d >= 1", n)
	}
	return nil
}

// String returns the kind's name ("zero", "nonneg", "soc", "psd", "exp",
// "pow").
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

// Spec is one block of the product cone K: a kind, a dimension (the
// number of rows of A it covers) and the kind's parameter (α of a power
// cone; 0 for the kinds that take none).
type Spec struct {
	Kind  Kind
	Dim   int
	Param float64
}

// Check reports whether the spec is valid: a known kind, a dimension of
// at least Kind.MinDim() that the kind accepts, and a parameter the kind
// accepts (0 for kinds without one).
func (s Spec) Check() error {
	if !s.Kind.Valid() {
		return fmt.Errorf("unknown cone kind %d", int32(s.Kind))
	}
	ki := kinds[s.Kind]
	if s.Dim < s.Kind.MinDim() {
		return fmt.Errorf("%s cone dimension %d < %d", s.Kind, s.Dim, s.Kind.MinDim())
	}
	if ki.checkDim != nil {
		if err := ki.checkDim(s.Dim); err != nil {
			return err
		}
	}
	if ki.checkParam != nil {
		return ki.checkParam(s.Param)
	}
	if s.Param != 0 {
		return fmt.Errorf("%s cone takes no parameter, got param %v (must be 0)", s.Kind, s.Param)
	}
	return nil
}

// New returns the cone block for a valid spec (see Spec.Check); it panics
// on an invalid one.
func New(s Spec) Cone {
	if err := s.Check(); err != nil {
		panic("cone: " + err.Error())
	}
	return kinds[s.Kind].build(s.Dim, s.Param)
}
