package ipm

import (
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/problem"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// extremeQP is a strictly convex QP of order n with p equality and mi
// inequality rows whose entries span magnitudes 10^-mag…10^mag (badly
// scaled data, where the start's proposals get rejected).
func extremeQP(rng *rand.Rand, n, p, mi int, mag float64) (P, c, A, b []float64, cones problem.Cones) {
	e := func() float64 { return math.Pow(10, mag*(2*rng.Float64()-1)) * rng.NormFloat64() }
	B := make([]float64, n*n)
	for i := range B {
		B[i] = e()
	}
	P = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += B[k*n+i] * B[k*n+j]
			}
			P[i*n+j] = s
		}
		P[i*n+i] += 1e-3
	}
	c = make([]float64, n)
	for i := range c {
		c[i] = e()
	}
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	m := p + mi
	A = make([]float64, m*n)
	b = make([]float64, m)
	for i := 0; i < m; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			A[i*n+j] = e()
			s += A[i*n+j] * x0[j]
		}
		b[i] = s
		if i >= p {
			b[i] += rng.Float64()
		}
	}
	return P, c, A, b, problem.Cones{Zero: p, Nonneg: mi}
}

// TestDualActiveDeclineLeavesNoTrace: a solve whose start declines is the
// interior-point method's without the start bit for bit (iterate, info),
// on badly scaled small QPs where declines happen; and a solve the start
// ends is the same point to 1e-9 where both end solved.
func TestDualActiveDeclineLeavesNoTrace(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	declined, ended := 0, 0
	trials := 3000
	if testing.Short() {
		trials = 500
	}
	for trial := 0; trial < trials; trial++ {
		n := 1 + rng.Intn(6)
		p := rng.Intn(n)
		mi := rng.Intn(2 * n)
		P, c, A, b, cones := extremeQP(rng, n, p, mi, 2+2*rng.Float64())
		st, v := denseProblem(t, n, P, c, A, b, cones)
		on := solve(t, st, v, DefaultSettings())
		var off *Result
		withDualActive(0, func() { off = solve(t, st, v, DefaultSettings()) })
		if on.Info.Iter == 0 && on.Info.Status == StatusSolved {
			ended++
			continue
		}
		declined++
		if !testfam.SameBits(on.X, off.X) || !testfam.SameBits(on.Y, off.Y) || !testfam.SameBits(on.S, off.S) || on.Info != off.Info {
			t.Errorf("#%d (n %d, p %d, m %d): declined start: %+v, without it %+v", trial, n, p, mi, on.Info, off.Info)
		}
	}
	t.Logf("%d ended by the start, %d declined", ended, declined)
}
