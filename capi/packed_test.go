package main

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/diff"
	"github.com/lpgd-go/lpgd_go/internal/testfam"
)

// TestPackedEntries runs the ABI tests of lpgd_solve and lpgd_backward
// (results, call errors and their messages, precedence of data errors,
// factor records, block-major gradients, the PSD test) through
// lpgd_solve_packed and lpgd_backward_packed (testPacked).
func TestPackedEntries(t *testing.T) {
	testPacked = true
	defer func() { testPacked = false }()
	for _, tc := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"SolveAndBackwardThroughABI", TestSolveAndBackwardThroughABI},
		{"BatchStridesAndInfeasibleSample", TestBatchStridesAndInfeasibleSample},
		{"RowBlocksMatchOneBlock", TestRowBlocksMatchOneBlock},
		{"CSCRowBlocks", TestCSCRowBlocks},
		{"CallErrors", TestCallErrors},
		{"SolveChecksPSD", TestSolveChecksPSD},
		{"BackwardDataErrorFirst", TestBackwardDataErrorFirst},
		{"BackwardNonFiniteValuesAsSolve", TestBackwardNonFiniteValuesAsSolve},
		{"SolveB1TestsInTheGather", TestSolveB1TestsInTheGather},
		{"FactorRecordThroughABI", TestFactorRecordThroughABI},
		{"BlockMajorGradients", TestBlockMajorGradients},
		{"BlockMajorNeedsDenseA", TestBlockMajorNeedsDenseA},
		{"SolvePSDRejectEarly", TestSolvePSDRejectEarly},
	} {
		t.Run(tc.name, tc.run)
	}
}

// TestPackedNilArgs: a NULL args struct is an argument error of either
// packed entry (no message: the error buffer is one of the arguments).
func TestPackedNilArgs(t *testing.T) {
	if s, b := testPackedNil(); s != codeArgument || b != codeArgument {
		t.Fatalf("NULL args: codes %d, %d, want %d", s, b, codeArgument)
	}
}

func equalI32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// samePair fails t when the positional and the packed call's results
// differ: code, message and, after a successful call, every output bit
// (after a call error the outputs are not meaningful: samples that other
// workers reached before the error was found differ from run to run).
func samePair(t *testing.T, what string, s [2]testSolveOut, b *[2]testBackwardOut) {
	t.Helper()
	p, k := s[0], s[1]
	if p.code != k.code || p.msg != k.msg || (p.code == 0 && (!testfam.SameBits(p.x, k.x) || !testfam.SameBits(p.y, k.y) ||
		!testfam.SameBits(p.s, k.s) || !testfam.SameBits(p.info, k.info) || !equalI32(p.status, k.status))) {
		t.Fatalf("%s: lpgd_solve %d %q x %v status %v; lpgd_solve_packed %d %q x %v status %v",
			what, p.code, p.msg, p.x, p.status, k.code, k.msg, k.x, k.status)
	}
	if b == nil {
		return
	}
	bp, bk := b[0], b[1]
	if bp.code != bk.code || bp.msg != bk.msg || (bp.code == 0 && (!testfam.SameBits(bp.gc, bk.gc) || !testfam.SameBits(bp.gb, bk.gb) ||
		!equalI32(bp.status, bk.status) || !equalI32(bp.flags, bk.flags))) {
		t.Fatalf("%s: lpgd_backward %d %q gc %v; lpgd_backward_packed %d %q gc %v", what, bp.code, bp.msg, bp.gc, bk.code, bk.msg, bk.gc)
	}
}

// packedCase is one call of TestPackedMatchesPositional and
// FuzzPackedMatchesPositional: the problem (a NaN in c at nanAt when it is
// in range), the batch, the solve's settings size, the backward's
// settings and options sizes (0: right), whether the backward's settings
// reject the first sample's (almost solved) forward, the error buffer's
// length, the NULL arguments (testSolveNulls' and testBackwardNulls' bits)
// and whether the handle is a freed one.
type packedCase struct {
	batch                  int
	settingsSize           int64
	bwdSettingsSize, optSz int64
	bwdRejectAlmost        bool
	errLen                 int
	solveDrop, bwdDrop     uint
	nanAt                  int
	badHandle              bool
	method                 int
}

