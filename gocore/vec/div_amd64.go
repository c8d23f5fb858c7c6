package vec

//go:noescape
func divAVX(dst, a, d *float64, n int)

//go:noescape
func subDivAVX(y, x, d *float64, n int)

// divAsm: Div and SubDiv run in assembly from divMin entries (tests
// switch it off).
var divAsm = useAVX
