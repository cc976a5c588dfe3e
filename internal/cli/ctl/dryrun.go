package ctl

import (
	"time"

	"github.com/golibcare/golibcare/internal/apply"
)

// printPlan reports a dry run of op ("apply", "cancel") on pid: the
// patches with their hunks, the imports and where they resolve, and the
// threads that would hold the run up.
func (o *Options) printPlan(op string, pid int, res *apply.Result, timeout time.Duration) {
	out := func(format string, args ...any) { printLine(o.Stdout, "dry run: "+format, args...) }
	for _, p := range res.Patches {
		out("would %s patch %s (level %d) of %s at %#x, %d bytes", op, p.ID, p.Level, p.Object, uint64(p.Address), p.Size)
		for _, h := range p.Hunks {
			if h.Daddr == 0 {
				out("  new function %s at %#x, %d bytes", h.Name, uint64(h.Saddr), h.Slen)
				continue
			}
			out("  %s %#x (%d bytes) -> %#x (%d bytes)", nameOr(h.Name, "hunk"), uint64(h.Daddr), h.Dlen, uint64(h.Saddr), h.Slen)
		}
	}
	if res.Plan == nil {
		return
	}
	for _, i := range res.Plan.Imports {
		kind := ""
		if i.IFunc {
			kind = " (IFUNC resolver, called by the real run)"
		}
		out("  import %s = %#x%s", i.Name, uint64(i.Addr), kind)
	}
	for _, b := range res.Plan.Busy {
		out("thread %d is inside %s: the run would wait for it up to %v", b.Tid, b.Function, timeout)
	}
	if len(res.Plan.Busy) == 0 {
		out("no thread is inside a function to change")
	}
	out("pid %d left as it was (stopped for %d microsecond)", pid, res.Frozen.Microseconds())
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
