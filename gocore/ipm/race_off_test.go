//go:build !race

package ipm

// raceEnabled: the race detector is on (sync.Pool then drops a random
// share of what is put back, so allocation counts are not exact).
const raceEnabled = false
