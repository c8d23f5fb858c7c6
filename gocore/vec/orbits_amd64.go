package vec

//go:noescape
func orBitsRunsAVX(v *float64, n, stride, runs int) uint64

// orBitsAsm: OrBitsRuns runs in assembly from orBitsMin entries a run.
var orBitsAsm = useAVX

// orBitsMin is the run length from which OrBitsRuns' assembly pass is taken.
const orBitsMin = 8
