package ptrace_test

import (
	"fmt"

	"encoding/binary"
	"github.com/golibcare/golibcare/internal/procfs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"golang.org/x/sys/unix"
)

// Signal codes (asm-generic/siginfo.h).
const (
	siUser  = 0
	siQueue = -1
	siTkill = -6
)

// sigRecord is struct sigrec of fixtures/ptrace/survivor.c.
type sigRecord struct{ Code, Pid, Value, Pad int32 }

// sigLog reads n records of the fixture's log at addr.
func (s *survivor) sigLog(t testing.TB, addr uint64, n int) []sigRecord {
	t.Helper()
	b := make([]byte, 16*n)
	if _, err := s.mem.ReadAt(b, int64(addr)); err != nil {
		t.Fatal(err)
	}
	recs := make([]sigRecord, n)
	if _, err := binary.Decode(b, binary.LittleEndian, recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestQueuedSignalsKept queues 1000 numbered SIGRTMIN at 1 kHz from
// another process while the tracer stops the fixture, runs remote
// syscalls and a call in it and resumes it, over and over: every number
// must arrive exactly once, as sent (SI_QUEUE, the sender's pid, its
// value), whatever the stops.
func TestQueuedSignalsKept(t *testing.T) {
	const count = 1000
	s := startSurvivor(t)
	text := s.text(t)
	p := seize(t, s.pid)
	snd := startSender(t, s.pid, count, time.Millisecond)
	cycles := 0
	for running := true; running || cycles < 50; cycles++ {
		select {
		case <-snd.done:
			running = false
		default:
		}
		stopAndCall(t, p, s)
		time.Sleep(5 * time.Millisecond) // the signals that came meanwhile are delivered
	}
	t.Logf("%d stop cycles; sender: %s", cycles, snd.result(t))
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	s.checkQueued(t, snd.pid, count)
	s.check(t, "after the signals", text)
}

// sender is a running fixtures/ptrace/sigsender.
type sender struct {
	pid  int
	out  *testutil.Output
	done chan struct{} // closed when it has exited
	err  error
}

// startSender queues count numbered SIGRTMIN to pid, one per interval.
func startSender(t testing.TB, pid, count int, interval time.Duration) *sender {
	t.Helper()
	snd := &sender{out: &testutil.Output{}, done: make(chan struct{})}
	cmd := exec.Command(fixture(t, "sigsender"), strconv.Itoa(pid), strconv.Itoa(count), strconv.Itoa(int(interval.Microseconds())))
	cmd.Stdout, cmd.Stderr = snd.out, snd.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	snd.pid = cmd.Process.Pid
	go func() { snd.err = cmd.Wait(); close(snd.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-snd.done })
	return snd
}

// result waits for the sender to finish and returns its report.
func (snd *sender) result(t testing.TB) string {
	t.Helper()
	select {
	case <-snd.done:
	case <-time.After(time.Minute):
		t.Fatalf("sender still running after a minute")
	}
	if snd.err != nil {
		t.Fatalf("sender: %v\n%s", snd.err, snd.out)
	}
	return strings.TrimSpace(snd.out.String())
}

// checkQueued waits until the fixture handled count SIGRTMIN and checks
// that each of the values 0..count-1 came exactly once from pid with
// SI_QUEUE.
func (s *survivor) checkQueued(t testing.TB, pid, count int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.words(t, s.addrs["rtcount"], 1)[0] < uint64(count) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n := int(s.words(t, s.addrs["rtcount"], 1)[0])
	if n != count {
		t.Errorf("got %d SIGRTMIN, want %d; %s", n, count, s.signalState(t))
	}
	seen := make([]int, count)
	for i, r := range s.sigLog(t, s.addrs["rt"], min(n, count)) {
		if r.Code != siQueue || int(r.Pid) != pid || r.Value < 0 || int(r.Value) >= count {
			t.Fatalf("signal %d: got code %d pid %d value %d, want code %d pid %d and a value below %d",
				i, r.Code, r.Pid, r.Value, siQueue, pid, count)
		}
		seen[r.Value]++
	}
	bad := 0
	for v, n := range seen {
		if n != 1 && bad < 20 {
			t.Errorf("value %d arrived %d times, want once", v, n)
			bad++
		}
	}
}

// signalState describes the pending and blocked signals of every thread.
func (s *survivor) signalState(t testing.TB) string {
	var b strings.Builder
	tids, _ := procfs.Tasks(s.pid)
	for _, tid := range tids {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", s.pid, tid))
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n%d:", tid)
		for _, line := range strings.Split(string(st), "\n") {
			for _, k := range []string{"State", "TracerPid", "SigQ", "SigPnd", "ShdPnd", "SigBlk"} {
				if strings.HasPrefix(line, k+":") {
					b.WriteString(" " + strings.Join(strings.Fields(line), ""))
				}
			}
		}
	}
	return b.String()
}

// stopAndCall stops the process, maps and unmaps a page, calls clobber and
// resumes it.
func stopAndCall(t *testing.T, p *ptrace.Process, s *survivor) {
	t.Helper()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	addr, err := p.Syscall(0, unix.SYS_MMAP, 0, 4096, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
	if err != nil {
		t.Fatalf("remote mmap: %v", err)
	}
	if _, err := p.Syscall(0, unix.SYS_MUNMAP, addr, 4096); err != nil {
		t.Fatalf("remote munmap: %v", err)
	}
	if got, err := p.Call(0, s.clobber, 1, 2); err != nil || got != 3 {
		t.Fatalf("remote clobber(1, 2): got %d, %v, want 3", got, err)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
}

// TestStandardSignalKept sends SIGUSR1 while the fixture is stopped: to
// the process, then to the thread that then runs remote code. Each is
// delivered once, on resume, with its original si_code and si_pid.
func TestStandardSignalKept(t *testing.T) {
	s := startSurvivor(t)
	text := s.text(t)
	p := seize(t, s.pid)
	// The reader's read restarts after a SA_RESTART handler; a nanosleep
	// would return EINTR, as untraced.
	reader := s.tids["reader"]
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(s.pid, unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Syscall(0, unix.SYS_GETPID); err != nil {
		t.Fatal(err)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "first SIGUSR1", func() bool { return s.words(t, s.addrs["usr1count"], 1)[0] == 1 })

	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Tgkill(s.pid, reader, unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	// The reader dequeues the signal as soon as it runs: the remote call
	// waits for its delivery, then runs at the handler's entry.
	if got, err := p.SyscallOn(reader, 0, unix.SYS_GETTID); err != nil || got != uint64(reader) {
		t.Fatalf("remote gettid on the reader: got %d, %v, want %d", got, err, reader)
	}
	if n := s.words(t, s.addrs["usr1count"], 1)[0]; n != 1 {
		t.Fatalf("got %d SIGUSR1 handled while stopped, want 1 (the first)", n)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second SIGUSR1", func() bool { return s.words(t, s.addrs["usr1count"], 1)[0] >= 2 })
	time.Sleep(20 * time.Millisecond) // a duplicate would come now
	if n := s.words(t, s.addrs["usr1count"], 1)[0]; n != 2 {
		t.Errorf("got %d SIGUSR1, want 2", n)
	}
	want := []sigRecord{{siUser, int32(os.Getpid()), 0, 0}, {siTkill, int32(os.Getpid()), 0, 0}}
	if got := s.sigLog(t, s.addrs["usr1"], 2); !slices.Equal(got, want) {
		t.Errorf("got SIGUSR1 records %+v, want %+v", got, want)
	}
	s.check(t, "after SIGUSR1", text)
}
