package main

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
)

// TestCallPairAllocs: a warm B = 1 lpgd_solve + lpgd_backward pair (the
// BPQP study's QP and ε-ridge LP with the PSD test of P, both backward
// methods, gc only) on one thread allocates nothing: the call state, the
// inputs, the PSD results and the batch job's funcs come from pools.
func TestCallPairAllocs(t *testing.T) {
	callPairAllocs(t)
}

// TestPackedCallPairAllocs is TestCallPairAllocs through the packed
// entries (lpgd_solve_packed, lpgd_backward_packed on arguments written
// once): nothing allocated either.
func TestPackedCallPairAllocs(t *testing.T) {
	testPacked = true
	defer func() { testPacked = false }()
	callPairAllocs(t)
}

func callPairAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	testSetThreads(1)
	defer testSetThreads(0)
	for _, lp := range []bool{false, true} {
		for _, method := range []diff.Method{diff.MethodKKT, diff.MethodBPQP} {
			t.Run(fmt.Sprintf("lp=%v/method=%d", lp, method), func(t *testing.T) {
				q := bpqpInstance(rand.New(rand.NewSource(5)), 10, 5, lp)
				h, code, msg := testNewDense(q)
				if code != 0 {
					t.Fatal(code, msg)
				}
				defer testFree(h)
				pair, free := testPreparedPair(h, q, int(method))
				defer free()
				for i := 0; i < 3; i++ { // warm the pools
					if c1, c2 := pair(); c1 != 0 || c2 != 0 {
						t.Fatalf("codes %d, %d", c1, c2)
					}
				}
				if a := testing.AllocsPerRun(50, func() { pair() }); a != 0 {
					t.Fatalf("%v allocations per solve + backward, want 0", a)
				}
			})
		}
	}
}
