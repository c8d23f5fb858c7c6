//go:build !amd64

package vec

// applyLevel: only the generic kernels exist on this architecture.
func applyLevel(Level) { kern = genericKernel }

// FMAPeakLoop has no vector loop on this architecture (0 flops).
func FMAPeakLoop(Level, int) float64 { return 0 }

func pack4Vec([]float64, int, []float64, int, int, []float64) int { return 0 }
