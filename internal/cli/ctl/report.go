package ctl

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/golibcare/golibcare/internal/apply"
)

// Results of one process in the --json output of patch and unpatch.
const (
	resultApplied   = "applied"
	resultCancelled = "cancelled"
	resultNothing   = "nothing to do"
	resultFailed    = "failed"
)

// PidReport is what patch or unpatch did to one process: the element of
// their --json array.
type PidReport struct {
	Pid    int    `json:"pid"`
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
	// FrozenUs is the time the threads were stopped, WaitedUs the time
	// spent letting busy functions return, in microseconds.
	FrozenUs int64 `json:"frozen_time_us"`
	WaitedUs int64 `json:"waited_time_us"`
	// Patches lists what was applied or cancelled, per object, with its
	// hunks and addresses; Already what --idempotent found in place.
	Patches []apply.PatchInfo `json:"patches"`
	Already []apply.PatchInfo `json:"already_applied,omitempty"`
}

// reports collects the --json output; nil when printing text.
type reports struct {
	out  io.Writer
	list []PidReport
}

// jsonMode sends the text lines nowhere while --json is printed to the
// real stdout at the end; errors still go to stderr.
func (o *Options) jsonMode(on bool) *reports {
	if !on {
		return nil
	}
	r := &reports{out: o.Stdout, list: []PidReport{}}
	o.Stdout = io.Discard
	return r
}

// add records one process; a nil r (text mode) ignores it.
func (r *reports) add(pid int, res *apply.Result, result string, err error) {
	if r == nil {
		return
	}
	p := PidReport{Pid: pid, Result: result, Patches: []apply.PatchInfo{}}
	if res != nil {
		p.FrozenUs, p.WaitedUs = res.Frozen.Microseconds(), res.Waited.Microseconds()
		if res.Patches != nil {
			p.Patches = res.Patches
		}
		p.Already = res.Already
	}
	if err != nil {
		p.Result, p.Error = resultFailed, err.Error()
	}
	r.list = append(r.list, p)
}

// print writes the array; failed is returned unchanged.
func (r *reports) print(failed error) error {
	if r == nil {
		return failed
	}
	if err := printJSON(r.out, r.list); err != nil {
		return err
	}
	return failed
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// times prints the frozen and waited lines of upstream's format.
func (o *Options) times(op string, pid int, res *apply.Result) {
	if res == nil {
		return
	}
	info := o.logf(levelInfo)
	if res.Frozen > 0 {
		info("PID '%d' process %s frozen_time is %d microsecond", pid, op, res.Frozen.Microseconds())
	}
	if res.Waited > 0 {
		info("PID '%d' process %s waited_time is %d microsecond", pid, op, res.Waited.Microseconds())
	}
}
