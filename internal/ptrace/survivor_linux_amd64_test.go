package ptrace_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// Indexes of fixtures/ptrace/survivor.c's counters.
const (
	cChecker = iota
	cSleeper
	cReader
	cWaiter
	cPoller
	cMain
	cPollEINTR
	nCounters
)

var counterNames = [nCounters]string{"checker", "sleeper", "reader", "waiter", "poller", "main", "poll EINTR"}

// survivor is a running fixtures/ptrace/survivor.
type survivor struct {
	pid     int
	tids    map[string]int    // checker, sleeper, reader, waiter, poller
	addrs   map[string]uint64 // counters, fails, rt, rtcount, usr1, usr1count
	clobber uint64
	out     *testutil.Output
	mem     *os.File
}

// startSurvivor starts the fixture and parses its ready line.
func startSurvivor(t testing.TB) *survivor {
	t.Helper()
	path := fixture(t, "survivor")
	cmd, out := testutil.StartTarget(t, path)
	line := testutil.WaitOutput(t, out, "ready", 5*time.Second)
	s := &survivor{pid: cmd.Process.Pid, tids: map[string]int{}, addrs: map[string]uint64{}, out: out}
	for _, f := range strings.Fields(line[strings.Index(line, "ready"):]) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		if strings.HasPrefix(v, "0x") {
			s.addrs[k], _ = strconv.ParseUint(v[2:], 16, 64)
		} else if n, err := strconv.Atoi(v); err == nil && k != "avx" {
			s.tids[k] = n
		}
	}
	if len(s.tids) != 5 || len(s.addrs) != 6 {
		t.Fatalf("ready line %q: got tids %v addrs %v", line, s.tids, s.addrs)
	}
	s.clobber = symbol(t, s.pid, path, "clobber")
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", s.pid))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	s.mem = f
	return s
}

// words reads n 8-byte words of the fixture at addr.
func (s *survivor) words(t testing.TB, addr uint64, n int) []uint64 {
	t.Helper()
	b := make([]byte, 8*n)
	if _, err := s.mem.ReadAt(b, int64(addr)); err != nil {
		t.Fatalf("read pid %d at %#x: %v", s.pid, addr, err)
	}
	w := make([]uint64, n)
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return w
}

// text returns the bytes of every executable file mapping, by start.
func (s *survivor) text(t testing.TB) map[uint64][]byte {
	t.Helper()
	text := map[uint64][]byte{}
	for _, m := range readMaps(t, s.pid) {
		if !m.Exec() || !strings.HasPrefix(m.Path, "/") {
			continue
		}
		b := make([]byte, m.Size())
		if _, err := s.mem.ReadAt(b, int64(m.Start)); err != nil {
			t.Fatalf("read text %s at %#x: %v", m.Path, m.Start, err)
		}
		text[m.Start] = b
	}
	return text
}

// check fails the test unless the fixture is alive, untraced and running,
// every thread makes progress with all its checks passing, and its text is
// as in want.
func (s *survivor) check(t testing.TB, when string, want map[uint64][]byte) {
	t.Helper()
	waitUntil(t, when+": threads untraced and running", func() bool {
		for _, st := range taskStates(t, s.pid) {
			if st.TracerPid != 0 || st.State == "t" || st.State == "T" || st.State == "Z" {
				return false
			}
		}
		return true
	})
	base := s.words(t, s.addrs["counters"], nCounters)
	waitUntil(t, when+": every thread makes progress", func() bool {
		now := s.words(t, s.addrs["counters"], nCounters)
		for i := range cPollEINTR {
			if now[i] <= base[i] {
				return false
			}
		}
		return true
	})
	if fails := s.words(t, s.addrs["fails"], nCounters); fails != nil {
		for i, n := range fails {
			if n != 0 {
				t.Fatalf("%s: %d failed checks in %s\n%s", when, n, counterNames[i], s.out.String())
			}
		}
	}
	for start, b := range s.text(t) {
		if w, ok := want[start]; !ok || !bytes.Equal(w, b) {
			t.Fatalf("%s: text at %#x changed (%d bytes, first difference at %d)", when, start, len(b), firstDiff(w, b))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// status returns the fixture's thread states, for messages.
func (s *survivor) status(t testing.TB) string {
	var b strings.Builder
	for tid, st := range taskStates(t, s.pid) {
		fmt.Fprintf(&b, " %d:%s/%d", tid, st.State, st.TracerPid)
	}
	return b.String()
}
