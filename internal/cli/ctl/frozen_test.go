//go:build linux && amd64

package ctl_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

var (
	stopLineRe  = regexp.MustCompile(`(?m)^stop (\d+) of pid \d+: (.*) = stopped for (\S+)$`)
	summaryRe   = regexp.MustCompile(`(?m)^frozen_time (\S+) in (\d+) stop\(s\); waited (\S+) for busy functions$`)
	lapPrefixes = []string{"interrupt ", "wait for "}
)

// TestFrozenTimeAccounted checks that -v accounts for every nanosecond
// of frozen_time: each stop line's parts (interrupt, wait for the stops,
// the work, resume or detach) add up to that stop, and the stops add up
// to the frozen_time printed, for a patch, an unpatch and a patch of a
// function that is busy most of the time (several stops with waits
// between them, which are not frozen time).
func TestFrozenTimeAccounted(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	for _, tc := range []struct{ orig, patched string }{
		{"bench.c", "bench.patched.c"},
		{"busy.c", "busy.patched.c"},
	} {
		t.Run(tc.orig, func(t *testing.T) {
			pb := buildPatch(t, dir, testutil.ManualOpts{Orig: tc.orig, Patched: tc.patched, LDFlags: []string{"-pthread"}})
			tg := startTarget(t, pb.Binary)
			tg.wait(t, "\n")
			r := testutil.MustCtl(t, "-v", "patch", "-p", tg.p(), "--timeout", "30s", pb.Kpatch)
			checkFrozen(t, r.Stdout+r.Stderr)
			r = testutil.MustCtl(t, "-v", "unpatch", "-p", tg.p(), "--timeout", "30s")
			checkFrozen(t, r.Stdout+r.Stderr)
		})
	}
}

// checkFrozen checks the -v accounting of one run's output.
func checkFrozen(t *testing.T, out string) {
	t.Helper()
	stops := stopLineRe.FindAllStringSubmatch(out, -1)
	sum := regexp.MustCompile(`frozen_time is (\d+) microsecond`).FindStringSubmatch(out)
	summary := summaryRe.FindStringSubmatch(out)
	if len(stops) == 0 || sum == nil || summary == nil {
		t.Fatalf("got output\n%s\nwant stop lines, a frozen_time summary and a frozen_time line", out)
	}
	var total time.Duration
	for i, s := range stops {
		if s[1] != strconv.Itoa(i+1) {
			t.Errorf("stop line %d is numbered %s", i+1, s[1])
		}
		var parts time.Duration
		laps := strings.Split(s[2], " + ")
		for k, l := range laps {
			if k < len(lapPrefixes) && !strings.HasPrefix(l, lapPrefixes[k]) {
				t.Errorf("stop %s: part %d is %q, want it to start with %q", s[1], k+1, l, lapPrefixes[k])
			}
			parts += mustDuration(t, l[strings.LastIndex(l, " ")+1:])
		}
		if last := laps[len(laps)-1]; !strings.HasPrefix(last, "resume ") && !strings.HasPrefix(last, "detach ") {
			t.Errorf("stop %s ends with %q, want resume or detach", s[1], last)
		}
		d := mustDuration(t, s[3])
		if parts != d {
			t.Errorf("stop %s: parts %q add up to %v, want the stop's %v", s[1], s[2], parts, d)
		}
		total += d
	}
	if got := mustDuration(t, summary[1]); got != total {
		t.Errorf("summary says frozen_time %v, the %d stop(s) add up to %v", got, len(stops), total)
	}
	if summary[2] != strconv.Itoa(len(stops)) {
		t.Errorf("summary counts %s stop(s), got %d stop lines", summary[2], len(stops))
	}
	if us, _ := strconv.ParseInt(sum[1], 10, 64); us != total.Microseconds() {
		t.Errorf("frozen_time is %d µs, the stops add up to %v", us, total)
	}
	if len(stops) > 1 && mustDuration(t, summary[3]) == 0 {
		t.Errorf("%d stops but no time waited between them", len(stops))
	}
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("parse duration %q: %v", s, err)
	}
	return d
}
