//go:build linux && amd64

package ctl_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
)

// surviveTarget is fixtures/ctl/survive.c running.
type surviveTarget struct {
	*target
	work uint64            // address of work
	text map[uint64][]byte // original code
}

func startSurvive(t *testing.T, bin string) *surviveTarget {
	t.Helper()
	s := &surviveTarget{target: startTarget(t, bin)}
	s.wait(t, "work at ")
	s.wait(t, "\n")
	line := s.out.String()[:s.mark]
	line = line[strings.LastIndex(line, "work at ")+len("work at ") : len(line)-1]
	w, err := strconv.ParseUint(strings.TrimPrefix(line, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("work at %q: %v", line, err)
	}
	s.work = w
	s.text = testutil.ProcessText(t, s.pid, bin)
	return s
}

// report is one line of the fixture's counters.
type report struct{ tick, old, new, read, sleep, futex, poll, eintr, fail uint64 }

func parseReport(line string) (report, bool) {
	var r report
	_, err := fmt.Sscanf(line, "tick %d old %d new %d read %d sleep %d futex %d poll %d eintr %d fail %d",
		&r.tick, &r.old, &r.new, &r.read, &r.sleep, &r.futex, &r.poll, &r.eintr, &r.fail)
	return r, err == nil
}

// nextReport waits for the next report line printed wholly after the
// mark (the text right after the mark may be the rest of a line).
func (s *surviveTarget) nextReport(t *testing.T) report {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		rest := s.out.String()[s.mark:]
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			if j := strings.IndexByte(rest[i+1:], '\n'); j >= 0 {
				line := rest[i+1 : i+1+j]
				s.mark += i + 1 // the line's start: its end starts the next partial
				if r, ok := parseReport(line); ok {
					return r
				}
				t.Fatalf("pid %d: got line %q, want a report", s.pid, line)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: no report in %v; output ends %q", s.pid, waitTime, tail(rest))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alive fails the test now unless the target is alive, not stopped and
// not traced.
func (s *surviveTarget) alive(t *testing.T, when string) {
	t.Helper()
	testutil.CheckUntraced(t, s.pid)
	if t.Failed() {
		t.Fatalf("%s; output ends %q", when, tail(s.out.String()))
	}
}

// code returns which code the target runs: "old" when its text is the
// original, "new" when the only change is the jump at work into an
// anonymous executable mapping (a patch region). Anything else fails the
// test: a half-written jump, an int3, code changed elsewhere.
func (s *surviveTarget) code(t *testing.T, when string) string {
	t.Helper()
	cur := testutil.ProcessText(t, s.pid, s.bin)
	var at []byte // the 5 bytes at work
	changed := false
	for start, old := range s.text {
		b := cur[start]
		if len(b) != len(old) {
			t.Fatalf("%s: text mapping at %#x changed size", when, start)
		}
		for i := range old {
			a := start + uint64(i)
			if old[i] != b[i] {
				changed = true
				if a < s.work || a >= s.work+5 {
					t.Fatalf("%s: code changed at %#x (%#x -> %#x), outside the jump at work %#x", when, a, old[i], b[i], s.work)
				}
			}
			if a == s.work && i+5 <= len(b) {
				at = b[i : i+5]
			}
		}
	}
	if !changed {
		return "old"
	}
	if at == nil || at[0] != 0xe9 {
		t.Fatalf("%s: got % x at work, want the original bytes or a jmp rel32", when, at)
	}
	dest := s.work + 5 + uint64(int64(int32(binary.LittleEndian.Uint32(at[1:]))))
	maps, err := procfs.ReadMaps(s.pid)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range maps {
		if dest >= m.Start && dest < m.End {
			if m.Inode != 0 || m.Path != "" || !m.Exec() {
				t.Fatalf("%s: the jump at work goes to %#x, in %+v, not a patch region", when, dest, m)
			}
			return "new"
		}
	}
	t.Fatalf("%s: the jump at work goes to %#x, which is not mapped", when, dest)
	return ""
}

// behaves checks that the target runs version want of work only and that
// every thread makes progress with all its checks passing.
func (s *surviveTarget) behaves(t *testing.T, want, when string) {
	t.Helper()
	s.skip()
	first := s.nextReport(t)
	for deadline := time.Now().Add(waitTime); ; {
		r := s.nextReport(t)
		if r.fail != 0 {
			t.Fatalf("%s: the target reports %d failed check(s): %+v", when, r.fail, r)
		}
		if want == "old" && r.new != first.new || want == "new" && r.old != first.old {
			t.Fatalf("%s: the target runs both versions of work, want %s only: %+v then %+v", when, want, first, r)
		}
		ran := r.old > first.old
		if want == "new" {
			ran = r.new > first.new
		}
		if ran && r.read > first.read && r.sleep > first.sleep && r.futex > first.futex && r.poll > first.poll {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: a thread made no progress in %v: %+v then %+v", when, waitTime, first, r)
		}
	}
}

// ctlCount runs the hooked libcare-ctl to the end and returns the number
// of ptrace requests it made.
func ctlCount(t *testing.T, hooked, countFile string, args ...string) int {
	t.Helper()
	run := startCtl(t, hooked, []string{ptrace.TestCountFileEnv + "=" + countFile}, args...)
	if code, sig := run.wait(t); code != 0 {
		t.Fatalf("libcare-ctl %v: exit %d, signal %v\n%s%s", args, code, sig, run.stdout, run.stderr)
	}
	b, err := os.ReadFile(countFile)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("count file: %v", err)
	}
	return n
}

// ctlOK runs libcare-ctl (no hook) and fails the test unless it exits 0
// or fails with one of the lines allowed.
func ctlOK(t *testing.T, when string, allowed []string, args ...string) {
	t.Helper()
	r := testutil.Ctl(t, args...)
	if r.Code == 0 {
		return
	}
	for _, a := range allowed {
		if r.Code == 255 && strings.Contains(r.Stderr, a) {
			return
		}
	}
	t.Fatalf("%s: libcare-ctl %v: exit %d\n%s%s", when, args, r.Code, r.Stdout, r.Stderr)
}

// deathStats counts what the kills of one command did.
type deathStats struct {
	kills, inWait, finished int
	states                  map[string]int
}

// TestTracerDeath SIGKILLs libcare-ctl right after its N-th ptrace request
// (ptrace.TestKillAfterEnv, a tool built with the test hook), for every N
// of a patch and then of an unpatch, on a five-thread target: one thread
// spends most of its time in the patched function (the run mostly waits
// for it, sampling its stack), the others block in read, nanosleep,
// futex and epoll_wait. After each kill the target must be alive, neither
// stopped nor traced, run the original or the new code and nothing else
// (code bytes and what it reports), and every thread must go on with its
// checks passing; then libcare-ctl info, patch or unpatch (in turn)
// repairs what the run left and the target is brought back, through
// plain runs, to the state the next kill starts from, with no mapping
// left over (a kill right after the region's mmap leaves a zeroed one that
// the region journal names: apply/journal.go). At the end the target's
// mappings are the ones it started with.
func TestTracerDeath(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "survive.c", Patched: "survive.patched.c", LDFlags: []string{"-pthread"}})
	hooked := testutil.HookedTool(t, "libcare-ctl")
	s := startSurvive(t, pb.Binary)
	s.behaves(t, "old", "at start")
	mapsBefore, err := procfs.ReadMaps(s.pid)
	if err != nil {
		t.Fatal(err)
	}
	patchArgs := []string{"-v", "patch", "-p", s.p(), "--timeout", "30s", pb.Kpatch}
	unpatchArgs := []string{"-v", "unpatch", "-p", s.p(), "--timeout", "30s"}

	// The number of requests varies with the slices the safety check
	// runs (more under load): the median of three runs bounds N, and
	// past it the kills go on until a run finishes first.
	countFile := filepath.Join(t.TempDir(), "count")
	counts := map[string][]int{}
	for range 3 {
		counts["patch"] = append(counts["patch"], ctlCount(t, hooked, countFile, patchArgs...))
		counts["unpatch"] = append(counts["unpatch"], ctlCount(t, hooked, countFile, unpatchArgs...))
	}
	total := map[string]int{}
	for cmd, c := range counts {
		slices.Sort(c)
		total[cmd] = c[1]
	}
	t.Logf("ptrace requests of a run: patch %v, unpatch %v", counts["patch"], counts["unpatch"])
	stride := 1
	if testing.Short() {
		stride = 7
	}

	for _, cmd := range []string{"patch", "unpatch"} {
		st := deathStats{states: map[string]int{}}
		finishedLast := false
		base, done := "old", "new" // the state before and after cmd
		args := patchArgs
		if cmd == "unpatch" {
			base, done, args = "new", "old", unpatchArgs
			testutil.MustCtl(t, "patch", "-p", s.p(), pb.Kpatch)
		}
		for n := 1; n <= total[cmd] || !finishedLast; n += stride {
			if n > 4*total[cmd] {
				t.Fatalf("%s still killed after %d requests, 4 times as many as a run makes", cmd, n)
			}
			when := fmt.Sprintf("%s killed after %d ptrace request(s)", cmd, n)
			run := startCtl(t, hooked, []string{fmt.Sprintf("%s=%d", ptrace.TestKillAfterEnv, n)}, args...)
			code, sig := run.wait(t)
			out := run.stdout.String()
			finishedLast = sig != syscall.SIGKILL
			switch {
			case sig == syscall.SIGKILL:
				st.kills++
				if strings.Contains(out, "is inside work: running for") && !strings.Contains(out, " 0 busy") {
					st.inWait++
				}
			case code == 0:
				st.finished++
				when = fmt.Sprintf("%s not killed by request %d", cmd, n)
			default:
				t.Fatalf("%s: exit %d, signal %v\n%s%s", when, code, sig, out, run.stderr)
			}
			s.alive(t, when)
			state := s.code(t, when)
			st.states[state]++
			if sig != syscall.SIGKILL && state != done {
				t.Fatalf("%s: the run succeeded but the target runs %s code", when, state)
			}
			s.behaves(t, state, when)

			// Repair, in turn by info, patch or unpatch, and bring the
			// target back to base.
			then := when + ", then "
			switch n / stride % 3 {
			case 0:
				testutil.MustCtl(t, "info", "-p", s.p())
				if s.code(t, then+"info") != base {
					back := map[string][]string{"old": {"unpatch", "-p", s.p()}, "new": {"patch", "-p", s.p(), pb.Kpatch}}
					testutil.MustCtl(t, back[base]...)
				}
			case 1:
				ctlOK(t, then+"patch", []string{"is already applied"}, "patch", "-p", s.p(), pb.Kpatch)
				if s.code(t, then+"patch") != "new" {
					t.Fatalf("%s: patch left the old code", then)
				}
				if base == "old" {
					testutil.MustCtl(t, "unpatch", "-p", s.p())
				}
			case 2:
				ctlOK(t, then+"unpatch", []string{"no patch found"}, "unpatch", "-p", s.p())
				if s.code(t, then+"unpatch") != "old" {
					t.Fatalf("%s: unpatch left the new code", then)
				}
				if base == "new" {
					testutil.MustCtl(t, "patch", "-p", s.p(), pb.Kpatch)
				}
			}
			s.alive(t, then+"repair")
			if got := s.code(t, then+"repair"); got != base {
				t.Fatalf("%s: got %s code after the repair, want %s", then, got, base)
			}
			want := map[string]int{"old": 0, "new": 1}[base]
			if got := testutil.AnonExec(t, s.pid); got != want {
				t.Fatalf("%s: got %d anonymous executable mapping(s), want %d\n%s", then, got, want, out)
			}
		}
		t.Logf("%s: %d kill point(s) (%d during a busy-function wait), %d run(s) finished first; target left on %v; 0 targets harmed, 0 mappings leaked",
			cmd, st.kills, st.inWait, st.finished, st.states)
		if st.inWait == 0 && !testing.Short() {
			t.Errorf("%s: no kill landed in a busy-function wait: the fixture's busy thread was never found inside work", cmd)
		}
	}
	testutil.MustCtl(t, "unpatch", "-p", s.p())
	s.behaves(t, "old", "at the end")
	mapsAfter, err := procfs.ReadMaps(s.pid)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(mapsAfter, mapsBefore) {
		t.Errorf("the mappings differ at the end:\n%v\nwant\n%v", mapsAfter, mapsBefore)
	}
	if got := testutil.ProcessText(t, s.pid, s.bin); !reflect.DeepEqual(got, s.text) {
		t.Errorf("the code differs from the original at the end")
	}
}
