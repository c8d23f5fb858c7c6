package vec

// Kernels names the kernels Dot, Axpy and Dot4 use on this CPU: "avx2+fma"
// when the CPU has both (the assembly kernels), "generic" otherwise.
func Kernels() string {
	if useAVX {
		return "avx2+fma"
	}
	return "generic"
}
