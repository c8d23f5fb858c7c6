package vec

//go:noescape
func allFiniteAVX(v *float64, n int) bool

// finiteAsm: AllFinite runs in assembly from finiteMin entries (tests
// switch it off).
var finiteAsm = useAVX
