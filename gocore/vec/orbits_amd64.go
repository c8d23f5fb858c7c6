package vec

//go:noescape
func orBitsAVX(v *float64, n int) uint64

// orBitsAsm: OrBits runs in assembly from orBitsMin entries.
var orBitsAsm = useAVX

// orBitsMin is the length from which OrBits' assembly pass is taken.
const orBitsMin = 8
