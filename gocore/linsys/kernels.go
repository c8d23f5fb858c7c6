package linsys

import "github.com/lpgd-go/lpgd_go/gocore/vec"

func dot(a, b []float64) float64 { return vec.Dot(a, b) }

func axpy(alpha float64, x, y []float64) { vec.Axpy(alpha, x, y) }

func dot4(w0, w1, w2, w3, l []float64, n int, out *[4]float64) {
	vec.Dot4(w0, w1, w2, w3, l, n, out)
}

func tile4x4(a []float64, lda int, b []float64, ldb int, n int, out *[16]float64) {
	vec.Dot4x4(a, lda, b, ldb, n, out)
}

// tileMin is the matrix order from which denseLDL, and the row count from
// which DenseSchur's GᵀD⁻¹G product, use the 4×4 tile kernel. Below it the
// Dot4 paths run unchanged and small systems stay bit-identical: the gain
// was measured from order 240 (none at the dense QP family's n = 10, 50),
// and two tests follow trajectories that any change of summation order
// moves — the tight-tolerance SOCP (KKT order 15) and the LPGD
// shortest-path training (order 144, degenerate LPs).
const tileMin = 192