// runPackedCase calls both entries on c and fails t when they differ.
func runPackedCase(t *testing.T, c packedCase) {
	t.Helper()
	q := eqQP()
	h, code, msg := testNewDense(q)
	if code != 0 {
		t.Fatal(code, msg)
	}
	defer testFree(h)
	if c.batch > 1 {
		q.c = repeat(q.c, c.batch)
		q.cs = q.n
	}
	if c.nanAt >= 0 && c.nanAt < len(q.c) {
		q.c[c.nanAt] = math.NaN()
	}
	call := h
	if c.badHandle {
		h2, _, _ := testNewDense(q)
		testFree(h2)
		call = h2
	}
	what := fmt.Sprintf("%+v", c)
	s := testSolveNulls(call, q, c.batch, c.settingsSize, c.errLen, c.solveDrop)
	if s[0].code != 0 || c.batch < 1 {
		samePair(t, what, s, nil)
		return
	}
	nb := c.batch
	gx := make([]float64, nb*q.n)
	for i := range gx {
		gx[i] = float64(i%3) - 0.5
	}
	b := testBackwardNulls(call, q, nb, s[0], gx, c.method, c.bwdSettingsSize, c.optSz, c.bwdRejectAlmost, c.errLen, c.bwdDrop)
	samePair(t, what, s, &b)
}

// TestPackedMatchesPositional: lpgd_solve_packed and lpgd_backward_packed
// return what lpgd_solve and lpgd_backward return on the same arguments —
// code, message (truncated alike to a short error buffer) and every output
// bit — on successful calls and on each kind of call error.
func TestPackedMatchesPositional(t *testing.T) {
	ok := packedCase{batch: 1, errLen: 256, nanAt: -1, method: int(diff.MethodKKT)}
	with := func(f func(*packedCase)) packedCase { c := ok; f(&c); return c }
	for name, c := range map[string]packedCase{
		"solved B=1 kkt":        ok,
		"solved B=3 bpqp":       with(func(c *packedCase) { c.batch, c.method = 3, int(diff.MethodBPQP) }),
		"solved B=2 lpgd":       with(func(c *packedCase) { c.batch, c.method = 2, int(diff.MethodLPGD) }),
		"NaN in c, element 1":   with(func(c *packedCase) { c.batch, c.nanAt = 2, 3 }),
		"NaN, short err buffer": with(func(c *packedCase) { c.nanAt, c.errLen = 0, 7 }),
		"NaN, no err buffer":    with(func(c *packedCase) { c.nanAt, c.errLen = 0, 0 }),
		"settings size":         with(func(c *packedCase) { c.settingsSize = 8 }),
		"options size":          with(func(c *packedCase) { c.optSz = 8 }),
		"freed handle":          with(func(c *packedCase) { c.badHandle = true }),
		"batch 0":               with(func(c *packedCase) { c.batch = 0 }),
		"batch -1":              with(func(c *packedCase) { c.batch = -1 }),
		"NULL settings":         with(func(c *packedCase) { c.solveDrop, c.bwdDrop = 1, 1 }),
		"NULL values":           with(func(c *packedCase) { c.solveDrop = 2 }),
		"NULL out":              with(func(c *packedCase) { c.solveDrop = 4 }),
		"NULL out.x":            with(func(c *packedCase) { c.solveDrop = 8 }),
		"NULL out.y":            with(func(c *packedCase) { c.solveDrop = 16 }),
		"NULL out.status":       with(func(c *packedCase) { c.solveDrop = 32 }),
		"NULL opts":             with(func(c *packedCase) { c.bwdDrop = 2 }),
		"NULL backward values":  with(func(c *packedCase) { c.bwdDrop = 4 }),
		"NULL forward":          with(func(c *packedCase) { c.bwdDrop = 8 }),
		"NULL incoming":         with(func(c *packedCase) { c.bwdDrop = 16 }),
		"NULL gradients":        with(func(c *packedCase) { c.bwdDrop = 32 }),
		"NULL incoming.gx":      with(func(c *packedCase) { c.bwdDrop = 64 }),
		"NULL gradients.status": with(func(c *packedCase) { c.bwdDrop = 128 }),

		// The backward's own settings: a wrong size is its error, and an
		// almost solved forward is differentiated only when they accept it
		// (a packed entry that lost the settings word runs on the defaults).
		"backward settings size":  with(func(c *packedCase) { c.bwdSettingsSize = 8 }),
		"backward rejects almost": with(func(c *packedCase) { c.bwdRejectAlmost = true }),
		"B=2 lpgd rejects almost": with(func(c *packedCase) { c.batch, c.method, c.bwdRejectAlmost = 2, int(diff.MethodLPGD), true }),
	} {
		t.Run(name, func(t *testing.T) { runPackedCase(t, c) })
	}
}

