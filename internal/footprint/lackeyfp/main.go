// Command lackeyfp prints the memory footprint of each call of the C ABI's
// lpgd_solve and lpgd_backward in a Go test binary of ./capi, read from a
// valgrind lackey trace on stdin (package footprint):
//
//	go test -c -o capi.test ./capi
//	go tool nm -size -sort address capi.test > nm.txt
//	cd capi && valgrind --tool=lackey --trace-mem=yes ../capi.test -test.run '^$' \
//	    -test.bench 'BPQPCallCycle/qp/100x20$' -test.benchtime 5x 2>&1 | \
//	    go run ../internal/footprint/lackeyfp ../nm.txt
//
// The first calls on a handle build its workers (megabytes, zeroed); the
// steady state is the later ones.
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/lpgd-go/lpgd_go/internal/footprint"
)

const pkg = "github.com/lpgd-go/lpgd_go/capi."

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lackeyfp:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: lackeyfp nm.txt < lackey-trace")
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		return err
	}
	syms, err := footprint.ParseNM(f)
	f.Close()
	if err != nil {
		return err
	}
	var regions []footprint.Region
	for _, p := range []struct {
		entry   string
		callers []string
	}{{"lpgd_solve", []string{"testSolveToken"}}, {"lpgd_backward", []string{"testBackwardGC", "testBackwardLayout"}}} {
		e, err := syms.Find(pkg + p.entry)
		if err != nil {
			return err
		}
		rg := footprint.Region{Entry: e}
		for _, name := range p.callers {
			if c, err := syms.Find(pkg + name); err == nil {
				rg.Callers = append(rg.Callers, c)
			}
		}
		regions = append(regions, rg)
	}
	calls, err := footprint.Count(os.Stdin, syms, regions)
	if err != nil {
		return err
	}
	for _, c := range calls {
		fmt.Printf("%s: data %d KiB (%d lines, %d written, %d KiB not touched by the previous call), code %d KiB (%d KiB not run by it), %d instructions, %d accesses\n",
			c.Entry[len(pkg):], c.Lines*footprint.LineSize/1024, c.Lines, c.Written, c.Fresh*footprint.LineSize/1024, c.CodeLines*footprint.LineSize/1024, c.FreshCode*footprint.LineSize/1024, c.Instructions, c.Accesses)
		type kv struct {
			f string
			n int
		}
		var v []kv
		for k, n := range c.ByFunction {
			v = append(v, kv{k, n})
		}
		sort.Slice(v, func(i, j int) bool { return v[i].n > v[j].n || v[i].n == v[j].n && v[i].f < v[j].f })
		for i := 0; i < len(v) && i < 12; i++ {
			fmt.Printf("  %7.1f KiB  %s\n", float64(v[i].n*footprint.LineSize)/1024, v[i].f)
		}
	}
	return nil
}
