package footprint

import (
	"errors"
	"strings"
	"testing"
)

const nm = `  401000        32 T main.caller
  401100        64 T main.entry
  401200        16 T runtime.memmove
`

// TestCount: a trace with two calls of the entry (and accesses outside
// them, which are not counted) gives each call's distinct data lines — an
// access across a line boundary counts both, a line touched twice once,
// stores (S, M) as written — attributed to the function whose instruction
// touched them first, and its code lines.
func TestCount(t *testing.T) {
	syms, err := ParseNM(strings.NewReader(nm))
	if err != nil {
		t.Fatal(err)
	}
	e, err1 := syms.Find("main.entry")
	c, err2 := syms.Find("main.caller")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := syms.Find("main.none"); !errors.Is(err, ErrNoSymbol) {
		t.Fatalf("Find of a missing symbol: %v", err)
	}
	trace := strings.Join([]string{
		"==1== lackey",
		"I  00401000,4",
		" L 00009000,8", // outside a call
		"I  00401100,4", // call 1
		" L 00010000,8",
		" S 00010038,16", // lines 0x10000 and 0x10040
		"I  00401200,4",
		" M 00010000,8", // seen: stays the entry's
		" L 00020000,8", // memmove's
		"I  00401004,4", // back in the caller: call 1 ends
		" L 00030000,8", // outside
		"I  00401100,4", // call 2
		" S 00040000,8",
		"I  00401008,4",
		"",
	}, "\n")
	calls, err := Count(strings.NewReader(trace), syms, []Region{{Entry: e, Callers: []Symbol{c}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	c1 := calls[0]
	if c1.Lines != 3 || c1.Written != 2 || c1.Instructions != 2 || c1.Accesses != 4 || c1.CodeLines != 2 {
		t.Errorf("call 1: %+v, want 3 lines, 2 written, 2 instructions, 4 accesses, 2 code lines", c1)
	}
	if c1.ByFunction["main.entry"] != 2 || c1.ByFunction["runtime.memmove"] != 1 {
		t.Errorf("call 1 by function: %v", c1.ByFunction)
	}
	if c2 := calls[1]; c2.Lines != 1 || c2.Written != 1 || c2.Instructions != 1 {
		t.Errorf("call 2: %+v, want 1 line written by 1 instruction", c2)
	}
}
