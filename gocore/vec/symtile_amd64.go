package vec

// symTileAsm: SymTile8 runs in assembly (which rounds each product: not
// where the compiler fuses ScanSquare's multiply–adds).
var symTileAsm = useAVX && !addFuses()

// gatherTileAsm: GatherTile8 runs in assembly.
var gatherTileAsm = useAVX

// symTile8AVX is SymTile8 on AVX2: the tile by 4×4 blocks, transposed in
// registers, its 32 addends of Sq summed in SymTile8's order.
//
//go:noescape
func symTile8AVX(acc *SymScanAcc, v, m *float64, lda int, d *float64, j0 int)

// gatherTile8AVX is GatherTile8 on AVX2, by 4×4 blocks as symTile8AVX.
//
//go:noescape
func gatherTile8AVX(sum *[4]float64, v, m *float64, lda int, d *float64, j0 int)
