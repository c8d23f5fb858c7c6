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

// tileMin is the matrix order from which denseLDL takes its columns
// through the 4×4 tile kernel; below it the four-row Crout with Dot4 runs
// (as fast there, and its rounding is what the small-system tests pin).
const tileMin = 32
