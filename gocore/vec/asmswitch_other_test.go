//go:build !amd64

package vec

// setAsm is the amd64 tests' switch of the assembly paths: there are none
// here, and both settings run the Go code.
func setAsm(on bool) (restore func()) { return func() {} }
