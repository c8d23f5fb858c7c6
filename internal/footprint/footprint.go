// Package footprint measures the memory a function call touches: it reads a
// valgrind lackey trace (valgrind --tool=lackey --trace-mem=yes) and
// counts, for each call of an entry function, the distinct 64-byte cache
// lines of data it loads or stores and of code it runs, attributing each
// data line to the function whose instruction touched it first. It is the
// measure of how much of the caller's L2 working set a library call can
// evict (issue 16: the Python time around each B = 1 call grows with the
// call's footprint); lackeyfp is its command.
package footprint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// LineSize is the cache line size the counts are in.
const LineSize = 64

// Symbol is a function's code range [Addr, End).
type Symbol struct {
	Addr, End uint64
	Name      string
}

// Symbols is a symbol table sorted by address.
type Symbols []Symbol

// ErrNoSymbol is returned for a function name not in the table.
var ErrNoSymbol = errors.New("footprint: no such symbol")

// ParseNM reads `go tool nm -size -sort address` output (address, size,
// type, name per line); lines of another form are skipped.
func ParseNM(r io.Reader) (Symbols, error) {
	var s Symbols
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 {
			continue
		}
		a, err := strconv.ParseUint(fs[0], 16, 64)
		if err != nil {
			continue
		}
		sz, err := strconv.ParseUint(fs[1], 10, 64)
		if err != nil {
			continue
		}
		s = append(s, Symbol{a, a + max(sz, 1), strings.Join(fs[3:], " ")})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].Addr < s[j].Addr })
	return s, sc.Err()
}

// Find returns the symbol named name.
func (s Symbols) Find(name string) (Symbol, error) {
	for _, x := range s {
		if x.Name == name {
			return x, nil
		}
	}
	return Symbol{}, fmt.Errorf("%w: %s", ErrNoSymbol, name)
}

// lookup names the function holding address a ("?" for none).
func (s Symbols) lookup(a uint64) string {
	i := sort.Search(len(s), func(i int) bool { return s[i].End > a })
	if i < len(s) && s[i].Addr <= a {
		return s[i].Name
	}
	return "?"
}

// Region is an entry function and its callers: a call starts at the
// entry's first instruction and ends at the next instruction in one of the
// callers.
type Region struct {
	Entry   Symbol
	Callers []Symbol
}

// returned reports whether address a is in one of the region's callers.
func (rg *Region) returned(a uint64) bool {
	for _, c := range rg.Callers {
		if a >= c.Addr && a < c.End {
			return true
		}
	}
	return false
}

// Call is the footprint of one call of a Region's entry.
type Call struct {
	// Entry is the entry function's name.
	Entry string
	// Lines and Written are the distinct data lines touched and stored to;
	// CodeLines the distinct lines of instructions run.
	Lines, Written, CodeLines int
	// Instructions and Accesses count what the call ran and its data
	// loads and stores.
	Instructions, Accesses int
	// ByFunction is the data lines per function that touched them first.
	ByFunction map[string]int
	// Fresh and FreshCode are the data and code lines the previous call
	// (of any region) did not touch: what a call pair adds to the cache
	// over the first call's.
	Fresh, FreshCode int
}

// Count reads a lackey trace and returns the footprint of every call of
// the regions' entries, in trace order.
func Count(r io.Reader, syms Symbols, regions []Region) ([]Call, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	in := -1
	var cur uint64
	var lines, prev map[uint64]string
	var wr, code, prevCode map[uint64]bool
	var c Call
	var calls []Call
	for {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return calls, err
		}
		kind, addr, size, ok := parseLine(l)
		if !ok {
			continue
		}
		if kind == 'I' {
			if in < 0 {
				for i, rg := range regions {
					if addr == rg.Entry.Addr {
						in = i
						lines, wr, code = map[uint64]string{}, map[uint64]bool{}, map[uint64]bool{}
						c = Call{Entry: rg.Entry.Name}
						break
					}
				}
			} else if regions[in].returned(addr) {
				c.Lines, c.Written, c.CodeLines = len(lines), len(wr), len(code)
				c.ByFunction = map[string]int{}
				for ln, f := range lines {
					c.ByFunction[f]++
					if _, seen := prev[ln]; !seen {
						c.Fresh++
					}
				}
				for ln := range code {
					if !prevCode[ln] {
						c.FreshCode++
					}
				}
				prev, prevCode = lines, code
				calls = append(calls, c)
				in = -1
			}
			if in >= 0 {
				c.Instructions++
				cur = addr
				for ln := addr / LineSize; ln <= (addr+size-1)/LineSize; ln++ {
					code[ln] = true
				}
			}
			continue
		}
		if in < 0 {
			continue
		}
		c.Accesses++
		for ln := addr / LineSize; ln <= (addr+size-1)/LineSize; ln++ {
			if _, seen := lines[ln]; !seen {
				lines[ln] = syms.lookup(cur)
			}
			if kind == 'S' || kind == 'M' {
				wr[ln] = true
			}
		}
	}
	return calls, nil
}

// parseLine reads one lackey trace line: "I  addr,size" for an
// instruction, " L addr,size", " S …" or " M …" for a load, store or
// modify.
func parseLine(l []byte) (kind byte, addr, size uint64, ok bool) {
	if len(l) < 4 || l[0] == '=' {
		return 0, 0, 0, false
	}
	kind = l[0]
	if kind == ' ' {
		kind = l[1]
	}
	if kind != 'I' && kind != 'L' && kind != 'S' && kind != 'M' {
		return 0, 0, 0, false
	}
	s := strings.TrimSpace(string(l[2:]))
	c := strings.IndexByte(s, ',')
	if c < 0 {
		return 0, 0, 0, false
	}
	a, err1 := strconv.ParseUint(s[:c], 16, 64)
	z, err2 := strconv.ParseUint(s[c+1:], 10, 64)
	if err1 != nil || err2 != nil || z == 0 {
		return 0, 0, 0, false
	}
	return kind, a, z, true
}