// FuzzPackedMatchesPositional: on any batch, sizes, error buffer, NaN and
// set of NULL arguments, the packed entries return what the positional
// ones do (and never panic through the export).
func FuzzPackedMatchesPositional(f *testing.F) {
	f.Add(int8(1), int64(0), int64(0), int64(0), uint16(256), uint8(0), uint8(0), int8(-1), false, uint8(0))
	f.Add(int8(3), int64(0), int64(0), int64(0), uint16(5), uint8(0), uint8(0), int8(4), false, uint8(1))
	f.Add(int8(0), int64(8), int64(0), int64(0), uint16(0), uint8(8), uint8(16), int8(0), true, uint8(2))
	f.Add(int8(2), int64(0), int64(16), int64(0), uint16(64), uint8(0), uint8(0), int8(-1), false, uint8(2))
	f.Fuzz(func(t *testing.T, batch int8, setSz, bwdSetSz, optSz int64, errLen uint16, sDrop, bDrop uint8, nanAt int8,
		bad bool, method uint8) {
		if batch > 4 {
			return
		}
		runPackedCase(t, packedCase{batch: int(batch), settingsSize: setSz, bwdSettingsSize: bwdSetSz, optSz: optSz,
			errLen: int(errLen % 512), solveDrop: uint(sDrop) & 63, bwdDrop: uint(bDrop), nanAt: int(nanAt),
			badHandle: bad, method: int(method % 3)})
	})
}

// TestPackedMatchesPositionalSeeded runs FuzzPackedMatchesPositional's
// check on seeded random cases (go test runs a fuzz target on its seeds
// only).
func TestPackedMatchesPositionalSeeded(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for i := 0; i < 200; i++ {
		c := packedCase{batch: rng.Intn(6) - 1, errLen: []int{0, 1, 9, 256}[rng.Intn(4)], nanAt: rng.Intn(12) - 2,
			badHandle: rng.Intn(8) == 0, method: rng.Intn(3)}
		if rng.Intn(6) == 0 {
			c.settingsSize = int64(rng.Intn(300))
		}
		if rng.Intn(6) == 0 {
			c.optSz = int64(rng.Intn(300))
		}
		if rng.Intn(6) == 0 {
			c.bwdSettingsSize = int64(rng.Intn(300))
		}
		c.bwdRejectAlmost = rng.Intn(6) == 0
		if rng.Intn(3) == 0 {
			c.solveDrop = uint(1) << rng.Intn(6)
		}
		if rng.Intn(3) == 0 {
			c.bwdDrop = uint(1) << rng.Intn(8)
		}
		runPackedCase(t, c)
	}
}
