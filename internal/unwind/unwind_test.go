package unwind

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestUnwindChain unwinds stacks captured by fixtures/unwind/chain.c and
// checks the executable's frames symbolize to the call chain, in order,
// through libc where the chain crosses it, up to the outermost frame.
func TestUnwindChain(t *testing.T) {
	modes := []struct {
		mode string
		want []string // the executable's frames, innermost first
		libc []string // frames of want followed by libc frames
	}{
		{"direct", []string{"snap", "c", "b", "a", "main", "_start"}, []string{"main"}},
		{"qsort", []string{"snap", "c", "cmp", "b", "a", "main", "_start"}, []string{"cmp", "main"}},
		{"thread", []string{"snap", "c", "b", "a", "thread_main"}, []string{"thread_main"}},
	}
	for _, v := range variants {
		for _, m := range modes {
			t.Run(v.name+"/"+m.mode, func(t *testing.T) {
				c := runCapture(t, buildFixture(t, "chain.c", v), m.mode)
				objs := objects(t, c)
				pcs, complete, err := Unwind(c.regs, modules(objs), c.stack, 64)
				trace := describe(objs, pcs)
				if err != nil || !complete {
					t.Fatalf("Unwind: complete %v, err %v, want complete\n%s", complete, err, trace)
				}
				t.Logf("complete %v\n%s", complete, trace)
				exe := objs[0].path
				var got []string
				for _, pc := range pcs {
					if o, fn := symbolize(objs, pc); o != nil && o.path == exe {
						got = append(got, fn)
					}
				}
				if !slices.Equal(got, m.want) {
					t.Fatalf("executable frames: got %v, want %v\n%s", got, m.want, trace)
				}
				for _, fn := range m.libc {
					if libcAfter(objs, pcs, fn) == 0 {
						t.Errorf("no libc frame after %s\n%s", fn, trace)
					}
				}
			})
		}
	}
}

// libcAfter counts the libc frames right after the executable's frame
// named inner, up to the next frame of the executable.
func libcAfter(objs []*object, pcs []uint64, inner string) int {
	n, seen := 0, false
	for _, pc := range pcs {
		o, fn := symbolize(objs, pc)
		switch {
		case o == objs[0] && seen:
			return n
		case o == objs[0] && fn == inner:
			seen = true
		case seen && o != nil && strings.Contains(o.path, "libc.so"):
			n++
		}
	}
	return n
}

func describe(objs []*object, pcs []uint64) string {
	var b strings.Builder
	for i, pc := range pcs {
		o, fn := symbolize(objs, pc)
		path := "?"
		if o != nil {
			path = o.path
		}
		fmt.Fprintf(&b, "  #%d %#x %s (%s)\n", i, pc, fn, path)
	}
	return b.String()
}
