package ipm

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/kkt"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// BenchmarkBPQPForward is the forward solve of the BPQP study's dense QPs
// and ε-ridge LPs (testfam.BPQPQP, BPQPLP; k equality and k inequality
// rows) as lpgd_solve runs it at B = 1: one thread, default settings, the
// polish factor record kept, 8 instances of each size solved in turn (the
// study solves a new random problem each call). It reports the iterations:
//
//	go test ./gocore/ipm -run '^$' -bench BPQPForward -cpuprofile cpu.out
func BenchmarkBPQPForward(b *testing.B) {
	for _, sz := range [][2]int{{10, 5}, {50, 10}, {100, 20}, {500, 100}} {
		for _, lp := range []bool{false, true} {
			n, k := sz[0], sz[1]
			kind := map[bool]string{false: "qp", true: "lp"}[lp]
			b.Run(fmt.Sprintf("%s/%dx%d", kind, n, k), func(b *testing.B) {
				gen := testfam.BPQPQP
				if lp {
					gen = testfam.BPQPLP
				}
				f := familyData{}
				rng := rand.New(rand.NewSource(int64(n + k)))
				for i := 0; i < 8; i++ {
					P, c, A, bb, cones := gen(rng, n, k)
					st, v := denseProblem(b, n, P, c, A, bb, cones)
					f.st = st
					f.vs = append(f.vs, v)
				}
				benchSolvesRecorded(b, &f)
			})
		}
	}
}

// benchSolvesRecorded is benchSolves on a new solver for f's structure at
// default settings that keeps the polish factor record, as lpgd_solve
// does at B = 1.
func benchSolvesRecorded(b *testing.B, f *familyData) {
	an, err := kkt.Analyse(f.st, LinearAuto)
	if err != nil {
		b.Fatal(err)
	}
	w, err := NewSolver(an, DefaultSettings())
	if err != nil {
		b.Fatal(err)
	}
	w.SetFactorSink(make([]float64, PolishFactorLen(an)))
	benchSolves(b, w, f)
}
