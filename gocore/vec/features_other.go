//go:build !amd64

package vec

// Kernels names the kernels Dot, Axpy and Dot4 use: always "generic" (Go
// code) on this architecture.
func Kernels() string { return "generic" }
