//go:build !amd64

package vec

// symTileAsm: no assembly SymTile8 on this architecture (a variable, as
// on amd64, for the tests' switch).
var symTileAsm = false

// gatherTileAsm: no assembly GatherTile8 on this architecture.
var gatherTileAsm = false

func symTile8AVX(acc *SymScanAcc, v, m *float64, lda int, d *float64, j0 int) {
	panic("vec: no assembly kernels")
}

func gatherTile8AVX(sum *[4]float64, v, m *float64, lda int, d *float64, j0 int) {
	panic("vec: no assembly kernels")
}
